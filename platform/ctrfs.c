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

/* Copy option key's value from a "k=v,k=v" list (no escapes: store paths are plain). */
static bool mount_option(const char *opts, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, ",\n");

			if (n >= size)
				return false;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

int ctrfs_overlay_dirs(const char *mountinfo, const char *target, char *lower, size_t lsize,
		       char *upper, size_t usize)
{
	size_t tlen = strlen(target);

	for (const char *line = mountinfo; line && *line;) {
		const char *end = strchr(line, '\n'), *p = line, *sep;
		size_t n = end ? (size_t)(end - line) : strlen(line);
		int field = 0;

		/* "id parent maj:min root mountpoint opts [tags] - fstype source superopts" */
		while (p < line + n && field < 4) {
			p += strcspn(p, " ");
			if (*p == ' ')
				p++;
			field++;
		}
		sep = strstr(p, " - ");
		if (field == 4 && !strncmp(p, target, tlen) && p[tlen] == ' ' && sep &&
		    sep < line + n && !strncmp(sep, " - overlay ", 11)) {
			const char *opts = strchr(sep + 11, ' ');
			char buf[8192];

			if (!opts || (size_t)(line + n - opts) >= sizeof(buf))
				return -1;
			snprintf(buf, sizeof(buf), "%.*s", (int)(line + n - opts - 1), opts + 1);
			if (!mount_option(buf, "lowerdir", lower, lsize))
				return -1;
			if (!mount_option(buf, "upperdir", upper, usize))
				upper[0] = '\0';
			/* The last mount at target is the one in use: keep looking. */
			if (!end)
				return 0;
			{
				char l2[8192], u2[4096];

				if (!ctrfs_overlay_dirs(end + 1, target, l2, sizeof(l2), u2,
							sizeof(u2))) {
					snprintf(lower, lsize, "%s", l2);
					snprintf(upper, usize, "%s", u2);
				}
			}
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}
