#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/daemon/logfile.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"

void log_time_format(int64_t sec, long nsec, char out[40])
{
	struct tm tm;
	time_t t = (time_t)sec;

	gmtime_r(&t, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
}

void log_time_now(char out[40])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	log_time_format(ts.tv_sec, ts.tv_nsec, out);
}

int log_writer_open(struct log_writer *w, const char *path, uint64_t max_size, int max_files,
		    struct tug_err *err)
{
	struct stat st;

	snprintf(w->path, sizeof(w->path), "%s", path);
	w->max_size = max_size;
	w->max_files = max_files < 1 ? 1 : max_files;
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (w->fd < 0)
		return tug_err_sys(err, "open log %s", path);
	w->size = fstat(w->fd, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

static void rotate(struct log_writer *w)
{
	char from[600], to[600];

	if (w->max_files <= 1) {
		/* No history kept: start the one file again. */
		if (ftruncate(w->fd, 0) == 0)
			w->size = 0;
		return;
	}
	for (int i = w->max_files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", w->path);
		else
			snprintf(from, sizeof(from), "%s.%d", w->path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", w->path, i);
		rename(from, to);
	}
	close(w->fd);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	w->size = 0;
}

static int write_record(struct log_writer *w, const char *time, int stream, bool partial,
			const char *text, size_t len)
{
	char head[64];
	int hl = snprintf(head, sizeof(head), "%s %s %c ", time, stream == 2 ? "stderr" : "stdout",
			  partial ? 'P' : 'F');
	size_t total = (size_t)hl + len + 1;
	struct iovec iov[3] = {
		{ head, (size_t)hl }, { (void *)text, len }, { "\n", 1 },
	};

	if (w->fd < 0)
		return -1;
	if (w->max_size && w->size && w->size + total > w->max_size)
		rotate(w);
	if (w->fd < 0)
		return -1;
	/* One writev per record so a reader never sees half a line from us. */
	if (writev(w->fd, iov, 3) < 0)
		return -1;
	w->size += total;
	return 0;
}

int log_writer_write(struct log_writer *w, int stream, const char *data, size_t len)
{
	char now[40];

	log_time_now(now);
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (write_record(w, now, stream, !nl, data, n))
			return -1;
		n += nl ? 1 : 0;
		data += n;
		len -= n;
	}
	return 0;
}

int log_writer_note(struct log_writer *w, const char *text)
{
	char now[40];

	log_time_now(now);
	return write_record(w, now, 2, false, text, strlen(text));
}

void log_writer_close(struct log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int64_t rfc3339_seconds(const char *s)
{
	struct tm tm = { 0 };

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

int log_record_parse(const char *line, size_t len, struct log_record *r)
{
	const char *sp1, *end = line + len;

	sp1 = memchr(line, ' ', len);
	if (!sp1 || end - sp1 < 10)
		return -1;
	r->time = line;
	r->sec = rfc3339_seconds(line);
	if (!memcmp(sp1 + 1, "stdout ", 7))
		r->stream = 1;
	else if (!memcmp(sp1 + 1, "stderr ", 7))
		r->stream = 2;
	else
		return -1;
	if ((sp1[8] != 'F' && sp1[8] != 'P') || sp1[9] != ' ')
		return -1;
	r->partial = sp1[8] == 'P';
	r->text = sp1 + 10;
	r->len = (size_t)(end - r->text);
	return 0;
}

struct tail_ring {
	char **lines;
	size_t *lens;
	long cap, n, start;
};

static void each_line(const char *data, size_t len, void (*fn)(void *, const char *, size_t),
		      void *ctx)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n;

		if (!nl)
			return; /* a torn last line from a crash */
		n = (size_t)(nl - data);
		fn(ctx, data, n);
		data += n + 1;
		len -= n + 1;
	}
}

/*
 * Lines from fd into fn, whole lines only (the rest waits in partial),
 * about max bytes at most: 1 when it stopped with more to read.
 */
static int drain_lines(int fd, struct buf *partial, size_t max,
		       void (*fn)(void *, const char *, size_t), void *ctx)
{
	char data[16384];
	ssize_t n;
	size_t done = 0;

	while ((n = read(fd, data, sizeof(data))) > 0) {
		const char *last;

		buf_add(partial, data, (size_t)n);
		done += (size_t)n;
		last = memrchr(buf_head(partial), '\n', buf_size(partial));
		if (last) {
			size_t upto = (size_t)(last - buf_head(partial)) + 1;

			each_line(buf_head(partial), upto, fn, ctx);
			buf_consume(partial, upto);
		}
		if (done >= max)
			return 1;
	}
	return 0;
}

struct read_ctx {
	log_record_fn fn;
	void *ctx;
	struct tail_ring ring;
	long tail;
};

static void ring_push(void *p, const char *line, size_t len)
{
	struct read_ctx *rc = p;
	struct log_record r;

	if (log_record_parse(line, len, &r))
		return;
	if (rc->tail < 0) {
		rc->fn(rc->ctx, &r);
		return;
	}
	if (!rc->ring.cap)
		return;
	/* Partial records join the next one; tail counts whole lines. */
	long idx = (rc->ring.start + rc->ring.n) % rc->ring.cap;

	if (rc->ring.n == rc->ring.cap) {
		idx = rc->ring.start;
		free(rc->ring.lines[idx]);
		rc->ring.start = (rc->ring.start + 1) % rc->ring.cap;
		rc->ring.n--;
	}
	rc->ring.lines[idx] = strndup(line, len);
	rc->ring.lens[idx] = len;
	rc->ring.n++;
}

int log_read_all(const char *path, int max_files, long tail, log_record_fn fn, void *ctx,
		 struct tug_err *err)
{
	struct read_ctx rc = { .fn = fn, .ctx = ctx, .tail = tail };

	if (tail > 0) {
		rc.ring.cap = tail;
		rc.ring.lines = calloc((size_t)tail, sizeof(char *));
		rc.ring.lens = calloc((size_t)tail, sizeof(size_t));
		if (!rc.ring.lines || !rc.ring.lens) {
			free(rc.ring.lines);
			free(rc.ring.lens);
			return tug_err_set(err, ENOMEM, "read logs");
		}
	}
	/* A piece at a time: memory is the tail's lines, not the files' size. */
	for (int i = max_files - 1; i >= 0; i--) {
		char p[600];
		struct buf partial = { 0 };
		int fd;

		if (i)
			snprintf(p, sizeof(p), "%s.%d", path, i);
		else
			snprintf(p, sizeof(p), "%s", path);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		drain_lines(fd, &partial, SIZE_MAX, ring_push, &rc);
		buf_free(&partial);
		close(fd);
	}
	for (long k = 0; k < rc.ring.n; k++) {
		long idx = (rc.ring.start + k) % rc.ring.cap;
		struct log_record r;

		if (!log_record_parse(rc.ring.lines[idx], rc.ring.lens[idx], &r))
			fn(ctx, &r);
		free(rc.ring.lines[idx]);
	}
	free(rc.ring.lines);
	free(rc.ring.lens);
	return 0;
}

int log_cursor_open(struct log_cursor *c, const char *path, bool at_start)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return 0; /* appears later; poll opens it */
	if (fstat(c->fd, &st) == 0)
		c->ino = st.st_ino;
	if (!at_start)
		lseek(c->fd, 0, SEEK_END);
	return 0;
}

struct cursor_ctx {
	log_record_fn fn;
	void *ctx;
};

static void cursor_line(void *p, const char *line, size_t len)
{
	struct cursor_ctx *cc = p;
	struct log_record r;

	if (!log_record_parse(line, len, &r))
		cc->fn(cc->ctx, &r);
}

/* Records from fd into fn (see drain_lines). */
static int drain_fd(int fd, struct buf *partial, size_t max, log_record_fn fn, void *ctx)
{
	struct cursor_ctx cc = { fn, ctx };

	return drain_lines(fd, partial, max, cursor_line, &cc);
}

int log_cursor_read(struct log_cursor *c, size_t max, log_record_fn fn, void *ctx)
{
	struct stat st;

	if (c->fd < 0) {
		c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			return 0;
		if (fstat(c->fd, &st) == 0)
			c->ino = st.st_ino;
	}
	if (drain_fd(c->fd, &c->partial, max, fn, ctx))
		return 1;
	/* Rotated: the old file is finished (we drained it); go to the new one. */
	if (stat(c->path, &st) == 0 && st.st_ino != c->ino) {
		close(c->fd);
		c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
		c->ino = st.st_ino;
		buf_free(&c->partial);
		if (c->fd >= 0)
			return drain_fd(c->fd, &c->partial, max, fn, ctx);
	}
	return 0;
}

int log_cursor_poll(struct log_cursor *c, log_record_fn fn, void *ctx)
{
	log_cursor_read(c, SIZE_MAX, fn, ctx);
	return 0;
}

int log_backlog_open(struct log_backlog *b, const char *path, int max_files)
{
	memset(b, 0, sizeof(*b));
	if (max_files < 2)
		return 0;
	b->fds = calloc((size_t)max_files - 1, sizeof(int));
	if (!b->fds)
		return -1;
	for (int i = max_files - 1; i >= 1; i--) {
		char p[600];
		int fd;

		snprintf(p, sizeof(p), "%s.%d", path, i);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			b->fds[b->n++] = fd;
	}
	return 0;
}

int log_backlog_read(struct log_backlog *b, size_t max, log_record_fn fn, void *ctx)
{
	for (; b->i < b->n; b->i++) {
		if (drain_fd(b->fds[b->i], &b->partial, max, fn, ctx))
			return 1;
		buf_free(&b->partial); /* a torn last line from a crash */
		close(b->fds[b->i]);
		b->fds[b->i] = -1;
	}
	return 0;
}

void log_backlog_close(struct log_backlog *b)
{
	for (int i = b->i; i < b->n; i++)
		if (b->fds[i] >= 0)
			close(b->fds[i]);
	free(b->fds);
	buf_free(&b->partial);
	memset(b, 0, sizeof(*b));
}

void log_cursor_close(struct log_cursor *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->partial);
}
