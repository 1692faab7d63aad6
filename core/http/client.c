#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/http/client.h"
#include "platform/fsutil.h"

int http_client_open(struct http_client *c, const char *host, struct tug_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = host;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!strncmp(path, "unix://", 7))
		path += 7;
	else if (strstr(path, "://"))
		return tug_err_set(err, EINVAL, "host %s: only unix:// sockets are supported", host);
	if (strlen(path) >= sizeof(sa.sun_path))
		return tug_err_set(err, ENAMETOOLONG, "socket path %s", path);
	strcpy(sa.sun_path, path);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return tug_err_sys(err, "socket");
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		tug_err_sys(err, "cannot connect to the tug daemon at unix://%s", path);
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

void http_client_close(struct http_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}

static int send_head(struct http_client *c, const char *method, const char *target,
		     const char *extra, const char *length_line, struct tug_err *err)
{
	struct buf h = { 0 };
	int rc = 0;

	buf_printf(&h, "%s %s HTTP/1.1\r\nHost: tug\r\nUser-Agent: tug\r\n%s%s\r\n",
		   method, target, extra ? extra : "", length_line);
	if (write_all(c->fd, buf_head(&h), buf_size(&h)))
		rc = tug_err_sys(err, "send %s %s", method, target);
	buf_free(&h);
	return rc;
}

int http_client_send(struct http_client *c, const char *method, const char *target,
		     const char *extra, const void *body, size_t len, struct tug_err *err)
{
	char cl[64];

	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", body ? len : 0);
	if (send_head(c, method, target, extra, body || strcmp(method, "GET") ? cl : "", err))
		return -1;
	if (body && len && write_all(c->fd, body, len))
		return tug_err_sys(err, "send body of %s", target);
	return 0;
}

int http_client_send_fd(struct http_client *c, const char *method, const char *target,
			const char *extra, int fd, struct tug_err *err)
{
	char data[65536], hdr[32];
	ssize_t n;

	if (send_head(c, method, target, extra, "Transfer-Encoding: chunked\r\n", err))
		return -1;
	while ((n = read(fd, data, sizeof(data))) > 0) {
		int hl = snprintf(hdr, sizeof(hdr), "%zx\r\n", (size_t)n);

		if (write_all(c->fd, hdr, (size_t)hl) || write_all(c->fd, data, (size_t)n) ||
		    write_all(c->fd, "\r\n", 2))
			return tug_err_sys(err, "send body of %s", target);
	}
	if (n < 0)
		return tug_err_sys(err, "read input");
	if (write_all(c->fd, "0\r\n\r\n", 5))
		return tug_err_sys(err, "send body of %s", target);
	return 0;
}

static int fill(struct http_client *c, struct tug_err *err)
{
	ssize_t n;

	if (buf_reserve(&c->in, 65536))
		return tug_err_set(err, ENOMEM, "read response");
	do
		n = read(c->fd, c->in.data + c->in.len, 65536);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tug_err_sys(err, "read response");
	c->in.len += (size_t)n;
	c->in.data[c->in.len] = '\0';
	return (int)(n > 0);
}

const char *http_response_header(const struct http_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

#define CLIENT_MAX_HEAD (1 << 20)

int http_client_read_head(struct http_client *c, struct http_response *r, struct tug_err *err)
{
	struct http_response_head h;
	long n;

	memset(r, 0, sizeof(*r));
	/* A fresh client has no buffer yet: the parser takes (NULL, 0). */
	while (!(n = http_parse_response(buf_size(&c->in) ? buf_head(&c->in) : NULL,
					 buf_size(&c->in), CLIENT_MAX_HEAD, &h))) {
		int rc = fill(c, err);

		if (rc < 0)
			return -1;
		if (!rc)
			return tug_err_set(err, EPROTO, "the daemon closed the connection");
	}
	if (n < 0)
		return tug_err_set(err, EPROTO, "malformed response from the daemon");
	buf_consume(&c->in, (size_t)n);
	r->status = h.status;
	r->head = h.head;
	memcpy(r->headers, h.headers, sizeof(h.headers));
	r->nheaders = h.nheaders;
	if (r->status == 204 || r->status == 304 || r->status == 101 || r->status < 200)
		http_body_init(&r->body, false, 0, 0);
	else
		http_body_init(&r->body, h.chunked, h.chunked ? 0 : h.content_length, 0);
	return 0;
}

int http_client_read_body(struct http_client *c, struct http_response *r, http_sink_fn sink,
			  void *ctx, struct tug_err *err)
{
	for (;;) {
		size_t used = 0;
		int rc = 1;

		if (buf_size(&c->in) || r->body.state == HB_DONE) {
			rc = http_body_feed(&r->body, buf_head(&c->in), buf_size(&c->in), &used, sink,
					    ctx);
			buf_consume(&c->in, used);
			if (rc == 1 || r->body.state == HB_DONE)
				return 0;
			if (rc < 0)
				return tug_err_set(err, EPROTO, "malformed response body");
		}
		rc = fill(c, err);
		if (rc < 0)
			return -1;
		if (!rc) {
			if (r->body.state == HB_UNTIL_CLOSE)
				return 0;
			return tug_err_set(err, EPROTO, "the daemon closed the connection early");
		}
	}
}

void http_response_free(struct http_response *r)
{
	free(r->head);
	r->head = NULL;
}

static void to_buf(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

int http_client_do(struct http_client *c, const char *method, const char *target,
		   const char *json_body, struct buf *out, struct tug_err *err)
{
	struct http_response r;
	int status;

	if (http_client_send(c, method, target,
			     json_body ? "Content-Type: application/json\r\n" : NULL, json_body,
			     json_body ? strlen(json_body) : 0, err))
		return -1;
	if (http_client_read_head(c, &r, err))
		return -1;
	status = r.status;
	buf_add(out, "", 0);
	if (http_client_read_body(c, &r, to_buf, out, err)) {
		http_response_free(&r);
		return -1;
	}
	http_response_free(&r);
	return status;
}
