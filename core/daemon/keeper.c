/*
 * The keeper: one small process per host that is the parent (and
 * subreaper) of every container. It holds their output pipes and writes
 * the capped log files, reaps them, and records exit codes under
 * <run>/exits/<id>. tugd can be killed -9 and started again: containers
 * keep running, logs keep flowing, and the new tugd asks the keeper for
 * what happened meanwhile. No shim per container: one keeper for all.
 *
 * Protocol: JSON messages on a SOCK_SEQPACKET socket <run>/keeper.sock;
 * spawn replies carry the container's stdin (or pty master) by SCM_RIGHTS.
 * The keeper keeps its own copy of that fd while the container runs, so a
 * tugd started after a crash gets it again ("stdin") and clients can attach
 * to a shell started before: one fd per container, closed when it exits or
 * when the engine closes stdin for good ("close_stdin", StdinOnce).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/daemon/daemon.h"
#include "core/daemon/logfile.h"
#include "core/oci/runtime.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/boottrace.h"

#define KEEPER_MSG_MAX 65536

struct kept {
	char id[65];
	pid_t pid;
	int out_fd, err_fd;	/* -1 once closed */
	int in_fd;		/* our copy of the stdin pipe's write end, or -1 */
	bool tty;		/* out_fd is the pty master, which is stdin too */
	struct log_writer log;
	bool reaped;
	int code;
	uint64_t reaped_ms;
	struct kept *next;
};

static struct kept *kept_list;
static int k_epfd;
static char k_run[512];
static int k_subs[16];

int keeper_send_msg(int fd, const cJSON *j, int pass_fd)
{
	char *s = cJSON_PrintUnformatted(j);
	struct iovec iov = { s, s ? strlen(s) : 0 };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (!s)
		return -1;
	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	free(s);
	return n < 0 ? -1 : 0;
}

cJSON *keeper_recv_msg(int fd, int *got_fd)
{
	char *data = malloc(KEEPER_MSG_MAX + 1);
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, KEEPER_MSG_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	cJSON *j;

	if (got_fd)
		*got_fd = -1;
	if (!data)
		return NULL;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		free(data);
		return NULL;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int f;

			memcpy(&f, CMSG_DATA(cm), sizeof(int));
			if (got_fd)
				*got_fd = f;
			else
				close(f);
		}
	}
	j = cJSON_ParseWithLength(data, (size_t)n);
	free(data);
	return j;
}

static void exit_path(const char *id, char *out, size_t size)
{
	snprintf(out, size, "%s/exits/%s", k_run, id);
}

/*
 * Write the exit record and rename it into place, visible to any tugd that
 * starts from now on; the fd is returned for record_sync() (-1 on failure,
 * then the record was written the slow, durable way or not at all).
 */
static int record_exit(const char *path, const char *text)
{
	const char *base = strrchr(path, '/');
	char tmp[760];
	int fd;

	base = base ? base + 1 : path;
	snprintf(tmp, sizeof(tmp), "%.*s" TUG_TMP_PREFIX "%s" TUG_TMP_INFIX "%d",
		 (int)(base - path), path, base, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write_all(fd, text, strlen(text)) == 0 && rename(tmp, path) == 0)
		return fd;
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	{
		struct tug_err err;

		atomic_write_file(AT_FDCWD, path, text, strlen(text), 0600, &err);
	}
	return -1;
}

/*
 * The record is in the run dir, tmpfs by design: it cannot outlive a
 * reboot, and the process it describes dies with the power anyway (as the
 * OCI state, oci_state_write()). So it is closed, not fsynced: on a run dir
 * on disk the two fsyncs took 4-18 ms per exit under load, and the next
 * spawn waited for them.
 */
static void record_sync(int fd, const char *path)
{
	(void)path;
	if (fd >= 0)
		close(fd);
}

/*
 * The container is reaped and its output drained: record the code. The
 * record is in place (renamed) before the engine is told, so an engine
 * restarted at any moment finds it.
 */
static void finish(struct kept *k)
{
	char path[700], date[40], text[128];
	cJSON *ev;
	int rec;

	rfc3339_now(date);
	exit_path(k->id, path, sizeof(path));
	snprintf(text, sizeof(text), "{\"code\":%d,\"finished\":\"%s\",\"pid\":%d}\n", k->code,
		 date, k->pid);
	rec = record_exit(path, text);
	log_writer_close(&k->log);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "op", "exit");
	cJSON_AddStringToObject(ev, "id", k->id);
	cJSON_AddNumberToObject(ev, "code", k->code);
	cJSON_AddStringToObject(ev, "finished", date);
	cJSON_AddNumberToObject(ev, "pid", k->pid);
	for (size_t i = 0; i < ARRAY_SIZE(k_subs); i++)
		if (k_subs[i] >= 0 && keeper_send_msg(k_subs[i], ev, -1)) {
			close(k_subs[i]);
			k_subs[i] = -1;
		}
	cJSON_Delete(ev);
	record_sync(rec, path);
	k->pid = 0; /* finished; entry kept until the engine forgets it */
}

/* Nobody writes to a stopped container's stdin: drop our copy. */
static void close_in(struct kept *k)
{
	if (k->in_fd >= 0)
		close(k->in_fd);
	k->in_fd = -1;
}

static void maybe_finish(struct kept *k)
{
	if (k->pid && k->reaped && k->out_fd < 0 && k->err_fd < 0)
		finish(k);
}

static void close_out(struct kept *k, int fd)
{
	epoll_ctl(k_epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (k->out_fd == fd)
		k->out_fd = -1;
	if (k->err_fd == fd)
		k->err_fd = -1;
	maybe_finish(k);
}

static void pump(struct kept *k, int fd)
{
	char data[16384];
	ssize_t n = read(fd, data, sizeof(data));

	if (n > 0) {
		log_writer_write(&k->log, fd == k->err_fd ? 2 : 1, data, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		close_out(k, fd); /* EIO on a pty master: the terminal closed */
}

static struct kept *find_kept(const char *id)
{
	for (struct kept *k = kept_list; k; k = k->next)
		if (!strcmp(k->id, id))
			return k;
	return NULL;
}

static int watch_fd(int fd, struct kept *k)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ((uint64_t)(unsigned)fd << 32) | 2 };

	(void)k;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return epoll_ctl(k_epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void spawn(int cfd, const cJSON *req)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(req, "id"));
	const char *bundle = cJSON_GetStringValue(cJSON_GetObjectItem(req, "bundle"));
	const char *root = cJSON_GetStringValue(cJSON_GetObjectItem(req, "root"));
	const char *logp = cJSON_GetStringValue(cJSON_GetObjectItem(req, "log"));
	bool tty = cJSON_IsTrue(cJSON_GetObjectItem(req, "tty"));
	bool want_stdin = cJSON_IsTrue(cJSON_GetObjectItem(req, "stdin"));
	struct oci_create_opts opts;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 }, master = -1, pass = -1;
	struct tug_err err = { 0 };
	cJSON *rep = cJSON_CreateObject();
	struct kept *k = NULL;
	pid_t pid = 0;

	if (!id || !bundle || !root || !logp) {
		tug_err_set(&err, EINVAL, "spawn: missing fields");
		goto fail;
	}
	k = find_kept(id);
	if (k && k->pid) {
		tug_err_set(&err, EBUSY, "container %s is still running", id);
		k = NULL;
		goto fail;
	}
	oci_create_opts_init(&opts);
	if (tty) {
		opts.console_master = &master;
	} else {
		if ((want_stdin ? pipe2(in, O_CLOEXEC) : 0) || pipe2(out, O_CLOEXEC) ||
		    pipe2(er, O_CLOEXEC)) {
			tug_err_sys(&err, "pipe");
			goto fail;
		}
		if (!want_stdin)
			in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		opts.stdio[0] = in[0];
		opts.stdio[1] = out[1];
		opts.stdio[2] = er[1];
	}
	boot_trace("keeper: spawn request");
	oci_runtime_delete(root, id, true, NULL); /* a stale state from the last run */
	if (oci_runtime_create(root, id, bundle, &opts, &pid, &err) ||
	    oci_runtime_start(root, id, &err)) {
		if (pid > 0)
			oci_runtime_delete(root, id, true, NULL);
		goto fail;
	}
	boot_trace("keeper: runtime create+start returned");
	if (!k) {
		k = calloc(1, sizeof(*k));
		snprintf(k->id, sizeof(k->id), "%s", id);
		k->in_fd = -1;
		k->next = kept_list;
		kept_list = k;
	}
	close_in(k);
	k->pid = pid;
	k->reaped = false;
	k->tty = tty;
	k->out_fd = k->err_fd = k->in_fd = -1;
	log_writer_open(&k->log, logp, (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(req, "max_size")),
			(int)cJSON_GetNumberValue(cJSON_GetObjectItem(req, "max_files")), &err);
	if (tty) {
		k->out_fd = dup(master);
		fcntl(k->out_fd, F_SETFD, FD_CLOEXEC);
		pass = master;
	} else {
		k->out_fd = out[0];
		k->err_fd = er[0];
		out[0] = er[0] = -1;
		/* Sent (the engine gets its own copy) and kept. */
		pass = want_stdin ? in[1] : -1;
		k->in_fd = pass;
		in[1] = -1;
	}
	if (k->out_fd >= 0)
		watch_fd(k->out_fd, k);
	if (k->err_fd >= 0)
		watch_fd(k->err_fd, k);
	{
		char path[700];

		exit_path(id, path, sizeof(path));
		unlink(path);
	}
	cJSON_AddNumberToObject(rep, "pid", pid);
	keeper_send_msg(cfd, rep, pass);
	if (tty)
		close(master);
	goto out;
fail:
	cJSON_AddStringToObject(rep, "error", err.msg);
	cJSON_AddNumberToObject(rep, "errno", err.code);
	keeper_send_msg(cfd, rep, -1);
	if (master >= 0)
		close(master);
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
	cJSON_Delete(rep);
}

static void query(int cfd, const cJSON *req)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(req, "id"));
	struct kept *k = id ? find_kept(id) : NULL;
	cJSON *rep = cJSON_CreateObject();

	cJSON_AddNumberToObject(rep, "pid", k ? k->pid : 0);
	cJSON_AddBoolToObject(rep, "known", k != NULL);
	keeper_send_msg(cfd, rep, -1);
	cJSON_Delete(rep);
}

static struct kept *find_running(const cJSON *req)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(req, "id"));
	struct kept *k = id ? find_kept(id) : NULL;
	pid_t pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(req, "pid"));

	/* The pid names the run: a late message about an earlier run is ignored. */
	return k && k->pid && !k->reaped && k->pid == pid ? k : NULL;
}

/* A tugd started again asks for the stdin of a container it adopts. */
static void give_stdin(int cfd, const cJSON *req)
{
	struct kept *k = find_running(req);
	int fd = !k ? -1 : k->tty ? k->out_fd : k->in_fd;
	cJSON *rep = cJSON_CreateObject();

	cJSON_AddBoolToObject(rep, "stdin", fd >= 0);
	keeper_send_msg(cfd, rep, fd);
	cJSON_Delete(rep);
}

/*
 * The engine closed the container's stdin for good (StdinOnce and the
 * client's input ended): the container sees EOF only once our copy is
 * closed too. The engine asks before it closes its own, so a tugd killed
 * in between leaves no copy open and no new tugd can attach to it again.
 */
static void close_stdin(const cJSON *req)
{
	struct kept *k = find_running(req);

	if (k && !k->tty)
		close_in(k);
}

/*
 * Signal a container for an engine without pidfds (Linux < 5.3). We are
 * its parent: until reap() collects it, its pid cannot be another
 * process's, so a signal for a run already reaped is refused, never sent
 * to a stranger that got the pid since.
 */
static void kill_kept(int cfd, const cJSON *req)
{
	struct kept *k = find_running(req);
	int sig = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(req, "sig"));
	cJSON *rep = cJSON_CreateObject();
	int e = !k ? ESRCH : kill(k->pid, sig) ? errno : 0;

	cJSON_AddNumberToObject(rep, "errno", e);
	keeper_send_msg(cfd, rep, -1);
	cJSON_Delete(rep);
}

static void forget(const cJSON *req)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(req, "id"));
	struct kept **pp = &kept_list;

	while (id && *pp) {
		struct kept *k = *pp;

		if (!strcmp(k->id, id) && !k->pid) {
			*pp = k->next;
			close_in(k);
			free(k);
			return;
		}
		pp = &k->next;
	}
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (struct kept *k = kept_list; k; k = k->next) {
			if (k->pid != pid)
				continue;
			k->reaped = true;
			k->reaped_ms = mono_ms();
			close_in(k);
			k->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			maybe_finish(k);
		}
	}
}

/* Output held open by a leftover background process must not delay the exit forever. */
static void expire(void)
{
	uint64_t now = mono_ms();

	for (struct kept *k = kept_list; k; k = k->next)
		if (k->pid && k->reaped && now - k->reaped_ms > 2000) {
			if (k->out_fd >= 0)
				close_out(k, k->out_fd);
			if (k->pid && k->err_fd >= 0)
				close_out(k, k->err_fd);
		}
}

static void client_msg(int cfd)
{
	cJSON *req = keeper_recv_msg(cfd, NULL);
	const char *op;

	if (!req) {
		epoll_ctl(k_epfd, EPOLL_CTL_DEL, cfd, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(k_subs); i++)
			if (k_subs[i] == cfd)
				k_subs[i] = -1;
		close(cfd);
		return;
	}
	op = cJSON_GetStringValue(cJSON_GetObjectItem(req, "op"));
	if (!op)
		op = "";
	if (!strcmp(op, "spawn"))
		spawn(cfd, req);
	else if (!strcmp(op, "query"))
		query(cfd, req);
	else if (!strcmp(op, "forget"))
		forget(req);
	else if (!strcmp(op, "stdin"))
		give_stdin(cfd, req);
	else if (!strcmp(op, "close_stdin"))
		close_stdin(req);
	else if (!strcmp(op, "kill"))
		kill_kept(cfd, req);
	else if (!strcmp(op, "subscribe"))
		for (size_t i = 0; i < ARRAY_SIZE(k_subs); i++)
			if (k_subs[i] < 0) {
				k_subs[i] = cfd;
				break;
			}
	cJSON_Delete(req);
}

int keeper_main(const char *run_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev, evs[32];
	sigset_t mask;
	int lfd, sfd;
	char pidtext[32];
	struct tug_err err;

	snprintf(k_run, sizeof(k_run), "%s", run_dir);
	for (size_t i = 0; i < ARRAY_SIZE(k_subs); i++)
		k_subs[i] = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, "tug-keeper");
	boot_trace("keeper: main");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/keeper.sock", run_dir);
	{
		char ex[600];

		snprintf(ex, sizeof(ex), "%s/exits", run_dir);
		mkdir_p(ex, 0700, &err);
	}
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16)) {
		perror("tug-keeper: listen");
		return 1;
	}
	boot_trace("keeper: listening");
	chmod(sa.sun_path, 0600);
	snprintf(pidtext, sizeof(pidtext), "%d\n", getpid());
	{
		char pp[600];

		snprintf(pp, sizeof(pp), "%s/keeper.pid", run_dir);
		atomic_write_file(AT_FDCWD, pp, pidtext, strlen(pidtext), 0644, &err);
	}
	k_epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	epoll_ctl(k_epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.u64 = 1;
	epoll_ctl(k_epfd, EPOLL_CTL_ADD, sfd, &ev);
	for (;;) {
		int n = epoll_wait(k_epfd, evs, 32, 500);

		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			int fd = (int)(tag >> 32);

			if (tag == 0) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

				if (cfd >= 0) {
					ev.events = EPOLLIN;
					ev.data.u64 = ((uint64_t)(unsigned)cfd << 32) | 3;
					epoll_ctl(k_epfd, EPOLL_CTL_ADD, cfd, &ev);
				}
			} else if (tag == 1) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					;
				reap();
			} else if ((tag & 0xffffffff) == 2) {
				for (struct kept *k = kept_list; k; k = k->next)
					if (k->out_fd == fd || k->err_fd == fd) {
						pump(k, fd);
						break;
					}
			} else if ((tag & 0xffffffff) == 3) {
				client_msg(fd);
			}
		}
		reap();
		expire();
	}
}
