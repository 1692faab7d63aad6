/*
 * A container's root filesystem: overlayfs with the image layers as
 * lowerdirs and a per-container upper and work directory on top.
 */
#ifndef TUG_OVERLAY_H
#define TUG_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/err.h"

struct overlay_opts {
	const char *const *lowers; /* top layer first */
	size_t nlowers;
	const char *upper;	   /* per-container; NULL with readonly */
	const char *work;
	bool readonly;		   /* no upper: the rootfs is read-only */
	bool tmpfs_upper;	   /* upper and work on a fresh tmpfs at `upper` (read-only flash) */
	const char *tmpfs_size;	   /* e.g. "64m"; NULL for the kernel default */
	bool volatile_upper;	   /* "volatile" (5.10+): no syncs of the upper's fs, ever */
};

int overlay_mount(const struct overlay_opts *o, const char *target, struct tug_err *err);
/*
 * The mount points a runtime makes in every container's root (/dev, /proc,
 * /sys, /etc/hosts, /etc/resolv.conf, /etc/hostname) that the layers lack
 * (lowers: top first; a whiteout or an opaque /etc counts as lacking), as
 * a layer of its own at dir, to go on top of them: made once (atomically,
 * skipped when dir exists), where each container would otherwise copy
 * /etc up and create them in its upper. Its /etc takes the image's mode,
 * owner and times. Returns 1 when dir is to be used, 0 when no layer is
 * needed (or /etc is not a plain directory in the image), -1 on error.
 */
int overlay_init_layer(const char *const *lowers, size_t n, const char *dir, struct tug_err *err);
/* Build the mount data string (pure; unit-tested). */
int overlay_options(const struct overlay_opts *o, char *out, size_t size, struct tug_err *err);

#endif
