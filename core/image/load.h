/* Load docker-save and OCI image-layout archives (gzip or not) from a stream. */
#ifndef TUG_IMAGE_LOAD_H
#define TUG_IMAGE_LOAD_H

#include <stdio.h>

#include "core/image/store.h"

/* Reads the archive from fd; prints "Loaded image: x" lines on out. */
int image_load(struct image_store *s, int fd, FILE *out, struct tug_err *err);

#endif
