/*
 * Paths inside a container's root filesystem, for docker cp: every lookup
 * is confined to the root (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
 * on kernels without openat2, mount_resolve_in_root()'s walk), so neither
 * "..", an absolute symlink nor /proc/self/root inside the container leads
 * out of it.
 */
#ifndef TUG_CTRFS_H
#define TUG_CTRFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "platform/err.h"

/*
 * Clean a container path ("/a//b/../c/" -> "/a/c", ".." stops at "/"),
 * then split it: parent into dir ("/" for the root), last component into
 * base ("." when the path is the root itself). Pure.
 */
int ctrfs_split(const char *path, char *dir, size_t dsize, char *base, size_t bsize,
		struct tug_err *err);
/*
 * Open directory dir (a cleaned absolute path, symlinks followed inside the
 * root) under rootfd; root_path names the same root for the fallback walk.
 * Returns an fd, or -1 with err (ENOENT, ENOTDIR, ...).
 */
int ctrfs_open_dir(int rootfd, const char *root_path, const char *dir, struct tug_err *err);
/*
 * From /proc/self/mountinfo text, the lowerdir (":"-separated, top first)
 * and upperdir options of the overlay mounted at target. upper is "" for
 * a read-only overlay. -1 when no overlay is mounted there. Pure.
 */
int ctrfs_overlay_dirs(const char *mountinfo, const char *target, char *lower, size_t lsize,
		       char *upper, size_t usize);

#endif
