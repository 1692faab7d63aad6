/*
 * Start, stop, kill, pause, remove, and what happens when a container's
 * process ends: restart with backoff, AutoRemove, waking waiters.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/daemon/daemon.h"
#include "core/daemon/netvol.h"
#include "core/daemon/health.h"
#include "core/daemon/logfile.h"
#include "core/image/store.h"
#include "core/oci/runtime.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/fsutil.h"
#include "platform/boottrace.h"
#include "platform/pidfd.h"
#include "platform/process.h"

static bool pid_in_ctr_cgroup(const struct container *c);
static void orphan_tty_drain(struct container *c);

static int send_signal(struct daemon *d, struct container *c, int sig)
{
	int rc;

	if (c->pidfd >= 0)
		return pidfd_signal(c->pidfd, sig);
	if (c->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	/* No keeper holds it: the pid, as long as it is the same process. */
	if (c->keeper_lost) {
		if (process_alive(c->pid, c->pid_start))
			return kill(c->pid, sig);
		errno = ESRCH;
		return -1;
	}
	/*
	 * No pidfd (Linux < 5.3): not kill(c->pid), which may name another
	 * process once the keeper reaped ours; the keeper, the parent, signals
	 * only a run it has not reaped.
	 */
	rc = keeper_kill(d, c->id, c->pid, sig);
	if (rc <= 0)
		return rc;
	/* The keeper does not hold it (it died): adopted by its cgroup, see ctr_adopt. */
	if (pid_in_ctr_cgroup(c))
		return kill(c->pid, sig);
	errno = ESRCH;
	return -1;
}

bool ctr_is_running(const struct container *c)
{
	return c->state == CS_RUNNING || c->state == CS_PAUSED;
}

/*
 * Watch c->pid's exit; false when it is gone already. Without pidfds
 * (Linux < 5.3) the keeper's exit message (keeper_notified) is the only
 * watch, and kill(pid, 0) says whether it runs.
 */
static bool watch_pid(struct daemon *d, struct container *c)
{
	c->pidfd = pidfd_open_pid(c->pid);
	if (c->pidfd >= 0) {
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
		loop_watch(d, c->pidfd, 0x001, W_CTR_PIDFD, c);
		return true;
	}
	return !pidfd_supported() && c->pid > 0 && kill(c->pid, 0) == 0;
}

int ctr_start(struct daemon *d, struct container *c, struct tug_err *err)
{
	char bundle[600];
	int stdin_fd = -1;
	pid_t pid;

	boot_trace("tugd: start");
	if (bundle_prepare(d, c, bundle, sizeof(bundle), err) || ctr_net_up(d, c, err))
		goto fail;
	boot_trace("tugd: bundle, net up");
	if (keeper_spawn(d, c, bundle, &pid, &stdin_fd, err)) {
		tug_err_wrap(err, "OCI runtime create failed");
		ctr_net_down(d, c);
		goto fail;
	}
	boot_trace("tugd: keeper spawned");
	c->pid = pid;
	c->stdin_fd = stdin_fd;
	c->exit_code = 0;
	c->error[0] = '\0';
	c->exit_pending = false;
	c->oom_killed = false;
	c->keeper_lost = false;
	c->kill_at_ms = 0;
	c->started_ms = mono_ms();
	rfc3339_now(c->started_at);
	watch_pid(d, c);
	ctr_transition(d, c, CE_START);
	health_on_start(d, c);
	event_emit_ctr(d, c, "start", NULL, NULL);
	api_container_started(d, c);
	boot_trace("tugd: start done");
	return 0;
fail:
	snprintf(c->error, sizeof(c->error), "%s", err->msg);
	c->exit_code = strstr(err->msg, "not found") || strstr(err->msg, "No such file") ? 127
		       : strstr(err->msg, "ermission denied") ? 126 : 128;
	if (c->state == CS_RESTARTING)
		ctr_transition(d, c, CE_EXIT);
	ctr_save(d, c);
	return -1;
}

void ctr_release(struct daemon *d, struct container *c)
{
	if (c->orphan_log) {
		log_writer_close(c->orphan_log);
		free(c->orphan_log);
		c->orphan_log = NULL;
	}
	if (c->pidfd >= 0) {
		loop_unwatch(d, c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->stdin_fd >= 0) {
		close(c->stdin_fd);
		c->stdin_fd = -1;
	}
}

/*
 * Docker's StdinOnce: the attached client's input ended, so the container's
 * stdin ends. The keeper holds a copy of the pipe: it is asked to drop it
 * first, then ours goes; a tugd killed in between loses its copy anyway.
 * A pty stays open (the shell sees no EOF from it, as with Docker).
 */
void ctr_close_stdin(struct daemon *d, struct container *c)
{
	if (c->stdin_fd < 0 || c->tty)
		return;
	keeper_close_stdin(d, c);
	close(c->stdin_fd);
	c->stdin_fd = -1;
}

/* memory.events' oom_kill, read before the runtime removes the cgroup (Docker's OOMKilled). */
static bool oom_killed(struct daemon *d, struct container *c)
{
	struct oci_state st;
	struct cgroup_stats cs = { 0 };
	struct tug_err err;

	if (oci_state_load(d->oci_root, c->id, &st, &err) < 0)
		return false;
	if (st.cgroup[0])
		cgroup_stats(st.cgroup, &cs, &err);
	oci_state_free(&st);
	return cs.oom_killed;
}

/*
 * The exit code is known: answer the waiters (wait streams, attach, the
 * die event) first, then do the bookkeeping that fsyncs. The keeper's exit
 * record stays until keeper_forget(), so a tugd killed in between collects
 * the same code again on its next start (ctr_adopt). Waiters that start the
 * container again (wait condition "restart") are answered only after the
 * runtime state and the network are torn down.
 */
void ctr_exited(struct daemon *d, struct container *c, int code, const char *finished)
{
	char codes[16];
	bool again, auto_rm;
	int next;

	ctr_release(d, c);
	c->exit_code = code;
	c->exit_pending = false;
	c->keeper_lost = false;
	c->kill_at_ms = 0;
	c->pid = 0;
	if (finished && *finished)
		snprintf(c->finished_at, sizeof(c->finished_at), "%s", finished);
	else
		rfc3339_now(c->finished_at);
	c->oom_killed = oom_killed(d, c);
	if (c->oom_killed)
		event_emit_ctr(d, c, "oom", NULL, NULL);
	again = !c->removing && restart_wanted(&c->policy, code, c->restart_count, c->stopped_by_user);
	auto_rm = !again && c->auto_remove && !c->removing;
	snprintf(codes, sizeof(codes), "%d", code);
	if (again) {
		c->backoff_ms = restart_next_delay(c->backoff_ms, mono_ms() - c->started_ms);
		c->restart_at_ms = mono_ms() + c->backoff_ms;
	}
	/* The new state in memory only; saved below, after the waiters. */
	next = ctr_state_next(c->state, again ? CE_EXIT_RESTART : CE_EXIT);
	if (next >= 0) {
		fprintf(stderr, "tugd: container %.12s: %s -> %s (%s)\n", c->id,
			ctr_state_name(c->state), ctr_state_name((enum ctr_state)next),
			ctr_event_name(again ? CE_EXIT_RESTART : CE_EXIT));
		c->state = (enum ctr_state)next;
	}
	event_emit_ctr(d, c, "die", "exitCode", codes);
	if (auto_rm)
		c->removing = true; /* "removed" waiters: nothing can stop the removal now */
	api_container_exit_early(d, c);
	if (auto_rm) {
		struct tug_err err;

		/* A commit still reads its upper dir: it removes it when done. */
		if (api_commit_holds(c))
			return;
		/* ctr_remove tears down the runtime state and the network itself. */
		if (ctr_remove(d, c, true, &err))
			tug_err_print(&err);
		return;
	}
	oci_runtime_delete(d->oci_root, c->id, true, NULL);
	ctr_net_down(d, c);
	ctr_save(d, c);
	api_container_exited(d, c);
}

/*
 * The keeper that held c died, so no exit record comes (docs/daemon.md,
 * "When the keeper dies"). When tugd is the orphan's parent now (it is the
 * keeper's subreaper) it reaps it and knows the real code; otherwise the
 * code is lost, and tugd says so as Docker does for a lost shim: 255.
 */
static void ctr_orphan_exited(struct daemon *d, struct container *c)
{
	siginfo_t si = { 0 };
	char fin[40];
	int code;
	pid_t pid;
	struct tug_err err;

	orphan_tty_drain(c);
	/* A record the old keeper wrote before it died. */
	if (!keeper_query(d, c->id, &pid, &code, fin, &err) && (pid <= 0 || pid == c->pid)) {
		ctr_exited(d, c, code, fin);
		return;
	}
	if (c->pid > 0 && !waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG) &&
	    si.si_pid == c->pid) {
		code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
		fprintf(stderr,
			"tugd: container %.12s exited (%d) after its keeper died; reaped by tugd\n",
			c->id, code);
		ctr_exited(d, c, code, NULL);
		return;
	}
	fprintf(stderr, "tugd: container %.12s ended after its keeper died: exit status unknown\n",
		c->id);
	snprintf(c->error, sizeof(c->error), "keeper lost: exit status unknown");
	ctr_exited(d, c, 255, NULL);
}

/* Whether an orphan (keeper_lost) has ended: its pidfd, else its pid and start time. */
static bool orphan_ended(struct container *c)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

	if (c->exit_pending)
		return true;
	if (c->pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return !process_alive(c->pid, c->pid_start);
}

/*
 * The old keeper held the output's read end: what the container writes from
 * now on is lost, and its log says so. A pty master is also ours (the stdin
 * copy): tugd reads it on the tick (orphan_tty_drain), or a full pty
 * buffer would block the container's next write for good.
 */
static void mark_keeper_lost(struct daemon *d, struct container *c)
{
	struct log_writer *w = calloc(1, sizeof(*w));
	struct tug_err err;

	c->keeper_lost = true;
	c->pid_start = process_start_time(c->pid);
	/* Gone (and reaped) already: nothing left to watch. */
	if (!c->pid_start && c->pidfd < 0)
		c->exit_pending = true;
	if (!w ||
	    log_writer_open(w, c->log_path, d->cfg.log_max_size, d->cfg.log_max_files, &err)) {
		free(w);
		return;
	}
	if (c->tty && c->stdin_fd >= 0) {
		log_writer_note(w, "tug: the keeper died: tugd logs this tty from here on");
		fcntl(c->stdin_fd, F_SETFL, fcntl(c->stdin_fd, F_GETFL) | O_NONBLOCK);
		c->orphan_log = w;
		return;
	}
	log_writer_note(w, "tug: the keeper that held this container's output died: "
			   "its output is lost until it starts again");
	log_writer_close(w);
	free(w);
}

static void orphan_tty_drain(struct container *c)
{
	char buf[16384];
	ssize_t n;

	/* At most 256 KB a tick: the loop serves others meanwhile. */
	for (int i = 0; c->orphan_log && c->stdin_fd >= 0 && i < 16; i++) {
		n = read(c->stdin_fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		log_writer_write(c->orphan_log, 1, buf, (size_t)n);
	}
}

void ctr_keeper_lost(struct daemon *d)
{
	for (struct container *c = d->containers; c; c = c->next) {
		if (!ctr_is_running(c) || c->pid <= 0 || c->keeper_lost)
			continue;
		mark_keeper_lost(d, c);
		fprintf(stderr, "tugd: container %.12s (pid %d): keeper died, tugd watches it\n",
			c->id, (int)c->pid);
	}
}

void ctr_reap_orphans(struct daemon *d)
{
	for (;;) {
		siginfo_t si = { 0 };
		struct container *c;
		struct exec_inst *e;

		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid <= 0)
			return;
		for (e = d->execs; e && !(e->running && e->pid == si.si_pid); e = e->next)
			;
		if (e)
			return; /* exec.c reaps it, with its code; the next tick sees the rest */
		for (c = d->containers; c; c = c->next)
			if (ctr_is_running(c) && c->pid == si.si_pid)
				break;
		/* Ours to reap: its keeper died (maybe not seen on the socket yet). */
		if (c) {
			c->keeper_lost = true;
			ctr_orphan_exited(d, c);
			continue;
		}
		/* A dead keeper, or a helper's detached grandchild (export, rm's unlink). */
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

void ctr_pidfd_ready(struct daemon *d, struct container *c)
{
	char fin[40];
	int code;
	pid_t pid;
	struct tug_err err;

	loop_unwatch(d, c->pidfd);
	c->exit_pending = true;
	if (!keeper_query(d, c->id, &pid, &code, fin, &err))
		ctr_exited(d, c, code, fin);
	else if (c->keeper_lost)
		ctr_orphan_exited(d, c);
	/* else the keeper's message (or the tick) brings the code */
}

int ctr_kill(struct daemon *d, struct container *c, int sig, struct tug_err *err)
{
	if (!ctr_is_running(c))
		return tug_err_set(err, EINVAL, "Container %s is not running", c->id);
	c->stopped_by_user = true;
	if (c->state == CS_PAUSED && (sig == SIGKILL || sig == SIGTERM))
		oci_runtime_resume(d->oci_root, c->id, NULL);
	if (send_signal(d, c, sig))
		return tug_err_sys(err, "Cannot kill container %s", c->id);
	{
		char s[16];

		snprintf(s, sizeof(s), "%d", sig);
		event_emit_ctr(d, c, "kill", "signal", s);
	}
	return 0;
}

int ctr_stop(struct daemon *d, struct container *c, int timeout_s, int sig, struct tug_err *err)
{
	c->stopped_by_user = true;
	if (c->state == CS_RESTARTING) {
		ctr_transition(d, c, CE_STOP);
		return 1; /* already stopped */
	}
	if (!ctr_is_running(c))
		return 1;
	if (timeout_s < 0)
		timeout_s = 10;
	if (ctr_kill(d, c, sig > 0 ? sig : SIGTERM, err))
		return -1;
	c->kill_at_ms = mono_ms() + (uint64_t)timeout_s * 1000;
	if (!timeout_s)
		send_signal(d, c, SIGKILL);
	return 0;
}

int ctr_pause(struct daemon *d, struct container *c, bool pause, struct tug_err *err)
{
	if (ctr_state_next(c->state, pause ? CE_PAUSE : CE_UNPAUSE) < 0)
		return tug_err_set(err, EINVAL, "Container %s is %s", c->id,
				   pause ? (c->state == CS_PAUSED ? "already paused" : "not running")
					 : "not paused");
	if ((pause ? oci_runtime_pause : oci_runtime_resume)(d->oci_root, c->id, err))
		return tug_err_wrap(err, "%s %s", pause ? "pause" : "unpause", c->id);
	ctr_transition(d, c, pause ? CE_PAUSE : CE_UNPAUSE);
	event_emit_ctr(d, c, pause ? "pause" : "unpause", NULL, NULL);
	return 0;
}

int ctr_remove(struct daemon *d, struct container *c, bool force, struct tug_err *err)
{
	char dir[600], rootfs[700], netns[700];
	const char *mounts[] = { rootfs, netns, NULL };
	struct tug_err e2;

	if (ctr_is_running(c) || c->state == CS_RESTARTING) {
		if (!force)
			return tug_err_set(err, EBUSY,
					   "You cannot remove a %s container %s. Stop the container before attempting removal or force remove",
					   ctr_state_name(c->state), c->id);
		c->removing = true;
		if (c->state == CS_RESTARTING) {
			ctr_transition(d, c, CE_STOP);
		} else {
			c->stopped_by_user = true;
			if (c->state == CS_PAUSED)
				oci_runtime_resume(d->oci_root, c->id, NULL);
			send_signal(d, c, SIGKILL);
			/* No keeper to record it: reap the exec processes until it is gone. */
			for (int i = 0; c->keeper_lost && i < 250; i++) {
				if (orphan_ended(c)) {
					ctr_orphan_exited(d, c);
					break;
				}
				exec_reap_ctr(d, c);
				poll(NULL, 0, 20);
			}
			/* SIGKILL is quick; the keeper still has to drain and record. */
			if (ctr_is_running(c))
				exec_wait_ctr_exit(d, c, 5000);
			for (int i = 0; ctr_is_running(c) && i < 100; i++) {
				char fin[40];
				int code;
				pid_t pid;

				if (!keeper_query(d, c->id, &pid, &code, fin, &e2)) {
					ctr_exited(d, c, code, fin);
					break;
				}
				poll(NULL, 0, 20);
			}
			if (ctr_is_running(c))
				ctr_exited(d, c, 137, NULL);
		}
	}
	c->removing = true;
	ctr_release(d, c);
	oci_runtime_delete(d->oci_root, c->id, true, NULL);
	ctr_net_down_defer(d, c, netns, sizeof(netns));
	if (!*netns)
		mounts[1] = NULL;
	ctr_volumes_remove(d, c, c->auto_remove);
	bundle_release(d, c);
	keeper_forget(d, c->id);
	{
		struct image_store st;

		if (!image_store_open(&st, &e2)) {
			ctr_volatile_begin(c);
			image_lease_remove(&st, c->id, &e2);
			ctr_volatile_end(c);
			image_store_close(&st);
		}
	}
	ctr_transition(d, c, CE_REMOVE);
	ctr_dir(d, c, dir, sizeof(dir));
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	/*
	 * Unlinking its files takes 1-30 ms of journal waits, and each unmount
	 * (rootfs, netns) an RCU grace period, 0.2-30 ms under load: not on
	 * the loop, where the next client waits.
	 */
	if (remove_tree_detached_mounts(dir, mounts, &e2))
		tug_err_print(&e2);
	event_emit_ctr(d, c, "destroy", NULL, NULL);
	for (struct container **pp = &d->containers; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	api_container_removed(d, c);
	for (struct exec_inst *e = d->execs; e; e = e->next)
		if (e->ctr == c)
			e->ctr = NULL;
	ctr_free(c);
	return 0;
}

void ctr_tick(struct daemon *d)
{
	uint64_t now = mono_ms();
	struct container *next;

	ctr_reap_orphans(d);
	for (struct container *c = d->containers; c; c = next) {
		next = c->next;
		if (c->orphan_log)
			orphan_tty_drain(c);
		if (c->state == CS_RESTARTING && now >= c->restart_at_ms) {
			struct tug_err err;

			c->restart_count++;
			event_emit_ctr(d, c, "restart", NULL, NULL);
			if (ctr_start(d, c, &err))
				tug_err_print(&err);
		} else if (ctr_is_running(c) && c->kill_at_ms && now >= c->kill_at_ms) {
			c->kill_at_ms = 0;
			send_signal(d, c, SIGKILL);
		} else if (ctr_is_running(c) && c->keeper_lost && orphan_ended(c)) {
			ctr_orphan_exited(d, c);
		} else if (ctr_is_running(c) && c->exit_pending) {
			char fin[40];
			int code;
			pid_t pid;
			struct tug_err err;

			if (!keeper_query(d, c->id, &pid, &code, fin, &err))
				ctr_exited(d, c, code, fin);
		}
	}
}

/* Whether c->pid runs in the container's cgroup (/tug/<id>): it is that container's. */
static bool pid_in_ctr_cgroup(const struct container *c)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, c->id) != NULL;
}

/* After a restart of tugd: find out what became of each container meanwhile. */
void ctr_adopt(struct daemon *d, struct container *c)
{
	char fin[40];
	int code;
	pid_t pid;
	struct tug_err err;
	bool adopted;

	if (c->state == CS_RESTARTING) {
		c->restart_at_ms = mono_ms();
		return;
	}
	if (!ctr_is_running(c)) {
		/* As dockerd: a stopped AutoRemove container goes (its record may be old). */
		if (c->auto_remove && ctr_remove(d, c, true, &err))
			tug_err_print(&err);
		return;
	}
	if (!keeper_query(d, c->id, &pid, &code, fin, &err)) {
		fprintf(stderr, "tugd: container %.12s exited (%d) while tugd was away\n", c->id, code);
		ctr_exited(d, c, code, fin);
		return;
	}
	/*
	 * After a reboot (or a new keeper) the keeper keeps nothing for it, and
	 * its old pid may now be another process's: adopt it only when it still
	 * runs in the container's own cgroup (a keeper that died left it).
	 */
	adopted = (!keeper_forgot(d, c->id) || pid_in_ctr_cgroup(c)) && watch_pid(d, c);
	if (!adopted) {
		/* Neither running nor recorded: /run was wiped (reboot) or the keeper died. */
		snprintf(c->error, sizeof(c->error), "lost while tugd was away");
		ctr_exited(d, c, 255, NULL);
		return;
	}
	/* Still running, but the keeper that held it died: tugd watches it. */
	if (keeper_forgot(d, c->id))
		mark_keeper_lost(d, c);
	c->started_ms = mono_ms();
	health_on_adopt(d, c);
	/* The keeper kept stdin (or the pty master): attach and resize work again. */
	if (c->tty || cJSON_IsTrue(cJSON_GetObjectItem(c->config, "OpenStdin")))
		c->stdin_fd = keeper_stdin(d, c);
	fprintf(stderr, "tugd: container %.12s adopted (pid %d)\n", c->id, c->pid);
}

/*
 * Docker's restart at daemon start, run after the replay of a cut-off
 * update: a container that ran before and is not running now comes back
 * with policy `always` (even one stopped by hand or by the board's
 * shutdown) and with `unless-stopped` unless stopped by hand. Without it a
 * revision applied with restart "always" runs nothing after a reboot.
 */
void ctr_start_at_daemon_start(struct daemon *d)
{
	for (struct container *c = d->containers; c; c = c->next) {
		struct tug_err err;

		if (c->state != CS_EXITED || c->removing || !c->started_at[0] ||
		    !strncmp(c->started_at, "0001-", 5))
			continue;
		/* The old side of an update still in flight (resumed): its end decides. */
		if (strstr(c->name, ".tug-old"))
			continue;
		if (c->policy.kind != RP_ALWAYS &&
		    (c->policy.kind != RP_UNLESS_STOPPED || c->stopped_by_user))
			continue;
		fprintf(stderr, "tugd: container %.12s: started at daemon start (restart policy %s)\n",
			c->id, restart_policy_name(&c->policy));
		c->stopped_by_user = false;
		if (ctr_start(d, c, &err))
			tug_err_print(&err);
	}
}
