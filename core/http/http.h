/*
 * HTTP/1.1 for the engine's API: an incremental request parser with limits
 * (head size, body size), a body decoder for Content-Length and chunked
 * bodies, and the small pieces both sides need to format messages.
 * Pure logic: no sockets here, so the parser can be unit-tested and fuzzed.
 */
#ifndef TUG_HTTP_H
#define TUG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 64

struct http_limits {
	size_t max_head;	/* request line + headers, bytes */
	size_t max_body;	/* decoded body, bytes (0 = no body allowed) */
};

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	char *head;		/* owned copy of the head, NUL-separated pieces */
	const char *method;
	const char *target;	/* as sent: path?query */
	char *path;		/* owned, percent-decoded path */
	const char *query;	/* raw query string after '?', or "" */
	int minor;		/* HTTP/1.<minor> */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	bool keep_alive;
	bool chunked;
	int64_t content_length;	/* -1 when absent */
};

/* Body decoding state (request or response). */
struct http_body {
	enum {
		HB_LENGTH,	/* remaining bytes counted by Content-Length */
		HB_CHUNK_SIZE,
		HB_CHUNK_EXT,
		HB_CHUNK_SIZE_LF,
		HB_CHUNK_DATA,
		HB_CHUNK_DATA_CR,
		HB_CHUNK_DATA_LF,
		HB_TRAILER,	/* at line start in the trailer */
		HB_TRAILER_LINE,
		HB_TRAILER_LF,
		HB_UNTIL_CLOSE,	/* responses without length */
		HB_DONE,
	} state;
	uint64_t remaining;	/* for HB_LENGTH and HB_CHUNK_DATA */
	uint64_t total;		/* decoded so far */
	uint64_t max;		/* limit on total, 0 = none */
	int size_digits;
	bool trailer_empty;
};

/*
 * Parse a request head at buf[0..len). Returns the number of bytes of the
 * head (> 0) when complete, 0 when more bytes are needed, or -1 with *status
 * set to the HTTP status to answer (400, 413, 431, 501, 505).
 */
long http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
			struct http_request *req, int *status);
void http_request_free(struct http_request *req);
const char *http_header_get(const struct http_request *req, const char *name);

/* A response head as the client reads it. */
struct http_response_head {
	int status;
	char *head;		/* owned copy, NUL-separated pieces */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	bool chunked;
	int64_t content_length;	/* -1 when absent */
};

/*
 * Parse a response head at buf[0..len) (buf may be NULL when len is 0).
 * Returns the bytes of the head when complete, 0 when more are needed, -1
 * when malformed or longer than max_head.
 */
long http_parse_response(const char *buf, size_t len, size_t max_head,
			 struct http_response_head *r);
void http_response_head_free(struct http_response_head *r);

/* Set up the body decoder for a parsed request; -1 with *status on limits. */
int http_body_init_request(struct http_body *b, const struct http_request *req,
			   const struct http_limits *lim, int *status);
/* Chunked decoding, or a plain count (length < 0: until close). */
void http_body_init(struct http_body *b, bool chunked, int64_t length, uint64_t max);

typedef void (*http_sink_fn)(void *ctx, const char *data, size_t len);
/*
 * Feed raw bytes; decoded data goes to sink (pointing into in). *consumed
 * says how much of in was used. Returns 1 when the body is complete, 0 when
 * more is needed, -1 malformed, -2 over the limit.
 */
int http_body_feed(struct http_body *b, const char *in, size_t len, size_t *consumed,
		   http_sink_fn sink, void *ctx);

/* Query string lookup: copies the decoded value of key into out. */
bool http_query_get(const char *query, const char *key, char *out, size_t size);
/* Docker booleans: "1", "true", "True". */
bool http_query_bool(const char *query, const char *key);
/* Percent-decode in place-safe: out may equal in. */
size_t http_url_decode(const char *in, size_t len, char *out, bool plus_is_space);
/* Percent-encode for a query value. */
void http_url_encode(const char *in, char *out, size_t size);

/* Standard base64 (out NUL-terminated, cut to size); decode returns the length or -1. */
void http_base64_encode(const void *in, size_t len, char *out, size_t size);
int http_base64_decode(const char *in, char *out, size_t size);

const char *http_reason(int status);

/* Multiplexed stream header of attach/exec without a TTY. */
void http_stream_header(uint8_t hdr[8], int stream, uint32_t len);

#endif
