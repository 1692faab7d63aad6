/* Images in the store: find one by name, tag or ID; read its parts. */
#ifndef TUG_IMAGE_IMAGE_H
#define TUG_IMAGE_IMAGE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/image/store.h"

#define IMAGE_MAX_LAYERS 128

struct image {
	char manifest_digest[SHA256_DIGEST_STR_LEN];
	char config_digest[SHA256_DIGEST_STR_LEN]; /* the image ID */
	cJSON *manifest;
	cJSON *config;
	size_t nlayers;
	char (*layer_blobs)[SHA256_DIGEST_STR_LEN];
	char (*diff_ids)[SHA256_DIGEST_STR_LEN];
	char (*chain_ids)[SHA256_DIGEST_STR_LEN];
};

/* Read manifest and config of a stored image; checks layer and diff counts. */
int image_read(struct image_store *s, const char *manifest_digest, struct image *img,
	       struct tug_err *err);
void image_free(struct image *img);

/*
 * Find the manifest digest for what the user typed: "name[:tag]",
 * "name@sha256:..", an image ID or its prefix (config digest), or a
 * manifest digest. ENOENT: "No such image: x".
 */
int image_resolve(struct image_store *s, const cJSON *refs, const char *what,
		  char manifest_digest[SHA256_DIGEST_STR_LEN], struct tug_err *err);

/* Sum of unpacked layer sizes. */
uint64_t image_size(struct image_store *s, const struct image *img);

/* Record an image (and optional tags) in refs.json, atomically. */
int image_register(struct image_store *s, const char *manifest_digest, const char *config_digest,
		   const char *const *tags, size_t ntags, struct tug_err *err);

#endif
