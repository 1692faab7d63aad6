/*
 * Read-only loop devices for squashfs layer blobs: a free device from
 * /dev/loop-control, bound with LOOP_CONFIGURE (5.8+) or LOOP_SET_FD +
 * LOOP_SET_STATUS64, auto-cleared when the last mount goes away.
 */
#ifndef TUG_LOOP_H
#define TUG_LOOP_H

#include <stddef.h>

#include "platform/err.h"

#ifdef CONFIG_SQUASHFS
/* Attach file (read-only); *dev gets "/dev/loopN"; returns the loop fd. */
int loop_attach_ro(const char *file, char *dev, size_t size, struct tug_err *err);
/* Mount a squashfs image read-only at target through a loop device. */
int squashfs_mount(const char *file, const char *target, struct tug_err *err);
#else
static inline int squashfs_mount(const char *file, const char *target, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_SQUASHFS);
}
#endif

#endif
