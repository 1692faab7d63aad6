/*
 * libFuzzer: bytes from a client or a daemon never crash the HTTP code. The
 * first byte picks what reads them: a request head (then its body, as the
 * server would, also fed one byte at a time), a response head (then its
 * body), or a query string and the multiplexed stream header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/http.h"

static void sink(void *ctx, const char *data, size_t len)
{
	size_t *total = ctx;

	if (len)
		*total += (size_t)(unsigned char)data[len - 1];
}

/* Feed the body whole, then again byte by byte: the results must agree. */
static void body(const char *data, size_t len, bool chunked, int64_t length, uint64_t max)
{
	struct http_body a, b;
	size_t used = 0, t1 = 0, t2 = 0, off = 0;
	int ra, rb = 0;

	http_body_init(&a, chunked, length, max);
	ra = http_body_feed(&a, data, len, &used, sink, &t1);
	http_body_init(&b, chunked, length, max);
	do {
		size_t u = 0;

		rb = http_body_feed(&b, data + off, off < len ? 1 : 0, &u, sink, &t2);
		off += u;
		if (rb != 0 || !u)
			break;
	} while (off <= len);
	if (ra == 1 && (rb != 1 || off != used || a.total != b.total))
		abort();
}

static void request(const char *data, size_t len)
{
	static const struct http_limits lim = { .max_head = 4096, .max_body = 1 << 16 };
	struct http_request req;
	struct http_body b;
	int status = 0;
	long n = http_parse_request(data, len, &lim, &req, &status);

	if (n < 0) {
		if (status < 400 || status > 599)
			abort();
		return;
	}
	if (n == 0)
		return;
	http_header_get(&req, "Host");
	if (http_body_init_request(&b, &req, &lim, &status) == 0)
		body(data + n, len - (size_t)n, req.chunked,
		     req.chunked ? 0 : (req.content_length < 0 ? 0 : req.content_length), lim.max_body);
	http_request_free(&req);
}

static void response(const char *data, size_t len)
{
	struct http_response_head r;
	long n = http_parse_response(len ? data : NULL, len, 4096, &r);

	if (n <= 0)
		return;
	if (r.status < 100 || r.status > 999)
		abort();
	body(data + n, len - (size_t)n, r.chunked, r.chunked ? 0 : r.content_length, 0);
	http_response_head_free(&r);
}

static void query(const char *data, size_t len)
{
	char *q = strndup(data, len), v[64], enc[256];
	uint8_t h[8];

	if (!q)
		return;
	http_query_get(q, "filters", v, sizeof(v));
	http_query_bool(q, "all");
	http_url_encode(q, enc, sizeof(enc));
	http_stream_header(h, (int)len & 3, (uint32_t)len);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		request((const char *)data + 1, size - 1);
		break;
	case 1:
		response((const char *)data + 1, size - 1);
		break;
	default:
		query((const char *)data + 1, size - 1);
	}
	return 0;
}
