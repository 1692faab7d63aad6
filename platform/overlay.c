#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

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
