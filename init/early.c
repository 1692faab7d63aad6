/*
 * PID 1's early steps. Nothing here allocates memory: early boot must not
 * depend on the heap, and a message must reach the console whatever failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init/early.h"
#include "platform/cleanup.h"

struct early_mount {
	const char *source;
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *data;
};

/* In order: each target lives on a filesystem mounted before it. */
static const struct early_mount early_mount_table[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666" },
	{ "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate" },
};

void init_say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	/* One write per line, so lines of PID 1 and its children do not mix. */
	n = snprintf(line, sizeof(line), "tug-init: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDOUT_FILENO, line, (size_t)n);
}

void init_report(const struct tug_err *err)
{
	char buf[sizeof(err->msg) + 128];

	init_say("%s", tug_err_str(err, buf, sizeof(buf)));
}

long long init_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long init_now_ms(void)
{
	return init_now_us() / 1000;
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

void early_mounts(void)
{
	struct tug_err err = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(early_mount_table); i++) {
		if (mount_early(&early_mount_table[i], &err) < 0)
			init_report(&err);
		/* devtmpfs brings /dev/console if the kernel could not open one. */
		if (!strcmp(early_mount_table[i].target, "/dev"))
			console_setup();
	}
}

int read_small_file(const char *path, char *buf, size_t size, struct tug_err *err)
{
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tug_err_sys(err, "read %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return 0;
}

/*
 * Dotted parameters never reach init's argv or environment (the kernel keeps
 * them for modules), so read /proc/cmdline.
 */
int cmdline_get(const char *key, char *value, size_t size, struct tug_err *err)
{
	char cmdline[4096];
	size_t keylen = strlen(key);
	char *p;

	if (read_small_file("/proc/cmdline", cmdline, sizeof(cmdline), err) < 0)
		return -1;
	for (p = cmdline; *p;) {
		size_t len = strcspn(p, " \t\n");

		if (len >= keylen && !strncmp(p, key, keylen) &&
		    (len == keylen || p[keylen] == '=')) {
			len = len == keylen ? 0 : len - keylen - 1;
			if (len >= size)
				return tug_err_set(err, ENAMETOOLONG, "kernel parameter %s", key);
			memcpy(value, p + keylen + (len ? 1 : 0), len);
			value[len] = '\0';
			return 1;
		}
		p += len;
		p += strspn(p, " \t\n");
	}
	return 0;
}

int cgroup_enable_controllers(const char *want, struct tug_err *err)
{
	char have[512], line[512];
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	const char *w;

	if (read_small_file("/sys/fs/cgroup/cgroup.controllers", have, sizeof(have), err) < 0)
		return -1;
	/* Only what the kernel offers: one unknown name fails the whole write. */
	for (w = want; *w;) {
		size_t len = strcspn(w, " ");
		const char *h = have;
		int found = 0;

		while (*h && !found) {
			size_t hl = strcspn(h, " ");

			found = hl == len && !strncmp(h, w, len);
			h += hl + (h[hl] == ' ');
		}
		if (found && n + len + 3 < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s+%.*s", n ? " " : "",
					      (int)len, w);
		w += len + (w[len] == ' ');
	}
	if (!n)
		return 0;
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, n) != (ssize_t)n)
		return tug_err_sys(err, "cgroup.subtree_control: %s", line);
	return 0;
}

int set_hostname(const char *name, struct tug_err *err)
{
	if (sethostname(name, strlen(name)) < 0)
		return tug_err_sys(err, "sethostname %s", name);
	return 0;
}

int loopback_up(struct tug_err *err)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return tug_err_sys(err, "socket for lo");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return tug_err_sys(err, "lo: get flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return tug_err_sys(err, "lo: set flags");
	return 0;
}
