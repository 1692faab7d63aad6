/* Garbage collection and the store check (`tug system check`). */
#ifndef TUG_IMAGE_GC_H
#define TUG_IMAGE_GC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "core/image/store.h"

struct gc_stats {
	unsigned blobs, layers;
	uint64_t bytes;
};

/* Remove blobs and layers no image or lease reaches. Takes the exclusive lock. */
int image_gc(struct image_store *s, struct gc_stats *st, struct tug_err *err);
/*
 * Remove those of the given blobs and layers (a failed load's additions)
 * that no image or lease reaches. Takes the exclusive lock, so a load of the
 * same content running beside it finishes and registers first.
 */
int image_gc_these(struct image_store *s, const char (*blobs)[SHA256_DIGEST_STR_LEN],
		   size_t nblobs, const char (*layers)[SHA256_DIGEST_STR_LEN], size_t nlayers,
		   struct tug_err *err);
/*
 * Docker's image prune: untagged images, or with all every image, that no
 * container holds (lease); then gc. report (a JSON array) gets Docker's
 * ImagesDeleted items, {"Untagged": "name:tag"} and {"Deleted": image ID};
 * st->bytes is the space reclaimed.
 */
int image_prune(struct image_store *s, bool all, cJSON *report, struct gc_stats *st,
		struct tug_err *err);
/* Verify every blob's digest, every image's parts and layer markers.
 * Prints one line per damage on out; returns the number of problems. */
int image_check(struct image_store *s, FILE *out, struct tug_err *err);

#endif
