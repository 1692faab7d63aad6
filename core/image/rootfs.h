/*
 * Root filesystem assembly for a container: the image's layers (unpacked
 * directories, or squashfs blobs mounted read-only through loop devices
 * under tug_run_dir()/layers) stacked with overlayfs.
 */
#ifndef TUG_IMAGE_ROOTFS_H
#define TUG_IMAGE_ROOTFS_H

#include <stdbool.h>

#include "core/image/store.h"

struct rootfs_opts {
	const char *upper;	/* per-container upper dir (or tmpfs mount point) */
	const char *work;	/* per-container work dir (same filesystem as upper) */
	bool readonly;
	bool tmpfs_upper;
	const char *tmpfs_size;
	bool volatile_upper;	/* overlay "volatile": a container that will not outlive a crash */
	bool init_layer;	/* a container's: the runtime's mount points in a shared layer
				 * (overlay_init_layer), not made in every upper */
};

/* Mount image (name, tag or ID) at target. */
int image_rootfs_mount(struct image_store *s, const char *image, const struct rootfs_opts *o,
		       const char *target, struct tug_err *err);

#endif
