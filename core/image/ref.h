/*
 * Image references as users type them: `busybox`, `busybox:1.36`,
 * `reg:5000/a/b:tag`, `x@sha256:<hex>`. Names are kept in Docker's familiar
 * form (docker.io/library/ is dropped) so `tug images` reads like `docker
 * images`.
 */
#ifndef TUG_IMAGE_REF_H
#define TUG_IMAGE_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/err.h"

struct image_ref {
	char name[256];	  /* familiar name: "busybox", "reg:5000/a/b" */
	char tag[129];	  /* "latest" when neither tag nor digest given */
	char digest[72];  /* "sha256:<hex>" or "" */
};

int image_ref_parse(const char *s, struct image_ref *ref, struct tug_err *err);
/* "name:tag" (the key of the tag index); "" when the ref has no tag. */
void image_ref_key(const struct image_ref *ref, char *out, size_t size);
bool digest_valid(const char *digest);
/* A 12..64 hex prefix of an image ID, with or without "sha256:". */
bool image_id_prefix_valid(const char *s);

/* OCI platform of this build (TUG_ARCH): x86_64 -> amd64, aarch64 -> arm64/v8... */
void image_platform_of(const char *tug_arch, const char **arch, const char **variant);
/* Does a manifest list entry's platform fit this device? */
bool image_platform_match(const char *tug_arch, const char *os, const char *arch,
			  const char *variant);

#endif
