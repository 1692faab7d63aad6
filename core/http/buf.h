/* A growable byte buffer with a read offset: connection input and output. */
#ifndef TUG_HTTP_BUF_H
#define TUG_HTTP_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;	/* bytes held, from data[off] */
	size_t off;	/* consumed prefix */
	size_t cap;
};

int buf_reserve(struct buf *b, size_t more);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append one chunk of chunked transfer coding (n == 0 writes the end). */
int buf_add_chunk(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);
static inline const char *buf_head(const struct buf *b)
{
	return b->data + b->off;
}
static inline size_t buf_size(const struct buf *b)
{
	return b->len - b->off;
}

#endif
