/*
 * The engine: containers, their supervision, exec instances, events, and
 * the event loop that serves the API. One process, one thread, one loop.
 */
#ifndef TUG_DAEMON_H
#define TUG_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "core/daemon/restart.h"
#include "core/daemon/state.h"
#include "platform/err.h"

struct conn;
struct health;
struct log_writer;

struct container {
	char id[65];
	char name[128];		/* with Docker's leading '/' */
	char created[40];
	char image[256];	/* as asked */
	char image_id[80];
	cJSON *config;		/* Docker "Config" */
	cJSON *host_config;	/* Docker "HostConfig" */
	cJSON *create_warnings;	/* create's answer: limits discarded (not saved) */
	enum ctr_state state;
	pid_t pid;
	int pidfd;
	int exit_code;
	char started_at[40];
	char finished_at[40];
	char error[256];
	int restart_count;
	struct restart_policy policy;
	bool auto_remove;
	bool tty;
	bool stopped_by_user;	/* stop/kill asked: no restart */
	bool exit_pending;	/* pidfd fired, waiting for the keeper's code */
	bool removing;
	bool oom_killed;	/* the cgroup's memory.events counted an oom_kill this run */
	bool keeper_lost;	/* its keeper died: no exit record will come (ctr_keeper_lost) */
	uint64_t pid_start;	/* when keeper_lost: pid's start time, against pid reuse */
	struct log_writer *orphan_log;	/* keeper_lost with a tty: tugd logs the pty master */
	uint64_t backoff_ms;
	uint64_t started_ms;	/* monotonic, for the backoff reset */
	uint64_t restart_at_ms;	/* when RESTARTING: next start */
	uint64_t kill_at_ms;	/* stop: SIGKILL after the grace period */
	int stdin_fd;		/* container stdin (pipe or pty master), or -1 */
	char log_path[512];
	struct health *health;	/* NULL without a health check */
	struct container *next;
};

struct exec_inst {
	char id[65];
	struct container *ctr;
	cJSON *config;		/* Docker ExecConfig */
	bool tty, attach_stdin, running, detach;
	bool probe;		/* a health check's, not a client's */
	pid_t pid;
	int pidfd;
	int exit_code;
	int in_fd, out_fd, err_fd;	/* our ends of the pipes, or pty master in in_fd/out_fd */
	struct conn *conn;		/* hijacked connection, if attached */
	struct exec_inst *next;
};

struct daemon_config {
	char host[512];		/* socket path */
	char group[64];
	char state_dir[512];
	char run_dir[512];
	uint64_t log_max_size;
	int log_max_files;
};

struct daemon {
	struct daemon_config cfg;
	int epfd;
	int listen_fd;
	int sig_fd;
	int timer_fd;
	int keeper_fd;		/* notifications from the keeper */
	struct container *containers;
	struct exec_inst *execs;
	struct conn *conns;
	bool quit;
	uint64_t now_ms;
	char oci_root[600];
	char self_exe[512];	/* this binary, resolved at start: --init's docker-init */
};

extern struct daemon *g_daemon;

uint64_t mono_ms(void);
void rfc3339_now(char out[40]);

/* container.c */
struct container *ctr_find(struct daemon *d, const char *ref);
struct container *ctr_find_name(struct daemon *d, const char *name);
int ctr_create(struct daemon *d, const char *name, const cJSON *body, struct container **out,
	       int *status, struct tug_err *err);
int ctr_save(struct daemon *d, struct container *c);
int ctr_load_all(struct daemon *d, struct tug_err *err);
void ctr_free(struct container *c);
int ctr_transition(struct daemon *d, struct container *c, enum ctr_event e);
const char *ctr_dir(struct daemon *d, struct container *c, char *out, size_t size);
/*
 * RUN_DIR/containers/<id>: what every start writes again (the bundle's
 * config.json, /etc/hosts, resolv.conf, hostname and their extras). The
 * run dir is a tmpfs: no disk write per start, nothing to sweep after a
 * reboot. ctr_dir keeps the record, the rootfs and the log.
 */
const char *ctr_run_dir(struct daemon *d, const struct container *c, char *out, size_t size);
/*
 * An AutoRemove container's own records (config.v2.json, bundle config,
 * image lease) are written without fsync: after a power cut it is removed
 * on the next start whatever its files say (ctr_adopt), so durability buys
 * nothing and each fsync costs milliseconds on `run --rm`. Shared records
 * (networks, volumes, images) stay durable. See fsutil_volatile_begin().
 */
void ctr_volatile_begin(const struct container *c);
void ctr_volatile_end(const struct container *c);

/* lifecycle.c */
int ctr_start(struct daemon *d, struct container *c, struct tug_err *err);
int ctr_stop(struct daemon *d, struct container *c, int timeout_s, int sig, struct tug_err *err);
int ctr_kill(struct daemon *d, struct container *c, int sig, struct tug_err *err);
int ctr_pause(struct daemon *d, struct container *c, bool pause, struct tug_err *err);
int ctr_remove(struct daemon *d, struct container *c, bool force, struct tug_err *err);
/* The client's input ended on a StdinOnce container: EOF for it. */
void ctr_close_stdin(struct daemon *d, struct container *c);
void ctr_exited(struct daemon *d, struct container *c, int code, const char *finished);
void ctr_pidfd_ready(struct daemon *d, struct container *c);
void ctr_tick(struct daemon *d);
void ctr_adopt(struct daemon *d, struct container *c);
/* The keeper died: its running containers are orphans tugd watches itself. */
void ctr_keeper_lost(struct daemon *d);
/*
 * tugd is a subreaper: reap the children it did not start itself (a dead
 * keeper, its orphaned containers with their codes, grandchildren of
 * tugd's own helpers); exec processes stay their owners' to reap.
 */
void ctr_reap_orphans(struct daemon *d);
void ctr_start_at_daemon_start(struct daemon *d);
bool ctr_is_running(const struct container *c);
void ctr_release(struct daemon *d, struct container *c);

/* bundle.c: image + options -> OCI bundle with an overlay rootfs. */
int bundle_prepare(struct daemon *d, struct container *c, char *bundle, size_t size,
		   struct tug_err *err);
void bundle_cleanup(struct daemon *d, struct container *c);
/* bundle_cleanup() but the rootfs stays mounted (for remove_tree_detached_mounts()). */
void bundle_release(struct daemon *d, struct container *c);
/* The container's overlay at DATA_ROOT/containers/ID/rootfs, mounted if it is not. */
int bundle_mount_rootfs(struct daemon *d, struct container *c, struct tug_err *err);
cJSON *bundle_process(struct container *c, const cJSON *exec_cfg, struct tug_err *err);
cJSON *bundle_bind_entry(const char *src, const char *dst, bool ro);

/* keeper.c */
int keeper_main(const char *run_dir);
/*
 * Set by PID 1 in the fork that runs its first daemon_main() (no exec): a
 * board's boot, whose first container should not wait for start-up chores
 * that can come later (the network sweep, netvol.h).
 */
extern bool daemon_board_boot;
int keeper_connect(struct daemon *d, struct tug_err *err);
int keeper_spawn(struct daemon *d, struct container *c, const char *bundle, pid_t *pid,
		 int *stdin_fd, struct tug_err *err);
/* The keeper's copy of a running container's stdin (a dup), or -1. */
int keeper_stdin(struct daemon *d, const struct container *c);
void keeper_close_stdin(struct daemon *d, const struct container *c);
int keeper_query(struct daemon *d, const char *id, pid_t *pid, int *code, char *finished,
		 struct tug_err *err);
void keeper_notified(struct daemon *d);
int keeper_forget(struct daemon *d, const char *id);
/* The pid the keeper runs for id, or 0. */
pid_t keeper_pid(struct daemon *d, const char *id);
/* True only when the keeper answered that it keeps nothing for id. */
bool keeper_forgot(struct daemon *d, const char *id);
/*
 * Without pidfds: the keeper (the parent) sends sig to id's run pid if it
 * has not reaped it. 0 sent, 1 no such run (ESRCH), -1 with errno when
 * the keeper cannot be asked or kill() failed.
 */
int keeper_kill(struct daemon *d, const char *id, pid_t pid, int sig);

/* events.c */
void event_emit(struct daemon *d, const char *type, const char *action, const char *id,
		const cJSON *attrs);
void event_emit_ctr(struct daemon *d, struct container *c, const char *action,
		    const char *extra_key, const char *extra_val);
/*
 * The last EVENT_HISTORY events are kept (compact JSON) for /events?since=:
 * fn sees each one whose time (seconds) is within [since, until]; until 0
 * means no upper bound.
 */
#define EVENT_HISTORY 128
void event_history(int64_t since, int64_t until, void (*fn)(void *ctx, const char *json), void *ctx);

/* exec.c */
struct exec_inst *exec_find(struct daemon *d, const char *id);
int exec_create(struct daemon *d, struct container *c, const cJSON *body, struct exec_inst **out,
		struct tug_err *err);
int exec_start(struct daemon *d, struct exec_inst *e, struct tug_err *err);
void exec_io(struct daemon *d, struct exec_inst *e, int fd, uint32_t events);
/* exec's process may have exited: reap it if so (WNOHANG). */
void exec_pidfd_ready(struct daemon *d, struct exec_inst *e);
/* SIGCHLD without pidfds (Linux < 5.3): reap every exec process that exited. */
void exec_sigchld(struct daemon *d);
void exec_drop_conn(struct daemon *d, struct exec_inst *e);
void exec_reap_ctr(struct daemon *d, struct container *c);
void exec_wait_ctr_exit(struct daemon *d, struct container *c, int ms);

/* loop.c: watch kinds for epoll data. */
enum watch_kind { W_LISTEN, W_SIGNAL, W_TIMER, W_KEEPER, W_CONN, W_CTR_PIDFD, W_EXEC_PIDFD, W_EXEC_IO,
		  W_REGISTRY_JOB, W_COMMIT_JOB };
int loop_watch(struct daemon *d, int fd, uint32_t events, enum watch_kind kind, void *obj);
void loop_unwatch(struct daemon *d, int fd);
int loop_run(struct daemon *d);

#endif
