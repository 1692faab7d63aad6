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
 * Blobs d[0..n): up to `parallel` at once in child processes (1: one by one).
 * With img (whose layer_blobs are d's digests) and tmps (n entries), a
 * child also unpacks its layer right after the download (layer_unpack), so
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
