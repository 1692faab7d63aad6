/*
 * PID 1: the board init.
 *
 * For now a stub that proves the boot path: early mounts, a console, the
 * cgroup v2 controllers the kernel offers, an optional test program named by
 * `tug.test=<path>` on the kernel command line, then a clean power off.
 * Nothing here allocates memory: early boot must not depend on the heap,
 * and PID 1 never exits (the kernel would panic).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/init.h"
#include "platform/cleanup.h"
#include "platform/err.h"

struct early_mount {
	const char *source;
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *data;
};

/* In order: each target lives on a filesystem mounted before it. */
static const struct early_mount early_mounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate"},
};

static void init_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void init_say(const char *fmt, ...)
{
	va_list ap;

	/* dprintf formats on the stack: no stdio buffer, no malloc. */
	dprintf(STDOUT_FILENO, "tug-init: ");
	va_start(ap, fmt);
	vdprintf(STDOUT_FILENO, fmt, ap);
	va_end(ap);
	dprintf(STDOUT_FILENO, "\n");
}

static void init_report(const struct tug_err *err)
{
	char buf[sizeof(err->msg) + 128];

	dprintf(STDERR_FILENO, "tug-init: %s\n", tug_err_str(err, buf, sizeof(buf)));
}

static int mount_early(const struct early_mount *m, struct tug_err *err)
{
	if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
		return tug_err_sys(err, "mkdir %s", m->target);
	if (mount(m->source, m->target, m->fstype, m->flags, m->data) < 0 && errno != EBUSY)
		return tug_err_sys(err, "mount %s on %s", m->fstype, m->target);
	return 0;
}

/*
 * The kernel opens /dev/console for PID 1 when the initramfs has that node;
 * when it did not, use the devtmpfs one now mounted.
 */
static void console_setup(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return; /* nowhere to say it */
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Read a small text file into buf, without its trailing newlines. */
static int read_small_file(const char *path, char *buf, size_t size, struct tug_err *err)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tug_err_sys(err, "read %s", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return 0;
}

/*
 * Find `key=value` in the kernel command line. Dotted parameters never reach
 * init's argv or environment (the kernel keeps them for modules), so read
 * /proc/cmdline. Returns 1 when found, 0 when absent, -1 on error.
 */
static int cmdline_get(const char *key, char *value, size_t size, struct tug_err *err)
{
	char cmdline[4096];
	size_t keylen = strlen(key);
	char *p;

	if (read_small_file("/proc/cmdline", cmdline, sizeof(cmdline), err) < 0)
		return -1;
	for (p = cmdline; *p;) {
		size_t len = strcspn(p, " \t\n");

		if (len > keylen && !strncmp(p, key, keylen) && p[keylen] == '=') {
			len -= keylen + 1;
			if (len >= size)
				return tug_err_set(err, ENAMETOOLONG, "kernel parameter %s", key);
			memcpy(value, p + keylen + 1, len);
			value[len] = '\0';
			return 1;
		}
		p += len;
		p += strspn(p, " \t\n");
	}
	return 0;
}

/*
 * Run a program and wait for it, reaping any orphan that exits meanwhile.
 * Returns its exit code, 128 + signal when killed, or -1 on error.
 */
static int run_program(const char *path, const sigset_t *child_mask, struct tug_err *err)
{
	char *const argv[] = {(char *)path, NULL};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=linux", NULL};
	int status;
	pid_t pid, got;

	pid = fork();
	if (pid < 0)
		return tug_err_sys(err, "fork for %s", path);
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, child_mask, NULL);
		/* Its own session on the console, so a shell gets job control. */
		if (setsid() >= 0)
			ioctl(STDIN_FILENO, TIOCSCTTY, 0);
		execve(path, argv, envp);
		dprintf(STDERR_FILENO, "tug-init: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	for (;;) {
		got = waitpid(-1, &status, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return tug_err_sys(err, "wait for %s", path);
		if (got != pid)
			continue; /* an orphan reparented to us */
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
	}
}

static void __attribute__((noreturn)) power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	dprintf(STDERR_FILENO, "tug-init: reboot(RB_POWER_OFF): %s; halting here\n",
		strerror(errno));
	for (;;)
		pause();
}

int init_main(int argc, char **argv)
{
	struct tug_err err = {0};
	sigset_t all, old;
	char buf[4096];
	size_t i;
	int r;

	if (getpid() != 1) {
		dprintf(STDERR_FILENO, "tug-init: not PID 1 (pid %d), refusing to take over\n",
			(int)getpid());
		return 1;
	}
	/* PID 1 takes signals only when it asks for them; children get the old mask. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);

	for (i = 0; i < ARRAY_SIZE(early_mounts); i++) {
		if (mount_early(&early_mounts[i], &err) < 0)
			init_report(&err);
		/* devtmpfs brings /dev/console if the kernel could not open one. */
		if (!strcmp(early_mounts[i].target, "/dev"))
			console_setup();
	}

	if (read_small_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf), &err) < 0) {
		tug_err_wrap(&err, "cgroup2 controllers");
		init_report(&err);
	} else {
		init_say("cgroup2 controllers: %s", buf);
	}

	r = cmdline_get("tug.test", buf, sizeof(buf), &err);
	if (r < 0) {
		init_report(&err);
	} else if (r > 0) {
		r = run_program(buf, &old, &err);
		if (r < 0) {
			tug_err_wrap(&err, "tug.test");
			init_report(&err);
		} else {
			init_say("test exit %d", r);
		}
	}

	power_off();
}
