/*
 * Crash-safe file helpers. Every state change on disk is: write a temp file
 * beside the target, fsync it, rename it over the target, fsync the
 * directory. A power cut leaves the old file or the new one, never a mix.
 * Temp files are named ".<name>.tmp-<pid>" so start-up can sweep them.
 */
#ifndef TUG_FSUTIL_H
#define TUG_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "platform/err.h"

#define TUG_TMP_PREFIX "."
#define TUG_TMP_INFIX ".tmp-"
#define TUG_GONE_SUFFIX ".gone"

/* Atomically replace dirfd/name (AT_FDCWD allowed) with buf. */
int atomic_write_file(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		      struct tug_err *err);
/* Atomically rename a finished temp file or directory into place. */
int atomic_rename(int dirfd, const char *from, const char *to, struct tug_err *err);
/* fsync the directory holding path (or the directory fd itself). */
int fsync_dir_of(int dirfd, const char *path, struct tug_err *err);
int fsync_path(int dirfd, const char *path, struct tug_err *err);
/*
 * Volatile scope (nestable): between fsutil_volatile_begin() and _end() the
 * helpers above still write atomically (temp + rename: a crash of the
 * process leaves the old file or the new one) but skip every fsync, so a
 * power cut may lose the change. Only for state that must not outlive a
 * power cut anyway: an AutoRemove container's records, the run dir
 * (tmpfs by design). Everything else stays durable.
 */
void fsutil_volatile_begin(void);
void fsutil_volatile_end(void);
bool fsutil_volatile(void);
/* Read a whole file (NUL-terminated, max bytes); *out is malloc'd. */
int read_file(int dirfd, const char *name, size_t max, char **out, size_t *len,
	      struct tug_err *err);
/*
 * One read() of a small kernel file (/proc, cgroupfs: the kernel answers it
 * in one piece) into buf, NUL-terminated, at most size - 1 bytes. Returns
 * the length, or -1 with errno (buf is then "").
 */
ssize_t read_kernel_file(int dirfd, const char *name, char *buf, size_t size);
/* mkdir -p with mode; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct tug_err *err);
/*
 * Open a directory to list it without touching its atime (O_NOATIME, else
 * without it): with relatime, listing a directory changed since it was last
 * read is a journaled inode update on ext4, on every sweep of a busy one.
 */
int open_dir_noatime(int dirfd, const char *path);
/* rm -rf below dirfd/name, not following symlinks or crossing mounts. */
int remove_tree(int dirfd, const char *name, struct tug_err *err);
/*
 * rm -rf path without waiting for the disk: path is renamed to
 * ".<name>.gone" beside it (gone from its place at once), then a detached
 * grandchild process removes that. A crash leaves the ".gone" entry for
 * sweep_gone(). Falls back to remove_tree() when the rename or fork fails.
 */
int remove_tree_detached(const char *path, struct tug_err *err);
/*
 * The same for a tree with mounts: the grandchild first detaches each of
 * mounts (NULL-terminated), those inside path (its rootfs) and files
 * outside it (a netns bound on a file, then unlinked). An unmount waits
 * for an RCU grace period, milliseconds under load: the caller does not.
 */
int remove_tree_detached_mounts(const char *path, const char *const *mounts, struct tug_err *err);
/* remove_tree() every ".*.gone" entry in dir, mounts left on them detached (start-up sweep). */
int sweep_gone(const char *dir, struct tug_err *err);
/* Remove leftover ".<name>.tmp-*" entries in a directory (start-up sweep). */
int sweep_temp_files(const char *dir, struct tug_err *err);
/*
 * Hint that the directories made in dirfd/name are unrelated trees
 * (FS_TOPDIR_FL, chattr +T): ext2/3/4 then spread them over block groups as
 * it does top-level directories (Orlov) instead of packing them into the
 * parent's group. Other filesystems ignore it; so does this on failure.
 */
void dir_hint_top(int dirfd, const char *name);
/* Write all of buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/*
 * Close every fd >= first (a forked child that must hold none of its
 * parent's files): close_range (Linux 5.9), else each fd /proc/self/fd
 * lists, else every fd below the open-files limit.
 */
void close_fds_from(int first);

#endif
