/*
 * Unpack a tar layer into an empty layer directory. Every path is resolved
 * inside the layer root (openat2 RESOLVE_IN_ROOT, or a component walk that
 * refuses symlinks on kernels without openat2): `../`, absolute names,
 * writes through a symlink and hardlinks to anything outside the layer are
 * refused. Docker's whiteouts become overlayfs ones.
 */
#ifndef TUG_UNPACK_H
#define TUG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

struct archive;

struct unpack_stats {
	uint64_t bytes;	  /* regular file contents */
	uint64_t entries;
};

/*
 * How unpack_tree() differs from a layer unpack: docker cp extracts a
 * user's archive into a container directory, where ".wh.x" is a plain name
 * and a directory is never silently replaced by a file.
 */
struct unpack_opts {
	bool literal_whiteouts;	/* ".wh.*" entries are ordinary files */
	bool keep_dirs;		/* refuse to replace a directory with a non-directory
				 * or a non-directory with a directory */
	bool set_owner;		/* chown to uid:gid (as root) instead of the archive's */
	uid_t uid;
	gid_t gid;
	const char *rebase_from; /* first path component renamed to rebase_to */
	const char *rebase_to;
};

/* Unpack every entry of a into rootfd (a directory). */
#ifdef CONFIG_IMAGE_ARCHIVE
int unpack_layer(struct archive *a, int rootfd, struct unpack_stats *st, struct tug_err *err);
int unpack_tree(struct archive *a, int rootfd, const struct unpack_opts *o,
		struct unpack_stats *st, struct tug_err *err);
#else
static inline int unpack_layer(struct archive *a, int rootfd, struct unpack_stats *st,
			       struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline int unpack_tree(struct archive *a, int rootfd, const struct unpack_opts *o,
			      struct unpack_stats *st, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
#endif

/* Pure helpers (unit-tested). */
/* Normalise an entry name ("./a//b/" -> "a/b"; "." -> ""); refuse "..", "/x". */
int unpack_clean_path(const char *name, char *out, size_t size, struct tug_err *err);

enum whiteout_kind {
	WHITEOUT_NONE,	  /* an ordinary entry */
	WHITEOUT_FILE,	  /* ".wh.X": hide X -> char device 0/0 named X */
	WHITEOUT_OPAQUE,  /* ".wh..wh..opq": parent dir gets trusted.overlay.opaque=y */
	WHITEOUT_META,	  /* other ".wh..wh.*" (aufs bookkeeping): skipped */
};
/* For a cleaned path; *target is the path to hide (or the opaque dir). */
enum whiteout_kind unpack_whiteout_kind(const char *clean, char *target, size_t size);

/* Tests: force the component walk used on kernels without openat2 (also
 * TUG_UNPACK_NO_OPENAT2=1 in the environment). */
void unpack_force_walk(bool on);

#endif
