#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/pty.h"

int pty_open(int *master, char *slave, size_t slavesz, struct tug_err *err)
{
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return tug_err_sys(err, "open /dev/ptmx");
	if (unlockpt(m) < 0)
		return tug_err_sys(err, "unlockpt");
	if (ptsname_r(m, slave, slavesz) != 0)
		return tug_err_sys(err, "ptsname");
	*master = take_fd(m);
	return 0;
}

int pty_set_size(int fd, unsigned rows, unsigned cols, struct tug_err *err)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	if ((rows || cols) && ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return tug_err_sys(err, "process.consoleSize");
	return 0;
}

int pty_make_controlling(int slave_fd, struct tug_err *err)
{
	if (setsid() < 0)
		return tug_err_sys(err, "setsid");
	if (ioctl(slave_fd, TIOCSCTTY, 0) < 0)
		return tug_err_sys(err, "set controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave_fd, i) < 0)
			return tug_err_sys(err, "dup2 pty to %d", i);
	return 0;
}

int pty_send_fd(int sock, int fd, const char *name, struct tug_err *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {(void *)name, strlen(name) ? strlen(name) : 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return tug_err_sys(err, "send terminal fd");
	return 0;
}

int pty_recv_fd(int sock, struct tug_err *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))], data[256];
	struct iovec iov = {data, sizeof(data)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return tug_err_sys(err, "receive terminal fd");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return tug_err_set(err, EPROTO, "receive terminal fd: no fd in message");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int pty_send_to_console_socket(const char *path, int master, struct tug_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return tug_err_sys(err, "socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return tug_err_set(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(sa.sun_path, path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return tug_err_sys(err, "connect console socket %s", path);
	if (pty_send_fd(s, master, "/dev/ptmx", err) < 0)
		return tug_err_wrap(err, "console socket %s", path);
	return 0;
}

static int copy_once(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return write_all(to, buf, (size_t)n);
}

int pty_proxy(int master, struct tug_err *err)
{
	struct termios old, raw;
	bool tty = isatty(0) && tcgetattr(0, &old) == 0;
	struct pollfd p[2] = {{master, POLLIN, 0}, {0, POLLIN, 0}};

	if (tty) {
		struct winsize ws;

		raw = old;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		if (ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			if (copy_once(master, 1) < 0)
				break;
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (p[1].revents & POLLIN) {
			if (copy_once(0, master) < 0)
				p[1].fd = -1; /* stdin closed: keep reading output */
		} else if (p[1].revents & (POLLHUP | POLLERR)) {
			p[1].fd = -1;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	return 0;
}
