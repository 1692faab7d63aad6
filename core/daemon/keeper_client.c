/* The engine's side of the keeper: start it once, ask it to spawn, listen for exits. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/daemon/daemon.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

int keeper_send_msg(int fd, const cJSON *j, int pass_fd);
cJSON *keeper_recv_msg(int fd, int *got_fd);

static int dial(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/keeper.sock", d->cfg.run_dir);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Double fork so the keeper belongs to nobody we might die with. */
static int start_keeper(struct daemon *d, struct tug_err *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return tug_err_sys(err, "fork keeper");
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();
		if (fork() == 0) {
			char *argv[] = { "tug", "daemon", "--keeper", d->cfg.run_dir, NULL };
			int nul = open("/dev/null", O_RDWR);

			if (nul >= 0) {
				dup2(nul, 0);
				dup2(nul, 1);
			}
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

int keeper_connect(struct daemon *d, struct tug_err *err)
{
	int fd = dial(d);
	cJSON *sub;

	if (fd < 0) {
		if (start_keeper(d, err))
			return -1;
		for (int i = 0; i < 200 && fd < 0; i++) {
			struct timespec ts = { 0, 10000000 };

			nanosleep(&ts, NULL);
			fd = dial(d);
		}
		if (fd < 0)
			return tug_err_sys(err, "connect to the keeper at %s/keeper.sock",
					   d->cfg.run_dir);
	}
	sub = cJSON_CreateObject();
	cJSON_AddStringToObject(sub, "op", "subscribe");
	keeper_send_msg(fd, sub, -1);
	cJSON_Delete(sub);
	d->keeper_fd = fd;
	return loop_watch(d, fd, 0x001 /* EPOLLIN */, W_KEEPER, d);
}

static cJSON *call(struct daemon *d, cJSON *req, int *got_fd, struct tug_err *err)
{
	_cleanup_close_ int fd = dial(d);
	cJSON *rep;

	if (fd < 0) {
		cJSON_Delete(req);
		tug_err_sys(err, "the keeper is gone");
		return NULL;
	}
	if (keeper_send_msg(fd, req, -1)) {
		cJSON_Delete(req);
		tug_err_sys(err, "send to keeper");
		return NULL;
	}
	cJSON_Delete(req);
	rep = keeper_recv_msg(fd, got_fd);
	if (!rep)
		tug_err_set(err, EPROTO, "no answer from the keeper");
	return rep;
}

int keeper_spawn(struct daemon *d, struct container *c, const char *bundle, pid_t *pid,
		 int *stdin_fd, struct tug_err *err)
{
	cJSON *req = cJSON_CreateObject();
	_cleanup_json_ cJSON *rep = NULL;
	const char *msg;

	cJSON_AddStringToObject(req, "op", "spawn");
	cJSON_AddStringToObject(req, "id", c->id);
	cJSON_AddStringToObject(req, "bundle", bundle);
	cJSON_AddStringToObject(req, "root", d->oci_root);
	cJSON_AddStringToObject(req, "log", c->log_path);
	cJSON_AddBoolToObject(req, "tty", c->tty);
	cJSON_AddBoolToObject(req, "stdin", cJSON_IsTrue(cJSON_GetObjectItem(c->config, "OpenStdin")));
	cJSON_AddNumberToObject(req, "max_size", (double)d->cfg.log_max_size);
	cJSON_AddNumberToObject(req, "max_files", d->cfg.log_max_files);
	rep = call(d, req, stdin_fd, err);
	if (!rep)
		return -1;
	msg = cJSON_GetStringValue(cJSON_GetObjectItem(rep, "error"));
	if (msg) {
		tug_err_set(err, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(rep, "errno")), "%s", msg);
		return -1;
	}
	*pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(rep, "pid"));
	return 0;
}

/* Exit recorded by the keeper while we were away (or just now). */
int keeper_query(struct daemon *d, const char *id, pid_t *pid, int *code, char *finished,
		 struct tug_err *err)
{
	char path[700];
	_cleanup_json_ cJSON *j = NULL;
	const char *f;

	snprintf(path, sizeof(path), "%s/exits/%s", d->cfg.run_dir, id);
	j = json_parse_file(path, 4096, err);
	if (!j)
		return -1;
	*code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "code"));
	*pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "pid"));
	f = cJSON_GetStringValue(cJSON_GetObjectItem(j, "finished"));
	snprintf(finished, 40, "%s", f ? f : "");
	return 0;
}

/* What the keeper knows of id ({"known", "pid"}); NULL when it cannot say. */
static cJSON *query(struct daemon *d, const char *id)
{
	cJSON *req = cJSON_CreateObject();
	struct tug_err err;

	cJSON_AddStringToObject(req, "op", "query");
	cJSON_AddStringToObject(req, "id", id);
	return call(d, req, NULL, &err);
}

/* The pid the keeper runs for id, 0 when none (or the keeper cannot say). */
pid_t keeper_pid(struct daemon *d, const char *id)
{
	_cleanup_json_ cJSON *rep = query(d, id);

	return rep ? (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(rep, "pid")) : 0;
}

bool keeper_forgot(struct daemon *d, const char *id)
{
	_cleanup_json_ cJSON *rep = query(d, id);

	return rep && cJSON_IsFalse(cJSON_GetObjectItem(rep, "known"));
}

int keeper_forget(struct daemon *d, const char *id)
{
	char path[700];
	_cleanup_close_ int fd = dial(d);
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "op", "forget");
	cJSON_AddStringToObject(req, "id", id);
	if (fd >= 0)
		keeper_send_msg(fd, req, -1);
	cJSON_Delete(req);
	snprintf(path, sizeof(path), "%s/exits/%s", d->cfg.run_dir, id);
	unlink(path);
	return 0;
}

void keeper_notified(struct daemon *d)
{
	_cleanup_json_ cJSON *m = keeper_recv_msg(d->keeper_fd, NULL);
	const char *id, *fin;
	struct container *c;
	pid_t pid;

	if (!m) {
		struct tug_err err;

		fprintf(stderr, "tugd: lost the keeper; reconnecting\n");
		ctr_keeper_lost(d);
		loop_unwatch(d, d->keeper_fd);
		close(d->keeper_fd);
		d->keeper_fd = -1;
		if (keeper_connect(d, &err))
			tug_err_print(&err);
		return;
	}
	id = cJSON_GetStringValue(cJSON_GetObjectItem(m, "id"));
	fin = cJSON_GetStringValue(cJSON_GetObjectItem(m, "finished"));
	c = id ? ctr_find(d, id) : NULL;
	pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "pid"));
	/* The exit of an earlier run, read after the container was started again. */
	if (c && pid > 0 && c->pid > 0 && pid != c->pid)
		return;
	if (c && ctr_is_running(c))
		ctr_exited(d, c, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "code")), fin ? fin : "");
}

/*
 * The keeper's copy of a running container's stdin (pipe or pty master),
 * for a tugd that adopts it after a restart; -1 when it keeps none.
 */
int keeper_stdin(struct daemon *d, const struct container *c)
{
	cJSON *req = cJSON_CreateObject();
	_cleanup_json_ cJSON *rep = NULL;
	struct tug_err err;
	int fd = -1;

	cJSON_AddStringToObject(req, "op", "stdin");
	cJSON_AddStringToObject(req, "id", c->id);
	cJSON_AddNumberToObject(req, "pid", c->pid);
	rep = call(d, req, &fd, &err);
	if (!rep && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int keeper_kill(struct daemon *d, const char *id, pid_t pid, int sig)
{
	_cleanup_close_ int fd = dial(d);
	/* A keeper from before this call existed never answers it. */
	struct timeval tv = { 2, 0 };
	_cleanup_json_ cJSON *rep = NULL;
	cJSON *req;
	int e;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "kill");
	cJSON_AddStringToObject(req, "id", id);
	cJSON_AddNumberToObject(req, "pid", pid);
	cJSON_AddNumberToObject(req, "sig", sig);
	e = keeper_send_msg(fd, req, -1);
	cJSON_Delete(req);
	if (e || !(rep = keeper_recv_msg(fd, NULL)))
		return -1;
	e = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(rep, "errno"));
	if (e == ESRCH)
		return 1;
	errno = e;
	return e ? -1 : 0;
}

/* Stdin is closed for good (StdinOnce): the keeper drops its copy. */
void keeper_close_stdin(struct daemon *d, const struct container *c)
{
	_cleanup_close_ int fd = dial(d);
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "op", "close_stdin");
	cJSON_AddStringToObject(req, "id", c->id);
	cJSON_AddNumberToObject(req, "pid", c->pid);
	if (fd >= 0)
		keeper_send_msg(fd, req, -1);
	cJSON_Delete(req);
}
