/* Connection plumbing: read requests, dispatch, buffer replies, streams. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/update/txn.h"
#include "platform/json.h"

static const struct http_limits head_limits = { .max_head = API_MAX_HEAD, .max_body = API_MAX_BODY };

/* The next piece of a file reply, when out runs low. */
static void refill(struct conn *c)
{
	const size_t piece = 256 * 1024;
	ssize_t n;

	if (c->catchup && buf_size(&c->out) < piece / 4) {
		api_logs_pump(c);
		return;
	}
	if (!c->sending || buf_size(&c->out) >= piece / 4)
		return;
	if (buf_reserve(&c->out, piece)) {
		c->dead = true;
		return;
	}
	do
		n = read(c->send_fd, c->out.data + c->out.len, piece);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->out.len += (size_t)n;
		return;
	}
	close(c->send_fd);
	c->sending = false;
	if (n < 0)
		c->dead = true; /* the length is promised: a short body must not look whole */
}

void api_conn_flush(struct daemon *d, struct conn *c)
{
	while (refill(c), buf_size(&c->out)) {
		ssize_t n = send(c->fd, buf_head(&c->out), buf_size(&c->out), MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct epoll_event ev = {
					.events = (c->rd_closed || c->in_held ? 0 : EPOLLIN | EPOLLRDHUP) |
						  EPOLLOUT,
					.data.fd = c->fd
				};

				epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev);
				return;
			}
			c->dead = true; /* the client vanished */
			return;
		}
		buf_consume(&c->out, (size_t)n);
	}
	{
		struct epoll_event ev = { .events = c->rd_closed || c->in_held ? 0 : EPOLLIN | EPOLLRDHUP,
					  .data.fd = c->fd };

		epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	if (c->close_after)
		c->dead = true;
}

void api_reply(struct conn *c, int status, const char *ctype, const char *body, size_t len)
{
	api_reply_hdr(c, status, ctype, NULL, body, len);
}

void api_reply_hdr(struct conn *c, int status, const char *ctype, const char *extra,
		   const char *body, size_t len)
{
	char date[40];

	rfc3339_now(date);
	buf_printf(&c->out,
		   "HTTP/1.1 %d %s\r\nApi-Version: " API_VERSION "\r\nDocker-Experimental: false\r\n"
		   "Ostype: linux\r\nServer: tug\r\n",
		   status, http_reason(status));
	if (ctype)
		buf_printf(&c->out, "Content-Type: %s\r\n", ctype);
	if (status != 204 && status != 304)
		buf_printf(&c->out, "Content-Length: %zu\r\n", len);
	if (extra)
		buf_printf(&c->out, "%s", extra);
	if (c->close_after)
		buf_printf(&c->out, "Connection: close\r\n");
	buf_add(&c->out, "\r\n", 2);
	if (body && len && strcmp(c->req.method ? c->req.method : "", "HEAD"))
		buf_add(&c->out, body, len);
}

void api_reply_file(struct conn *c, int status, const char *ctype, const char *extra, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		api_error(c, 500, "reply: %s", strerror(errno));
		return;
	}
	c->close_after = true; /* nothing may follow the file on this connection */
	api_reply_hdr(c, status, ctype, extra, NULL, (size_t)st.st_size);
	c->send_fd = fd;
	c->sending = true;
}

void api_reply_json(struct conn *c, int status, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	size_t n = s ? strlen(s) : 0;

	if (s) {
		s = realloc(s, n + 2);
		s[n++] = '\n';
	}
	api_reply(c, status, "application/json", s, n);
	free(s);
	cJSON_Delete(j);
}

void api_error(struct conn *c, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	cJSON *j = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(j, "message", msg);
	api_reply_json(c, status, j);
}

void api_no_such_container(struct conn *c, const char *ref)
{
	api_error(c, 404, "No such container: %s", ref);
}

void api_stream_begin(struct conn *c, const char *ctype)
{
	buf_printf(&c->out,
		   "HTTP/1.1 200 OK\r\nApi-Version: " API_VERSION "\r\nServer: tug\r\n"
		   "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n",
		   ctype);
	c->mode = CONN_STREAM;
}

void api_stream_write(struct conn *c, const void *data, size_t len)
{
	if (len)
		buf_add_chunk(&c->out, data, len);
}

void api_stream_end(struct conn *c)
{
	buf_add_chunk(&c->out, NULL, 0);
	c->stream = SK_NONE;
	c->mode = CONN_HEAD;
	if (!c->req.keep_alive)
		c->close_after = true;
	if (c->exec)
		c->exec = NULL;
	log_cursor_close(&c->cursor);
	log_backlog_close(&c->backlog);
	c->catchup = false;
	http_request_free(&c->req);
	c->have_req = false;
}

void api_hijack_hdr(struct conn *c, bool mux, const char *extra)
{
	const char *ctype = mux ? "application/vnd.docker.multiplexed-stream"
				: "application/vnd.docker.raw-stream";

	if (http_header_get(&c->req, "Upgrade"))
		buf_printf(&c->out,
			   "HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\n"
			   "Upgrade: tcp\r\nApi-Version: " API_VERSION "\r\n%s\r\n",
			   ctype, extra ? extra : "");
	else
		buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%s\r\n", ctype,
			   extra ? extra : "");
	c->mode = CONN_HIJACK;
	c->mux = mux;
}

void api_hijack(struct conn *c, bool mux)
{
	api_hijack_hdr(c, mux, NULL);
}

void api_frame(struct conn *c, int stream, const void *data, size_t len)
{
	uint8_t h[8];

	if (!len)
		return;
	if (c->mux) {
		http_stream_header(h, stream, (uint32_t)len);
		buf_add(&c->out, h, 8);
	}
	buf_add(&c->out, data, len);
}

cJSON *api_body_json(struct conn *c, int *bad)
{
	cJSON *j;

	*bad = 0;
	if (!buf_size(&c->body_buf))
		return NULL;
	j = cJSON_ParseWithLength(buf_head(&c->body_buf), buf_size(&c->body_buf));
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		*bad = 1;
		api_error(c, 400, "invalid JSON body: malformed near byte %ld",
			  j ? 0L : (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - buf_head(&c->body_buf) : 0));
		return NULL;
	}
	return j;
}

static void sink_mem(void *ctx, const char *data, size_t len)
{
	buf_add(ctx, data, len);
}

static void sink_file(void *ctx, const char *data, size_t len)
{
	struct conn *c = ctx;

	if (c->body_fd >= 0 && write(c->body_fd, data, len) != (ssize_t)len) {
		close(c->body_fd);
		c->body_fd = -1;
	}
}

static void fail_request(struct conn *c, int status, const char *msg)
{
	c->close_after = true;
	api_error(c, status, "%s", msg);
}

static void dispatch(struct daemon *d, struct conn *c)
{
	if (!update_lock_refuses(d, c))
		c->route->fn(d, c);
	buf_free(&c->body_buf);
	if (c->body_fd >= 0) {
		close(c->body_fd);
		c->body_fd = -1;
	}
	if (c->body_path[0]) {
		unlink(c->body_path);
		c->body_path[0] = '\0';
	}
	if (c->mode == CONN_HEAD || c->mode == CONN_BODY) {
		c->mode = CONN_HEAD;
		if (!c->req.keep_alive)
			c->close_after = true;
		http_request_free(&c->req);
		c->have_req = false;
	}
	c->deadline_ms = d->now_ms + API_IDLE_TIMEOUT_MS;
}

static int start_request(struct daemon *d, struct conn *c)
{
	char msg[256];
	const char *path;
	bool known;
	int status = 0;
	struct http_limits lim = head_limits;

	if (api_strip_version(c->req.path, &path, msg, sizeof(msg))) {
		fail_request(c, 400, msg);
		return -1;
	}
	c->route = api_route_find(c->req.method, path, c->params, &known);
	if (!c->route) {
		c->close_after = !c->req.keep_alive;
		api_error(c, known ? 405 : 404, "page not found");
		/* The body of an unknown request is not read; drop the connection. */
		if (c->req.content_length > 0 || c->req.chunked)
			c->close_after = true;
		http_request_free(&c->req);
		c->have_req = false;
		return 1;
	}
	if (c->route->big_body) {
		lim.max_body = API_MAX_LOAD_BODY;
		snprintf(c->body_path, sizeof(c->body_path), "%s/upload-%d-%p", d->cfg.run_dir,
			 getpid(), (void *)c);
		c->body_fd = open(c->body_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (c->body_fd < 0) {
			fail_request(c, 500, "cannot store the upload");
			return -1;
		}
	}
	if (http_body_init_request(&c->body, &c->req, &lim, &status)) {
		fail_request(c, status, "request body too large");
		return -1;
	}
	c->mode = CONN_BODY;
	c->deadline_ms = d->now_ms + API_BODY_TIMEOUT_MS;
	return 0;
}

/*
 * Docker's CLI attaches, starts sending input, and only then starts the
 * container: input (and its end) waits in the connection for the start.
 */
static bool stdin_waits_for_start(const struct conn *c)
{
	return c->stdin_open && !c->exec && c->ctr && c->ctr->stdin_fd < 0 &&
	       (c->ctr->state == CS_CREATED || c->ctr->state == CS_EXITED) &&
	       cJSON_IsTrue(cJSON_GetObjectItem(c->ctr->config, "OpenStdin"));
}

/*
 * A hijacked connection's input to the process's stdin, never blocking the
 * loop: what a full pipe (or a container not started yet) cannot take stays
 * in c->in, and the connection is not read from (api_conn_flush) until the
 * tick has written it. A slow reader slows its client; nothing is dropped.
 */
static void hijack_input(struct conn *c)
{
	int fd = c->exec ? c->exec->in_fd : (c->ctr ? c->ctr->stdin_fd : -1);
	int fl;

	c->in_held = false;
	if (stdin_waits_for_start(c)) {
		c->in_held = buf_size(&c->in) > 0;
		return;
	}
	if (fd < 0 || !c->stdin_open) {
		buf_consume(&c->in, buf_size(&c->in));
		return;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (buf_size(&c->in)) {
		ssize_t n = write(fd, buf_head(&c->in), buf_size(&c->in));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			c->in_held = true;
			return;
		}
		if (n <= 0) { /* EPIPE: the process closed its stdin */
			buf_consume(&c->in, buf_size(&c->in));
			return;
		}
		buf_consume(&c->in, (size_t)n);
	}
}

void api_conn_input(struct daemon *d, struct conn *c)
{
	while (!c->dead && !c->close_after) {
		if (c->mode == CONN_HEAD) {
			int status = 0;
			long n;

			if (!buf_size(&c->in))
				return;
			n = http_parse_request(buf_head(&c->in), buf_size(&c->in), &head_limits,
					       &c->req, &status);
			if (n == 0) {
				if (c->deadline_ms > d->now_ms + API_HEAD_TIMEOUT_MS)
					c->deadline_ms = d->now_ms + API_HEAD_TIMEOUT_MS;
				return;
			}
			if (n < 0) {
				memset(&c->req, 0, sizeof(c->req));
				fail_request(c, status, status == 431 ? "request header too large"
								      : "malformed HTTP request");
				return;
			}
			buf_consume(&c->in, (size_t)n);
			c->have_req = true;
			if (start_request(d, c) != 0)
				continue;
		}
		if (c->mode == CONN_BODY) {
			size_t used = 0;
			int rc = http_body_feed(&c->body, buf_head(&c->in), buf_size(&c->in), &used,
						c->body_fd >= 0 ? sink_file : sink_mem,
						c->body_fd >= 0 ? (void *)c : (void *)&c->body_buf);

			buf_consume(&c->in, used);
			if (rc == -2) {
				fail_request(c, 413, "request body too large");
				return;
			}
			if (rc < 0) {
				fail_request(c, 400, "malformed request body");
				return;
			}
			if (rc == 0) {
				c->deadline_ms = d->now_ms + API_BODY_TIMEOUT_MS;
				return;
			}
			dispatch(d, c);
			continue;
		}
		if (c->mode == CONN_HIJACK) {
			hijack_input(c);
			return;
		}
		/* Streams ignore further input. */
		buf_consume(&c->in, buf_size(&c->in));
		return;
	}
}

/* The client closed its side: a hijacked stdin ends; anything else is gone. */
void api_conn_closed_input(struct daemon *d, struct conn *c)
{
	if (c->mode == CONN_HIJACK && c->stdin_open) {
		if (c->in_held || stdin_waits_for_start(c))
			return; /* ended once the input is written (held_input_tick) */
		c->stdin_open = false;
		if (c->exec && c->exec->in_fd >= 0 && !c->exec->tty) {
			close(c->exec->in_fd);
			c->exec->in_fd = -1;
		} else if (c->ctr && cJSON_IsTrue(cJSON_GetObjectItem(c->ctr->config, "StdinOnce"))) {
			ctr_close_stdin(d, c->ctr);
		}
		return;
	}
	if (c->mode == CONN_HIJACK)
		return;
	c->dead = true;
}

/* Held input again; once it is all written, the end of it and reading. */
static void held_input_tick(struct daemon *d, struct conn *c)
{
	api_conn_input(d, c);
	if (c->in_held)
		return;
	if (c->rd_closed)
		api_conn_closed_input(d, c);
	api_conn_flush(d, c);
}

/* The container started: input that waited for it goes in, then its end. */
void api_container_started(struct daemon *d, struct container *ctr)
{
	for (struct conn *c = d->conns; c; c = c->next) {
		if (c->ctr != ctr || c->exec || c->mode != CONN_HIJACK || !c->stdin_open || c->dead)
			continue;
		held_input_tick(d, c);
	}
}

void api_conn_close(struct daemon *d, struct conn *c)
{
	if (c->exec && c->exec->conn == c)
		c->exec->conn = NULL;
	api_registry_job_cancel(d, c);
	api_commit_job_cancel(d, c);
	log_cursor_close(&c->cursor);
	log_backlog_close(&c->backlog);
	cJSON_Delete(c->filters);
	http_request_free(&c->req);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->body_buf);
	if (c->body_fd >= 0)
		close(c->body_fd);
	if (c->sending)
		close(c->send_fd);
	if (c->body_path[0])
		unlink(c->body_path);
	loop_unwatch(d, c->fd);
	close(c->fd);
	free(c);
}

void api_conn_tick(struct daemon *d, struct conn *c)
{
	/* An events stream with an until in the future ends when it passes. */
	if (c->stream == SK_EVENTS && c->until && (int64_t)time(NULL) > c->until) {
		api_stream_end(c);
		return;
	}
	if (c->stream == SK_STATS)
		api_stats_tick(d, c);
	if (c->in_held)
		held_input_tick(d, c);
	if (c->mode == CONN_STREAM || c->mode == CONN_HIJACK)
		return;
	if (c->deadline_ms && d->now_ms >= c->deadline_ms) {
		/* Slow or stalled client: answer 408 if a request started, then close. */
		if (c->mode == CONN_BODY || buf_size(&c->in))
			fail_request(c, 408, "request timed out");
		else
			c->dead = true;
		c->close_after = true;
	}
}

int api_job_read_lines(struct daemon *d, void *job, int fd, struct buf *in,
		       void (*line)(struct daemon *d, void *job, char *line))
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (buf_reserve(in, 4096)) {
			n = 0;
		} else {
			n = read(fd, in->data + in->len, 4096);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return 0;
		}
		if (n <= 0)
			return 1;
		in->len += (size_t)n;
		in->data[in->len] = '\0';
		while ((nl = memchr(buf_head(in), '\n', buf_size(in)))) {
			char *l = (char *)buf_head(in);

			*nl = '\0';
			line(d, job, l);
			buf_consume(in, (size_t)(nl + 1 - l));
		}
	}
}
