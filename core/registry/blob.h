/* Blob transfer between a registry session and the image store. */
#ifndef TUG_REGISTRY_BLOB_H
#define TUG_REGISTRY_BLOB_H

#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/store.h"
#include "core/registry/internal.h"

int reg_blob_fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		   bool *downloaded, struct tug_err *err);
/*
 * The same for a blob read once more right after its download (a layer to
 * unpack): the download is not hashed as it comes; check() gets the spooled
 * file (fd at its start) and must hash every byte of it into *blob, in the
 * same pass as its own work, also when that work fails. The blob is stored
 * only when that hash matches d; then check()'s failure, if any, is the
 * error (a corrupt blob is reported as a digest mismatch, not as the unpack
 * error it caused). check() may run again for the same blob (kept bytes of
 * an interrupted pull that turned out bad are fetched again whole); a blob
 * already stored is not fetched and check() is not called.
 */
typedef int (*reg_blob_check_fn)(void *ctx, int fd, struct sha256_ctx *blob,
				 struct tug_err *err);
int reg_blob_fetch_check(struct reg_session *s, struct image_store *st,
			 const struct reg_descriptor *d, reg_blob_check_fn check, void *ctx,
			 bool *downloaded, struct tug_err *err);
/*
 * Blobs d[0..n): up to `parallel` at once in child processes (1: one by one).
 * With img (whose layer_blobs are d's digests) and tmps (n entries), a
 * child also unpacks its layer from the downloaded spool, in the same pass
 * that checks the blob's digest (reg_blob_fetch_check, layer_unpack_fd), so
 * unpacking overlaps the other downloads, and names its tmp/ directory in
 * tmps[i]; the caller syncs once and commits them (layer_commit), or
 * removes them (layer_unpack_abort), also after a failure. Layers with
 * tmps[i] empty are left to the caller.
 */
int reg_blobs_fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		    size_t n, int parallel, const struct image *img, char (*tmps)[LAYER_TMP_MAX],
		    bool *fresh, struct tug_err *err);
/* Drop partial/ files no pull resumed for a week, or whose blob is stored. */
void reg_partial_sweep(struct image_store *st);
/* Upload a stored blob unless the registry has it (or can mount it from another repo). */
int reg_blob_push(struct reg_session *s, struct image_store *st, const char *digest,
		  const char *mount_from, struct tug_err *err);

#endif
