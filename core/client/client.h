/*
 * The tug CLI as a client of tugd: the same Docker Engine API the docker CLI
 * speaks, over the daemon's UNIX socket (-H, TUG_HOST, DOCKER_HOST, or
 * RUN_DIR/tug.sock). Exit codes follow Docker's: 125 when the daemon cannot
 * be reached or refuses, 1 for a failed operation, the container's own code
 * for `run`.
 */
#ifndef TUG_CLIENT_H
#define TUG_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "core/http/buf.h"
#include "core/http/client.h"
#include "platform/err.h"

/* The socket to use; the result lives in static storage. */
const char *cli_host(void);
int cli_connect(struct http_client *c, struct tug_err *err);

/*
 * One request with an optional JSON body. Returns the HTTP status and, when
 * reply is given, the parsed JSON (NULL for an empty body); -1 with err set
 * when the daemon cannot be reached or answers garbage.
 */
int cli_request(const char *method, const char *target, const cJSON *body, cJSON **reply,
		struct tug_err *err);
/* Daemon unreachable: print the error and a hint; returns 125. */
int cli_daemon_error(const struct tug_err *err);
/* A 4xx/5xx: "Error response from daemon: <message>"; returns rc. */
int cli_status_error(int status, const cJSON *reply, int rc);
/* Docker's message of an error reply ("" when absent). */
const char *cli_message(const cJSON *reply);

/* `tug version`'s server part: the daemon's version, or why it is not there. */
void cli_version_server(void);

/* Percent-encode s into a static-free caller buffer for a path segment. */
void cli_escape(const char *s, char *out, size_t size);

/*
 * Hijacked attach/exec stream: pump stdin (when in_fd >= 0) to the socket
 * and the socket to stdout/stderr, demultiplexing the 8-byte frames when mux.
 * resize_target: "/containers/ID/resize" or "/exec/ID/resize" to call on
 * SIGWINCH (tty only); kill_target: where to forward SIGINT/SIGTERM (no tty).
 * With a tty, ctrl-p ctrl-q detaches (docker's default detach keys).
 * Returns 0 when the daemon closed the stream or the user detached.
 */
struct cli_stream {
	struct http_client *conn;
	bool mux, tty;
	int in_fd;
	const char *resize_target;
	const char *kill_target;
	struct buf *status;	/* stream 3 (POST /tug/v1/run's exit status) goes
				 * here instead of stdout, when set */
	bool detached;		/* out: the user typed ctrl-p ctrl-q (tty), or our
				 * output was closed (a pipe's reader left) */
};
int cli_stream_pump(struct cli_stream *s, struct tug_err *err);
/*
 * A whole interactive session: the terminal raw while a tty reads our stdin,
 * its size sent to resize_target, the stream pumped, the terminal restored.
 * Errors are printed; s->detached says how it ended.
 */
void cli_stream_session(struct cli_stream *s);
/* Send the terminal's size to resize_target (tty only). */
void cli_resize(const char *target);
/*
 * Demultiplex frames from data[0..len) kept across calls in st; writes
 * stream 1 (and 0) to out_fd, 2 to err_fd. Returns -1 on a malformed frame,
 * -2 when out_fd or err_fd cannot be written (a closed pipe).
 */
struct cli_demux {
	uint8_t hdr[8];
	size_t hdr_len;
	uint32_t left;
	int stream;
	struct buf *status;	/* when set, takes stream 3 */
};
int cli_demux_feed(struct cli_demux *st, const char *data, size_t len, int out_fd, int err_fd);

/* Options shared by run and create; parsing fills the create body. */
struct cli_run_opts {
	bool detach, rm, interactive, tty, quiet;
	bool no_sig_proxy;	/* --sig-proxy=false */
	enum { PULL_MISSING, PULL_ALWAYS, PULL_NEVER } pull;
	const char *name;
	const char *platform;
	cJSON *body;		/* the create request */
	char **args;		/* IMAGE [COMMAND ARGS...] */
	int nargs;
};
/* argv of `run`/`create`; -1 after printing a usage error (exit 125). */
int cli_parse_run(int argc, char **argv, bool is_run, struct cli_run_opts *o);
/*
 * Pull ref through the daemon (POST /images/create), status lines to
 * stderr without progress bars; 0, or -1 after printing why.
 */
int cli_pull(const char *ref);
/* Create a container from o (pulling its image as --pull says). id receives the full ID. */
int cli_create(struct cli_run_opts *o, char *id, size_t size, int *exit_code);

/* docker cp's path stat (X-Docker-Container-Path-Stat: base64 JSON). */
#define CLI_MODE_DIR (1u << 31)		/* Go's os.ModeDir */
#define CLI_MODE_SYMLINK (1u << 27)	/* os.ModeSymlink */
struct cli_path_stat {
	char name[256];
	int64_t size;
	uint32_t mode;		/* Go's os.FileMode bits */
	char link_target[4096];
};
int cli_parse_path_stat(const char *header, struct cli_path_stat *out, struct tug_err *err);

/* Pure helpers (tests/unit/test_client.c). */
/*
 * docker run --env-file: KEY=VAL lines (value kept as is), KEY alone takes
 * our environment's value (skipped when unset), blank lines and # comments
 * skipped; a key with spaces is an error. Entries are appended to the
 * array out; name is for messages.
 */
int cli_parse_env_file(const char *text, size_t len, const char *name, cJSON *out,
		       struct tug_err *err);
int cli_parse_bytes(const char *s, int64_t *out);		/* "512m" -> bytes */
int cli_parse_nanocpus(const char *s, int64_t *out);		/* "1.5" -> 1500000000 */
int cli_parse_duration_ns(const char *s, int64_t *out);	/* "30s", "1m30s", "500ms" */
/* "10m" (ago), "2026-01-02T03:04:05Z", "1700000000[.5]" -> unix seconds. */
int cli_parse_time(const char *s, int64_t now, double *out);
/* "[ip:][host:]ctr[/proto]" into key "80/tcp", host ip and port. */
int cli_parse_port(const char *s, char *key, size_t ksize, char *ip, size_t ipsize, char *host,
		   size_t hsize);
/* "2 minutes", "About an hour", as docker's units.HumanDuration. */
void cli_human_duration(int64_t secs, char *out, size_t size);
/* 1.5GiB, 12.3MiB, 512KiB, 12B (binary units, as docker stats). */
void cli_human_bytes_binary(double b, char *out, size_t size);
/* Render a Go-template-like format ({{.A.B}}, {{json .X}}, {{.X}}\t) over j. */
int cli_template(const char *fmt, const cJSON *j, struct buf *out);
/* Truncate to width columns with "..." (ASCII: serial consoles). */
void cli_truncate(const char *s, size_t width, char *out, size_t size);

/* A body sink writing to an fd (http_client_read_body); failed after a short write. */
struct cli_fd_sink {
	int fd;
	bool failed;
};
void cli_to_fd(void *ctx, const char *d, size_t n);

/* A left-aligned text table with 3-space gutters, widths from the content. */
struct cli_table {
	size_t ncols, nrows;
	char **cells;		/* nrows * ncols, owned */
	/*
	 * Fit in max_width columns (0: no limit) by cutting the columns listed
	 * in shrink (first one first, -1 ends) down to their header, with "...".
	 */
	size_t max_width;
	int shrink[4];
};
/* The width tables should fit: the terminal's, 80 when it does not say. */
size_t cli_term_width(void);
void cli_table_add(struct cli_table *t, size_t ncols, const char *const *row);
void cli_table_print(struct cli_table *t, FILE *out);
size_t cli_table_width(const struct cli_table *t);	/* before any cutting */
void cli_table_free(struct cli_table *t);

#endif
