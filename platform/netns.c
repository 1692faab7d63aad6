/* Network namespaces bound on files. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/netns.h"

/*
 * unshare + bind + setns back, in the calling thread: cheaper than a
 * fork, and the daemon is single-threaded so nothing else sees the detour.
 */
int netns_create_at(const char *path, struct tug_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd, ret = -1;

	if (self < 0)
		return tug_err_sys(err, "open own network namespace");
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return tug_err_sys(err, "create %s", path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		tug_err_sys(err, "new network namespace");
		unlink(path);
		return -1;
	}
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		tug_err_sys(err, "bind network namespace on %s", path);
	else
		ret = 0;
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Stranded in the new namespace: nothing sensible can follow. */
		tug_err_sys(err, "return to own network namespace");
		_exit(1);
	}
	if (ret < 0)
		unlink(path);
	return ret;
}

int netns_remove_at(const char *path, struct tug_err *err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return tug_err_sys(err, "unbind %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return tug_err_sys(err, "remove %s", path);
	return 0;
}

int netns_dir_prepare(const char *dir, struct tug_err *err)
{
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	if (mount(NULL, dir, NULL, MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return tug_err_sys(err, "make %s shared", dir);
	/* Not a mount point yet: bind it on itself first. */
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, dir, NULL, MS_SHARED | MS_REC, NULL) < 0)
		return tug_err_sys(err, "make %s a shared mount point", dir);
	return 0;
}
