/*
 * Tar archives through libarchive, with only the formats tug reads
 * registered (tar and gzip; never _all, which drags in every codec).
 *
 * Two readers: tar_reader_open_fd() for an outer archive (docker save or OCI
 * layout, gzip or not), and layer_reader_open() for a layer blob, which
 * decompresses itself so it can hash the uncompressed stream (the layer's
 * diff ID) while libarchive parses it. It skips gzip's own CRC: the caller
 * must compare the diff ID layer_reader_finish() gives with the expected one.
 */
#ifndef TUG_ARCHIVE_H
#define TUG_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

struct archive;
struct archive_entry;
struct sha256_ctx;
struct layer_reader;

#ifdef CONFIG_IMAGE_ARCHIVE
struct archive *tar_reader_open_fd(int fd, struct tug_err *err);
/* 1 with *e set, 0 at the end, -1 on a damaged archive. */
int tar_reader_next(struct archive *a, struct archive_entry **e, struct tug_err *err);
/* Read entry data: >0 bytes, 0 at the end of the entry, -1 on error. */
ssize_t tar_reader_data(struct archive *a, void *buf, size_t len, struct tug_err *err);
void tar_reader_free(struct archive *a);

/*
 * A layer blob (tar, or gzip'd tar) read from fd; *a parses it. With blob
 * set, every byte read from fd is hashed into it too (the blob's digest in
 * the same pass as the diff ID).
 */
int layer_reader_open(int fd, struct sha256_ctx *blob, struct layer_reader **lr,
		      struct archive **a, struct tug_err *err);
/* Read to the end and give "sha256:<hex>" of the uncompressed stream. */
int layer_reader_finish(struct layer_reader *lr, char diff_id[72], struct tug_err *err);
/* After a failure: the rest of fd into the blob's hash, so it can be checked. */
int layer_reader_hash_rest(struct layer_reader *lr, struct tug_err *err);
void layer_reader_free(struct layer_reader *lr, struct archive *a);

/* A tar writer (pax) on fd. */
struct archive *tar_writer_open_fd(int fd, struct tug_err *err);
int tar_writer_add_buf(struct archive *a, const char *name, const void *buf, size_t len,
		       struct tug_err *err);
int tar_writer_add_fd(struct archive *a, const char *name, int fd, struct tug_err *err);
int tar_writer_close(struct archive *a, struct tug_err *err);
/*
 * name inside dirfd (a file, symlink, device or whole directory tree, never
 * following a symlink) as entries under arcname, with its owner, mode and
 * times: docker cp's archives.
 */
int tar_writer_add_tree(struct archive *a, int dirfd, const char *name, const char *arcname,
			struct tug_err *err);
#else
static inline struct archive *tar_reader_open_fd(int fd, struct tug_err *err)
{
	tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
	return (struct archive *)0;
}
static inline int layer_reader_open(int fd, struct sha256_ctx *blob, struct layer_reader **lr,
				    struct archive **a, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline int layer_reader_hash_rest(struct layer_reader *lr, struct tug_err *err)
{
	return 0;
}
static inline int layer_reader_finish(struct layer_reader *lr, char diff_id[72],
				      struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline void layer_reader_free(struct layer_reader *lr, struct archive *a)
{
}
static inline struct archive *tar_writer_open_fd(int fd, struct tug_err *err)
{
	tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
	return (struct archive *)0;
}
static inline int tar_writer_add_tree(struct archive *a, int dirfd, const char *name,
				      const char *arcname, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline int tar_writer_close(struct archive *a, struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline int tar_reader_next(struct archive *a, struct archive_entry **e,
				  struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
static inline void tar_reader_free(struct archive *a)
{
}
#endif

/* Sniff the first bytes of a blob (here: builds without libarchive use them). */
static inline bool blob_is_gzip(const unsigned char *head, size_t n)
{
	return n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

static inline bool blob_is_squashfs(const unsigned char *head, size_t n)
{
	return n >= 4 && head[0] == 'h' && head[1] == 's' && head[2] == 'q' && head[3] == 's';
}

#endif
