/*
 * HTTP/1.1 requests to registries and blob storage: one kept-alive
 * connection (TCP or TLS, through a proxy when configured), redirects
 * followed with the Authorization header dropped when the host changes,
 * bodies with Content-Length, chunked or until close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/registry/internal.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/tcp.h"
#include "platform/tls.h"

#define REG_MAX_REDIRECTS 5
#define REG_READ_CHUNK 65536

void reg_client_init(struct reg_client *c, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->conn.fd = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
}

void reg_client_drop(struct reg_client *c)
{
	if (c->conn.tls)
		tls_close(c->conn.tls);
	c->conn.tls = NULL;
	if (c->conn.fd >= 0)
		close(c->conn.fd);
	c->conn.fd = -1;
	c->conn.key[0] = '\0';
	c->conn.in.len = c->conn.in.off = 0;
}

void reg_client_close(struct reg_client *c)
{
	reg_client_drop(c);
	buf_free(&c->conn.in);
}

static int conn_open(struct reg_client *c, const struct reg_url *u, struct tug_err *err)
{
	char key[300], proxy[300], hp[300];
	_cleanup_close_ int fd = -1;

	snprintf(key, sizeof(key), "%s://%s:%s", u->https ? "https" : "http", u->host, u->port);
	if (c->conn.fd >= 0 && !strcmp(c->conn.key, key))
		return 1;
	reg_client_drop(c);
	if (tcp_proxy_for(u->https, u->host, proxy, sizeof(proxy)))
		fd = tcp_connect_proxy(proxy, u->host, u->port, c->timeout_ms, err);
	else
		fd = tcp_connect(u->host, u->port, c->timeout_ms, err);
	if (fd < 0)
		return -1;
	tcp_set_io_timeout(fd, c->timeout_ms);
	if (u->https) {
		char server[256];

		snprintf(server, sizeof(server), "%s", u->host);
		if (server[0] == '[') {
			memmove(server, server + 1, strlen(server));
			server[strcspn(server, "]")] = '\0';
		}
		reg_url_hostport(u, hp, sizeof(hp));
		if (tls_connect(&c->conn.tls, fd, server, hp, err) < 0)
			return -1;
	}
	c->conn.fd = take_fd(fd);
	snprintf(c->conn.key, sizeof(c->conn.key), "%s", key);
	c->conn.in.len = c->conn.in.off = 0;
	return 0;
}

static int conn_write(struct reg_client *c, const void *p, size_t n, struct tug_err *err)
{
	if (c->conn.tls)
		return tls_write_all(c->conn.tls, p, n, err);
	if (write_all(c->conn.fd, p, n) < 0)
		return tug_err_sys(err, "send");
	return 0;
}

/* More input into conn.in: 1 read, 0 closed, -1 error. */
static int conn_fill(struct reg_client *c, struct tug_err *err)
{
	ssize_t n;
	struct buf *b = &c->conn.in;

	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (buf_reserve(b, REG_READ_CHUNK))
		return tug_err_set(err, ENOMEM, "read");
	if (c->conn.tls) {
		n = tls_read(c->conn.tls, b->data + b->len, REG_READ_CHUNK, err);
	} else {
		do
			n = read(c->conn.fd, b->data + b->len, REG_READ_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			tug_err_set(err, errno == EAGAIN ? ETIMEDOUT : errno, "read");
	}
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	return n > 0;
}

static int send_request(struct reg_client *c, const struct reg_req *rq, const struct reg_url *u,
			bool with_auth, struct tug_err *err)
{
	struct buf h = { 0 };
	char hp[300];
	int rc = 0;

	reg_url_hostport(u, hp, sizeof(hp));
	buf_printf(&h, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tug/registry\r\n%s", rq->method,
		   u->target, hp, rq->headers ? rq->headers : "");
	if (with_auth && rq->authorization && *rq->authorization)
		buf_printf(&h, "Authorization: %s\r\n", rq->authorization);
	if (rq->body || rq->body_fd >= 0 || !strcmp(rq->method, "PUT") ||
	    !strcmp(rq->method, "POST") || !strcmp(rq->method, "PATCH"))
		buf_printf(&h, "Content-Length: %zu\r\n", rq->body_len);
	buf_printf(&h, "\r\n");
	if (!h.data)
		return tug_err_set(err, ENOMEM, "request");
	if (rq->body && rq->body_len && rq->body_len < 16384) {
		/* Small bodies go out with the head in one packet. */
		buf_add(&h, rq->body, rq->body_len);
		rc = conn_write(c, buf_head(&h), buf_size(&h), err);
	} else {
		rc = conn_write(c, buf_head(&h), buf_size(&h), err);
		if (!rc && rq->body && rq->body_len)
			rc = conn_write(c, rq->body, rq->body_len, err);
	}
	buf_free(&h);
	if (rc || rq->body_fd < 0)
		return rc;
	{
		char data[REG_READ_CHUNK];
		size_t left = rq->body_len;

		if (lseek(rq->body_fd, 0, SEEK_SET) < 0)
			return tug_err_sys(err, "rewind upload");
		while (left) {
			ssize_t n = read(rq->body_fd, data, left < sizeof(data) ? left : sizeof(data));

			if (n <= 0)
				return tug_err_set(err, n < 0 ? errno : EIO, "read upload");
			if (conn_write(c, data, (size_t)n, err) < 0)
				return -1;
			left -= (size_t)n;
		}
	}
	return 0;
}

static int read_head(struct reg_client *c, struct reg_resp *rs, struct tug_err *err)
{
	for (;;) {
		long n = reg_resp_parse(buf_head(&c->conn.in), buf_size(&c->conn.in), rs);
		int f;

		if (n < 0)
			return tug_err_set(err, EPROTO, "malformed HTTP response");
		if (n > 0) {
			buf_consume(&c->conn.in, (size_t)n);
			break;
		}
		if (buf_size(&c->conn.in) > 64 * 1024)
			return tug_err_set(err, EPROTO, "HTTP response head too large");
		f = conn_fill(c, err);
		if (f < 0)
			return -1;
		if (!f)
			return tug_err_set(err, ECONNRESET, "connection closed before the answer");
	}
	return 0;
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int reg_do(struct reg_client *c, const struct reg_req *rq, struct reg_resp *rs,
	   struct tug_err *err)
{
	struct reg_url u, first;
	bool with_auth = true;

	memset(rs, 0, sizeof(*rs));
	if (reg_url_parse(rq->url, &u, err) < 0)
		return -1;
	first = u;
	for (int hop = 0;; hop++) {
		bool reused;
		char us[2300];

		reg_url_str(&u, us, sizeof(us));
		int opened = conn_open(c, &u, err);

		if (opened < 0)
			return tug_err_wrap(err, "%s %s", rq->method, us);
		reused = opened == 1;
		/* A kept-alive connection the server closed meanwhile: one fresh try. */
		for (int attempt = 0; attempt < 2; attempt++) {
			if (send_request(c, rq, &u, with_auth, err) == 0 &&
			    read_head(c, rs, err) == 0)
				break;
			reg_client_drop(c);
			if (attempt || !reused || conn_open(c, &u, err) < 0)
				return tug_err_wrap(err, "%s %s", rq->method, us);
		}
		rs->url = u;
		if (!strcmp(rq->method, "HEAD") || rs->status == 204 || rs->status == 304 ||
		    rs->status / 100 == 1)
			rs->body_done = true;
		else
			http_body_init(&rs->body, rs->chunked, rs->chunked ? -1 : rs->length, 0);
		if (!rs->body_done && !rs->chunked && rs->length == 0)
			rs->body_done = true;
		if (rq->no_redirect || !is_redirect(rs->status) ||
		    (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")))
			return 0;
		{
			const char *loc = reg_resp_header(rs, "Location");
			struct reg_url next;

			if (!loc || hop >= REG_MAX_REDIRECTS) {
				reg_resp_free(rs);
				return tug_err_set(err, ELOOP, "%s %s: %s", rq->method, us,
						   loc ? "too many redirects"
						       : "redirect without Location");
			}
			if (reg_url_resolve(&u, loc, &next, err) < 0) {
				reg_resp_free(rs);
				return tug_err_wrap(err, "redirect from %s", us);
			}
			if (reg_discard(c, rs, err) < 0)
				return tug_err_wrap(err, "redirect from %s", us);
			reg_resp_free(rs);
			/* Blob storage on another host must not see the registry token. */
			if (strcasecmp(next.host, first.host) || strcmp(next.port, first.port))
				with_auth = false;
			u = next;
		}
	}
}

struct sink_call {
	reg_sink_fn fn;
	void *ctx;
	struct tug_err *err;
	int rc;
};

static void body_sink(void *ctx, const char *data, size_t len)
{
	struct sink_call *s = ctx;

	if (!s->rc && s->fn(s->ctx, data, len, s->err) < 0)
		s->rc = -1;
}

int reg_read_body(struct reg_client *c, struct reg_resp *rs, reg_sink_fn sink, void *ctx,
		  struct tug_err *err)
{
	struct sink_call sc = { sink, ctx, err, 0 };

	while (!rs->body_done) {
		size_t used = 0;
		int r = 0, f;

		if (buf_size(&c->conn.in)) {
			r = http_body_feed(&rs->body, buf_head(&c->conn.in), buf_size(&c->conn.in),
					   &used, body_sink, &sc);
			buf_consume(&c->conn.in, used);
			if (sc.rc < 0) {
				reg_client_drop(c);
				return -1;
			}
			if (r < 0) {
				reg_client_drop(c);
				return tug_err_set(err, EPROTO, "malformed response body");
			}
			if (r == 1) {
				rs->body_done = true;
				break;
			}
		}
		f = conn_fill(c, err);
		if (f < 0) {
			reg_client_drop(c);
			return tug_err_wrap(err, "read body");
		}
		if (!f) {
			reg_client_drop(c);
			if (rs->body.state == HB_UNTIL_CLOSE) {
				rs->body_done = true;
				return 0;
			}
			return tug_err_set(err, ECONNRESET,
					   "connection closed after %llu bytes of the body",
					   (unsigned long long)rs->body.total);
		}
	}
	if (rs->close)
		reg_client_drop(c);
	return 0;
}

static int collect(void *ctx, const char *data, size_t len, struct tug_err *err)
{
	struct buf *out = ctx;

	if (buf_add(out, data, len))
		return tug_err_set(err, ENOMEM, "response");
	return 0;
}

struct capped {
	struct buf *out;
	size_t max;
};

static int collect_capped(void *ctx, const char *data, size_t len, struct tug_err *err)
{
	struct capped *cp = ctx;

	if (buf_size(cp->out) + len > cp->max)
		return tug_err_set(err, EFBIG, "response larger than %zu bytes", cp->max);
	return collect(cp->out, data, len, err);
}

int reg_read_all(struct reg_client *c, struct reg_resp *rs, size_t max, struct buf *out,
		 struct tug_err *err)
{
	struct capped cp = { out, max };

	if (reg_read_body(c, rs, collect_capped, &cp, err) < 0)
		return -1;
	if (buf_reserve(out, 1))
		return tug_err_set(err, ENOMEM, "response");
	out->data[out->len] = '\0';
	return 0;
}

static int discard_sink(void *ctx, const char *data, size_t len, struct tug_err *err)
{
	size_t *n = ctx;

	*n += len;
	/* Not worth reading a large body just to keep the connection. */
	if (*n > 1 << 20)
		return tug_err_set(err, EFBIG, "body too large to skip");
	return 0;
}

int reg_discard(struct reg_client *c, struct reg_resp *rs, struct tug_err *err)
{
	size_t n = 0;
	struct tug_err ignore;

	if (reg_read_body(c, rs, discard_sink, &n, &ignore) < 0)
		reg_client_drop(c);
	(void)err;
	return 0;
}
