/*
 * Several layers at once: each blob is fetched by a child process (fork,
 * no threads), up to a bound; the parent polls the children's pipes and
 * turns their progress lines into the caller's callback. A child writes
 * into the store as a sequential fetch would (spool in tmp/, verify,
 * rename), so the store needs no extra locking, then unpacks its layer
 * into a tmp/ directory the parent commits after one syncfs for all (see
 * pull.c). Results come back on the pipe, not as exit codes: a daemon's
 * reaper may collect the child first.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>

#include "core/image/layers.h"
#include "core/registry/blob.h"
#include "platform/fsutil.h"

#define REG_MAX_PARALLEL 8

struct slot {
	pid_t pid;
	int fd;
	size_t idx;
	char in[1024];
	size_t len;
	bool got_result;
	int code;
	bool downloaded;
	char msg[sizeof(((struct tug_err *)0)->msg)];	/* or the tmp/ name */
};

/* Child side: progress as "P status\tcur\ttotal\n" lines. */
static void child_progress(void *ctx, const struct registry_progress *p)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "P %s\t%llu\t%llu\n", p->status,
			 (unsigned long long)p->current, (unsigned long long)p->total);

	if (n > 0)
		write_all(*(int *)ctx, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
}

/* The layer of a blob just downloaded, unpacked in the pass that checks its digest. */
struct unpack_job {
	struct image_store *st;
	const struct registry_opts *o;
	const char *blob_digest, *diff_id;
	pid_t owner;
	bool ran;
	char tmp[LAYER_TMP_MAX];
};

static int unpack_checked(void *ctx, int fd, struct sha256_ctx *blob, struct tug_err *err)
{
	struct unpack_job *j = ctx;

	layer_unpack_abort(j->st, j->tmp); /* a try before the blob was fetched again */
	j->ran = true;
	reg_progress(j->o, j->blob_digest, REG_ST_EXTRACTING, 0, 0);
	return layer_unpack_fd(j->st, fd, blob, j->blob_digest, j->diff_id, j->owner, j->tmp, err);
}

/*
 * Blob d, and with img its layer unpacked into a tmp/ directory named in
 * tmp (left empty when the layer is complete already).
 */
static int fetch_layer(struct reg_session *s, struct image_store *st,
		       const struct reg_descriptor *d, const struct image *img, size_t idx,
		       pid_t owner, char tmp[LAYER_TMP_MAX], bool *dl, struct tug_err *err)
{
	struct unpack_job j = { .st = st, .o = s->opts, .owner = owner };
	int rc;

	if (!img)
		return reg_blob_fetch(s, st, d, dl, err);
	tmp[0] = '\0';
	if (layer_complete(st, img->chain_ids[idx]))
		return reg_blob_fetch(s, st, d, dl, err);
	j.blob_digest = img->layer_blobs[idx];
	j.diff_id = img->diff_ids[idx];
	rc = reg_blob_fetch_check(s, st, d, unpack_checked, &j, dl, err);
	if (rc == 0 && !j.ran) {
		/* The blob was in the store already: unpack it from there. */
		reg_progress(s->opts, d->digest, REG_ST_EXTRACTING, 0, 0);
		rc = layer_unpack(st, img->layer_blobs[idx], img->diff_ids[idx], owner, j.tmp, err);
	}
	if (rc < 0) {
		layer_unpack_abort(st, j.tmp);
		return -1;
	}
	snprintf(tmp, LAYER_TMP_MAX, "%s", j.tmp);
	reg_progress(s->opts, d->digest, REG_ST_PULL_COMPLETE, 0, 0);
	return 0;
}

static void child_run(struct reg_session *s, struct image_store *st,
		      const struct reg_descriptor *d, const struct image *img, size_t idx,
		      pid_t owner, int fd)
{
	struct registry_opts o = *s->opts;
	struct tug_err err = { 0 };
	bool dl = false;
	char line[sizeof(err.msg) + LAYER_TMP_MAX + 32], tmp[LAYER_TMP_MAX] = "";
	int n, rc;

	/* The parent's kept-alive connection is not ours to use. */
	reg_client_drop(&s->http);
	o.progress = s->opts->progress ? child_progress : NULL;
	o.progress_ctx = &fd;
	s->opts = &o;
	/* Unpack now, while the other children still download; the parent commits. */
	rc = fetch_layer(s, st, d, img, idx, owner, tmp, &dl, &err);
	if (rc < 0)
		n = snprintf(line, sizeof(line), "R %d 0 %s\n", err.code ? err.code : EIO,
			     err.msg);
	else
		n = snprintf(line, sizeof(line), "R 0 %d %s\n", dl ? 1 : 0, tmp);
	write_all(fd, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
	_exit(0);
}

static int spawn(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		 const struct image *img, size_t idx, struct slot *sl, struct tug_err *err)
{
	pid_t owner = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return tug_err_sys(err, "pipe");
	fflush(NULL);
	sl->pid = fork();
	if (sl->pid < 0) {
		close(p[0]);
		close(p[1]);
		return tug_err_sys(err, "fork");
	}
	if (sl->pid == 0) {
		close(p[0]);
		child_run(s, st, d, img, idx, owner, p[1]);
	}
	close(p[1]);
	sl->fd = p[0];
	sl->len = 0;
	sl->got_result = false;
	return 0;
}

static void handle_line(struct slot *sl, const struct reg_descriptor *d,
			const struct registry_opts *o, char *line)
{
	if (line[0] == 'P' && line[1] == ' ') {
		char *status = line + 2, *t1 = strchr(status, '\t'), *t2;

		if (!t1 || !(t2 = strchr(t1 + 1, '\t')))
			return;
		*t1 = *t2 = '\0';
		reg_progress(o, d->digest, status, strtoull(t1 + 1, NULL, 10),
			     strtoull(t2 + 1, NULL, 10));
	} else if (line[0] == 'R' && line[1] == ' ') {
		char *e;

		sl->got_result = true;
		sl->code = (int)strtol(line + 2, &e, 10);
		sl->downloaded = strtol(e, &e, 10) == 1;
		snprintf(sl->msg, sizeof(sl->msg), "%s", *e == ' ' ? e + 1 : e);
	}
}

/* Read what the child sent; returns 1 when its pipe closed. */
static int drain(struct slot *sl, const struct reg_descriptor *d, const struct registry_opts *o)
{
	ssize_t n = read(sl->fd, sl->in + sl->len, sizeof(sl->in) - 1 - sl->len);
	char *nl;

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return 1;
	sl->len += (size_t)n;
	sl->in[sl->len] = '\0';
	while ((nl = strchr(sl->in, '\n'))) {
		*nl = '\0';
		handle_line(sl, d, o, sl->in);
		sl->len -= (size_t)(nl + 1 - sl->in);
		memmove(sl->in, nl + 1, sl->len + 1);
	}
	if (sl->len == sizeof(sl->in) - 1)
		sl->len = 0; /* an overlong line: drop it */
	return 0;
}

/* A killed child's spool file and layer: tmp/blob-<pid>-*, tmp/layer-<us>-<pid>-*. */
static void remove_spool(struct image_store *st, pid_t pid)
{
	char prefix[32], layer[48];
	int fd = openat(st->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(prefix, sizeof(prefix), "blob-%d-", (int)pid);
	snprintf(layer, sizeof(layer), "layer-%d-%d-", (int)getpid(), (int)pid);
	while ((de = readdir(dir))) {
		struct tug_err ignore;

		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			unlinkat(dirfd(dir), de->d_name, 0);
		else if (!strncmp(de->d_name, layer, strlen(layer)))
			remove_tree(dirfd(dir), de->d_name, &ignore);
	}
	closedir(dir);
}

int reg_blobs_fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		    size_t n, int parallel, const struct image *img, char (*tmps)[LAYER_TMP_MAX],
		    bool *fresh, struct tug_err *err)
{
	struct slot slots[REG_MAX_PARALLEL];
	struct pollfd pfd[REG_MAX_PARALLEL];
	int pslot[REG_MAX_PARALLEL];
	size_t next = 0, running = 0;
	bool early_sync = false;
	int rc = 0;

	if (!tmps)
		img = NULL; /* unpacked layers need a place to name their directories */
	if (parallel > REG_MAX_PARALLEL)
		parallel = REG_MAX_PARALLEL;
	if (parallel <= 1 || n <= 1) {
		for (size_t i = 0; i < n; i++) {
			bool dl;

			if (fetch_layer(s, st, &d[i], img, i, getpid(), img ? tmps[i] : NULL, &dl,
					err) < 0)
				return -1;
			*fresh |= dl;
		}
		return 0;
	}
	for (int i = 0; i < parallel; i++)
		slots[i].pid = 0;
	for (;;) {
		int k = 0;

		/* Fill free slots while nothing has failed. */
		for (int i = 0; i < parallel && rc == 0 && next < n; i++) {
			if (slots[i].pid)
				continue;
			if (blob_exists(st, d[next].digest)) {
				bool dl;

				/* Quick, and checks the size: no child needed. */
				if (reg_blob_fetch(s, st, &d[next], &dl, err) < 0) {
					rc = -1;
					break;
				}
				next++;
				i--;
				continue;
			}
			slots[i].idx = next;
			if (spawn(s, st, &d[next], img, next, &slots[i], err) < 0) {
				rc = -1;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		for (int i = 0; i < parallel; i++)
			if (slots[i].pid) {
				pslot[k] = i;
				pfd[k++] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			}
		if (poll(pfd, (nfds_t)k, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = tug_err_sys(err, "poll");
			break;
		}
		/* Only pipes with something to read: a child busy unpacking is silent. */
		for (int j = 0; j < k; j++) {
			struct slot *sl = &slots[pslot[j]];

			if (!pfd[j].revents || drain(sl, &d[sl->idx], s->opts) == 0)
				continue;
			close(sl->fd);
			waitpid(sl->pid, NULL, 0);
			running--;
			if (!sl->got_result && rc == 0)
				rc = tug_err_set(err, EIO, "blob %.19s: download process died",
						 d[sl->idx].digest);
			else if (sl->code && rc == 0)
				rc = tug_err_set(err, sl->code, "%s", sl->msg);
			else if (!sl->code) {
				*fresh |= sl->downloaded;
				if (tmps)
					snprintf(tmps[sl->idx], LAYER_TMP_MAX, "%s", sl->msg);
			}
			sl->pid = 0;
			/*
			 * The last download left: write back what the others
			 * unpacked while it runs, so the pull's closing syncfs
			 * (pull.c) finds little besides that last layer. The
			 * closing one still decides; an error here shows there.
			 */
			if (tmps && rc == 0 && next >= n && running == 1 && !early_sync) {
				early_sync = true;
				syncfs(st->dirfd);
			}
		}
		if (rc < 0)
			break;
	}
	/* On failure: stop the others, remove their spool files. */
	for (int i = 0; i < parallel; i++) {
		if (!slots[i].pid)
			continue;
		kill(slots[i].pid, SIGTERM);
		close(slots[i].fd);
		waitpid(slots[i].pid, NULL, 0);
		remove_spool(st, slots[i].pid);
	}
	return rc;
}
