/* libarchive (tar + gzip only) and zlib behind platform/archive.h. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/sha256.h"

#define IOBUF (64 * 1024)

static int archive_fail(struct archive *a, struct tug_err *err, const char *what)
{
	int code = archive_errno(a);
	const char *msg = archive_error_string(a);

	return tug_err_set(err, code > 0 ? code : EINVAL, "%s: %s", what,
			   msg ? msg : "damaged archive");
}

static void register_formats(struct archive *a)
{
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
}

struct archive *tar_reader_open_fd(int fd, struct tug_err *err)
{
	struct archive *a = archive_read_new();

	if (!a) {
		tug_err_set(err, ENOMEM, "archive");
		return NULL;
	}
	register_formats(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_fd(a, fd, IOBUF) != ARCHIVE_OK) {
		archive_fail(a, err, "open archive");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int tar_reader_next(struct archive *a, struct archive_entry **e, struct tug_err *err)
{
	int r = archive_read_next_header(a, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 1;
	return archive_fail(a, err, "read archive");
}

ssize_t tar_reader_data(struct archive *a, void *buf, size_t len, struct tug_err *err)
{
	la_ssize_t n = archive_read_data(a, buf, len);

	if (n < 0)
		return archive_fail(a, err, "read archive");
	return n;
}

void tar_reader_free(struct archive *a)
{
	if (a)
		archive_read_free(a);
}

/*
 * The layer stream: compressed bytes from fd, inflated here (when gzip) and
 * hashed, then handed to libarchive's tar parser.
 */
struct layer_reader {
	int fd;
	bool gzip, eof, z_init;
	z_stream z;
	struct sha256_ctx hash;
	struct sha256_ctx *blob;	/* also hash the bytes read from fd (or NULL) */
	size_t in_len, in_hashed;	/* in[]: bytes read, bytes hashed into blob */
	unsigned char in[IOBUF];
	unsigned char out[IOBUF];
	struct tug_err err;
	int failed;
};

/* Input bytes read but not hashed yet go into the blob's hash. */
static void hash_pending_input(struct layer_reader *lr)
{
	if (lr->blob && lr->in_hashed < lr->in_len)
		sha256_update(lr->blob, lr->in + lr->in_hashed, lr->in_len - lr->in_hashed);
	lr->in_hashed = lr->in_len;
}

/*
 * n inflated bytes in out: into the diff ID, and the input inflate used up
 * for them into the blob's hash, both in one call (the two interleave).
 */
static void hash_output(struct layer_reader *lr, size_t n)
{
	size_t used = (size_t)(lr->z.next_in - lr->in);

	if (!lr->blob) {
		sha256_update(&lr->hash, lr->out, n);
		return;
	}
	sha256_update2(lr->blob, lr->in + lr->in_hashed, used - lr->in_hashed, &lr->hash, lr->out,
		       n);
	lr->in_hashed = used;
}

/* Next chunk of uncompressed data: >0, 0 at end, -1 with lr->err set. */
static ssize_t layer_pull(struct layer_reader *lr)
{
	ssize_t n;

	if (!lr->gzip) {
		do
			n = read(lr->fd, lr->out, sizeof(lr->out));
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return tug_err_sys(&lr->err, "read layer");
		if (lr->blob)
			sha256_update2(lr->blob, lr->out, (size_t)n, &lr->hash, lr->out, (size_t)n);
		else
			sha256_update(&lr->hash, lr->out, (size_t)n);
		return n;
	}
	for (;;) {
		int r;

		if (lr->eof)
			return 0;
		if (lr->z.avail_in == 0) {
			hash_pending_input(lr);
			do
				n = read(lr->fd, lr->in, sizeof(lr->in));
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return tug_err_sys(&lr->err, "read layer");
			if (n == 0)
				return tug_err_set(&lr->err, EIO,
						   "layer: gzip stream is truncated");
			lr->z.next_in = lr->in;
			lr->z.avail_in = (uInt)n;
			lr->in_len = (size_t)n;
			lr->in_hashed = 0;
		}
		lr->z.next_out = lr->out;
		lr->z.avail_out = sizeof(lr->out);
		r = inflate(&lr->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			/* Concatenated gzip members are legal; continue with the next. */
			if (lr->z.avail_in > 0) {
				inflateReset(&lr->z);
			} else {
				unsigned char probe;

				hash_pending_input(lr);
				do
					n = read(lr->fd, &probe, 1);
				while (n < 0 && errno == EINTR);
				if (n == 1) {
					lr->in[0] = probe;
					lr->z.next_in = lr->in;
					lr->z.avail_in = 1;
					lr->in_len = 1;
					lr->in_hashed = 0;
					inflateReset(&lr->z);
				} else {
					lr->eof = true;
				}
			}
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			return tug_err_set(&lr->err, EIO, "layer: gzip: %s",
					   lr->z.msg ? lr->z.msg : "data error");
		}
		n = (ssize_t)(sizeof(lr->out) - lr->z.avail_out);
		if (n > 0) {
			hash_output(lr, (size_t)n);
			return n;
		}
	}
}

static la_ssize_t layer_read_cb(struct archive *a, void *data, const void **buf)
{
	struct layer_reader *lr = data;
	ssize_t n = layer_pull(lr);

	if (n < 0) {
		lr->failed = 1;
		archive_set_error(a, lr->err.code ? lr->err.code : EIO, "%s", lr->err.msg);
		return -1;
	}
	*buf = lr->out;
	return n;
}

int layer_reader_open(int fd, struct sha256_ctx *blob, struct layer_reader **out,
		      struct archive **aout, struct tug_err *err)
{
	struct layer_reader *lr = calloc(1, sizeof(*lr));
	unsigned char head[2];
	ssize_t n;
	struct archive *a;

	if (!lr)
		return tug_err_set(err, ENOMEM, "layer reader");
	lr->fd = fd;
	lr->blob = blob;
	sha256_init(&lr->hash);
	n = pread(fd, head, sizeof(head), 0);
	lr->gzip = n == 2 && blob_is_gzip(head, 2);
	if (lr->gzip) {
		if (inflateInit2(&lr->z, 16 + MAX_WBITS) != Z_OK) {
			free(lr);
			return tug_err_set(err, ENOMEM, "layer: inflate");
		}
		/*
		 * No gzip CRC-32 (and length) check: every inflated byte is
		 * hashed here and the caller compares that with the diff ID
		 * from the config, and the compressed bytes matched their
		 * digest. The CRC was 5-8% of a pull's CPU. inflateReset keeps
		 * the setting for further members.
		 */
		inflateValidate(&lr->z, 0);
		lr->z_init = true;
	}
	a = archive_read_new();
	if (!a) {
		layer_reader_free(lr, NULL);
		return tug_err_set(err, ENOMEM, "archive");
	}
	register_formats(a);
	if (archive_read_open(a, lr, NULL, layer_read_cb, NULL) != ARCHIVE_OK) {
		archive_fail(a, err, "open layer");
		layer_reader_free(lr, a);
		return -1;
	}
	*out = lr;
	*aout = a;
	return 0;
}

int layer_reader_finish(struct layer_reader *lr, char diff_id[72], struct tug_err *err)
{
	ssize_t n;

	/* libarchive stops at the end-of-archive blocks; the diff ID covers all. */
	while ((n = layer_pull(lr)) > 0)
		;
	if (n < 0) {
		*err = lr->err;
		return -1;
	}
	hash_pending_input(lr);
	sha256_final_str(&lr->hash, diff_id);
	return 0;
}

int layer_reader_hash_rest(struct layer_reader *lr, struct tug_err *err)
{
	ssize_t n;

	if (!lr->blob)
		return 0;
	if (lr->gzip)
		hash_pending_input(lr);
	for (;;) {
		do
			n = read(lr->fd, lr->in, sizeof(lr->in));
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			break;
		sha256_update(lr->blob, lr->in, (size_t)n);
	}
	lr->in_len = lr->in_hashed = 0;
	return n < 0 ? tug_err_sys(err, "read layer") : 0;
}

void layer_reader_free(struct layer_reader *lr, struct archive *a)
{
	if (a)
		archive_read_free(a);
	if (!lr)
		return;
	if (lr->z_init)
		inflateEnd(&lr->z);
	free(lr);
}

/*
 * Each writer's hard links: a file with more than one link is archived
 * once, its other names as hardlink entries to the first (as tar and
 * docker export write them). Writers are few and short-lived: a list.
 */
struct tar_links {
	struct archive *a;
	struct archive_entry_linkresolver *r;
	struct tar_links *next;
};

static struct tar_links *tar_links;

static struct archive_entry_linkresolver *links_of(struct archive *a)
{
	for (struct tar_links *l = tar_links; l; l = l->next)
		if (l->a == a)
			return l->r;
	return NULL;
}

static void links_forget(struct archive *a)
{
	for (struct tar_links **pp = &tar_links; *pp; pp = &(*pp)->next) {
		struct tar_links *l = *pp;

		if (l->a != a)
			continue;
		*pp = l->next;
		archive_entry_linkresolver_free(l->r);
		free(l);
		return;
	}
}

struct archive *tar_writer_open_fd(int fd, struct tug_err *err)
{
	struct archive *a = archive_write_new();
	struct tar_links *l = calloc(1, sizeof(*l));

	if (!a || !l || !(l->r = archive_entry_linkresolver_new())) {
		if (a)
			archive_write_free(a);
		free(l);
		tug_err_set(err, ENOMEM, "archive");
		return NULL;
	}
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		archive_fail(a, err, "open archive for writing");
		archive_write_free(a);
		archive_entry_linkresolver_free(l->r);
		free(l);
		return NULL;
	}
	archive_entry_linkresolver_set_strategy(l->r, archive_format(a));
	l->a = a;
	l->next = tar_links;
	tar_links = l;
	return a;
}

static int write_header(struct archive *a, const char *name, int64_t size, struct tug_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return tug_err_set(err, ENOMEM, "archive entry");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(a, err, name);
	return 0;
}

int tar_writer_add_buf(struct archive *a, const char *name, const void *buf, size_t len,
		       struct tug_err *err)
{
	if (write_header(a, name, (int64_t)len, err) < 0)
		return -1;
	if (len && archive_write_data(a, buf, len) != (la_ssize_t)len)
		return archive_fail(a, err, name);
	return 0;
}

static int copy_fd_data(struct archive *a, int fd, const char *name, struct tug_err *err)
{
	_cleanup_free_ char *buf = malloc(IOBUF);
	ssize_t n;

	if (!buf)
		return tug_err_set(err, ENOMEM, "%s", name);
	while ((n = read(fd, buf, IOBUF)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tug_err_sys(err, "read %s", name);
		}
		if (archive_write_data(a, buf, (size_t)n) != n)
			return archive_fail(a, err, name);
	}
	return 0;
}

int tar_writer_add_fd(struct archive *a, const char *name, int fd, struct tug_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return tug_err_sys(err, "stat %s", name);
	if (write_header(a, name, st.st_size, err) < 0)
		return -1;
	return copy_fd_data(a, fd, name, err);
}

#define TREE_MAX_DEPTH 128

static int add_tree(struct archive *a, int dirfd, const char *name, const char *arcname,
		    int depth, struct tug_err *err)
{
	struct archive_entry *e;
	struct stat st;
	_cleanup_close_ int fd = -1;
	char link[PATH_MAX];
	bool hardlink = false;
	int r;

	if (depth > TREE_MAX_DEPTH)
		return tug_err_set(err, ELOOP, "%s: more than %d directories deep", arcname,
				   TREE_MAX_DEPTH);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return tug_err_sys(err, "stat %s", arcname);
	if (S_ISSOCK(st.st_mode))
		return 0; /* as tar: sockets are not archived */
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		/* Opened before the header: what is read is what was checked. */
		int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);

		fd = openat(dirfd, name, flags);
		if (fd < 0 || fstat(fd, &st) < 0)
			return tug_err_sys(err, "open %s", arcname);
	}
	e = archive_entry_new();
	if (!e)
		return tug_err_set(err, ENOMEM, "archive entry");
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, arcname);
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dirfd, name, link, sizeof(link) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return tug_err_sys(err, "readlink %s", arcname);
		}
		link[n] = '\0';
		archive_entry_set_symlink(e, link);
	}
	/* A later name of a file seen before: a hardlink entry, no data. */
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && links_of(a)) {
		struct archive_entry *spare = NULL;

		archive_entry_linkify(links_of(a), &e, &spare);
		archive_entry_free(spare);
		if (archive_entry_hardlink(e)) {
			archive_entry_set_size(e, 0);
			hardlink = true;
		}
	}
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(a, err, arcname);
	if (S_ISREG(st.st_mode) && !hardlink)
		return copy_fd_data(a, fd, arcname, err);
	if (S_ISDIR(st.st_mode)) {
		int dfd = dup(fd);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;
		int ret = 0;

		if (!d) {
			if (dfd >= 0)
				close(dfd);
			return tug_err_sys(err, "open %s", arcname);
		}
		while (!ret && (de = readdir(d))) {
			_cleanup_free_ char *child = NULL;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (asprintf(&child, "%s/%s", arcname, de->d_name) < 0) {
				child = NULL;
				ret = tug_err_set(err, ENOMEM, "%s", arcname);
				break;
			}
			ret = add_tree(a, fd, de->d_name, child, depth + 1, err);
		}
		closedir(d);
		return ret;
	}
	return 0;
}

int tar_writer_add_tree(struct archive *a, int dirfd, const char *name, const char *arcname,
			struct tug_err *err)
{
	return add_tree(a, dirfd, name, arcname, 0, err);
}

int tar_writer_close(struct archive *a, struct tug_err *err)
{
	int r = archive_write_close(a);

	links_forget(a);
	if (r != ARCHIVE_OK) {
		archive_fail(a, err, "finish archive");
		archive_write_free(a);
		return -1;
	}
	archive_write_free(a);
	return 0;
}
