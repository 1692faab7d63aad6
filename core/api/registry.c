/*
 * Registry calls from the API: POST /images/create (pull), POST
 * /images/{name}/push and POST /auth (docker login). Each runs in a child
 * process, so the loop keeps serving other requests while a registry is
 * slow; the child writes tagged lines on a pipe and the loop turns them
 * into the reply:
 *   "J <json>"          one line of Docker's JSON progress stream
 *   "E <status> <msg>"  failure: an HTTP error while nothing was streamed,
 *                       else Docker's {"errorDetail":...} line
 *   "A <json>"          a whole JSON answer with 200 (/auth)
 *   "D"                 success
 * Like dockerd, the response head goes out with the first progress line
 * (right after the manifest is resolved), so a missing tag is a plain 404.
 * A client that goes away cancels the pull: its process group is killed,
 * and the registry client never leaves a half image visible.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/image/image.h"
#include "core/image/store.h"
#include "core/registry/registry.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define JOB_FD 3	/* the pipe's write end in the child */

enum job_kind { JOB_PULL, JOB_PUSH, JOB_AUTH };

struct registry_job {
	enum job_kind kind;
	struct conn *conn;	/* NULL once the client went away */
	pid_t pid;
	int fd;
	struct buf in;
	bool streaming;		/* the response head went out */
	bool answered;
	bool failed;		/* an error line went out */
	bool ok;
	char ref[512];
};

/* ---- child side ---- */

static void put_line(char tag, const char *text)
{
	struct buf b = { 0 };

	buf_printf(&b, "%c %s", tag, text);
	if (!b.len || b.data[b.len - 1] != '\n')
		buf_add(&b, "\n", 1);
	write_all(JOB_FD, buf_head(&b), buf_size(&b));
	buf_free(&b);
}

static void put_json(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	if (s)
		put_line('J', s);
	free(s);
	cJSON_Delete(j);
}

static void put_status(const char *status, const char *id)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "status", status);
	if (id)
		cJSON_AddStringToObject(j, "id", id);
	put_json(j);
}

static int http_status_of(int code)
{
	switch (code) {
	case ENOENT:
		return 404;
	case EACCES:
		/* Not 401: the docker CLI would prompt for a login on stdin. */
		return 403;
	case EINVAL:
		return 400;
	case ENOTSUP:
		return 501;
	default:
		return 500;
	}
}

/* "pull ref: manifest for ..." -> "manifest for ...": the client knows what it asked. */
static void put_error(const struct tug_err *err, const char *verb, const char *ref)
{
	char prefix[600], line[1200];
	const char *msg = err->msg;

	snprintf(prefix, sizeof(prefix), "%s %s: ", verb, ref);
	if (!strncmp(msg, prefix, strlen(prefix)))
		msg += strlen(prefix);
	snprintf(line, sizeof(line), "%d %s", http_status_of(err->code), msg);
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	put_line('E', line);
}

struct child_progress {
	const char *first_id;	/* the tag: Docker's "<tag>: Pulling from <repo>" */
	const char *first_status;
	bool announced;
};

static void child_progress(void *ctx, const struct registry_progress *p)
{
	struct child_progress *cp = ctx;
	char line[1400];

	if (!cp->announced) {
		cp->announced = true;
		put_status(cp->first_status, cp->first_id);
	}
	if (registry_progress_json(p, line, sizeof(line)))
		put_line('J', line);
}

/* "reg:5000/a/b:1" -> "a/b"; "busybox" -> "library/busybox", as Docker shows it. */
static void remote_name(const char *ref, char *out, size_t size)
{
	const char *slash = strchr(ref, '/'), *p = ref;
	size_t n;

	if (slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
		      memchr(ref, ':', (size_t)(slash - ref)) ||
		      !strncmp(ref, "localhost/", 10)))
		p = slash + 1;
	n = strcspn(p, "@");
	{
		const char *colon = memchr(p, ':', n), *last = strrchr(p, '/');

		if (colon && (!last || colon > last))
			n = (size_t)(colon - p);
	}
	if (p == ref && !strchr(ref, '/'))
		snprintf(out, size, "library/%.*s", (int)n, p);
	else
		snprintf(out, size, "%.*s", (int)n, p);
}

static void run_pull(const char *ref, const char *tag, const char *platform,
		     const struct registry_auth *auth)
{
	char repo[512], what[600], line[800];
	struct child_progress cp = { .first_id = tag };
	struct registry_opts o = { .platform = platform, .auth = auth,
				   .progress = child_progress, .progress_ctx = &cp };
	struct registry_result res;
	struct tug_err err = { 0 };

	if (getenv("TUG_PULL_PARALLEL"))
		o.parallel = atoi(getenv("TUG_PULL_PARALLEL"));
	remote_name(ref, repo, sizeof(repo));
	snprintf(what, sizeof(what), "Pulling from %s", repo);
	cp.first_status = what;
	if (registry_pull(ref, &o, &res, &err) < 0) {
		put_error(&err, "pull", ref);
		return;
	}
	if (!cp.announced)
		put_status(what, tag);
	snprintf(line, sizeof(line), "Digest: %s", res.repo_digest);
	put_status(line, NULL);
	snprintf(line, sizeof(line), "Status: %s %s",
		 res.fresh ? "Downloaded newer image for" : "Image is up to date for", res.name);
	put_status(line, NULL);
	put_line('D', "");
}

static void run_push(const char *ref, const char *name, const char *tag,
		     const struct registry_auth *auth)
{
	char line[800];
	struct child_progress cp = { .announced = true };
	struct registry_opts o = { .auth = auth, .progress = child_progress, .progress_ctx = &cp };
	struct registry_result res;
	struct tug_err err = { 0 };
	struct image_store st;
	uint64_t size = 0;
	cJSON *j, *aux;

	snprintf(line, sizeof(line), "The push refers to repository [%s]", name);
	put_status(line, NULL);
	if (registry_push(ref, &o, &res, &err) < 0) {
		put_error(&err, "push", ref);
		return;
	}
	if (image_store_open(&st, &err) == 0) {
		blob_size(&st, res.manifest_digest, &size, &err);
		image_store_close(&st);
	}
	snprintf(line, sizeof(line), "%s: digest: %s size: %llu", tag, res.manifest_digest,
		 (unsigned long long)size);
	put_status(line, NULL);
	j = cJSON_CreateObject();
	cJSON_AddObjectToObject(j, "progressDetail");
	aux = cJSON_AddObjectToObject(j, "aux");
	cJSON_AddStringToObject(aux, "Tag", tag);
	cJSON_AddStringToObject(aux, "Digest", res.manifest_digest);
	cJSON_AddNumberToObject(aux, "Size", (double)size);
	put_json(j);
	put_line('D', "");
}

static void run_auth(const char *user, const char *pass, const char *server)
{
	struct tug_err err = { 0 };
	cJSON *j;
	char *s;

	if (registry_check_login(server, user, pass, NULL, &err) < 0) {
		char line[1200];

		snprintf(line, sizeof(line), "%d %s", err.code == EACCES ? 401 : 500, err.msg);
		put_line('E', line);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "Status", "Login Succeeded");
	cJSON_AddStringToObject(j, "IdentityToken", "");
	s = cJSON_PrintUnformatted(j);
	put_line('A', s ? s : "{}");
	free(s);
	cJSON_Delete(j);
	put_line('D', "");
}

/* Only the pipe stays open: the daemon's sockets must close when it closes them. */
static void child_close_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;

	if (!dir) {
		for (int fd = JOB_FD + 1; fd < 4096; fd++)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);

		if (fd > JOB_FD && fd != dirfd(dir))
			close(fd);
	}
	closedir(dir);
}

/* fork; 0 in the child (the pipe on JOB_FD), the pid in the parent, -1 on error. */
static pid_t job_fork(int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_IGN);
		/* Its own group: a cancel kills the parallel downloaders too. */
		setpgid(0, 0);
		if (p[1] != JOB_FD && dup2(p[1], JOB_FD) < 0)
			_exit(1);
		child_close_fds();
		return 0;
	}
	/* Both sides set the group, so a cancel right after fork finds it. */
	setpgid(pid, pid);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*rfd = p[0];
	return pid;
}

/* ---- daemon side ---- */

static void conn_reset(struct daemon *d, struct conn *c)
{
	c->deadline_ms = d->now_ms + API_IDLE_TIMEOUT_MS;
	c->stream = SK_NONE;
	c->mode = CONN_HEAD;
	if (!c->req.keep_alive)
		c->close_after = true;
	http_request_free(&c->req);
	c->have_req = false;
}

static void job_stream(struct registry_job *j, const char *json)
{
	struct conn *c = j->conn;
	struct buf line = { 0 };

	if (!c)
		return;
	if (!j->streaming) {
		api_stream_begin(c, "application/json");
		j->streaming = true;
	}
	buf_printf(&line, "%s\n", json);
	api_stream_write(c, buf_head(&line), buf_size(&line));
	buf_free(&line);
}

static void job_line(struct daemon *d, void *job, char *line)
{
	struct registry_job *j = job;
	struct conn *c = j->conn;
	const char *arg = line[0] && line[1] == ' ' ? line + 2 : "";

	switch (line[0]) {
	case 'J':
		job_stream(j, arg);
		break;
	case 'D':
		j->ok = true;
		break;
	case 'A':
		if (c && !j->streaming && !j->answered) {
			api_reply(c, 200, "application/json", arg, strlen(arg));
			j->answered = true;
			conn_reset(d, c);
		}
		break;
	case 'E': {
		char *msg;
		int status = (int)strtol(arg, &msg, 10);

		msg += *msg == ' ';
		if (!c || j->answered || j->failed)
			break;
		j->failed = true;
		if (j->streaming) {
			cJSON *o = cJSON_CreateObject();
			char *s;

			cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "errorDetail"), "message",
						msg);
			cJSON_AddStringToObject(o, "error", msg);
			s = cJSON_PrintUnformatted(o);
			if (s)
				job_stream(j, s);
			free(s);
			cJSON_Delete(o);
		} else {
			api_error(c, status >= 400 ? status : 500, "%s", msg);
			j->answered = true;
			conn_reset(d, c);
		}
		break;
	}
	}
}

static void job_finish(struct daemon *d, struct registry_job *j)
{
	struct conn *c = j->conn;

	loop_unwatch(d, j->fd);
	close(j->fd);
	/* The pipe closes when the child exits: this wait is short. */
	waitpid(j->pid, NULL, 0);
	if (c) {
		c->job = NULL;
		if (j->streaming) {
			if (!j->ok && !j->failed)
				job_line(d, j, (char[]){ "E 500 the registry process died" });
			api_stream_end(c);
		} else if (!j->answered && !j->failed) {
			api_error(c, 500, "%s", j->ok ? "no answer" : "the registry process died");
			conn_reset(d, c);
		}
		api_conn_flush(d, c);
	}
	if (j->ok && j->kind != JOB_AUTH)
		event_emit(d, "image", j->kind == JOB_PULL ? "pull" : "push", j->ref, NULL);
	buf_free(&j->in);
	free(j);
}

void api_registry_job_io(struct daemon *d, struct registry_job *j)
{
	if (api_job_read_lines(d, j, j->fd, &j->in, job_line)) {
		job_finish(d, j);
		return;
	}
	if (j->conn)
		api_conn_flush(d, j->conn);
}

void api_registry_job_cancel(struct daemon *d, struct conn *c)
{
	struct registry_job *j = c->job;

	if (!j)
		return;
	j->conn = NULL;
	c->job = NULL;
	kill(-j->pid, SIGTERM);
	(void)d;
}

/* Start the job in a child; run(args) happens there. Returns the job or NULL (replied). */
static struct registry_job *job_start(struct daemon *d, struct conn *c, enum job_kind kind,
				      const char *ref, pid_t *child)
{
	struct registry_job *j = calloc(1, sizeof(*j));
	int fd = -1;

	*child = -1;
	if (!j) {
		api_error(c, 500, "out of memory");
		return NULL;
	}
	j->kind = kind;
	snprintf(j->ref, sizeof(j->ref), "%s", ref);
	j->pid = job_fork(&fd);
	if (j->pid < 0) {
		api_error(c, 500, "fork: %s", strerror(errno));
		free(j);
		return NULL;
	}
	if (j->pid == 0) {
		*child = 0;
		return j;
	}
	j->fd = fd;
	j->conn = c;
	c->job = j;
	/* Until the first line the connection waits; no head is sent yet. */
	c->mode = CONN_STREAM;
	c->stream = SK_NONE;
	if (loop_watch(d, fd, EPOLLIN, W_REGISTRY_JOB, j) < 0) {
		c->job = NULL;
		kill(-j->pid, SIGKILL);
		close(fd);
		waitpid(j->pid, NULL, 0);
		free(j);
		conn_reset(d, c);
		c->mode = CONN_HEAD;
		api_error(c, 500, "cannot watch the registry process");
		return NULL;
	}
	*child = j->pid;
	return j;
}

static bool decode_auth(struct conn *c, struct registry_auth_buf *ab)
{
	struct tug_err err = { 0 };

	if (registry_auth_decode(http_header_get(&c->req, "X-Registry-Auth"), ab, &err) < 0) {
		api_error(c, 400, "%s", err.msg);
		return false;
	}
	return true;
}

void h_img_create(struct daemon *d, struct conn *c)
{
	char from[512] = "", tag[160] = "", platform[64] = "", ref[700];
	struct registry_auth_buf ab;
	pid_t child;

	if (!IS_ENABLED(CONFIG_REGISTRY)) {
		api_error(c, 501, "pull: not supported by this build (CONFIG_REGISTRY)");
		return;
	}
	if (http_query_get(c->req.query, "fromSrc", from, sizeof(from)) && from[0]) {
		api_error(c, 501, "image import (fromSrc) is not supported");
		return;
	}
	if (!http_query_get(c->req.query, "fromImage", from, sizeof(from)) || !from[0]) {
		api_error(c, 400, "fromImage is required");
		return;
	}
	http_query_get(c->req.query, "tag", tag, sizeof(tag));
	http_query_get(c->req.query, "platform", platform, sizeof(platform));
	if (!decode_auth(c, &ab))
		return;
	/* fromImage may carry the tag itself; ?tag= may be a digest. */
	{
		const char *last = strrchr(from, '/');
		const char *colon = strchr(last ? last : from, ':');

		if (tag[0] && !strchr(from, '@') && !colon)
			snprintf(ref, sizeof(ref), "%s%s%s", from,
				 strncmp(tag, "sha256:", 7) ? ":" : "@", tag);
		else
			snprintf(ref, sizeof(ref), "%s", from);
		if (!tag[0])
			snprintf(tag, sizeof(tag), "%s",
				 strchr(from, '@') ? strchr(from, '@') + 1 : colon ? colon + 1 : "latest");
	}
	if (!job_start(d, c, JOB_PULL, ref, &child))
		return;
	if (child == 0) {
		run_pull(ref, tag, platform[0] ? platform : NULL,
			 ab.username[0] || ab.token[0] ? &ab.auth : NULL);
		_exit(0);
	}
}

void h_img_push(struct daemon *d, struct conn *c)
{
	char tag[160] = "", ref[700];
	struct registry_auth_buf ab;
	pid_t child;

	if (!IS_ENABLED(CONFIG_REGISTRY)) {
		api_error(c, 501, "push: not supported by this build (CONFIG_REGISTRY)");
		return;
	}
	http_query_get(c->req.query, "tag", tag, sizeof(tag));
	if (!tag[0])
		snprintf(tag, sizeof(tag), "latest");
	if (!decode_auth(c, &ab))
		return;
	snprintf(ref, sizeof(ref), "%s:%s", c->params[0], tag);
	{
		/* An unknown image is a 404 before any streaming, as dockerd does it. */
		struct image_store st;
		struct tug_err err;
		_cleanup_json_ cJSON *refs = NULL;
		char digest[SHA256_DIGEST_STR_LEN];

		if (image_store_open(&st, &err) || refs_read(&st, &refs, &err) ||
		    image_resolve(&st, refs, ref, digest, &err)) {
			image_store_close(&st);
			api_error(c, 404, "An image does not exist locally with the tag: %s",
				  c->params[0]);
			return;
		}
		image_store_close(&st);
	}
	if (!job_start(d, c, JOB_PUSH, ref, &child))
		return;
	if (child == 0) {
		run_push(ref, c->params[0], tag, ab.username[0] || ab.token[0] ? &ab.auth : NULL);
		_exit(0);
	}
}

void h_auth(struct daemon *d, struct conn *c)
{
	int bad;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	const char *user, *pass, *server;
	pid_t child;

	if (bad)
		return;
	if (!IS_ENABLED(CONFIG_REGISTRY)) {
		api_error(c, 501, "login: not supported by this build (CONFIG_REGISTRY)");
		return;
	}
	user = cJSON_GetStringValue(cJSON_GetObjectItem(body, "username"));
	pass = cJSON_GetStringValue(cJSON_GetObjectItem(body, "password"));
	server = cJSON_GetStringValue(cJSON_GetObjectItem(body, "serveraddress"));
	if (!user || !*user || !pass || !*pass) {
		api_error(c, 400, "username and password are required");
		return;
	}
	if (!job_start(d, c, JOB_AUTH, server ? server : "", &child))
		return;
	if (child == 0) {
		run_auth(user, pass, server && *server ? server : "docker.io");
		_exit(0);
	}
}
