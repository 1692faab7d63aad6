/*
 * An overlay upper directory written as an image layer (docker commit):
 * overlay whiteouts become ".wh." entries, opaque directories get
 * ".wh..wh..opq". skip: NULL-terminated paths relative to the upper dir
 * ("etc/hosts") left out, or NULL.
 */
#ifndef TUG_LAYER_TAR_H
#define TUG_LAYER_TAR_H

#include "platform/err.h"

struct archive;

#ifdef CONFIG_IMAGE_ARCHIVE
int tar_writer_add_upper(struct archive *a, int upperfd, const char *const *skip,
			 struct tug_err *err);
#else
static inline int tar_writer_add_upper(struct archive *a, int upperfd, const char *const *skip,
				       struct tug_err *err)
{
	return tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
}
#endif

#endif
