#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/image/layers.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/sha256.h"
#include "platform/unpack.h"

void layer_chain_id(const char *parent_chain, const char *diff_id, char out[SHA256_DIGEST_STR_LEN])
{
	struct sha256_ctx c;

	if (!parent_chain || !*parent_chain) {
		snprintf(out, SHA256_DIGEST_STR_LEN, "%s", diff_id);
		return;
	}
	sha256_init(&c);
	sha256_update(&c, parent_chain, strlen(parent_chain));
	sha256_update(&c, " ", 1);
	sha256_update(&c, diff_id, strlen(diff_id));
	sha256_final_str(&c, out);
}

static int write_small(int dirfd, const char *name, const char *text, struct tug_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return tug_err_sys(err, "write %s", name);
	return 0;
}

/* blob := the hash of all of fd (from its start), when blob is set; gives back rc. */
static int hash_whole(int fd, struct sha256_ctx *blob, int rc)
{
	char buf[16384];
	ssize_t n;
	off_t off = 0;

	if (!blob)
		return rc;
	sha256_init(blob);
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		sha256_update(blob, buf, (size_t)n);
		off += n;
	}
	return rc;
}

static int unpack_tar(struct image_store *s, int blobfd, struct sha256_ctx *blob, int dirfd,
		      char diff_id[72], uint64_t *size, struct tug_err *err)
{
	struct layer_reader *lr = NULL;
	struct archive *a = NULL;
	struct unpack_stats st = { 0 };
	_cleanup_close_ int rootfd = -1;
	int ret;

	if (mkdirat(dirfd, "root", 0755) < 0)
		return hash_whole(blobfd, blob, tug_err_sys(err, "mkdir root"));
	rootfd = openat(dirfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hash_whole(blobfd, blob, tug_err_sys(err, "open root"));
	if (layer_reader_open(blobfd, blob, &lr, &a, err) < 0)
		return hash_whole(blobfd, blob, -1);
	ret = unpack_layer(a, rootfd, &st, err);
	if (!ret)
		ret = layer_reader_finish(lr, diff_id, err);
	if (ret) {
		struct tug_err ignore;

		/* The caller checks the blob's digest before trusting this error. */
		layer_reader_hash_rest(lr, &ignore);
	}
	layer_reader_free(lr, a);
	*size = st.bytes;
	return ret;
}

int layer_unpack(struct image_store *s, const char *blob_digest, const char *want_diff_id,
		 pid_t owner, char tmp[LAYER_TMP_MAX], struct tug_err *err)
{
	_cleanup_close_ int blobfd = -1;

	tmp[0] = '\0';
	blobfd = blob_open(s, blob_digest, err);
	if (blobfd < 0)
		return -1;
	return layer_unpack_fd(s, blobfd, NULL, blob_digest, want_diff_id, owner, tmp, err);
}

int layer_unpack_fd(struct image_store *s, int blobfd, struct sha256_ctx *blob,
		    const char *blob_digest, const char *want_diff_id, pid_t owner,
		    char tmp[LAYER_TMP_MAX], struct tug_err *err)
{
	static unsigned counter;
	char diff_id[72], text[128];
	unsigned char head[4];
	_cleanup_close_ int dirfd = -1;
	struct stat sb;
	uint64_t size = 0;
	int ret;

	tmp[0] = '\0';
	/* tmp/layer-<owner>-...: a store sweep leaves it alone while the owner lives. */
	snprintf(tmp, LAYER_TMP_MAX, "tmp/layer-%d-%d-%u", (int)owner, (int)getpid(), counter++);
	if (mkdirat(s->dirfd, tmp, 0700) < 0) {
		tmp[0] = '\0';
		return hash_whole(blobfd, blob, tug_err_sys(err, "layer %s: mkdir", blob_digest));
	}
	dirfd = openat(s->dirfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ret = hash_whole(blobfd, blob, tug_err_sys(err, "layer %s", blob_digest));
	} else if (pread(blobfd, head, sizeof(head), 0) == 4 && blob_is_squashfs(head, 4)) {
		/* A squashfs layer stays a blob; it is mounted, not unpacked. */
		snprintf(diff_id, sizeof(diff_id), "%s", blob_digest);
		ret = fstat(blobfd, &sb) < 0 ? tug_err_sys(err, "layer %s", blob_digest) : 0;
		size = ret ? 0 : (uint64_t)sb.st_size;
		if (!ret)
			ret = write_small(dirfd, "squashfs", blob_digest, err);
		ret = hash_whole(blobfd, blob, ret);
	} else {
		ret = unpack_tar(s, blobfd, blob, dirfd, diff_id, &size, err);
	}
	if (!ret && want_diff_id && strcmp(diff_id, want_diff_id))
		ret = tug_err_set(err, EBADMSG,
				  "wrong digest: layer content has diff ID %s, the config says %s",
				  diff_id, want_diff_id);
	snprintf(text, sizeof(text), "%" PRIu64 "\n", size);
	if (!ret)
		ret = write_small(dirfd, "diffid", diff_id, err);
	if (!ret)
		ret = write_small(dirfd, "size", text, err);
	if (!ret)
		ret = write_small(dirfd, "blob", blob_digest, err);
	if (ret) {
		layer_unpack_abort(s, tmp);
		return tug_err_wrap(err, "layer %.19s", blob_digest);
	}
	return 0;
}

void layer_unpack_abort(struct image_store *s, char tmp[LAYER_TMP_MAX])
{
	struct tug_err ignore;

	if (tmp[0])
		remove_tree(s->dirfd, tmp, &ignore);
	tmp[0] = '\0';
}

int layer_commit(struct image_store *s, char tmp[LAYER_TMP_MAX], const char *chain_id,
		 struct tug_err *err)
{
	char final[160];
	_cleanup_close_ int dirfd = openat(s->dirfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (dirfd < 0)
		ret = tug_err_sys(err, "open %s", tmp);
	if (!ret)
		ret = atomic_write_file(dirfd, "complete", "", 0, 0600, err);
	layer_dir(chain_id, final, sizeof(final));
	if (!ret && renameat(s->dirfd, tmp, s->dirfd, final) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			layer_unpack_abort(s, tmp); /* another pull or load won the race */
		else
			ret = tug_err_sys(err, "install layer");
	}
	if (!ret)
		ret = fsync_path(s->dirfd, "layers", err);
	if (ret) {
		layer_unpack_abort(s, tmp);
		return tug_err_wrap(err, "layer %.19s", chain_id);
	}
	tmp[0] = '\0';
	return 0;
}

int layer_install(struct image_store *s, const char *blob_digest, const char *want_diff_id,
		  const char *chain_id, struct tug_err *err)
{
	char tmp[LAYER_TMP_MAX];

	if (layer_complete(s, chain_id))
		return 0;
	if (layer_unpack(s, blob_digest, want_diff_id, getpid(), tmp, err) < 0)
		return -1;
	/* One syncfs flushes every unpacked file before the marker says so. */
	if (syncfs(s->dirfd) < 0) {
		layer_unpack_abort(s, tmp);
		return tug_err_sys(err, "layer %.19s: sync", blob_digest);
	}
	return layer_commit(s, tmp, chain_id, err);
}

uint64_t layer_size(struct image_store *s, const char *chain_id)
{
	char path[180];
	_cleanup_free_ char *text = NULL;
	struct tug_err ignore;

	layer_dir(chain_id, path, sizeof(path));
	strcat(path, "/size");
	if (read_file(s->dirfd, path, 64, &text, NULL, &ignore) < 0)
		return 0;
	return strtoull(text, NULL, 10);
}
