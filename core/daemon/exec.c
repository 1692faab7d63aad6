/* exec instances: a process in a running container, the engine's own child. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/daemon/daemon.h"
#include "core/daemon/health.h"
#include "core/daemon/hostspec.h"
#include "core/oci/runtime.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/pidfd.h"
#include "platform/random.h"

struct exec_inst *exec_find(struct daemon *d, const char *id)
{
	for (struct exec_inst *e = d->execs; e; e = e->next)
		if (!strncmp(e->id, id, strlen(id)) && *id)
			return e;
	return NULL;
}

int exec_create(struct daemon *d, struct container *c, const cJSON *body, struct exec_inst **out,
		struct tug_err *err)
{
	struct exec_inst *e;
	const cJSON *cmd = cJSON_GetObjectItem(body, "Cmd");

	if (!cJSON_IsArray(cmd) || !cJSON_GetArraySize(cmd))
		return tug_err_set(err, EINVAL, "No exec command specified");
	if (c->state != CS_RUNNING)
		return tug_err_set(err, EBUSY, "Container %s is %s", c->id,
				   c->state == CS_PAUSED ? "paused, unpause the container before exec" : "not running");
	e = calloc(1, sizeof(*e));
	if (!e)
		return tug_err_set(err, ENOMEM, "exec");
	random_hex_id(e->id);
	e->ctr = c;
	e->config = cJSON_Duplicate(body, true);
	e->tty = cJSON_IsTrue(cJSON_GetObjectItem(body, "Tty"));
	e->attach_stdin = cJSON_IsTrue(cJSON_GetObjectItem(body, "AttachStdin"));
	e->pidfd = e->in_fd = e->out_fd = e->err_fd = -1;
	e->next = d->execs;
	d->execs = e;
	*out = e;
	return 0;
}

static void watch_io(struct daemon *d, struct exec_inst *e, int fd)
{
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	loop_watch(d, fd, 0x001, W_EXEC_IO, e);
}

int exec_start(struct daemon *d, struct exec_inst *e, struct tug_err *err)
{
	struct oci_create_opts opts;
	_cleanup_json_ cJSON *proc = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 }, master = -1;
	pid_t pid = 0;
	int rc;

	if (!e->ctr || e->ctr->state != CS_RUNNING)
		return tug_err_set(err, EBUSY, "container is not running");
	proc = bundle_process(e->ctr, e->config, err);
	/* As dockerd: the container's rlimits, oom score and GroupAdd (core/daemon/hostspec.c). */
	if (!proc || hostconfig_process(e->ctr, proc, err) < 0)
		return -1;
	oci_create_opts_init(&opts);
	if (e->tty) {
		opts.console_master = &master;
	} else {
		if (pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC) ||
		    (e->attach_stdin ? pipe2(in, O_CLOEXEC) : 0))
			return tug_err_sys(err, "pipe");
		if (!e->attach_stdin)
			in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		opts.stdio[0] = in[0];
		opts.stdio[1] = out[1];
		opts.stdio[2] = er[1];
	}
	rc = oci_runtime_exec(d->oci_root, e->ctr->id, proc, &opts, &pid, err);
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (er[1] >= 0)
		close(er[1]);
	if (rc) {
		for (int *f = (int[]){ in[1], out[0], er[0], master }, i = 0; i < 4; i++)
			if (f[i] >= 0)
				close(f[i]);
		return -1;
	}
	e->pid = pid;
	e->running = true;
	if (e->tty) {
		e->in_fd = master;
		e->out_fd = dup(master);
		fcntl(e->out_fd, F_SETFD, FD_CLOEXEC);
	} else {
		e->in_fd = in[1];
		e->out_fd = out[0];
		e->err_fd = er[0];
	}
	watch_io(d, e, e->out_fd);
	watch_io(d, e, e->err_fd);
	/* Without pidfds (Linux < 5.3) tugd's SIGCHLD brings exec_sigchld(): we are the parent. */
	e->pidfd = pidfd_open_pid(pid);
	if (e->pidfd >= 0)
		loop_watch(d, e->pidfd, 0x001, W_EXEC_PIDFD, e);
	return 0;
}

static void close_io(struct daemon *d, struct exec_inst *e, int *fd)
{
	if (*fd < 0)
		return;
	loop_unwatch(d, *fd);
	close(*fd);
	*fd = -1;
}

static void maybe_done(struct daemon *d, struct exec_inst *e)
{
	if (e->running || e->out_fd >= 0 || e->err_fd >= 0)
		return;
	close_io(d, e, &e->in_fd);
	if (e->probe)
		health_probe_done(d, e); /* frees e */
	else
		api_exec_done(d, e);
}

/* A health probe's output goes to its log entry, a client's to its stream. */
static void output(struct daemon *d, struct exec_inst *e, int stream, const char *data, size_t len)
{
	if (e->probe)
		health_probe_output(e, data, len);
	else
		api_exec_output(d, e, stream, data, len);
}

void exec_io(struct daemon *d, struct exec_inst *e, int fd, uint32_t events)
{
	char data[16384];
	ssize_t n = read(fd, data, sizeof(data));

	if (n > 0) {
		output(d, e, fd == e->err_fd ? 2 : 1, data, (size_t)n);
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	if (fd == e->out_fd)
		close_io(d, e, &e->out_fd);
	else
		close_io(d, e, &e->err_fd);
	maybe_done(d, e);
}

void exec_pidfd_ready(struct daemon *d, struct exec_inst *e)
{
	siginfo_t si = { 0 };

	if (waitid(P_PID, (id_t)e->pid, &si, WEXITED | WNOHANG) < 0 || !si.si_pid)
		return;
	e->exit_code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	e->running = false;
	close_io(d, e, &e->pidfd);
	/* A pty master keeps reading until the slave side is gone; drain what is left. */
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &e->err_fd : &e->out_fd;

		while (*fd >= 0) {
			char data[16384];
			ssize_t n = read(*fd, data, sizeof(data));

			if (n <= 0) {
				close_io(d, e, fd);
				break;
			}
			output(d, e, i ? 2 : 1, data, (size_t)n);
		}
	}
	maybe_done(d, e);
}

void exec_drop_conn(struct daemon *d, struct exec_inst *e)
{
	e->conn = NULL;
}

void exec_sigchld(struct daemon *d)
{
	struct exec_inst *e, *next;

	for (e = d->execs; e; e = next) {
		next = e->next;
		if (e->running && e->pidfd < 0)
			exec_pidfd_ready(d, e); /* may free a probe's e */
	}
}

/*
 * The init of a pid namespace does not finish dying until every process in
 * it is reaped, and exec processes (health probes, docker exec) are ours to
 * reap. Whoever waits for a container's exit outside the loop calls this
 * between waits, or the wait lasts until its timeout.
 */
void exec_reap_ctr(struct daemon *d, struct container *c)
{
	struct exec_inst *e, *next;

	for (e = d->execs; e; e = next) {
		next = e->next;
		if (e->ctr == c && e->running)
			exec_pidfd_ready(d, e); /* may free a probe's e */
	}
}

/*
 * Wait up to ms for a container's pidfd, reaping its exec processes
 * meanwhile. Without one (no pidfds: Linux < 5.3), for the keeper's exit
 * record.
 */
void exec_wait_ctr_exit(struct daemon *d, struct container *c, int ms)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

	for (int waited = 0; waited < ms; waited += 20) {
		if (c->pidfd >= 0 && poll(&p, 1, 20) > 0)
			return;
		if (c->pidfd < 0) {
			char fin[40];
			int code;
			pid_t pid;
			struct tug_err err;

			if (!keeper_query(d, c->id, &pid, &code, fin, &err))
				return;
			poll(NULL, 0, 20);
		}
		exec_reap_ctr(d, c);
	}
}
