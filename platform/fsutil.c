#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The libc's number is the target's own (4436 on MIPS o32, 436 elsewhere);
 * a libc without it gets ENOSYS from syscall(-1) and the /proc walk.
 */
#ifndef SYS_close_range
#define SYS_close_range -1
#endif

#include "platform/cleanup.h"
#include "platform/fsutil.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void split_path(const char *path, char *dir, size_t dirsz, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dirsz, ".");
		*base = path;
	} else if (slash == path) {
		snprintf(dir, dirsz, "/");
		*base = slash + 1;
	} else {
		snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
		*base = slash + 1;
	}
}

/* >0 inside fsutil_volatile_begin() .. _end(): the fsyncs are skipped. */
static unsigned volatile_depth;

void fsutil_volatile_begin(void)
{
	volatile_depth++;
}

void fsutil_volatile_end(void)
{
	if (volatile_depth)
		volatile_depth--;
}

bool fsutil_volatile(void)
{
	return volatile_depth > 0;
}

int fsync_path(int dirfd, const char *path, struct tug_err *err)
{
	_cleanup_close_ int fd = -1;

	if (volatile_depth)
		return 0;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	if (fsync(fd) < 0)
		return tug_err_sys(err, "fsync %s", path);
	return 0;
}

int fsync_dir_of(int dirfd, const char *path, struct tug_err *err)
{
	char dir[PATH_MAX];
	const char *base;

	split_path(path, dir, sizeof(dir), &base);
	return fsync_path(dirfd, dir, err);
}

int atomic_rename(int dirfd, const char *from, const char *to, struct tug_err *err)
{
	if (renameat(dirfd, from, dirfd, to) < 0)
		return tug_err_sys(err, "rename %s to %s", from, to);
	return fsync_dir_of(dirfd, to, err);
}

int atomic_write_file(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
		      struct tug_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	int fd;

	split_path(name, dir, sizeof(dir), &base);
	if (snprintf(tmp, sizeof(tmp), "%s/" TUG_TMP_PREFIX "%s" TUG_TMP_INFIX "%d", dir, base,
		     (int)getpid()) >= (int)sizeof(tmp))
		return tug_err_set(err, ENAMETOOLONG, "write %s", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return tug_err_sys(err, "write %s: create temp", name);
	if (write_all(fd, buf, len) < 0 || (!volatile_depth && fsync(fd) < 0)) {
		tug_err_sys(err, "write %s", name);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) < 0) {
		tug_err_sys(err, "write %s: close", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		tug_err_sys(err, "write %s: rename", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return fsync_path(dirfd, dir, err);
}

int read_file(int dirfd, const char *name, size_t max, char **out, size_t *len,
	      struct tug_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, used = 0;

	if (fd < 0)
		return tug_err_sys(err, "open %s", name);
	for (;;) {
		ssize_t n;

		/* Room for one byte past max, so an oversize file is seen. */
		if (used + 1 >= cap) {
			size_t want = cap ? cap * 2 : 4096;
			char *nb;

			if (want > max + 2)
				want = max + 2;
			if (want <= cap)
				return tug_err_set(err, EFBIG, "read %s: larger than %zu bytes",
						   name, max);
			nb = realloc(buf, want);
			if (!nb)
				return tug_err_set(err, ENOMEM, "read %s", name);
			buf = nb;
			cap = want;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tug_err_sys(err, "read %s", name);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max)
			return tug_err_set(err, EFBIG, "read %s: larger than %zu bytes", name, max);
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	*out = take_ptr(buf);
	return 0;
}

ssize_t read_kernel_file(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int mkdir_p(const char *path, mode_t mode, struct tug_err *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return tug_err_set(err, ENAMETOOLONG, "mkdir %s", path);
	/* Usually only the last part is missing, or none: one call, not one per part. */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return tug_err_sys(err, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return tug_err_sys(err, "mkdir %s", buf);
	return 0;
}

static int remove_tree_at(int dirfd, const char *name, dev_t dev, struct tug_err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, ret = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : tug_err_sys(err, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return tug_err_sys(err, "remove %s", name);
		return 0;
	}
	if (st.st_dev != dev)
		return tug_err_set(err, EXDEV, "remove %s: a mount point is below", name);
	/* No atime update of a directory about to go (a journaled write on ext4). */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return tug_err_sys(err, "open %s", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_tree_at(fd, de->d_name, dev, err) < 0) {
			ret = tug_err_wrap(err, "%s", name);
			break;
		}
	}
	closedir(d);
	if (ret == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return tug_err_sys(err, "remove %s", name);
	return ret;
}

int remove_tree(int dirfd, const char *name, struct tug_err *err)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : tug_err_sys(err, "stat %s", name);
	return remove_tree_at(dirfd, name, st.st_dev, err);
}

/*
 * Detach the mounts of remove_tree_detached_mounts(): the ones inside path
 * (now at root, its new name), and the files outside it, unlinked after.
 */
static void detach_listed(const char *path, const char *root, const char *const *mounts)
{
	size_t n = strlen(path);
	char p[PATH_MAX];

	for (; mounts && *mounts; mounts++) {
		if (!strncmp(*mounts, path, n) && (*mounts)[n] == '/') {
			snprintf(p, sizeof(p), "%s%s", root, *mounts + n);
			umount2(p, MNT_DETACH);
		} else {
			umount2(*mounts, MNT_DETACH);
			unlink(*mounts);
		}
	}
}

void close_fds_from(int first)
{
	DIR *d;
	struct dirent *e;
	long max;

	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
	d = opendir("/proc/self/fd");
	if (d) {
		/* Closing others' entries while reading is fine; the listing's own fd waits. */
		while ((e = readdir(d))) {
			int fd = atoi(e->d_name);

			if (e->d_name[0] != '.' && fd >= first && fd != dirfd(d))
				close(fd);
		}
		closedir(d);
		return;
	}
	max = sysconf(_SC_OPEN_MAX);
	for (int fd = first; fd < (max > 0 ? max : 1024); fd++)
		close(fd);
}

int remove_tree_detached_mounts(const char *path, const char *const *mounts, struct tug_err *err)
{
	char dir[PATH_MAX], gone[PATH_MAX];
	const char *base;
	pid_t pid;

	split_path(path, dir, sizeof(dir), &base);
	if (snprintf(gone, sizeof(gone), "%s/" TUG_TMP_PREFIX "%s" TUG_GONE_SUFFIX, dir, base) >=
	    (int)sizeof(gone))
		return tug_err_set(err, ENAMETOOLONG, "remove %s", path);
	if (rename(path, gone) < 0) {
		if (errno == ENOENT)
			return 0;
		detach_listed(path, path, mounts);
		return remove_tree(AT_FDCWD, path, err);
	}
	/* A grandchild, so nobody has to reap it but init. */
	pid = fork();
	if (pid == 0) {
		/* Hold none of the caller's files: a client waits for its socket's close. */
		close_fds_from(3);
		if (fork() == 0) {
			struct tug_err ignore;

			/* Clean-up yields the CPU to whoever waits for an answer. */
			setpriority(PRIO_PROCESS, 0, 10);
			detach_listed(path, gone, mounts);
			remove_tree(AT_FDCWD, gone, &ignore);
		}
		_exit(0);
	}
	if (pid < 0) {
		detach_listed(path, gone, mounts);
		return remove_tree(AT_FDCWD, gone, err);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int remove_tree_detached(const char *path, struct tug_err *err)
{
	return remove_tree_detached_mounts(path, NULL, err);
}

static bool is_gone(const char *name);

/*
 * Mounts left on ".gone" entries of dir (a crash between the rename and
 * the grandchild's unmounts): detached, deepest first, so remove_tree(),
 * which does not cross mounts, can take the entries.
 */
static void detach_gone_mounts(const char *dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], *mps[64];
	size_t n = strlen(dir), count = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && count < 64) {
		char *mp = line, *end, comp[NAME_MAX + 1];
		size_t len;

		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			mp = mp ? mp + 1 : NULL;
		}
		if (!mp || !(end = strchr(mp, ' ')))
			continue;
		*end = '\0';
		if (strncmp(mp, dir, n) || mp[n] != '/')
			continue;
		len = strcspn(mp + n + 1, "/");
		if (len > NAME_MAX)
			continue;
		memcpy(comp, mp + n + 1, len);
		comp[len] = '\0';
		if (is_gone(comp))
			mps[count++] = strdup(mp);
	}
	while (count--) {
		umount2(mps[count], MNT_DETACH);
		free(mps[count]);
	}
}

/*
 * Remove every entry of dir that match() picks: -1 when dir cannot be read,
 * or (strict) when an entry could not go.
 */
int open_dir_noatime(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

static int sweep_dir(const char *dir, bool (*match)(const char *name), bool strict,
		     struct tug_err *err)
{
	_cleanup_close_ int fd = open_dir_noatime(AT_FDCWD, dir);
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : tug_err_sys(err, "open %s", dir);
	d = fdopendir(fd);
	if (!d)
		return tug_err_sys(err, "open %s", dir);
	fd = -1;
	while ((de = readdir(d)))
		if (match(de->d_name) && remove_tree(dirfd(d), de->d_name, err) < 0 && strict)
			ret = -1;
	closedir(d);
	return ret;
}

static bool is_gone(const char *name)
{
	size_t n = strlen(name), sl = strlen(TUG_GONE_SUFFIX);

	return name[0] == '.' && n > sl + 1 && !strcmp(name + n - sl, TUG_GONE_SUFFIX);
}

static bool is_temp(const char *name)
{
	return name[0] == '.' && strstr(name, TUG_TMP_INFIX);
}

int sweep_gone(const char *dir, struct tug_err *err)
{
	detach_gone_mounts(dir);
	return sweep_dir(dir, is_gone, true, err);
}

int sweep_temp_files(const char *dir, struct tug_err *err)
{
	/* A temp file that cannot go now is tried at the next start. */
	return sweep_dir(dir, is_temp, false, err);
}

void dir_hint_top(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int flags;

	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
}
