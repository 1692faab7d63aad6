/*
 * The one event loop: the API socket and its connections, signals
 * (signalfd), container and exec pidfds, the keeper's notifications, and a
 * 50 ms timerfd tick for deadlines, restart backoff and log following.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/daemon/daemon.h"
#include "core/daemon/health.h"
#include "core/daemon/netvol.h"
#include "core/update/update.h"

struct watch {
	enum watch_kind kind;
	void *obj;
};

static struct watch *watches;
static size_t nwatches;

int loop_watch(struct daemon *d, int fd, uint32_t events, enum watch_kind kind, void *obj)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if ((size_t)fd >= nwatches) {
		size_t n = nwatches ? nwatches : 64;
		struct watch *w;

		while (n <= (size_t)fd)
			n *= 2;
		w = realloc(watches, n * sizeof(*w));
		if (!w)
			return -1;
		memset(w + nwatches, 0, (n - nwatches) * sizeof(*w));
		watches = w;
		nwatches = n;
	}
	watches[fd].kind = kind;
	watches[fd].obj = obj;
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void loop_unwatch(struct daemon *d, int fd)
{
	if (fd < 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
	if ((size_t)fd < nwatches)
		watches[fd].obj = NULL;
}

static void accept_conns(struct daemon *d)
{
	for (;;) {
		int fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->body_fd = -1;
		c->cursor.fd = -1;
		c->deadline_ms = d->now_ms + API_IDLE_TIMEOUT_MS;
		c->next = d->conns;
		d->conns = c;
		loop_watch(d, fd, EPOLLIN | EPOLLRDHUP, W_CONN, c);
	}
}

static void conn_event(struct daemon *d, struct conn *c, uint32_t events)
{
	if (events & EPOLLIN) {
		for (;;) {
			ssize_t n;

			if (buf_reserve(&c->in, 16384)) {
				c->dead = true;
				break;
			}
			n = recv(c->fd, c->in.data + c->in.len, 16384, 0);
			if (n > 0) {
				c->in.len += (size_t)n;
				c->in.data[c->in.len] = '\0';
				api_conn_input(d, c);
				if (buf_size(&c->in) > API_MAX_HEAD + 65536 && c->mode != CONN_BODY &&
				    c->mode != CONN_HEAD)
					buf_consume(&c->in, buf_size(&c->in));
				if (c->dead || c->close_after || c->in_held)
					break;
				continue;
			}
			if (n == 0) {
				c->rd_closed = true;
				api_conn_closed_input(d, c);
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = true;
			break;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR))
		c->dead = true;
	api_conn_flush(d, c);
}

/* Flush every connection, drop the dead ones. */
static void sweep_conns(struct daemon *d)
{
	struct conn **pp = &d->conns;

	while (*pp) {
		struct conn *c = *pp;

		if (!c->dead && (buf_size(&c->out) || c->close_after))
			api_conn_flush(d, c);
		if (!c->dead && buf_size(&c->out) > API_MAX_OUT)
			c->dead = true;
		if (c->dead) {
			*pp = c->next;
			api_conn_close(d, c);
			continue;
		}
		pp = &c->next;
	}
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			fprintf(stderr, "tugd: signal %d: shutting down (containers keep running)\n",
				si.ssi_signo);
			d->quit = true;
		}
		/* SIGCHLD: exec processes are reaped through their pidfds, or here without. */
		if (si.ssi_signo == SIGCHLD)
			exec_sigchld(d);
	}
}

static void on_tick(struct daemon *d)
{
	uint64_t exp;

	if (read(d->timer_fd, &exp, sizeof(exp)) < 0)
		return;
	ctr_tick(d);
	netvol_sweep_due(d, false);
	health_tick(d);
	update_tick(d);
	for (struct conn *c = d->conns; c; c = c->next) {
		api_conn_tick(d, c);
		if (c->stream == SK_LOGS || c->stream == SK_ATTACH)
			api_logs_poll(d, c);
	}
}

int loop_run(struct daemon *d)
{
	struct epoll_event evs[64];
	struct itimerspec its = { .it_interval = { 0, 50000000 }, .it_value = { 0, 50000000 } };

	timerfd_settime(d->timer_fd, 0, &its, NULL);
	loop_watch(d, d->listen_fd, EPOLLIN, W_LISTEN, d);
	loop_watch(d, d->sig_fd, EPOLLIN, W_SIGNAL, d);
	loop_watch(d, d->timer_fd, EPOLLIN, W_TIMER, d);
	while (!d->quit) {
		int n = epoll_wait(d->epfd, evs, 64, 1000);

		d->now_ms = mono_ms();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct watch *w = (size_t)fd < nwatches ? &watches[fd] : NULL;

			if (!w || !w->obj)
				continue;
			switch (w->kind) {
			case W_LISTEN:
				accept_conns(d);
				break;
			case W_SIGNAL:
				on_signal(d);
				break;
			case W_TIMER:
				on_tick(d);
				break;
			case W_KEEPER:
				keeper_notified(d);
				break;
			case W_CONN:
				conn_event(d, w->obj, evs[i].events);
				break;
			case W_CTR_PIDFD:
				ctr_pidfd_ready(d, w->obj);
				break;
			case W_EXEC_PIDFD:
				exec_pidfd_ready(d, w->obj);
				break;
			case W_EXEC_IO:
				exec_io(d, w->obj, fd, evs[i].events);
				break;
			case W_REGISTRY_JOB:
				api_registry_job_io(d, w->obj);
				break;
			case W_COMMIT_JOB:
				api_commit_job_io(d, w->obj);
				break;
			}
		}
		sweep_conns(d);
	}
	return 0;
}
