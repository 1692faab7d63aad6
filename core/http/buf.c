#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/buf.h"

int buf_reserve(struct buf *b, size_t more)
{
	size_t need, cap;
	char *d;

	if (b->off && b->off == b->len) {
		b->off = b->len = 0;
	} else if (b->off > 4096 && b->off * 2 > b->len) {
		/* Slide the unread tail down instead of growing forever. */
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_add_chunk(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return buf_add(b, "0\r\n\r\n", 5);
	if (buf_printf(b, "%zx\r\n", n) || buf_add(b, p, n) || buf_add(b, "\r\n", 2))
		return -1;
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
