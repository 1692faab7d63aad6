/*
 * The container's root filesystem: mounts resolved inside the root (no
 * symlink in the rootfs can send a mount outside it), device nodes,
 * pivot_root (or MS_MOVE + chroot when the host root is an initramfs),
 * readonly root, masked and readonly paths.
 */
#ifndef TUG_MOUNT_H
#define TUG_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

struct mount_entry {
	const char *destination;
	const char *type; /* may be NULL for bind mounts */
	const char *source;
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear;	   /* MS_* asked off (rw, suid, ...) */
	unsigned long propagation; /* MS_PRIVATE|MS_REC ... or 0 */
	bool bind;
	bool recursive_ro; /* "rro": readonly for every submount */
	char *data;	   /* filesystem options, comma joined */
};

struct mount_device {
	const char *path;
	char type; /* c, b, u, p */
	int64_t major, minor;
	uint32_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};

enum resolve_create { RESOLVE_EXISTING, RESOLVE_MKDIR, RESOLVE_MKFILE };

/*
 * path (absolute, as seen in the container) -> host path under root, every
 * symlink followed as if root were "/" (".." stops at root). With create,
 * missing parents and the last component are made. out gets root + path.
 */
int mount_resolve_in_root(const char *root, const char *path, enum resolve_create create, char *out,
			  size_t outsz, struct tug_err *err);
/* Make "/" rslave (or propagation) and bind rootfs onto itself for pivot_root. */
int mount_prepare_rootfs(const char *rootfs, unsigned long propagation, struct tug_err *err);
/* Mount one entry of the spec under rootfs. in_userns: sysfs falls back to a bind. */
int mount_entry_apply(const char *rootfs, const struct mount_entry *m, bool in_userns,
		      struct tug_err *err);
/* Default devices (null, zero, full, random, urandom, tty) unless /dev is a bind. */
int mount_default_devices(const char *rootfs, bool in_userns, struct tug_err *err);
int mount_device(const char *rootfs, const struct mount_device *d, bool in_userns,
		 struct tug_err *err);
/* /dev/fd, stdin, stdout, stderr, ptmx -> pts/ptmx, core. */
int mount_dev_symlinks(const char *rootfs, struct tug_err *err);
/* Bind the pty slave over rootfs/dev/console. */
int mount_console(const char *rootfs, const char *slave, struct tug_err *err);
/* pivot_root into rootfs; no_pivot or an initramfs root: MS_MOVE + chroot. */
int mount_pivot_root(const char *rootfs, bool no_pivot, struct tug_err *err);
/* After pivot: propagation of the new root as asked. */
int mount_set_propagation(const char *path, unsigned long propagation, struct tug_err *err);
/* After pivot: "/" read-only. */
int mount_readonly_root(struct tug_err *err);
/* Before pivot: hide path under rootfs (tmpfs on dirs, /dev/null on files). Missing: fine. */
int mount_mask_path(const char *rootfs, const char *path, struct tug_err *err);
/* After pivot: bind read-only over itself. Missing: fine. */
int mount_readonly_path(const char *path, struct tug_err *err);

#endif
