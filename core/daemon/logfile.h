/*
 * Container logs on flash: one file per container in the CRI log format
 * ("<RFC 3339 nano time> stdout|stderr F|P <text>"), which keeps stdout and
 * stderr apart and in order. Files are capped: past max_size the file turns
 * into .1, .1 into .2 ..., and the oldest beyond max_files is dropped.
 */
#ifndef TUG_DAEMON_LOGFILE_H
#define TUG_DAEMON_LOGFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/http/buf.h"
#include "platform/err.h"

struct log_writer {
	char path[512];
	int fd;
	uint64_t size;
	uint64_t max_size;	/* 0 = no cap */
	int max_files;		/* total files kept, >= 1 */
};

int log_writer_open(struct log_writer *w, const char *path, uint64_t max_size, int max_files,
		    struct tug_err *err);
/* Append what a stream produced (1 stdout, 2 stderr), split into records. */
int log_writer_write(struct log_writer *w, int stream, const char *data, size_t len);
/* Write a note of the engine's own (e.g. a gap in the logs) as stderr. */
int log_writer_note(struct log_writer *w, const char *text);
void log_writer_close(struct log_writer *w);
/* Format now (or t) as RFC 3339 with nanoseconds, UTC. */
void log_time_now(char out[40]);
void log_time_format(int64_t sec, long nsec, char out[40]);
/* Seconds since the epoch of an RFC 3339 UTC time (the fraction and zone
 * are not read); 0 when s is NULL or is not one. */
int64_t rfc3339_seconds(const char *s);

struct log_record {
	const char *time;	/* RFC 3339 nano */
	int64_t sec;		/* parsed seconds, for --since/--until */
	int stream;		/* 1 or 2 */
	bool partial;		/* no newline after text */
	const char *text;
	size_t len;
};

/* Parse one record line (without its newline). */
int log_record_parse(const char *line, size_t len, struct log_record *r);

typedef void (*log_record_fn)(void *ctx, const struct log_record *r);

/* Every record kept, oldest first; tail >= 0 keeps only the last tail lines. */
int log_read_all(const char *path, int max_files, long tail, log_record_fn fn, void *ctx,
		 struct tug_err *err);

/* Follow the live file across rotations. */
struct log_cursor {
	char path[512];
	int fd;
	ino_t ino;
	struct buf partial;
};

/* Start at the end of the current file (or its start when at_start). */
int log_cursor_open(struct log_cursor *c, const char *path, bool at_start);
/* Deliver records appended since the last call. */
int log_cursor_poll(struct log_cursor *c, log_record_fn fn, void *ctx);
/* The same, about max bytes at most: 1 when it stopped with more to read. */
int log_cursor_read(struct log_cursor *c, size_t max, log_record_fn fn, void *ctx);
void log_cursor_close(struct log_cursor *c);

/*
 * The rotated files (.N ... .1), oldest first, open from the start so a
 * rotation meanwhile loses nothing; read a piece at a time as a client
 * takes them. The current file is the cursor's (opened at its start).
 */
struct log_backlog {
	int *fds;
	int n, i;
	struct buf partial;
};

int log_backlog_open(struct log_backlog *b, const char *path, int max_files);
/* About max bytes of records: 1 while more is left, 0 at the end. */
int log_backlog_read(struct log_backlog *b, size_t max, log_record_fn fn, void *ctx);
void log_backlog_close(struct log_backlog *b);

#endif
