/* The boot manifest runner: images, then containers through the engine's API. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/http/client.h"
#include "init/api.h"
#include "core/image/image.h"
#include "core/image/load.h"
#include "core/image/store.h"
#include "core/update/slot.h"
#include "init/boot.h"
#include "init/early.h"
#include "init/slots.h"
#include "core/paths.h"
#include "platform/boottrace.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

/*
 * One inotify instance per process, kept open: closing the last reference
 * to one waits for an SRCU grace period (fsnotify_destroy_group), measured
 * at 15 ms on the boot path. Removing a watch is deferred to a kworker.
 */
static int inotify_fd(void)
{
	static int fd = -1;
	static pid_t owner;

	/* A forked child keeps the parent's (not the last reference: no wait) and makes its own. */
	if (fd < 0 || owner != getpid()) {
		fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		owner = getpid();
	}
	return fd;
}

/*
 * Wait for a listening UNIX socket without sleeping in steps: inotify tells
 * when the name appears. Between bind and listen a connect is refused; the
 * waiter, woken by the name, often runs in just that window (on one CPU a
 * wake-up preempts the binder). tugd and its keeper chmod the socket once
 * it listens: that (IN_ATTRIB) ends the wait, with a 2 ms step as a
 * fallback for a server that does not.
 */
int boot_wait_socket(const char *socket_path, int type, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long end = init_now_ms() + timeout_ms;
	int ifd = inotify_fd(), wd = -1, rc = -1;
	char dir[sizeof(sa.sun_path)], ev[1024], *slash;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
	snprintf(dir, sizeof(dir), "%s", socket_path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (ifd >= 0) {
		while (read(ifd, ev, sizeof(ev)) > 0)
			;
		wd = inotify_add_watch(ifd, slash ? dir : ".", IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
	}
	for (;;) {
		_cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		long long left;

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			rc = 0;
			break;
		}
		left = end - init_now_ms();
		if (left <= 0)
			break;
		if (wd >= 0) {
			struct pollfd p = { .fd = ifd, .events = POLLIN };

			if (errno != ENOENT && left > 2)
				left = 2;
			if (poll(&p, 1, (int)left) > 0)
				while (read(ifd, ev, sizeof(ev)) > 0)
					;
		} else {
			usleep(500);
		}
	}
	if (wd >= 0)
		inotify_rm_watch(ifd, wd);
	return rc;
}

int boot_wait_api(const char *socket_path, int timeout_ms)
{
	return boot_wait_socket(socket_path, SOCK_STREAM, timeout_ms);
}

/* Already in the store under ref? Then a boot need not load it again. */
static bool image_present(struct image_store *st, const char *ref)
{
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN];
	struct tug_err err;

	return ref && refs_read(st, &refs, &err) == 0 &&
	       image_resolve(st, refs, ref, digest, &err) == 0;
}

static int load_images(const struct manifest *m, struct tug_err *err)
{
	struct image_store st;
	_cleanup_fclose_ FILE *quiet = NULL;
	int rc = 0;

	if (!m->nimages)
		return 0;
	if (image_store_open(&st, err) < 0)
		return tug_err_wrap(err, "image store");
	quiet = fopen("/dev/null", "we");
	for (size_t i = 0; i < m->nimages; i++) {
		const struct manifest_image *im = &m->images[i];
		_cleanup_close_ int fd = -1;
		long long t0 = init_now_us();

		if (image_present(&st, im->ref))
			continue;
		if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
			tug_err_unsupported(err, CONFIG_IMAGE_ARCHIVE);
			init_report(err);
			rc = -1;
			continue;
		}
		fd = open(im->archive, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || image_load(&st, fd, quiet ? quiet : stdout, err) < 0) {
			if (fd < 0)
				tug_err_sys(err, "open %s", im->archive);
			tug_err_wrap(err, "load %s", im->archive);
			init_report(err);
			rc = -1;
			continue;
		}
		init_say("boot: loaded %s in %lld ms", im->archive, (init_now_us() - t0) / 1000);
	}
	image_store_close(&st);
	return rc;
}

/* The manifest's images, loaded (when missing) once; a failure counts once. */
static void load_images_once(const struct manifest *m, bool *done, int *failed)
{
	struct tug_err err;
	long long t0 = init_now_us();

	if (*done)
		return;
	*done = true;
	if (load_images(m, &err) < 0)
		(*failed)++;
	boot_trace("runner: images checked");
	if (m->nimages)
		init_say("boot: images checked in %.1f ms", (double)(init_now_us() - t0) / 1000.0);
}

/* One request on its own connection. Returns the status, or -1. */
static int api_call(const char *sock, const char *method, const char *target, const cJSON *body,
		    struct buf *out, struct tug_err *err)
{
	struct http_client c;
	_cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	int status;

	if (client_open(&c, sock, err) < 0)
		return -1;
	status = http_client_do(&c, method, target, text, out, err);
	http_client_close(&c);
	return status;
}

static const char *api_message(struct buf *b)
{
	static char msg[256];
	_cleanup_json_ cJSON *j = cJSON_Parse(buf_size(b) ? buf_head(b) : "{}");
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, "message"));

	snprintf(msg, sizeof(msg), "%s", s ? s : (buf_size(b) ? buf_head(b) : "no message"));
	return msg;
}

/*
 * Create (or find from an earlier boot: 409) and start. Returns 0 when the
 * container runs.
 */
static int start_container(const char *sock, const struct manifest_container *c,
			   long long *created_us, struct tug_err *err)
{
	_cleanup_json_ cJSON *body = manifest_create_body(c, err);
	char target[300];
	struct buf out = { 0 };
	int status;

	if (!body)
		return -1;
	snprintf(target, sizeof(target), "/containers/create?name=%s", c->name);
	status = api_call(sock, "POST", target, body, &out, err);
	if (status != 201 && status != 409) {
		/* ENOENT for 404: the image is not in the store (yet). */
		if (status > 0)
			tug_err_set(err, status == 404 ? ENOENT : EIO, "create: %d %s", status,
				    api_message(&out));
		buf_free(&out);
		return tug_err_wrap(err, "container %s", c->name);
	}
	*created_us = init_now_us();
	boot_trace("runner: created");
	out.len = out.off = 0;
	snprintf(target, sizeof(target), "/containers/%s/start", c->name);
	status = api_call(sock, "POST", target, NULL, &out, err);
	if (status != 204 && status != 304) {
		if (status > 0)
			tug_err_set(err, EIO, "start: %d %s", status, api_message(&out));
		buf_free(&out);
		return tug_err_wrap(err, "container %s", c->name);
	}
	buf_free(&out);
	boot_trace("runner: started");
	return 0;
}

struct console_copy {
	const char *name;
	char hdr[8];
	size_t hdr_len;		/* bytes of the current frame header seen */
	size_t left;		/* payload bytes left in the current frame */
	bool line_start;
};

/* Docker's multiplexed frames: 8-byte header (stream, 0, 0, 0, size BE32). */
static void console_sink(void *ctx, const char *data, size_t len)
{
	struct console_copy *cc = ctx;

	while (len) {
		if (cc->hdr_len < 8) {
			size_t n = 8 - cc->hdr_len < len ? 8 - cc->hdr_len : len;

			memcpy(cc->hdr + cc->hdr_len, data, n);
			cc->hdr_len += n;
			data += n;
			len -= n;
			if (cc->hdr_len == 8)
				cc->left = (size_t)(unsigned char)cc->hdr[4] << 24 |
					   (size_t)(unsigned char)cc->hdr[5] << 16 |
					   (size_t)(unsigned char)cc->hdr[6] << 8 |
					   (unsigned char)cc->hdr[7];
			continue;
		}
		while (len && cc->left) {
			const char *nl = memchr(data, '\n', len < cc->left ? len : cc->left);
			size_t n = nl ? (size_t)(nl - data) + 1 : (len < cc->left ? len : cc->left);

			if (cc->line_start)
				dprintf(STDOUT_FILENO, "[%s] ", cc->name);
			(void)!write(STDOUT_FILENO, data, n);
			cc->line_start = nl != NULL;
			data += n;
			len -= n;
			cc->left -= n;
		}
		if (!cc->left)
			cc->hdr_len = 0;
	}
}

/* A child that follows one container's log onto the console, forever. */
static void console_follow(const char *sock, const char *name)
{
	struct console_copy cc = { .name = name, .line_start = true };
	struct http_response r;
	struct http_client c;
	struct tug_err err;
	char target[300];
	pid_t pid = fork();

	if (pid != 0)
		return;
	prctl(PR_SET_NAME, "tug-console");
	snprintf(target, sizeof(target), "/containers/%s/logs?follow=1&stdout=1&stderr=1", name);
	if (client_open(&c, sock, &err) < 0 ||
	    http_client_send(&c, "GET", target, NULL, NULL, 0, &err) < 0 ||
	    http_client_read_head(&c, &r, &err) < 0) {
		init_report(&err);
		_exit(1);
	}
	if (http_client_read_body(&c, &r, console_sink, &cc, &err) < 0)
		_exit(1);
	_exit(0);
}

/*
 * The loader child of PID 1 holds the write end of this pipe until every
 * manifest module is in: EOF means done.
 */
static void wait_modules(int *fd)
{
	char c;

	if (*fd < 0)
		return;
	while (read(*fd, &c, 1) > 0 || errno == EINTR)
		;
	close(*fd);
	*fd = -1;
}

/* Only overlay (loaded before the engine) is sure: networks need veth and bridge. */
static bool needs_all_modules(const struct manifest_container *c)
{
	const char *net = cJSON_GetStringValue(cJSON_GetObjectItem(c->json, "network"));

	return !net || (strcmp(net, "none") && strcmp(net, "host"));
}

static double ms_since(long long t, long long start)
{
	return (double)(t - start) / 1000.0;
}

/* Closing the last write end lets the module loader begin. */
static void release_modules(int *go_fd)
{
	if (*go_fd >= 0)
		close(*go_fd);
	*go_fd = -1;
}

#define KERNEL_MODPROBE "/proc/sys/kernel/modprobe"

static int write_text(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	return fd < 0 ? -1 : write_all(fd, text, strlen(text));
}

/*
 * A read-only first container starts before any module is loaded: its
 * rootfs is a read-only bind of its image's one layer. When it needs
 * overlayfs after all (more layers, or a mount point its layer lacks),
 * the mount would fail and the start be retried once the loader is done.
 * While it starts, the kernel's module helper is therefore this binary's
 * `modprobe` face (init/modules.c, by a link in the run directory): the
 * mount waits in the kernel until overlay is loaded and goes on. Returns
 * true with the helper to put back in saved.
 */
static bool modprobe_hook(char *saved, size_t size)
{
	char self[256], link[300];
	struct tug_err err;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || read_small_file(KERNEL_MODPROBE, saved, size, &err) < 0)
		return false;
	self[n] = '\0';
	snprintf(link, sizeof(link), "%s/modprobe", tug_run_dir());
	unlink(link);
	if (symlink(self, link) < 0 || write_text(KERNEL_MODPROBE, link) < 0) {
		unlink(link);
		return false;
	}
	return true;
}

static void modprobe_unhook(const char *saved)
{
	char link[300];

	write_text(KERNEL_MODPROBE, saved);
	snprintf(link, sizeof(link), "%s/modprobe", tug_run_dir());
	unlink(link);
}

/* One look at a manifest container through inspect. */
static void trial_look(const char *sock, struct slot_ctr_seen *seen, char started[][40],
		       long long *since, char health[][16])
{
	char target[300];
	struct buf out = { 0 };
	struct tug_err err;
	int status;
	_cleanup_json_ cJSON *j = NULL;
	const cJSON *st;
	const char *at, *h;

	snprintf(target, sizeof(target), "/containers/%s/json", seen->name);
	status = api_call(sock, "GET", target, NULL, &out, &err);
	if (status == 200)
		j = cJSON_ParseWithLength(buf_head(&out), buf_size(&out));
	buf_free(&out);
	if (status != 200 && status != 404)
		return; /* the engine is busy or restarting: look again */
	seen->found = j != NULL;
	st = cJSON_GetObjectItem(j, "State");
	seen->running = cJSON_IsTrue(cJSON_GetObjectItem(st, "Running"));
	seen->exit_code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "ExitCode"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(st, "Restarting")))
		seen->restarted = true;
	h = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "Health"), "Status"));
	snprintf(*health, sizeof(*health), "%s", h ? h : "");
	seen->health = h ? *health : NULL;
	at = cJSON_GetStringValue(cJSON_GetObjectItem(st, "StartedAt"));
	if (!seen->running || !at)
		return;
	if (!**started) {
		snprintf(*started, sizeof(*started), "%s", at);
		*since = init_now_us();
	} else if (strcmp(*started, at)) {
		seen->restarted = true;
	}
	seen->up_ms = (init_now_us() - *since) / 1000;
}

/*
 * A trial boot commits only when its containers proved themselves
 * (slot_health_judge): wait for that, at most until the trial's deadline.
 * Returns 0 when proved (or this is no trial), -1 when not.
 */
static int trial_wait(const struct manifest *m, const char *sock, long long init_start_us)
{
	const char *slot = getenv("TUG_SLOT");
	struct slot_ctr_seen seen[MANIFEST_MAX_CONTAINERS] = { 0 };
	char started[MANIFEST_MAX_CONTAINERS][40] = { { 0 } }, health[MANIFEST_MAX_CONTAINERS][16];
	long long since[MANIFEST_MAX_CONTAINERS] = { 0 }, t0 = init_now_us(), deadline_us;
	struct slot_state st;
	struct tug_err err;
	char dir[512], why[256];
	enum slot_health r;

	if (!slot || !*slot || !init_slot_trial_pending(slot[0]) || !m->ncontainers)
		return 0;
	slot_dir(dir, sizeof(dir));
	if (slot_state_read(dir, &st, &err) < 0)
		return 0;
	deadline_us = init_start_us + (long long)st.trial.deadline_s * 1000000;
	init_say("slots: trial of slot %c: waiting for the containers to prove healthy", slot[0]);
	for (;;) {
		for (size_t i = 0; i < m->ncontainers; i++) {
			seen[i].name = m->containers[i].name;
			seen[i].found = true;
			trial_look(sock, &seen[i], &started[i], &since[i], &health[i]);
		}
		r = slot_health_judge(seen, m->ncontainers, SLOT_STABLE_MS, why, sizeof(why));
		if (r != SLOT_HEALTH_WAIT)
			break;
		if (init_now_us() >= deadline_us) {
			init_say("slots: trial of slot %c: not proved by its deadline (%s)", slot[0], why);
			return -1;
		}
		poll(NULL, 0, 200);
	}
	if (r == SLOT_HEALTH_FAIL) {
		init_say("slots: trial of slot %c: not committing: %s", slot[0], why);
		return -1;
	}
	init_say("slots: trial of slot %c: %zu containers proved themselves in %lld ms", slot[0],
		 m->ncontainers, (init_now_us() - t0) / 1000);
	return 0;
}

int boot_run(const struct manifest *m, const char *sock, long long init_start_us, int modules_fd,
	     int go_fd)
{
	struct tug_err err;
	int failed = 0;
	bool images = false, hooked = false;
	long long first = 0, created = 0, api;
	char helper[256];

	prctl(PR_SET_NAME, "tug-boot");
	boot_trace("runner: main");
	if (boot_wait_api(sock, 30000) < 0) {
		release_modules(&go_fd);
		init_say("boot: the engine's API (%s) did not answer within 30 s", sock);
		return 1;
	}
	api = init_now_us();
	boot_trace("runner: API answers");
	init_say("boot: engine API up at %.1f ms after /init", ms_since(api, init_start_us));
	for (size_t k = 0; k < m->ncontainers; k++) {
		const struct manifest_container *c = &m->containers[m->order[k]];
		int r;

		/* The first container goes as soon as it can; the rest wait for every module. */
		if (first || needs_all_modules(c)) {
			release_modules(&go_fd);
			wait_modules(&modules_fd);
		}
		/*
		 * The first container is created before the images are looked
		 * at: the store normally has them (tools/mkimage.sh preloads
		 * it), and a look on the way costs what the engine's start-up
		 * needs the CPU for. The engine answers 404 when one is missing.
		 */
		if (k)
			load_images_once(m, &images, &failed);
		hooked = !k && c->read_only && modprobe_hook(helper, sizeof(helper));
		r = start_container(sock, c, &created, &err);
		if (r < 0 && err.code == ENOENT && !images) {
			load_images_once(m, &images, &failed);
			r = start_container(sock, c, &created, &err);
		}
		if (hooked)
			modprobe_unhook(helper);
		hooked = false;
		if (r < 0 && modules_fd >= 0) {
			/* Maybe a module it needs (squashfs, loop) was still loading. */
			init_report(&err);
			release_modules(&go_fd);
			wait_modules(&modules_fd);
			r = start_container(sock, c, &created, &err);
		}
		release_modules(&go_fd);
		if (r < 0) {
			init_report(&err);
			failed++;
			continue;
		}
		if (!first) {
			first = init_now_us();
			init_say("boot: first container (%s) created at %.1f ms, started %.1f ms after /init",
				 c->name, ms_since(created, init_start_us), ms_since(first, init_start_us));
			/* CLOCK_MONOTONIC starts with the kernel's timekeeping. */
			init_say("boot: kernel hand-off to /init %.1f ms, /init to first container exec %.1f ms",
				 ms_since(init_start_us, 0), ms_since(first, init_start_us));
		}
		/* The log endpoint replays from the start: nothing is missed. */
		if (c->console)
			console_follow(sock, c->name);
	}
	load_images_once(m, &images, &failed);
	release_modules(&go_fd);
	wait_modules(&modules_fd);
	init_say("boot: %zu of %zu containers started, %lld ms after /init",
		 m->ncontainers - (size_t)failed, m->ncontainers, (init_now_us() - init_start_us) / 1000);
	if (!failed && trial_wait(m, sock, init_start_us) < 0)
		return BOOT_TRIAL_NOT_PROVED;
	return failed ? 1 : 0;
}

/*
 * Shutdown, first step: every running container stopped the way `docker
 * stop -t N` does (tugd sends the stop signal, SIGKILL after N s, records
 * the exit and restarts nothing). All stops are sent at once, one
 * connection each, and then waited for: the whole takes about the slowest
 * one, not the sum.
 */
int boot_stop_containers(const char *sock, int timeout_s)
{
	struct buf out = { 0 };
	struct tug_err err;
	_cleanup_json_ cJSON *list = NULL;
	const cJSON *ctr;
	struct {
		struct http_client c;
		char name[128];
		bool sent;
	} *stops = NULL;
	size_t n = 0, ok = 0;
	long long t0 = init_now_us();
	int status;

	prctl(PR_SET_NAME, "tug-stop");
	status = api_call(sock, "GET", "/containers/json", NULL, &out, &err);
	if (status != 200) {
		if (status > 0)
			tug_err_set(&err, EIO, "list: %d %s", status, api_message(&out));
		tug_err_wrap(&err, "shutdown: the engine");
		init_report(&err);
		buf_free(&out);
		return 1;
	}
	list = cJSON_Parse(buf_size(&out) ? buf_head(&out) : "[]");
	buf_free(&out);
	stops = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*stops));
	if (!stops)
		return 1;
	cJSON_ArrayForEach(ctr, list) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(ctr, "Id"));
		const char *name = cJSON_GetStringValue(
			cJSON_GetArrayItem(cJSON_GetObjectItem(ctr, "Names"), 0));
		char target[200];

		if (!id)
			continue;
		snprintf(stops[n].name, sizeof(stops[n].name), "%s",
			 name ? name + (name[0] == '/') : id);
		snprintf(target, sizeof(target), "/containers/%s/stop?t=%d", id, timeout_s);
		if (client_open(&stops[n].c, sock, &err) < 0 ||
		    http_client_send(&stops[n].c, "POST", target, NULL, NULL, 0, &err) < 0) {
			tug_err_wrap(&err, "shutdown: stop %s", stops[n].name);
			init_report(&err);
			continue;
		}
		stops[n++].sent = true;
	}
	for (size_t i = 0; i < n; i++) {
		struct http_response r = { 0 };

		if (http_client_read_head(&stops[i].c, &r, &err) < 0) {
			tug_err_wrap(&err, "shutdown: stop %s", stops[i].name);
			init_report(&err);
		} else if (r.status != 204 && r.status != 304) {
			init_say("shutdown: stop %s: status %d", stops[i].name, r.status);
		} else {
			init_say("shutdown: container %s stopped (%.0f ms)", stops[i].name,
				 ms_since(init_now_us(), t0));
			ok++;
		}
		http_response_free(&r);
		http_client_close(&stops[i].c);
	}
	free(stops);
	init_say("shutdown: %zu of %zu running containers stopped through the engine in %.0f ms", ok,
		 n, ms_since(init_now_us(), t0));
	return ok == n ? 0 : 1;
}
