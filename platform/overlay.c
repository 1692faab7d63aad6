#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "platform/fsutil.h"
#include "platform/overlay.h"

/* Paths with ',' or ':' would split the option string. */
static bool path_ok(const char *p)
{
	return p && *p && !strpbrk(p, ",:");
}

int overlay_options(const struct overlay_opts *o, char *out, size_t size, struct tug_err *err)
{
	size_t used = 0;
	int n;

	if (!o->nlowers)
		return tug_err_set(err, EINVAL, "overlay: no layers");
	n = snprintf(out, size, "lowerdir=");
	used = (size_t)n;
	for (size_t i = 0; i < o->nlowers; i++) {
		if (!path_ok(o->lowers[i]))
			return tug_err_set(err, EINVAL, "overlay: bad layer path '%s'", o->lowers[i]);
		n = snprintf(out + used, size - used, "%s%s", i ? ":" : "", o->lowers[i]);
		if (n < 0 || (size_t)n >= size - used)
			return tug_err_set(err, E2BIG, "overlay: too many layers for one mount");
		used += (size_t)n;
	}
	if (!o->readonly) {
		char upper[600], work[600];

		if (o->tmpfs_upper) {
			snprintf(upper, sizeof(upper), "%s/upper", o->upper);
			snprintf(work, sizeof(work), "%s/work", o->upper);
		} else {
			snprintf(upper, sizeof(upper), "%s", o->upper ? o->upper : "");
			snprintf(work, sizeof(work), "%s", o->work ? o->work : "");
		}
		if (!path_ok(upper) || !path_ok(work))
			return tug_err_set(err, EINVAL, "overlay: bad upper or work path");
		n = snprintf(out + used, size - used, ",upperdir=%s,workdir=%s%s", upper, work,
			     o->volatile_upper ? ",volatile" : "");
		if (n < 0 || (size_t)n >= size - used)
			return tug_err_set(err, E2BIG, "overlay: options too long");
	}
	return 0;
}

int overlay_mount(const struct overlay_opts *o, const char *target, struct tug_err *err)
{
	char data[4096];
	unsigned long flags = o->readonly ? MS_RDONLY : 0;

	if (!o->readonly && o->tmpfs_upper) {
		char p[600];

		if (mkdir_p(o->upper, 0700, err) < 0)
			return tug_err_wrap(err, "overlay");
		if (mount("tmpfs", o->upper, "tmpfs", MS_NOSUID | MS_NODEV,
			  o->tmpfs_size ? o->tmpfs_size : NULL) < 0)
			return tug_err_sys(err, "overlay: tmpfs upper on %s", o->upper);
		snprintf(p, sizeof(p), "%s/upper", o->upper);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/work", o->upper);
		mkdir(p, 0700);
	}
	if (overlay_options(o, data, sizeof(data), err) < 0)
		return -1;
	/* overlayfs wants two lowers when there is no upper; one layer is a bind mount. */
	if (o->readonly && o->nlowers == 1) {
		if (mount(o->lowers[0], target, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return tug_err_sys(err, "bind %s on %s", o->lowers[0], target);
		return 0;
	}
	if (mount("overlay", target, "overlay", flags, data) < 0) {
		struct overlay_opts plain = *o;

		/* Kernels before 5.10 refuse "volatile": the same mount without it. */
		if (errno != EINVAL || !o->volatile_upper || o->readonly)
			return tug_err_sys(err, "mount overlay on %s", target);
		plain.volatile_upper = false;
		if (overlay_options(&plain, data, sizeof(data), err) < 0)
			return -1;
		if (mount("overlay", target, "overlay", flags, data) < 0)
			return tug_err_sys(err, "mount overlay on %s", target);
	}
	return 0;
}

/*
 * name ("etc/hosts") in the layers as overlay stacks them: 1 with *st when
 * present, 0 when absent, whited out (a 0/0 character device) or hidden
 * by an opaque directory above it.
 */
static int layers_lookup(const char *const *lowers, size_t n, const char *name, struct stat *st)
{
	const char *slash = strrchr(name, '/');
	char p[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		char opaque = 0;

		snprintf(p, sizeof(p), "%s/%s", lowers[i], name);
		if (lstat(p, st) == 0)
			return S_ISCHR(st->st_mode) && st->st_rdev == 0 ? 0 : 1;
		if (!slash)
			continue;
		snprintf(p, sizeof(p), "%s/%.*s", lowers[i], (int)(slash - name), name);
		if (lgetxattr(p, "trusted.overlay.opaque", &opaque, 1) == 1 && opaque == 'y')
			return 0;
	}
	return 0;
}

int overlay_init_layer(const char *const *lowers, size_t n, const char *dir, struct tug_err *err)
{
	static const char *const dirs[] = { "dev", "proc", "sys" };
	static const char *const files[] = { "etc/hosts", "etc/resolv.conf", "etc/hostname" };
	bool need_dir[3], need_file[3], any = false;
	char tmp[PATH_MAX], p[PATH_MAX];
	struct stat etc, st;
	int ret = -1;

	if (layers_lookup(lowers, n, "etc", &etc) != 1 || !S_ISDIR(etc.st_mode))
		return 0;
	for (size_t i = 0; i < 3; i++) {
		need_dir[i] = layers_lookup(lowers, n, dirs[i], &st) != 1;
		need_file[i] = layers_lookup(lowers, n, files[i], &st) != 1;
		any |= need_dir[i] || need_file[i];
	}
	if (!any)
		return 0;
	if (access(dir, F_OK) == 0)
		return 1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dir, (int)getpid()) >= (int)sizeof(tmp))
		return tug_err_set(err, ENAMETOOLONG, "init layer %s", dir);
	remove_tree(AT_FDCWD, tmp, err);
	snprintf(p, sizeof(p), "%s/etc", tmp);
	if (mkdir_p(p, 0755, err) < 0)
		goto out;
	for (size_t i = 0; i < 3; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/%s", tmp, dirs[i]);
		if (need_dir[i] && mkdir(p, 0755) < 0) {
			tug_err_sys(err, "init layer: mkdir %s", p);
			goto out;
		}
		snprintf(p, sizeof(p), "%s/%s", tmp, files[i]);
		if (!need_file[i])
			continue;
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			tug_err_sys(err, "init layer: create %s", p);
			goto out;
		}
		close(fd);
	}
	/* The merged /etc shows the topmost layer's: this one's, made the image's. */
	snprintf(p, sizeof(p), "%s/etc", tmp);
	if (chmod(p, etc.st_mode & 07777) < 0 || lchown(p, etc.st_uid, etc.st_gid) < 0 ||
	    utimensat(AT_FDCWD, p, (struct timespec[]){ etc.st_atim, etc.st_mtim },
		      AT_SYMLINK_NOFOLLOW) < 0) {
		tug_err_sys(err, "init layer: %s", p);
		goto out;
	}
	if (rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		tug_err_sys(err, "init layer: rename to %s", dir);
		goto out;
	}
	ret = 1;
out:
	remove_tree(AT_FDCWD, tmp, &(struct tug_err){ 0 });
	return ret;
}
