/*
 * A small blocking HTTP/1.1 client over a UNIX socket, for the CLI: one
 * request at a time, streamed bodies both ways, hijacked connections.
 */
#ifndef TUG_HTTP_CLIENT_H
#define TUG_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/http/buf.h"
#include "core/http/http.h"
#include "platform/err.h"

struct http_client {
	int fd;
	char path[108];
	struct buf in;
};

struct http_response {
	int status;
	char *head;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	struct http_body body;
};

/* host: "unix:///run/tug/tug.sock" or a plain path. */
int http_client_open(struct http_client *c, const char *host, struct tug_err *err);
void http_client_close(struct http_client *c);
/* Send a request; body may be NULL. extra: more header lines ending in CRLF. */
int http_client_send(struct http_client *c, const char *method, const char *target,
		     const char *extra, const void *body, size_t len, struct tug_err *err);
/* Send a request whose body is read from fd, chunked. */
int http_client_send_fd(struct http_client *c, const char *method, const char *target,
			const char *extra, int fd, struct tug_err *err);
int http_client_read_head(struct http_client *c, struct http_response *r, struct tug_err *err);
/* Read the body through sink; returns 0 at its end. */
int http_client_read_body(struct http_client *c, struct http_response *r, http_sink_fn sink,
			  void *ctx, struct tug_err *err);
void http_response_free(struct http_response *r);
const char *http_response_header(const struct http_response *r, const char *name);

/* One call: request, whole body into out (NUL-terminated). Returns status or -1. */
int http_client_do(struct http_client *c, const char *method, const char *target,
		   const char *json_body, struct buf *out, struct tug_err *err);

#endif
