/*
 * docker commit: POST /commit?container=&repo=&tag=&comment=&author=
 * &pause=&changes= (changes repeated, one Dockerfile-like line each). The
 * container's upper dir becomes one more layer over its image's (overlay
 * whiteouts as ".wh." entries, hard links as tar hardlinks), its config
 * (with the body's and the changes over it) the new image's.
 *
 * The slow part (the tar of the upper dir, hashing it, writing the blob
 * and unpacking the layer: about a second per 200 MB) runs in a child, so
 * the loop keeps answering everyone else meanwhile. The child tells the
 * loop on a socket:
 *   "T"                  the upper dir is read: thaw the container (the
 *                        loop answers one byte once it did; the child
 *                        thaws it itself when tugd is gone instead)
 *   "D <manifest> <id>"  the blobs and the layer are durable
 *   "E <status> <msg>"   failure
 * and tugd then names the image in refs.json itself (image_register, the
 * only writer of refs.json stays the loop) and answers 201. Until then no
 * ref names the new blobs: a child killed with its client or a tugd killed
 * mid-commit leaves unnamed blobs for gc and temp files that the store
 * sweeps (their owner's pid is gone), never half an image.
 *
 * A running container is frozen while its upper dir is read (pause, on by
 * default as in dockerd) when its cgroup can be: without a freezer (no
 * cgroup v2 tree) what it writes meanwhile may or may not be in the layer.
 * It is thawed when the child says so, when the child fails or dies, when
 * the client goes away; two commits of one container thaw it once both
 * have read it. The container cannot be removed (409) while committed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/image/commit.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/oci/state.h"
#include "platform/archive.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/layer_tar.h"

#define JOB_FD 3	/* the child's end of the socket */

struct commit_job {
	struct conn *conn;	/* NULL once the client went away */
	char ctr_id[65];
	pid_t pid;
	int fd;
	struct buf in;
	char frozen[4096];	/* the cgroup this job keeps frozen, or "" */
	char tag_key[400];	/* "name:tag" or "" */
	bool answered;
	struct commit_job *next;
};

static struct commit_job *jobs;

/* Every "changes" value of the query, applied in order. */
static int apply_changes(const char *query, cJSON *cfg, struct tug_err *err)
{
	const char *p = query;

	while (p && *p) {
		size_t len = strcspn(p, "&");

		if (len > 8 && !strncmp(p, "changes=", 8)) {
			_cleanup_free_ char *v = malloc(len - 8 + 1);
			size_t n;
			char *line, *save = NULL;

			if (!v)
				return tug_err_set(err, ENOMEM, "changes");
			n = http_url_decode(p + 8, len - 8, v, true);
			v[n] = '\0';
			/* One value may hold several lines (older clients join them). */
			for (line = strtok_r(v, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				if (*line && image_commit_change(cfg, line, err) < 0)
					return -1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* The upper dir as a layer tar in an unlinked file of the store's tmp/. */
static int layer_of(const char *store, const char *upper, struct tug_err *err)
{
	static const char *const skip[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf", NULL };
	char tmpl[700];
	_cleanup_close_ int fd = -1, ufd = -1;
	struct archive *a;
	int rc = 0;

	snprintf(tmpl, sizeof(tmpl), "%s/tmp/commit-XXXXXX", store);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "commit: temp file");
	unlink(tmpl);
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0 && errno != ENOENT)
		return tug_err_sys(err, "open %s", upper);
	a = tar_writer_open_fd(fd, err);
	if (!a)
		return -1;
	/* No upper (a read-only root): an empty layer, as dockerd makes. */
	if (ufd >= 0)
		rc = tar_writer_add_upper(a, ufd, skip, err);
	if (rc) {
		struct tug_err ignore;

		tar_writer_close(a, &ignore);
		return -1;
	}
	if (tar_writer_close(a, err) < 0)
		return -1;
	return take_fd(fd);
}

/* Freeze a running container's cgroup for the commit; its path in cg, or "" when not frozen. */
static void freeze(struct daemon *d, struct conn *c, struct container *ctr, char *cg, size_t size)
{
	char pause[16] = "true";
	struct oci_state st;
	struct tug_err err;

	*cg = '\0';
	http_query_get(c->req.query, "pause", pause, sizeof(pause));
	if (ctr->state != CS_RUNNING || !strcmp(pause, "0") || !strcasecmp(pause, "false"))
		return;
	if (oci_state_load(d->oci_root, ctr->id, &st, &err) < 0)
		return;
	if (st.cgroup[0] && cgroup_freeze(st.cgroup, true, &err) == 0)
		snprintf(cg, size, "%s", st.cgroup);
	oci_state_free(&st);
}

/*
 * This job no longer needs its container frozen: thaw it, unless another
 * commit still reads it or the user paused it meanwhile (docker pause).
 */
static void job_thaw(struct daemon *d, struct commit_job *j)
{
	struct container *ctr;
	struct tug_err ignore;

	if (!j->frozen[0])
		return;
	for (struct commit_job *k = jobs; k; k = k->next)
		if (k != j && !strcmp(k->frozen, j->frozen)) {
			j->frozen[0] = '\0';
			return;
		}
	ctr = ctr_find(d, j->ctr_id);
	if (!ctr || ctr->state != CS_PAUSED)
		cgroup_freeze(j->frozen, false, &ignore);
	j->frozen[0] = '\0';
}

/* repo and tag -> the tag index's "name:tag" key; "" for no repo (an untagged image). */
static int tag_key_of(struct conn *c, char *key, size_t size, struct tug_err *err)
{
	char repo[256] = "", tag[130] = "", full[400];
	struct image_ref ref;

	*key = '\0';
	http_query_get(c->req.query, "repo", repo, sizeof(repo));
	http_query_get(c->req.query, "tag", tag, sizeof(tag));
	if (!*repo) {
		if (*tag)
			return tug_err_set(err, EINVAL, "tag without a repository name: %s", tag);
		return 0;
	}
	snprintf(full, sizeof(full), "%s%s%s", repo, *tag ? ":" : "", tag);
	if (image_ref_parse(full, &ref, err) < 0 || ref.digest[0])
		return tug_err_set(err, EINVAL, "invalid reference format: %s", full);
	image_ref_key(&ref, key, size);
	return 0;
}

/* ---- child side ---- */

struct commit_work {
	const char *name;	/* the container's, for messages */
	const char *store;	/* the image store's root */
	const char *upper;
	const char *frozen;	/* the cgroup tugd froze, or "" */
	const char *base;	/* the base image's manifest digest */
	struct image_commit_opts o;
};

/* A line to tugd; when tugd is gone, thaw what it froze and stop. */
static void child_say(const struct commit_work *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void child_say(const struct commit_work *w, const char *fmt, ...)
{
	char line[1400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	if (write_all(JOB_FD, line, (size_t)n) < 0) {
		struct tug_err ignore;

		if (w->frozen[0])
			cgroup_freeze(w->frozen, false, &ignore);
		_exit(1);
	}
}

/*
 * After "T": tugd's byte once it thawed the container. EOF means tugd died
 * before it could: thaw it here, nobody else will.
 */
static void child_wait_thawed(const struct commit_work *w)
{
	char ack;
	ssize_t n;

	do
		n = read(JOB_FD, &ack, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		return;
	if (w->frozen[0]) {
		struct tug_err ignore;

		cgroup_freeze(w->frozen, false, &ignore);
	}
	_exit(1);
}

static void __attribute__((noreturn)) run_commit(const struct commit_work *w, pid_t tugd)
{
	char manifest[SHA256_DIGEST_STR_LEN], id[SHA256_DIGEST_STR_LEN];
	struct image_store st;
	struct tug_err err = { 0 };
	int layer;

	/*
	 * No store lock while frozen: tugd may wait for the exclusive lock
	 * (gc) and only then read "T". The temp file is unlinked: no sweep
	 * can take it.
	 */
	layer = layer_of(w->store, w->upper, &err);
	child_say(w, "T");
	child_wait_thawed(w);
	if (layer < 0) {
		child_say(w, "E 500 commit %s: %s", w->name, err.msg);
		_exit(1);
	}
	/* From here nothing is frozen: a tugd that dies takes the rest with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != tugd)
		_exit(1);
	if (image_store_open(&st, &err) < 0 ||
	    image_commit(&st, w->base, layer, &w->o, manifest, id, &err) < 0) {
		child_say(w, "E 500 commit %s: %s", w->name, err.msg);
		_exit(1);
	}
	child_say(w, "D %s %s", manifest, id);
	_exit(0);
}

/* Only the socket stays open: the daemon's sockets must close when it closes them. */
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

/* fork; 0 in the child (its socket on JOB_FD), the pid in the parent, -1 on error. */
static pid_t job_fork(int *rfd)
{
	int p[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
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

		/* tugd blocks what its signalfd reads: a plain process again. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_IGN);
		if (p[1] != JOB_FD && dup2(p[1], JOB_FD) < 0)
			_exit(1);
		child_close_fds();
		/* Behind the loop's own work on a busy board. */
		setpriority(PRIO_PROCESS, 0, 10);
		return 0;
	}
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

static void job_answer_error(struct daemon *d, struct commit_job *j, int status, const char *msg)
{
	if (!j->conn || j->answered)
		return;
	j->answered = true;
	api_error(j->conn, status, "%s", msg);
	conn_reset(d, j->conn);
}

/* The child's parts are durable: name them, answer the client. */
static void job_register(struct daemon *d, struct commit_job *j, const char *arg)
{
	char manifest[SHA256_DIGEST_STR_LEN], id[SHA256_DIGEST_STR_LEN];
	const char *tags[1] = { j->tag_key };
	struct container *ctr = ctr_find(d, j->ctr_id);
	struct image_store st;
	struct image img = { 0 };
	struct tug_err err = { 0 };
	cJSON *out;
	int rc;

	if (!j->conn) /* the client went away: no image it did not wait for */
		return;
	if (sscanf(arg, "%71s %71s", manifest, id) != 2) {
		job_answer_error(d, j, 500, "commit: a bad answer from the commit process");
		return;
	}
	if (image_store_open(&st, &err) < 0) {
		job_answer_error(d, j, 500, err.msg);
		return;
	}
	/* A gc between the child's exit and this line may have taken the unnamed parts. */
	rc = image_read(&st, manifest, &img, &err);
	if (!rc && (!img.nlayers || !layer_complete(&st, img.chain_ids[img.nlayers - 1])))
		rc = tug_err_set(&err, ENOENT, "the new layer was removed by a prune meanwhile");
	image_free(&img);
	if (!rc)
		rc = image_register(&st, manifest, id, tags, j->tag_key[0] ? 1 : 0, &err);
	image_store_close(&st);
	if (rc < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "commit: %s", err.msg);
		job_answer_error(d, j, 500, msg);
		return;
	}
	if (ctr)
		event_emit_ctr(d, ctr, "commit", NULL, NULL);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Id", id);
	j->answered = true;
	api_reply_json(j->conn, 201, out);
	conn_reset(d, j->conn);
}

static void job_line(struct daemon *d, void *job, char *line)
{
	struct commit_job *j = job;
	const char *arg = line[0] && line[1] == ' ' ? line + 2 : "";

	switch (line[0]) {
	case 'T':
		job_thaw(d, j);
		send(j->fd, "t", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case 'D':
		job_thaw(d, j);
		job_register(d, j, arg);
		break;
	case 'E': {
		char *msg;
		int status = (int)strtol(arg, &msg, 10);

		msg += *msg == ' ';
		job_thaw(d, j);
		job_answer_error(d, j, status >= 400 ? status : 500, msg);
		break;
	}
	}
}

static void job_finish(struct daemon *d, struct commit_job *j)
{
	struct container *ctr;
	struct tug_err err;

	loop_unwatch(d, j->fd);
	close(j->fd);
	/* The pipe closes when the child exits: this wait is short. */
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	job_thaw(d, j);
	job_answer_error(d, j, 500, "commit: the commit process died");
	if (j->conn)
		api_conn_flush(d, j->conn);
	for (struct commit_job **pp = &jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	/* An AutoRemove container that exited meanwhile waited for the commit (ctr_exited). */
	ctr = ctr_find(d, j->ctr_id);
	if (ctr && ctr->auto_remove && ctr->removing && !ctr_is_running(ctr) &&
	    !api_commit_holds(ctr) && ctr_remove(d, ctr, true, &err))
		tug_err_print(&err);
	buf_free(&j->in);
	free(j);
}

void api_commit_job_io(struct daemon *d, struct commit_job *j)
{
	if (api_job_read_lines(d, j, j->fd, &j->in, job_line)) {
		job_finish(d, j);
		return;
	}
	if (j->conn)
		api_conn_flush(d, j->conn);
}

void api_commit_job_cancel(struct daemon *d, struct conn *c)
{
	for (struct commit_job *j = jobs; j; j = j->next) {
		if (j->conn != c)
			continue;
		/* Nobody waits for the image: stop making it, thaw now. */
		j->conn = NULL;
		kill(j->pid, SIGKILL);
		job_thaw(d, j);
	}
}

bool api_commit_holds(const struct container *ctr)
{
	for (struct commit_job *j = jobs; j; j = j->next)
		if (!strcmp(j->ctr_id, ctr->id))
			return true;
	return false;
}

/* Everything checked and the config made: the child does the rest. */
static void job_start(struct daemon *d, struct conn *c, struct container *ctr,
		      struct commit_work *w, const char *key, const char *store)
{
	struct commit_job *j = calloc(1, sizeof(*j));
	char dir[600], upper[700];
	pid_t tugd = getpid();
	int fd = -1;

	if (!j) {
		api_error(c, 500, "out of memory");
		return;
	}
	snprintf(j->ctr_id, sizeof(j->ctr_id), "%s", ctr->id);
	snprintf(j->tag_key, sizeof(j->tag_key), "%s", key);
	snprintf(upper, sizeof(upper), "%s/upper", ctr_dir(d, ctr, dir, sizeof(dir)));
	w->upper = upper;
	w->store = store;
	freeze(d, c, ctr, j->frozen, sizeof(j->frozen));
	w->frozen = j->frozen;
	j->pid = job_fork(&fd);
	if (j->pid == 0)
		run_commit(w, tugd);
	if (j->pid < 0) {
		api_error(c, 500, "commit %s: fork: %s", w->name, strerror(errno));
		job_thaw(d, j);
		free(j);
		return;
	}
	j->fd = fd;
	j->conn = c;
	j->next = jobs;
	jobs = j;
	/* The answer comes from job_line; until then the connection waits. */
	c->mode = CONN_STREAM;
	c->stream = SK_NONE;
	if (loop_watch(d, fd, EPOLLIN, W_COMMIT_JOB, j) < 0) {
		kill(j->pid, SIGKILL);
		job_finish(d, j);
	}
}

void h_commit(struct daemon *d, struct conn *c)
{
	char ref[256] = "", key[400], comment[1024] = "", author[256] = "";
	char manifest[SHA256_DIGEST_STR_LEN], store[sizeof(((struct image_store *)0)->root)];
	_cleanup_json_ cJSON *body = NULL, *cfg = NULL, *refs = NULL;
	struct commit_work w = { 0 };
	struct image_store st;
	struct image img = { 0 };
	struct container *ctr;
	struct tug_err err;

	http_query_get(c->req.query, "container", ref, sizeof(ref));
	ctr = *ref ? ctr_find(d, ref) : NULL;
	if (!ctr) {
		api_no_such_container(c, ref);
		return;
	}
	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "commit: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	if (ctr->removing) {
		api_error(c, 409, "Conflict. The container %s is being removed", ctr->name + 1);
		return;
	}
	/* The body is a config to lay over the container's; the docker CLI sends null. */
	if (buf_size(&c->body_buf)) {
		body = cJSON_ParseWithLength(buf_head(&c->body_buf), buf_size(&c->body_buf));
		if (!body || (!cJSON_IsObject(body) && !cJSON_IsNull(body))) {
			api_error(c, 400, "invalid JSON body: expected a container config or null");
			return;
		}
	}
	if (tag_key_of(c, key, sizeof(key), &err) < 0) {
		api_error(c, 400, "%s", err.msg);
		return;
	}
	http_query_get(c->req.query, "comment", comment, sizeof(comment));
	http_query_get(c->req.query, "author", author, sizeof(author));
	if (image_store_open(&st, &err) < 0) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	if (refs_read(&st, &refs, &err) < 0 ||
	    image_resolve(&st, refs, ctr->image_id, manifest, &err) < 0 ||
	    image_read(&st, manifest, &img, &err) < 0) {
		image_store_close(&st);
		api_error(c, err.code == ENOENT ? 404 : 500, "commit %s: image %s: %s", ctr->name + 1,
			  ctr->image, err.msg);
		return;
	}
	snprintf(store, sizeof(store), "%s", st.root);
	image_store_close(&st);
	cfg = image_commit_config(cJSON_GetObjectItem(img.config, "config"), ctr->config);
	image_free(&img);
	if (cJSON_IsObject(body)) {
		cJSON *merged = image_commit_config(cfg, body);

		cJSON_Delete(cfg);
		cfg = merged;
	}
	if (apply_changes(c->req.query, cfg, &err) < 0) {
		api_error(c, 400, "%s", err.msg);
		return;
	}
	w.name = ctr->name + 1;
	w.base = manifest;
	w.o.comment = comment;
	w.o.author = author;
	w.o.config = cfg;
	job_start(d, c, ctr, &w, key, store);
}
