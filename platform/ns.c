#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/ns.h"

pid_t ns_clone(unsigned long flags, struct tug_err *err)
{
	/* With no stack, clone(2) returns twice like fork(2) on every arch tug targets. */
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (pid < 0)
		return tug_err_sys(err, "clone namespaces 0x%lx", flags);
	return (pid_t)pid;
}

pid_t ns_clone_into_cgroup(unsigned long flags, const char *cgroup_dir, struct tug_err *err)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		    set_tid, set_tid_size, cgroup;
	} args = {0};
	_cleanup_close_ int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long pid;

	if (cg < 0)
		return tug_err_sys(err, "open cgroup %s", cgroup_dir);
	args.flags = flags | 0x200000000ULL; /* CLONE_INTO_CGROUP */
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)cg;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL))
		return -2;
	if (pid < 0)
		return tug_err_sys(err, "clone3 into %s", cgroup_dir);
	return (pid_t)pid;
}

int ns_join_fd(int fd, int flag, const char *what, struct tug_err *err)
{
	if (setns(fd, flag) < 0)
		return tug_err_sys(err, "setns %s", what);
	return 0;
}

int ns_join_path(const char *path, int flag, struct tug_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return tug_err_sys(err, "open namespace %s", path);
	return ns_join_fd(fd, flag, path, err);
}

int ns_open(pid_t pid, const char *name, struct tug_err *err)
{
	char p[64];
	int fd;

	if (pid)
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(p, sizeof(p), "/proc/self/ns/%s", name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", p);
	return fd;
}

int ns_differs(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
	snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev;
}

static int write_map(pid_t pid, const char *file, const struct ns_idmap *m, size_t n,
		     struct tug_err *err)
{
	char path[64], buf[4096];
	size_t len = 0;
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < n && len < sizeof(buf) - 40; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	/* The kernel takes a map in one write only. */
	if (write(fd, buf, len) != (ssize_t)len)
		return tug_err_sys(err, "write %s", path);
	return 0;
}

int ns_write_idmaps(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
		    const struct ns_idmap *gids, size_t n_gids, struct tug_err *err)
{
	if (n_uids && write_map(pid, "uid_map", uids, n_uids, err) < 0)
		return tug_err_wrap(err, "linux.uidMappings");
	if (n_gids && write_map(pid, "gid_map", gids, n_gids, err) < 0) {
		/* Unprivileged writers must deny setgroups first; try that path. */
		char p[64];
		_cleanup_close_ int fd = -1;

		snprintf(p, sizeof(p), "/proc/%d/setgroups", (int)pid);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "deny", 4) != 4 ||
		    write_map(pid, "gid_map", gids, n_gids, err) < 0)
			return tug_err_wrap(err, "linux.gidMappings");
	}
	return 0;
}

int ns_unshare_time(int64_t mono_s, int64_t mono_ns, int64_t boot_s, int64_t boot_ns,
		    struct tug_err *err)
{
	char buf[128];
	int len;
	_cleanup_close_ int fd = -1;

	if (unshare(CLONE_NEWTIME) < 0)
		return tug_err_sys(err, "unshare time namespace");
	len =
	    snprintf(buf, sizeof(buf), "monotonic %lld %lld\nboottime %lld %lld\n",
		     (long long)mono_s, (long long)mono_ns, (long long)boot_s, (long long)boot_ns);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open /proc/self/timens_offsets");
	if (write(fd, buf, (size_t)len) != len)
		return tug_err_sys(err, "linux.timeOffsets: write timens_offsets");
	return 0;
}
