/* The watchdog feeder: a fork of PID 1, no exec, no heap. */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init/early.h"
#include "init/watchdog.h"

static int open_device(const char *device)
{
	/* devtmpfs makes the node when the driver binds: give it a moment. */
	for (int i = 0; i < 200; i++) {
		int fd = open(device, O_WRONLY | O_CLOEXEC);

		if (fd >= 0 || errno != ENOENT)
			return fd;
		usleep(10000);
	}
	return -1;
}

static void __attribute__((noreturn)) feeder(int fd, int hb, int timeout_s, int interval_ms)
{
	long long last_beat = init_now_ms();
	char buf[64];

	prctl(PR_SET_NAME, "tug-watchdog");
	for (;;) {
		struct pollfd p = { .fd = hb, .events = POLLIN };
		int r = poll(&p, 1, interval_ms);

		if (r > 0) {
			ssize_t n = read(hb, buf, sizeof(buf));

			if (n <= 0) {
				/* PID 1 is gone: stop feeding, let the board reset. */
				for (;;)
					pause();
			}
			if (memchr(buf, 'V', (size_t)n)) {
				(void)!write(fd, "V", 1);
				close(fd);
				_exit(0);
			}
			last_beat = init_now_ms();
		}
		/* A silent PID 1 for longer than the timeout is a hung PID 1. */
		if (init_now_ms() - last_beat < (long long)timeout_s * 1000)
			ioctl(fd, WDIOC_KEEPALIVE, 0);
	}
}

int watchdog_start(struct watchdog *w, const char *device, int timeout_s, struct tug_err *err)
{
	int pipefd[2], fd, t = timeout_s;
	pid_t pid;

	w->pid = 0;
	w->heartbeat_fd = -1;
	fd = open_device(device);
	if (fd < 0)
		return tug_err_sys(err, "watchdog: open %s", device);
	if (ioctl(fd, WDIOC_SETTIMEOUT, &t) < 0)
		init_say("watchdog: %s: cannot set a %d s timeout (%s); keeping its own",
			 device, timeout_s, strerror(errno));
	ioctl(fd, WDIOC_GETTIMEOUT, &t);
	if (t < 2)
		t = 2;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		close(fd);
		return tug_err_sys(err, "watchdog: pipe");
	}
	w->interval_ms = t * 1000 / 4;
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(pipefd[0]);
		close(pipefd[1]);
		return tug_err_sys(err, "watchdog: fork");
	}
	if (pid == 0) {
		/* Signals stay blocked (PID 1's mask): only SIGKILL ends it. */
		close(pipefd[1]);
		feeder(fd, pipefd[0], t, w->interval_ms);
	}
	close(fd);
	close(pipefd[0]);
	w->pid = pid;
	w->heartbeat_fd = pipefd[1];
	fcntl(w->heartbeat_fd, F_SETFL, O_NONBLOCK);
	init_say("watchdog: %s, %d s timeout, fed by pid %d", device, t, (int)pid);
	return 0;
}

void watchdog_beat(struct watchdog *w)
{
	if (w->heartbeat_fd >= 0)
		(void)!write(w->heartbeat_fd, "h", 1);
}

void watchdog_disarm(struct watchdog *w, int timeout_ms)
{
	long long end = init_now_ms() + timeout_ms;

	if (w->heartbeat_fd < 0 || w->pid <= 0)
		return;
	(void)!write(w->heartbeat_fd, "V", 1);
	while (init_now_ms() < end) {
		pid_t got = waitpid(w->pid, NULL, WNOHANG);

		if (got == w->pid || (got < 0 && errno == ECHILD))
			break;
		usleep(5000);
	}
	close(w->heartbeat_fd);
	w->heartbeat_fd = -1;
	w->pid = 0;
	init_say("watchdog: disarmed (magic close)");
}
