/*
 * The Docker Engine API subset, served by the daemon's loop. A connection
 * reads one request at a time; a handler answers at once, or turns the
 * connection into a stream (wait, logs -f, events) or hijacks it (attach,
 * exec) and the loop feeds it from then on.
 */
#ifndef TUG_API_H
#define TUG_API_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/daemon/daemon.h"
#include "core/daemon/logfile.h"
#include "core/http/buf.h"
#include "core/http/http.h"

#define API_VERSION "1.44"
#define API_MIN_VERSION "1.24"
#define API_MAX_BODY (1 << 20)
/* 4 GiB, or all a 32-bit size_t can count. */
#define API_MAX_LOAD_BODY (SIZE_MAX > 0xffffffffu ? (size_t)(4ULL << 30) : SIZE_MAX)
#define API_MAX_HEAD 16384
#define API_HEAD_TIMEOUT_MS 10000	/* a started head must finish this soon */
#define API_IDLE_TIMEOUT_MS 300000
#define API_BODY_TIMEOUT_MS 30000	/* between body bytes */
#define API_MAX_OUT (8 << 20)		/* a client this far behind is dropped */

enum conn_mode { CONN_HEAD, CONN_BODY, CONN_STREAM, CONN_HIJACK };
enum stream_kind { SK_NONE, SK_WAIT, SK_LOGS, SK_EVENTS, SK_ATTACH, SK_EXEC, SK_STATS };

struct route;
struct registry_job;
struct commit_job;

/* docker stats: one sample of a container's CPU time and the system's. */
struct stats_sample {
	uint64_t cpu_ns, system_ns;
	unsigned ncpu;
	char read[40];		/* RFC 3339 */
};

struct conn {
	int fd;
	struct buf in, out;
	enum conn_mode mode;
	struct http_request req;
	bool have_req;
	struct http_body body;
	struct buf body_buf;
	int body_fd;		/* big bodies (image load) go to a file */
	char body_path[600];
	const struct route *route;
	char params[2][256];
	bool close_after;	/* close once out is flushed */
	bool rd_closed;		/* the client shut its sending side */
	bool in_held;		/* hijacked input waits for stdin: not reading */
	bool dead;
	bool sending;		/* send_fd pours into out as the client takes it */
	int send_fd;
	uint64_t deadline_ms;
	enum stream_kind stream;
	struct container *ctr;
	struct exec_inst *exec;
	char wait_cond[16];
	bool want_stdout, want_stderr, timestamps, mux, follow, stdin_open;
	bool flush_early;	/* api_container_exit_early(): a stream it may answer */
	bool run_status;	/* POST /tug/v1/run: the exit ends the stream (stream 3) */
	int64_t since, until;
	struct log_cursor cursor;
	struct log_backlog backlog;	/* docker logs: the kept files, sent as taken */
	bool catchup;			/* backlog, then the cursor, not yet sent */
	cJSON *filters;
	struct registry_job *job;	/* pull/push/login running for this request */
	struct {
		struct stats_sample pre;	/* the last sample sent or to compare with */
		uint64_t due_ms;		/* the next sample */
		bool stream;
	} stats;			/* SK_STATS */
	struct conn *next;
};

struct route {
	const char *method;
	const char *pattern;	/* "/containers/{}/json" */
	void (*fn)(struct daemon *d, struct conn *c);
	bool big_body;
};

/* "/v1.41/containers/json" -> "/containers/json"; -1 (400) when out of range. */
int api_strip_version(const char *path, const char **rest, char *msg, size_t size);
const struct route *api_route_find(const char *method, const char *path, char params[2][256],
				   bool *path_known);
extern const struct route api_routes[];

/* Reply helpers. */
void api_reply(struct conn *c, int status, const char *ctype, const char *body, size_t len);
/* extra: more header lines, each ending in CRLF (NULL for none). */
void api_reply_hdr(struct conn *c, int status, const char *ctype, const char *extra,
		   const char *body, size_t len);
void api_reply_json(struct conn *c, int status, cJSON *j);	/* takes j */
/*
 * A reply whose body is the file fd (taken, from its start), read as the
 * client takes it: out stays small however big the file. The connection
 * closes after it.
 */
void api_reply_file(struct conn *c, int status, const char *ctype, const char *extra, int fd);
void api_error(struct conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void api_no_such_container(struct conn *c, const char *ref);
void api_stream_begin(struct conn *c, const char *ctype);
void api_stream_write(struct conn *c, const void *data, size_t len);
void api_stream_end(struct conn *c);
void api_hijack(struct conn *c, bool mux);
/* extra: more header lines of the 101, each ending in CRLF. */
void api_hijack_hdr(struct conn *c, bool mux, const char *extra);
void api_frame(struct conn *c, int stream, const void *data, size_t len);
cJSON *api_body_json(struct conn *c, int *bad);
/* archive.c: Go's os.FileMode bits of a st_mode (docker cp's path stat). */
uint32_t api_go_file_mode(unsigned mode);
/* Resolve a new container's image and lease it (create, updates). */
int api_ctr_attach_image(struct container *ctr, struct tug_err *err);
/*
 * Create from a Docker create body: the record, its image lease, networks
 * and volumes checked, saved once, the create event. On failure nothing is
 * left and *status is Docker's code for err.
 */
int api_ctr_create(struct daemon *d, const char *name, const cJSON *body, struct container **out,
		   int *status, struct tug_err *err);
/* The container a create request's body and ?name= ask for (api_ctr_create);
 * NULL when the error is already answered. */
struct container *api_ctr_create_from_request(struct daemon *d, struct conn *c);

/* Connection plumbing used by the loop. */
void api_conn_input(struct daemon *d, struct conn *c);
void api_conn_closed_input(struct daemon *d, struct conn *c);
void api_conn_flush(struct daemon *d, struct conn *c);
/*
 * A job child's pipe (fd, non-blocking) read into in, line(ctx, l) called
 * for each whole line. 1 at EOF or an error (the job is over), 0 when the
 * pipe is drained for now.
 */
int api_job_read_lines(struct daemon *d, void *job, int fd, struct buf *in,
		       void (*line)(struct daemon *d, void *job, char *line));
void api_conn_close(struct daemon *d, struct conn *c);
void api_conn_tick(struct daemon *d, struct conn *c);

/* Streams fed by the engine. */
void api_logs_poll(struct daemon *d, struct conn *c);
/* The next piece of a logs reply's kept records, when out runs low. */
void api_logs_pump(struct conn *c);
void api_container_exited(struct daemon *d, struct container *c);
int api_ctr_start(struct daemon *d, struct conn *c, struct container *ctr);
/* What a wait answers: {"StatusCode":N,"Error":null or {"Message":...}} and a newline (@ctr NULL: 0). */
void api_exit_status_json(const struct container *ctr, struct buf *out);
/* Answer the waiters now (all but "restart"), before the exit is saved. */
void api_container_exit_early(struct daemon *d, struct container *c);
void api_container_removed(struct daemon *d, struct container *c);
/* Started: stdin sent before the start goes in now (conn.c). */
void api_container_started(struct daemon *d, struct container *c);
void api_event_publish(struct daemon *d, cJSON *ev);
void api_exec_output(struct daemon *d, struct exec_inst *e, int stream, const char *data,
		     size_t len);
void api_exec_done(struct daemon *d, struct exec_inst *e);

/* stats.c: the next sample of a stats request (from the loop's tick). */
void api_stats_tick(struct daemon *d, struct conn *c);

/* registry.c: pull/push/login children and their output. */
void api_registry_job_io(struct daemon *d, struct registry_job *j);
void api_registry_job_cancel(struct daemon *d, struct conn *c);

/* commit.c: the commit children (the layer is written beside the loop). */
void api_commit_job_io(struct daemon *d, struct commit_job *j);
void api_commit_job_cancel(struct daemon *d, struct conn *c);
/* A commit is reading the container's upper dir: it cannot be removed. */
bool api_commit_holds(const struct container *ctr);

/* Handlers. */
void h_ping(struct daemon *d, struct conn *c);
void h_version(struct daemon *d, struct conn *c);
void h_info(struct daemon *d, struct conn *c);
void h_events(struct daemon *d, struct conn *c);
void h_ctr_list(struct daemon *d, struct conn *c);
void h_ctr_create(struct daemon *d, struct conn *c);
void h_ctr_inspect(struct daemon *d, struct conn *c);
void h_ctr_start(struct daemon *d, struct conn *c);
void h_ctr_wait(struct daemon *d, struct conn *c);
void h_ctr_stop(struct daemon *d, struct conn *c);
void h_ctr_kill(struct daemon *d, struct conn *c);
void h_ctr_restart(struct daemon *d, struct conn *c);
void h_ctr_logs(struct daemon *d, struct conn *c);
void h_ctr_attach(struct daemon *d, struct conn *c);
void h_tug_run(struct daemon *d, struct conn *c);
void h_ctr_resize(struct daemon *d, struct conn *c);
void h_ctr_pause(struct daemon *d, struct conn *c);
void h_ctr_unpause(struct daemon *d, struct conn *c);
void h_ctr_rename(struct daemon *d, struct conn *c);
void h_ctr_top(struct daemon *d, struct conn *c);
void h_ctr_stats(struct daemon *d, struct conn *c);
void h_ctr_delete(struct daemon *d, struct conn *c);
void h_ctr_archive_get(struct daemon *d, struct conn *c);	/* GET and HEAD */
void h_ctr_archive_put(struct daemon *d, struct conn *c);
void h_ctr_changes(struct daemon *d, struct conn *c);
void h_ctr_prune(struct daemon *d, struct conn *c);
void h_ctr_update(struct daemon *d, struct conn *c);	/* ctr_update.c */
void h_ctr_export(struct daemon *d, struct conn *c);	/* export.c */
void h_system_df(struct daemon *d, struct conn *c);	/* system_df.c */
void h_build_prune(struct daemon *d, struct conn *c);
void h_commit(struct daemon *d, struct conn *c);	/* commit.c */
void h_exec_create(struct daemon *d, struct conn *c);
void h_exec_start(struct daemon *d, struct conn *c);
void h_exec_resize(struct daemon *d, struct conn *c);
void h_exec_inspect(struct daemon *d, struct conn *c);
void h_img_list(struct daemon *d, struct conn *c);
void h_img_load(struct daemon *d, struct conn *c);
void h_img_get(struct daemon *d, struct conn *c);
void h_img_inspect(struct daemon *d, struct conn *c);
void h_img_history(struct daemon *d, struct conn *c);
void h_img_tag(struct daemon *d, struct conn *c);
void h_img_delete(struct daemon *d, struct conn *c);
void h_img_prune(struct daemon *d, struct conn *c);
void h_net_list(struct daemon *d, struct conn *c);
void h_net_inspect(struct daemon *d, struct conn *c);
void h_net_create(struct daemon *d, struct conn *c);
void h_net_delete(struct daemon *d, struct conn *c);
void h_net_connect(struct daemon *d, struct conn *c);
void h_net_disconnect(struct daemon *d, struct conn *c);
void h_net_prune(struct daemon *d, struct conn *c);
void h_vol_list(struct daemon *d, struct conn *c);
void h_vol_inspect(struct daemon *d, struct conn *c);
void h_vol_create(struct daemon *d, struct conn *c);
void h_vol_delete(struct daemon *d, struct conn *c);
void h_vol_prune(struct daemon *d, struct conn *c);
void h_img_create(struct daemon *d, struct conn *c);
void h_img_push(struct daemon *d, struct conn *c);
void h_auth(struct daemon *d, struct conn *c);

#endif
