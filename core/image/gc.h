/* Garbage collection and the store check (`tug system check`). */
#ifndef TUG_IMAGE_GC_H
#define TUG_IMAGE_GC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "core/image/store.h"

struct gc_stats {
	unsigned blobs, layers, partials;
	uint64_t bytes;
};

/* Prune without -a keeps the resume state of pulls broken off within a day. */
#define PARTIAL_PRUNE_AGE (24 * 3600)

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
 * then partial downloads (image_partial_sweep). st->bytes is the space
 * reclaimed.
 */
int image_prune(struct image_store *s, bool all, cJSON *report, struct gc_stats *st,
		struct tug_err *err);
/*
 * The resume state of interrupted pulls, partial/<hex> (core/registry/blob.c):
 * removes the files no pull is writing (flock) that were last written
 * max_age seconds ago or more (0: all), or whose blob is in the store by
 * now. Adds them to st->partials and st->bytes when st is given. Prune
 * (all ? 0 : PARTIAL_PRUNE_AGE) and each pull (a week) call it.
 */
int image_partial_sweep(struct image_store *s, long max_age, struct gc_stats *st,
			struct tug_err *err);
/* Verify every blob's digest, every image's parts and layer markers.
 * Prints one line per damage on out; returns the number of problems. */
int image_check(struct image_store *s, FILE *out, struct tug_err *err);

#endif
