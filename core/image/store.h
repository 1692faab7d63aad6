/*
 * The image store under tug_state_dir():
 *
 *   blobs/sha256/<hex>        manifests, configs, layer blobs (verified on write)
 *   layers/<chain hex>/       one unpacked layer: root/ (tar) or the squashfs
 *                             blob's digest, diffid, size, and "complete"
 *   refs.json                 {"images": {manifest digest: {...}}, "tags":
 *                             {"name:tag": manifest digest}} — one file,
 *                             replaced atomically; a load is invisible until
 *                             it is renamed in
 *   leases/<holder>           image digests a container holds (never removed)
 *   tmp/                      spool and unpack area, swept at open
 *   lock                      flock: shared for loads, exclusive for gc/sweep
 *
 * The daemon and the CLI both go through this API.
 */
#ifndef TUG_IMAGE_STORE_H
#define TUG_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "platform/err.h"
#include "platform/sha256.h"

#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_TUG_SQUASHFS "application/vnd.tug.image.layer.v1.squashfs"

struct image_store {
	char root[512];
	int dirfd;
	int lockfd;
	bool exclusive;
};

/* Open (creating the layout), take the shared lock, sweep leftovers when alone. */
int image_store_open(struct image_store *s, struct tug_err *err);
void image_store_close(struct image_store *s);
/* Upgrade to the exclusive lock (gc); waits for loads to finish. */
int image_store_lock_exclusive(struct image_store *s, struct tug_err *err);

/* Blobs. A writer spools into tmp/ while hashing; commit moves it in. */
struct blob_writer {
	int fd;
	char tmp[96];
	uint64_t size;
	uint64_t written_back;	/* writeback started up to here (WRITEBACK_STEP) */
	bool no_hash;		/* the caller hashes the spool itself before commit */
	struct sha256_ctx hash;
};
/*
 * Big files start their writeback every WRITEBACK_STEP bytes while they are
 * written (sync_file_range, no waiting), so the fsync or syncfs that makes
 * them durable finds most of the data on disk already instead of writing
 * it all at the end: a pull's 200 MB of blobs and layers go to disk while
 * it downloads.
 */
#define WRITEBACK_STEP (4u << 20)
int blob_writer_open(struct image_store *s, struct blob_writer *w, struct tug_err *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct tug_err *err);
/* fsync, rename to blobs/sha256/<hex>; when want is set it must match. */
int blob_writer_commit(struct image_store *s, struct blob_writer *w, const char *want,
		       char digest[SHA256_DIGEST_STR_LEN], bool *created, struct tug_err *err);
void blob_writer_abort(struct image_store *s, struct blob_writer *w);
int blob_put(struct image_store *s, const void *buf, size_t len,
	     char digest[SHA256_DIGEST_STR_LEN], struct tug_err *err);
int blob_open(struct image_store *s, const char *digest, struct tug_err *err);
bool blob_exists(struct image_store *s, const char *digest);
int blob_size(struct image_store *s, const char *digest, uint64_t *size, struct tug_err *err);
int blob_read_json(struct image_store *s, const char *digest, cJSON **out, struct tug_err *err);
void blob_path(const char *digest, char *out, size_t size);

/* refs.json: read, or change under its lock with fn (returns <0 to abort). */
int refs_read(struct image_store *s, cJSON **out, struct tug_err *err);
/* The same, reporting (on report, if set) and counting malformed entries it drops. */
int refs_read_report(struct image_store *s, cJSON **out, FILE *report, int *damaged,
		     struct tug_err *err);
typedef int (*refs_change_fn)(cJSON *refs, void *arg, struct tug_err *err);
int refs_change(struct image_store *s, refs_change_fn fn, void *arg, struct tug_err *err);

/* Layers keyed by chain ID. */
void layer_dir(const char *chain_id, char *out, size_t size);
bool layer_complete(struct image_store *s, const char *chain_id);

/* Leases: containers hold images so gc and rmi leave them alone. */
int image_lease_add(struct image_store *s, const char *holder, const char *manifest_digest,
		    struct tug_err *err);
int image_lease_remove(struct image_store *s, const char *holder, struct tug_err *err);
/* Holder of a lease on manifest_digest, or NULL (malloc'd). */
char *image_lease_holder(struct image_store *s, const char *manifest_digest);

#endif
