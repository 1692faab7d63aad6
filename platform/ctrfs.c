/* Container root lookups for docker cp. See platform/ctrfs.h. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/ctrfs.h"
#include "platform/mount.h"

int ctrfs_split(const char *path, char *dir, size_t dsize, char *base, size_t bsize,
		struct tug_err *err)
{
	char clean[PATH_MAX] = "";
	size_t o = 0;
	const char *p = path;
	char *slash;

	if (!path || !*path)
		return tug_err_set(err, EINVAL, "empty path");
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			slash = strrchr(clean, '/');
			o = slash ? (size_t)(slash - clean) : 0;
			clean[o] = '\0';
		} else {
			if (o + n + 2 > sizeof(clean))
				return tug_err_set(err, ENAMETOOLONG, "%s: path too long", path);
			clean[o++] = '/';
			memcpy(clean + o, p, n);
			o += n;
			clean[o] = '\0';
		}
		p += n;
	}
	if (!o) {
		snprintf(dir, dsize, "/");
		snprintf(base, bsize, ".");
		return 0;
	}
	slash = strrchr(clean, '/');
	if (snprintf(base, bsize, "%s", slash + 1) >= (int)bsize ||
	    snprintf(dir, dsize, "%.*s", slash == clean ? 1 : (int)(slash - clean), clean) >=
		(int)dsize)
		return tug_err_set(err, ENAMETOOLONG, "%s: path too long", path);
	return 0;
}

static bool no_openat2(void)
{
	const char *v = getenv("TUG_UNPACK_NO_OPENAT2");

	return v && *v && strcmp(v, "0");
}

/* Kernels before 5.6: resolve as text inside root_path, then open without following. */
static int open_dir_walk(const char *root_path, const char *dir, struct tug_err *err)
{
	char host[PATH_MAX * 2];
	int fd;

	if (mount_resolve_in_root(root_path, dir, RESOLVE_EXISTING, host, sizeof(host), err) < 0)
		return -1;
	fd = open(host, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "%s", dir);
	return fd;
}

int ctrfs_open_dir(int rootfd, const char *root_path, const char *dir, struct tug_err *err)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = dir;
	int fd;

	while (*rel == '/')
		rel++;
	if (no_openat2())
		return open_dir_walk(root_path, dir, err);
	fd = (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		return open_dir_walk(root_path, dir, err);
	return tug_err_sys(err, "%s", dir);
}
