/* Layer directories keyed by chain ID: unpack once, verify the diff ID. */
#ifndef TUG_IMAGE_LAYERS_H
#define TUG_IMAGE_LAYERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/image/store.h"

/* chain[0] = diff[0]; chain[i] = sha256(chain[i-1] + " " + diff[i]). */
void layer_chain_id(const char *parent_chain, const char *diff_id, char out[SHA256_DIGEST_STR_LEN]);

/*
 * Make layers/<chain> from a layer blob (tar, tar.gz or squashfs) unless it
 * is already complete. The uncompressed content must hash to want_diff_id.
 * Crash-safe: built in tmp/, synced, marked complete, then renamed in.
 * layer_unpack() + syncfs + layer_commit().
 */
int layer_install(struct image_store *s, const char *blob_digest, const char *want_diff_id,
		  const char *chain_id, struct tug_err *err);

/*
 * The halves of layer_install, for a caller that unpacks several layers
 * (in several processes) and syncs once. layer_unpack() builds the layer in
 * a new tmp/ directory, named in tmp (owner's pid in it: a store sweep
 * leaves it alone while owner lives), neither durable nor visible; on
 * failure nothing is left. layer_commit() marks it complete and renames it
 * into layers/<chain>: call it only after a syncfs of the store that came
 * after the unpack, so no layer is marked complete before its files are on
 * disk. layer_unpack_abort() removes a tmp/ directory not committed.
 */
#define LAYER_TMP_MAX 96
int layer_unpack(struct image_store *s, const char *blob_digest, const char *want_diff_id,
		 pid_t owner, char tmp[LAYER_TMP_MAX], struct tug_err *err);
/*
 * The same from an open blob file (read from its start), not yet verified:
 * with blob set, every byte of it is hashed into blob in the same pass (also
 * when the unpack fails), and the caller must check that digest before it
 * trusts the layer or the unpack's error.
 */
int layer_unpack_fd(struct image_store *s, int blobfd, struct sha256_ctx *blob,
		    const char *blob_digest, const char *want_diff_id, pid_t owner,
		    char tmp[LAYER_TMP_MAX], struct tug_err *err);
int layer_commit(struct image_store *s, char tmp[LAYER_TMP_MAX], const char *chain_id,
		 struct tug_err *err);
void layer_unpack_abort(struct image_store *s, char tmp[LAYER_TMP_MAX]);

/* Unpacked size recorded at install (0 when unknown). */
uint64_t layer_size(struct image_store *s, const char *chain_id);

#endif
