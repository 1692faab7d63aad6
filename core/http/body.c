/* Body decoding: Content-Length counting and chunked transfer coding. */
#include <string.h>

#include "core/http/http.h"

void http_body_init(struct http_body *b, bool chunked, int64_t length, uint64_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	if (chunked) {
		b->state = HB_CHUNK_SIZE;
	} else if (length < 0) {
		b->state = HB_UNTIL_CLOSE;
	} else {
		b->state = length ? HB_LENGTH : HB_DONE;
		b->remaining = (uint64_t)length;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int emit(struct http_body *b, const char *p, size_t n, http_sink_fn sink, void *ctx)
{
	if (b->max && b->total + n > b->max)
		return -2;
	b->total += n;
	if (n && sink)
		sink(ctx, p, n);
	return 0;
}

int http_body_feed(struct http_body *b, const char *in, size_t len, size_t *consumed,
		   http_sink_fn sink, void *ctx)
{
	size_t i = 0;

	while (i < len && b->state != HB_DONE) {
		char c = in[i];
		size_t n;
		int h;

		switch (b->state) {
		case HB_LENGTH:
		case HB_CHUNK_DATA:
			n = len - i;
			if (n > b->remaining)
				n = (size_t)b->remaining;
			if (emit(b, in + i, n, sink, ctx)) {
				*consumed = i;
				return -2;
			}
			i += n;
			b->remaining -= n;
			if (!b->remaining)
				b->state = b->state == HB_LENGTH ? HB_DONE : HB_CHUNK_DATA_CR;
			continue;
		case HB_UNTIL_CLOSE:
			if (emit(b, in + i, len - i, sink, ctx)) {
				*consumed = i;
				return -2;
			}
			i = len;
			continue;
		case HB_CHUNK_SIZE:
			h = hexval(c);
			if (h >= 0) {
				if (++b->size_digits > 15)
					goto bad;
				b->remaining = b->remaining * 16 + (uint64_t)h;
			} else if (!b->size_digits) {
				goto bad;
			} else if (c == ';' || c == ' ' || c == '\t') {
				b->state = HB_CHUNK_EXT;
			} else if (c == '\r') {
				b->state = HB_CHUNK_SIZE_LF;
			} else {
				goto bad;
			}
			break;
		case HB_CHUNK_EXT:
			if (c == '\r')
				b->state = HB_CHUNK_SIZE_LF;
			else if (c == '\n')
				goto bad;
			break;
		case HB_CHUNK_SIZE_LF:
			if (c != '\n')
				goto bad;
			b->size_digits = 0;
			if (b->max && b->total + b->remaining > b->max) {
				*consumed = i;
				return -2;
			}
			b->state = b->remaining ? HB_CHUNK_DATA : HB_TRAILER;
			break;
		case HB_CHUNK_DATA_CR:
			if (c != '\r')
				goto bad;
			b->state = HB_CHUNK_DATA_LF;
			break;
		case HB_CHUNK_DATA_LF:
			if (c != '\n')
				goto bad;
			b->state = HB_CHUNK_SIZE;
			break;
		case HB_TRAILER:
			/* Trailer fields are read and dropped; "\r\n" ends the body. */
			b->state = c == '\r' ? HB_TRAILER_LF : HB_TRAILER_LINE;
			b->trailer_empty = c == '\r';
			break;
		case HB_TRAILER_LINE:
			if (c == '\r')
				b->state = HB_TRAILER_LF;
			break;
		case HB_TRAILER_LF:
			if (c != '\n')
				goto bad;
			b->state = b->trailer_empty ? HB_DONE : HB_TRAILER;
			break;
		case HB_DONE:
			break;
		}
		i++;
	}
	*consumed = i;
	return b->state == HB_DONE ? 1 : 0;
bad:
	*consumed = i;
	return -1;
}
