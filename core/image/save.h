#ifndef TUG_IMAGE_SAVE_H
#define TUG_IMAGE_SAVE_H

#include <stddef.h>

#include "core/image/store.h"

/* Write the named images as one docker-save / OCI layout archive to fd. */
int image_save(struct image_store *s, const char *const *names, size_t n, int fd,
	       struct tug_err *err);

#endif
