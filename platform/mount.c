#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/mount.h"

#define MAX_SYMLINKS 40

/* Pop the last component of a "/a/b" path in place ("/a/b" -> "/a", "/a" -> ""). */
static void pop_component(char *p)
{
	char *s = strrchr(p, '/');

	if (s)
		*s = '\0';
}

int mount_resolve_in_root(const char *root, const char *path, enum resolve_create create, char *out,
			  size_t outsz, struct tug_err *err)
{
	char resolved[PATH_MAX] = "", rest[PATH_MAX], full[PATH_MAX * 2], link[PATH_MAX];
	int links = 0;
	bool missing = false;

	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return tug_err_set(err, ENAMETOOLONG, "%s", path);
	for (char *r = rest; *r;) {
		char comp[NAME_MAX + 1];
		size_t n;
		struct stat st;
		ssize_t ll;

		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (!n)
			break;
		if (n > NAME_MAX)
			return tug_err_set(err, ENAMETOOLONG, "%s", path);
		memcpy(comp, r, n);
		comp[n] = '\0';
		r += n;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			pop_component(resolved);
			continue;
		}
		if (strlen(resolved) + n + 2 > sizeof(resolved))
			return tug_err_set(err, ENAMETOOLONG, "%s", path);
		strcat(resolved, "/");
		strcat(resolved, comp);
		if (missing)
			continue;
		snprintf(full, sizeof(full), "%s%s", root, resolved);
		if (lstat(full, &st) < 0) {
			if (errno != ENOENT)
				return tug_err_sys(err, "%s", full);
			missing = true;
			continue;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > MAX_SYMLINKS)
			return tug_err_set(err, ELOOP, "%s", path);
		ll = readlink(full, link, sizeof(link) - 1);
		if (ll < 0)
			return tug_err_sys(err, "readlink %s", full);
		link[ll] = '\0';
		/* The link replaces its own component; the rest is appended after it. */
		pop_component(resolved);
		if (link[0] == '/')
			resolved[0] = '\0';
		{
			char tmp[PATH_MAX];

			if (snprintf(tmp, sizeof(tmp), "%s/%s", link, r) >= (int)sizeof(tmp))
				return tug_err_set(err, ENAMETOOLONG, "%s", path);
			strcpy(rest, tmp);
			r = rest;
		}
	}
	if (snprintf(out, outsz, "%s%s", root, resolved[0] ? resolved : "/") >= (int)outsz)
		return tug_err_set(err, ENAMETOOLONG, "%s", path);
	if (create == RESOLVE_EXISTING || !missing)
		return 0;
	/* Parents are real directories inside root now (none of them is a link). */
	{
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", out);
		pop_component(parent);
		if (create == RESOLVE_MKDIR)
			return mkdir_p(out, 0755, err);
		if (mkdir_p(parent, 0755, err) < 0)
			return -1;
		int fd = open(out, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return tug_err_sys(err, "create %s", out);
		close(fd);
	}
	return 0;
}

int mount_prepare_rootfs(const char *rootfs, unsigned long propagation, struct tug_err *err)
{
	/* Our mounts must not travel back to the host, whatever the host's propagation. */
	unsigned long prop =
	    (propagation & (MS_SLAVE | MS_PRIVATE)) ? propagation : MS_SLAVE | MS_REC;

	if (mount(NULL, "/", NULL, prop | MS_REC, NULL) < 0)
		return tug_err_sys(err, "make / rslave");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return tug_err_sys(err, "bind rootfs %s", rootfs);
	return 0;
}

/* Flags the kernel locks on a mount (in a user namespace a remount must keep them). */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int remount_bind(const char *target, unsigned long flags, unsigned long clear,
			struct tug_err *err)
{
	unsigned long keep = locked_flags(target) & ~clear;

	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
		return 0;
	/* EPERM in a user namespace: the kernel wants the locked flags kept. */
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | keep, NULL) < 0)
		return tug_err_sys(err, "remount %s", target);
	return 0;
}

static int set_recursive_ro(const char *target, struct tug_err *err)
{
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} attr = {1 /* MOUNT_ATTR_RDONLY */, 0, 0, 0};

	if (syscall(SYS_mount_setattr, AT_FDCWD, target, 0x8000 /* AT_RECURSIVE */, &attr,
		    sizeof(attr)) < 0)
		return tug_err_sys(err, "rro %s", target);
	return 0;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

#define BIND_FLAGS (MS_BIND | MS_REC)
#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

int mount_entry_apply(const char *rootfs, const struct mount_entry *m, bool in_userns,
		      struct tug_err *err)
{
	char target[PATH_MAX];
	enum resolve_create create = RESOLVE_MKDIR;
	unsigned long flags = m->flags & ~(MS_REC | PROPAGATION_FLAGS);
	const char *type = m->type;

	if (m->bind && !is_dir(m->source))
		create = RESOLVE_MKFILE;
	if (mount_resolve_in_root(rootfs, m->destination, create, target, sizeof(target), err) < 0)
		return tug_err_wrap(err, "mount %s", m->destination);
	if (m->bind) {
		if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			return tug_err_sys(err, "bind %s on %s", m->source, m->destination);
		if ((flags & ~MS_REMOUNT) &&
		    remount_bind(target, flags & ~MS_REMOUNT, m->clear, err) < 0)
			return tug_err_wrap(err, "mount %s", m->destination);
	} else if (type && !strcmp(type, "cgroup")) {
		/* cgroup v1 is not ours to mount: give the v2 tree, or the host's view read-only.
		 */
		if (mount("cgroup2", target, "cgroup2", flags, NULL) < 0) {
			if (mount("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
				return tug_err_sys(err, "bind /sys/fs/cgroup on %s",
						   m->destination);
			if (remount_bind(target, flags | MS_RDONLY, 0, err) < 0)
				return tug_err_wrap(err, "mount %s", m->destination);
		}
	} else if (mount(m->source ? m->source : type, target, type, flags, m->data) < 0) {
		/* A new sysfs needs a network namespace owned by our user namespace. */
		if (!(type && !strcmp(type, "sysfs") && (errno == EPERM || errno == EBUSY) &&
		      in_userns))
			return tug_err_sys(err, "mount %s (%s) on %s",
					   m->source ? m->source : "none", type, m->destination);
		if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return tug_err_sys(err, "bind /sys on %s", m->destination);
		if (remount_bind(target, flags | MS_RDONLY, 0, err) < 0)
			return tug_err_wrap(err, "mount %s", m->destination);
	}
	if (m->recursive_ro && set_recursive_ro(target, err) < 0)
		return tug_err_wrap(err, "mount %s", m->destination);
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return tug_err_sys(err, "set propagation of %s", m->destination);
	return 0;
}

int mount_device(const char *rootfs, const struct mount_device *d, bool in_userns,
		 struct tug_err *err)
{
	char target[PATH_MAX];
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

	if (mount_resolve_in_root(rootfs, d->path, RESOLVE_EXISTING, target, sizeof(target), err) <
	    0)
		return tug_err_wrap(err, "device %s", d->path);
	{
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", target);
		pop_component(parent);
		if (mkdir_p(parent, 0755, err) < 0)
			return tug_err_wrap(err, "device %s", d->path);
	}
	unlink(target);
	if (in_userns) {
		/* mknod is refused in a user namespace: bind the host's node instead. */
		int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return tug_err_sys(err, "create %s", target);
		close(fd);
		if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
			return tug_err_sys(err, "bind device %s", d->path);
		return 0;
	}
	if (mknod(target, type | (d->mode & 07777),
		  makedev((unsigned)d->major, (unsigned)d->minor)) < 0)
		return tug_err_sys(err, "mknod %s", d->path);
	if (chmod(target, d->mode & 07777) < 0 || chown(target, d->uid, d->gid) < 0)
		return tug_err_sys(err, "chown %s", d->path);
	return 0;
}

int mount_default_devices(const char *rootfs, bool in_userns, struct tug_err *err)
{
	static const struct mount_device defaults[] = {
	    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
	    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
	    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (mount_device(rootfs, &defaults[i], in_userns, err) < 0)
			return -1;
	return 0;
}

int mount_dev_symlinks(const char *rootfs, struct tug_err *err)
{
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},	   {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},
	};
	char p[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(p, sizeof(p), "%s/dev/%s", rootfs, links[i][1]);
		if (!strcmp(links[i][1], "ptmx"))
			unlink(p);
		if (symlink(links[i][0], p) < 0 && errno != EEXIST)
			return tug_err_sys(err, "symlink %s", p);
	}
	/* Made even when the host has no /proc/kcore, as crun does. */
	snprintf(p, sizeof(p), "%s/dev/core", rootfs);
	if (symlink("/proc/kcore", p) < 0 && errno != EEXIST)
		return tug_err_sys(err, "symlink %s", p);
	return 0;
}

int mount_console(const char *rootfs, const char *slave, struct tug_err *err)
{
	char target[PATH_MAX];
	int fd;

	snprintf(target, sizeof(target), "%s/dev/console", rootfs);
	unlink(target);
	fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return tug_err_sys(err, "create /dev/console");
	close(fd);
	if (mount(slave, target, NULL, MS_BIND, NULL) < 0)
		return tug_err_sys(err, "bind %s on /dev/console", slave);
	return 0;
}

static int move_root(const char *rootfs, struct tug_err *err)
{
	if (chdir(rootfs) < 0)
		return tug_err_sys(err, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return tug_err_sys(err, "move %s to /", rootfs);
	if (chroot(".") < 0)
		return tug_err_sys(err, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return tug_err_sys(err, "chdir /");
	return 0;
}

int mount_pivot_root(const char *rootfs, bool no_pivot, struct tug_err *err)
{
	_cleanup_close_ int oldroot = -1, newroot = -1;

	if (no_pivot)
		return move_root(rootfs, err);
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		return tug_err_sys(err, "open / and %s", rootfs);
	if (fchdir(newroot) < 0)
		return tug_err_sys(err, "chdir %s", rootfs);
	/* pivot_root(".", ".") stacks the old root under the new one: no put_old dir needed. */
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		/* An initramfs root (tug as PID 1) cannot be pivoted away. */
		if (errno == EINVAL)
			return move_root(rootfs, err);
		return tug_err_sys(err, "pivot_root %s", rootfs);
	}
	if (fchdir(oldroot) < 0)
		return tug_err_sys(err, "chdir old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return tug_err_sys(err, "make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return tug_err_sys(err, "detach old root");
	if (chdir("/") < 0)
		return tug_err_sys(err, "chdir /");
	return 0;
}

int mount_set_propagation(const char *path, unsigned long propagation, struct tug_err *err)
{
	if (propagation && mount(NULL, path, NULL, propagation, NULL) < 0)
		return tug_err_sys(err, "linux.rootfsPropagation on %s", path);
	return 0;
}

int mount_readonly_root(struct tug_err *err)
{
	if (remount_bind("/", MS_RDONLY, 0, err) < 0)
		return tug_err_wrap(err, "root.readonly");
	return 0;
}

int mount_mask_path(const char *rootfs, const char *path, struct tug_err *err)
{
	char target[PATH_MAX];
	struct stat st;

	if (mount_resolve_in_root(rootfs, path, RESOLVE_EXISTING, target, sizeof(target), err) < 0)
		return tug_err_wrap(err, "linux.maskedPaths");
	if (stat(target, &st) < 0)
		return errno == ENOENT ? 0 : tug_err_sys(err, "linux.maskedPaths: %s", path);
	/* As crun: an empty read-only tmpfs on directories, the host's /dev/null on files. */
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0k") < 0)
			return tug_err_sys(err, "linux.maskedPaths: %s", path);
		return 0;
	}
	if (mount("/dev/null", target, NULL, MS_BIND, NULL) < 0)
		return tug_err_sys(err, "linux.maskedPaths: %s", path);
	if (remount_bind(target, MS_RDONLY, 0, err) < 0)
		return tug_err_wrap(err, "linux.maskedPaths");
	return 0;
}

int mount_readonly_path(const char *path, struct tug_err *err)
{
	char target[PATH_MAX];

	if (mount_resolve_in_root("", path, RESOLVE_EXISTING, target, sizeof(target), err) < 0)
		return tug_err_wrap(err, "linux.readonlyPaths");
	if (access(target, F_OK) < 0)
		return 0;
	if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return tug_err_sys(err, "linux.readonlyPaths: %s", path);
	if (remount_bind(target, MS_RDONLY, 0, err) < 0)
		return tug_err_wrap(err, "linux.readonlyPaths");
	return 0;
}
