/*
 * Hijacked attach and exec streams: stdin to the daemon, the daemon's frames
 * to stdout and stderr, the terminal's size on SIGWINCH, and (without a tty)
 * SIGINT/SIGTERM forwarded to the container as docker's sig-proxy does.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/client/client.h"
#include "platform/fsutil.h"
#include "platform/term.h"

int cli_demux_feed(struct cli_demux *st, const char *data, size_t len, int out_fd, int err_fd)
{
	while (len) {
		if (!st->left) {
			size_t take = 8 - st->hdr_len;

			if (take > len)
				take = len;
			memcpy(st->hdr + st->hdr_len, data, take);
			st->hdr_len += take;
			data += take;
			len -= take;
			if (st->hdr_len < 8)
				return 0;
			st->hdr_len = 0;
			if (st->hdr[0] > 3 || st->hdr[1] || st->hdr[2] || st->hdr[3])
				return -1;
			st->stream = st->hdr[0];
			st->left = (uint32_t)st->hdr[4] << 24 | (uint32_t)st->hdr[5] << 16 |
				   (uint32_t)st->hdr[6] << 8 | st->hdr[7];
			continue;
		}
		{
			size_t take = len < st->left ? len : st->left;

			/* stdin echoes (stream 0) go to stdout as docker does. */
			if (st->stream == 3 && st->status)
				buf_add(st->status, data, take);
			else if (write_all(st->stream == 2 ? err_fd : out_fd, data, take))
				return -2;
			data += take;
			len -= take;
			st->left -= (uint32_t)take;
		}
	}
	return 0;
}

void cli_resize(const char *target)
{
	unsigned rows, cols;
	char t[400];
	struct tug_err err;

	if (!target || (term_size(1, &rows, &cols) && term_size(0, &rows, &cols)))
		return;
	snprintf(t, sizeof(t), "%s?h=%u&w=%u", target, rows, cols);
	cli_request("POST", t, NULL, NULL, &err);
}

static void forward_signal(const char *target, int sig)
{
	char t[400];
	struct tug_err err;

	snprintf(t, sizeof(t), "%s?signal=%d", target, sig);
	cli_request("POST", t, NULL, NULL, &err);
}

static int output(struct cli_stream *s, struct cli_demux *dm, const char *data, size_t len,
		  struct tug_err *err)
{
	int rc;

	if (!s->mux)
		return write_all(1, data, len) ? 1 : 0;
	rc = cli_demux_feed(dm, data, len, 1, 2);
	if (rc == -1)
		return tug_err_set(err, EPROTO, "malformed stream frame from the daemon");
	return rc ? 1 : 0; /* 1: our output is gone (a closed pipe): stop quietly */
}

#define DETACH_1 0x10 /* ctrl-p */
#define DETACH_2 0x11 /* ctrl-q */

/* Input to the container, minus the detach sequence (tty only). */
static int send_input(struct cli_stream *s, const char *data, size_t len, bool *held)
{
	char out[16384 + 1];
	size_t n = 0;

	if (!s->tty)
		return write_all(s->conn->fd, data, len);
	for (size_t i = 0; i < len; i++) {
		if (*held) {
			*held = false;
			if (data[i] == DETACH_2) {
				s->detached = true;
				break;
			}
			out[n++] = DETACH_1;
		}
		if (data[i] == DETACH_1)
			*held = true;
		else
			out[n++] = data[i];
	}
	return n ? write_all(s->conn->fd, out, n) : 0;
}

int cli_stream_pump(struct cli_stream *s, struct tug_err *err)
{
	struct http_client *c = s->conn;
	struct cli_demux dm = { .status = s->status };
	sigset_t mask, old;
	struct sigaction old_pipe;
	int sfd, rc = 0;
	bool in_open = s->in_fd >= 0, held = false;
	char data[16384];

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	if (s->kill_target) {
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGHUP);
		sigaddset(&mask, SIGQUIT);
		sigaddset(&mask, SIGUSR1);
		sigaddset(&mask, SIGUSR2);
	}
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	/* Input sent after the daemon closed the stream is EPIPE, not death. */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &old_pipe);
	/* Bytes that came with the response head. */
	if (buf_size(&c->in)) {
		rc = output(s, &dm, buf_head(&c->in), buf_size(&c->in), err);
		buf_consume(&c->in, buf_size(&c->in));
	}
	while (rc == 0) {
		struct pollfd p[3] = { { c->fd, POLLIN, 0 },
				       { in_open ? s->in_fd : -1, POLLIN, 0 },
				       { sfd, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = tug_err_sys(err, "poll");
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					cli_resize(s->resize_target);
				else if (s->kill_target)
					forward_signal(s->kill_target, (int)si.ssi_signo);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(s->in_fd, data, sizeof(data));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* End of input: the container's stdin closes (StdinOnce). */
				in_open = false;
				shutdown(c->fd, SHUT_WR);
			} else if (send_input(s, data, (size_t)n, &held)) {
				in_open = false;
			}
			if (s->detached) {
				fputs("\r\nread escape sequence\r\n", stderr);
				break;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(c->fd, data, sizeof(data));
			if (n < 0 && errno == EINTR)
				continue;
			/* A reset after the container ended is the end of the stream too. */
			if (n == 0 || (n < 0 && errno == ECONNRESET))
				break;
			if (n < 0) {
				rc = tug_err_sys(err, "read stream");
				break;
			}
			rc = output(s, &dm, data, (size_t)n, err);
		}
	}
	if (sfd >= 0)
		close(sfd);
	if (rc > 0) {
		s->detached = true; /* nobody reads us any more: leave the container be */
		rc = 0;
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void cli_stream_session(struct cli_stream *s)
{
	struct term_state ts = { .fd = -1 };
	struct tug_err err;

	if (s->tty && s->in_fd >= 0 && term_raw(0, &ts, &err))
		tug_err_print(&err);
	if (s->resize_target)
		cli_resize(s->resize_target);
	if (cli_stream_pump(s, &err))
		tug_err_print(&err);
	term_restore(&ts);
}
