#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/process.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int process_set_rlimits(const struct process_rlimit *r, size_t n, struct tug_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit rl = {(rlim_t)r[i].soft, (rlim_t)r[i].hard};

		if (setrlimit(r[i].resource, &rl) < 0)
			return tug_err_sys(err, "process.rlimits[%zu]: setrlimit %d", i,
					   r[i].resource);
	}
	return 0;
}

static int write_proc(const char *path, const char *value, struct tug_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	if (write_all(fd, value, strlen(value)) < 0)
		return tug_err_sys(err, "write %s", path);
	return 0;
}

int process_set_oom_score_adj(int adj, struct tug_err *err)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", adj);
	if (write_proc("/proc/self/oom_score_adj", v, err) < 0)
		return tug_err_wrap(err, "process.oomScoreAdj");
	return 0;
}

int process_set_sysctl(const char *name, const char *value, struct tug_err *err)
{
	char path[PATH_MAX];
	size_t off = strlen("/proc/sys/");

	if (snprintf(path, sizeof(path), "/proc/sys/%s", name) >= (int)sizeof(path))
		return tug_err_set(err, ENAMETOOLONG, "linux.sysctl.%s", name);
	for (char *p = path + off; *p; p++)
		if (*p == '.')
			*p = '/';
	if (write_proc(path, value, err) < 0)
		return tug_err_wrap(err, "linux.sysctl.%s", name);
	return 0;
}

int process_set_hostname(const char *hostname, const char *domainname, struct tug_err *err)
{
	if (hostname && *hostname && sethostname(hostname, strlen(hostname)) < 0)
		return tug_err_sys(err, "hostname: sethostname %s", hostname);
	if (domainname && *domainname && setdomainname(domainname, strlen(domainname)) < 0)
		return tug_err_sys(err, "domainname: setdomainname %s", domainname);
	return 0;
}

static bool setgroups_allowed(void)
{
	char buf[16] = "";
	_cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return true;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		return true;
	return strncmp(buf, "deny", 4) != 0;
}

int process_set_user(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
		     struct tug_err *err)
{
	if (setgroups_allowed() && setgroups(n_groups, groups) < 0)
		return tug_err_sys(err, "process.user.additionalGids: setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return tug_err_sys(err, "process.user.gid: setresgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return tug_err_sys(err, "process.user.uid: setresuid %u", (unsigned)uid);
	return 0;
}

int process_set_no_new_privs(struct tug_err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return tug_err_sys(err, "process.noNewPrivileges");
	return 0;
}

/*
 * SIG_DFL for sig through the kernel: libc refuses the signals it keeps
 * for itself (32-34 in musl), which an engine's parent may still have
 * ignored. An all-zero kernel sigaction is SIG_DFL, no flags, empty mask
 * on every arch whatever its field order; the kernel's sigset is 8 bytes,
 * 16 on mips.
 */
static void kernel_default_signal(int sig)
{
	unsigned long zero[8] = { 0 };

	if (syscall(SYS_rt_sigaction, sig, zero, NULL, 8) < 0 && errno == EINVAL)
		syscall(SYS_rt_sigaction, sig, zero, NULL, 16);
}

void process_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &dfl, NULL) < 0)
			kernel_default_signal(sig);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static bool executable(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int process_find_exec(const char *args0, const char *const *env, char *out, size_t outsz,
		      struct tug_err *err)
{
	const char *path = DEFAULT_PATH;

	if (strchr(args0, '/')) {
		if (!executable(args0))
			return tug_err_sys(err, "exec: \"%s\"", args0);
		snprintf(out, outsz, "%s", args0);
		return 0;
	}
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], "PATH=", 5))
			path = env[i] + 5;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(out, outsz, "%.*s/%s", (int)n, n ? p : ".", args0);
		if (executable(out))
			return 0;
		p += n;
		if (*p == ':')
			p++;
	}
	return tug_err_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", args0);
}

int process_prepare_fds(int preserve, struct tug_err *err)
{
	_cleanup_close_ int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	for (int fd = 3; fd < 3 + preserve; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (dfd < 0)
		return tug_err_sys(err, "open /proc/self/fd");
	d = fdopendir(dfd);
	if (!d)
		return tug_err_sys(err, "fdopendir /proc/self/fd");
	dfd = -1;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd < 3 + preserve || fd == dirfd(d))
			continue;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

void process_close_fds(int from, const int *keep, size_t n_keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[1024];
	size_t n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < ARRAY_SIZE(fds)) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= from && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		bool kept = false;

		for (size_t k = 0; k < n_keep; k++)
			kept |= keep[k] == fds[i];
		if (!kept)
			close(fds[i]);
	}
}

int process_dup_stdio(const int fds[3], struct tug_err *err)
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0 || fds[i] == i)
			continue;
		if (dup2(fds[i], i) < 0)
			return tug_err_sys(err, "dup2 %d to %d", fds[i], i);
	}
	return 0;
}

static int read_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -1;
	*start = strtoull(p, NULL, 10);
	return 0;
}

uint64_t process_start_time(pid_t pid)
{
	char st;
	uint64_t start;

	return read_stat(pid, &st, &start) < 0 ? 0 : start;
}

bool process_alive(pid_t pid, uint64_t start_time)
{
	char st;
	uint64_t start;

	if (pid <= 0 || read_stat(pid, &st, &start) < 0)
		return false;
	if (st == 'Z' || st == 'X')
		return false;
	return !start_time || start == start_time;
}

int process_wait_gone(pid_t pid, uint64_t start_time, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (!process_alive(pid, start_time))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}
