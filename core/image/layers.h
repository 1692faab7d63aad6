/* Layer directories keyed by chain ID: unpack once, verify the diff ID. */
#ifndef TUG_IMAGE_LAYERS_H
#define TUG_IMAGE_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/image/store.h"

/* chain[0] = diff[0]; chain[i] = sha256(chain[i-1] + " " + diff[i]). */
void layer_chain_id(const char *parent_chain, const char *diff_id, char out[SHA256_DIGEST_STR_LEN]);

/*
 * Make layers/<chain> from a layer blob (tar, tar.gz or squashfs) unless it
 * is already complete. The uncompressed content must hash to want_diff_id.
 * Crash-safe: built in tmp/, synced, marked complete, then renamed in.
 */
int layer_install(struct image_store *s, const char *blob_digest, const char *want_diff_id,
		  const char *chain_id, struct tug_err *err);

/* Unpacked size recorded at install (0 when unknown). */
uint64_t layer_size(struct image_store *s, const char *chain_id);

#endif
