/* Layer unpacking, confined to the layer root. See platform/unpack.h. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/unpack.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."

static bool force_walk;

void unpack_force_walk(bool on)
{
	force_walk = on;
}

/*
 * TUG_UNPACK_NO_OPENAT2=1 takes the path of kernels before 5.6 (no openat2)
 * on any kernel, so tests run the hostile archives through it too.
 */
static bool walk_forced_by_env(void)
{
	static int forced = -1;

	if (forced < 0) {
		const char *v = getenv("TUG_UNPACK_NO_OPENAT2");

		forced = v && *v && strcmp(v, "0");
	}
	return forced;
}

int unpack_clean_path(const char *name, char *out, size_t size, struct tug_err *err)
{
	const char *p = name;
	size_t o = 0;

	if (!name)
		return tug_err_set(err, EINVAL, "refused: entry without a name");
	if (name[0] == '/')
		return tug_err_set(err, EPERM, "refused: %s: absolute path in layer", name);
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return tug_err_set(err, EPERM, "refused: %s: path leaves the layer root (..)",
					   name);
		if (n && !(n == 1 && p[0] == '.')) {
			if (o + n + 2 > size)
				return tug_err_set(err, ENAMETOOLONG, "refused: %s: name too long",
						   name);
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		if (!e)
			break;
		p = e + 1;
	}
	out[o] = '\0';
	return 0;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

enum whiteout_kind unpack_whiteout_kind(const char *clean, char *target, size_t size)
{
	const char *base = base_of(clean);
	int dirlen = (int)(base - clean);

	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return WHITEOUT_NONE;
	if (!strcmp(base, WH_OPAQUE)) {
		snprintf(target, size, "%.*s", dirlen ? dirlen - 1 : 0, clean);
		return WHITEOUT_OPAQUE;
	}
	if (!strncmp(base, WH_META, strlen(WH_META)))
		return WHITEOUT_META;
	snprintf(target, size, "%.*s%s", dirlen, clean, base + strlen(WH_PREFIX));
	return WHITEOUT_FILE;
}

/* Walk dir one component at a time, never following a symlink. */
static int walk_dir(int rootfd, const char *path, bool create, struct tug_err *err)
{
	char buf[PATH_MAX], *save = NULL, *c;
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return tug_err_sys(err, "open layer root");
	snprintf(buf, sizeof(buf), "%s", path);
	for (c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
				tug_err_sys(err, "mkdir %s", path);
				close(fd);
				return -1;
			}
			nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0) {
			struct stat st;
			int e = errno;

			if (e == ELOOP || (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
					   S_ISLNK(st.st_mode)))
				tug_err_set(err, EPERM, "refused: %s: path goes through a symlink",
					    path);
			else
				tug_err_set(err, e, "open %s", path);
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
	}
	return fd;
}

/* Open directory path (relative to the layer root) confined to the root. */
static int open_dir_in_root(int rootfd, const char *path, bool create, struct tug_err *err)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd;

	if (force_walk || walk_forced_by_env() || !*path)
		return walk_dir(rootfd, path, create, err);
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOSYS:
		force_walk = true; /* kernels before 5.6 */
		return walk_dir(rootfd, path, create, err);
	case ENOENT:
		if (create)
			return walk_dir(rootfd, path, create, err);
		return tug_err_sys(err, "open %s", path);
	case ELOOP:
		return tug_err_set(err, EPERM, "refused: %s: path goes through a symlink", path);
	case EXDEV:
		return tug_err_set(err, EPERM, "refused: %s: path crosses a mount", path);
	default:
		return tug_err_sys(err, "open %s", path);
	}
}

/* Split a cleaned path into its parent (opened, created if missing) and base. */
static int open_parent(int rootfd, const char *clean, bool create, const char **base,
		       struct tug_err *err)
{
	char dir[PATH_MAX];
	const char *b = base_of(clean);

	snprintf(dir, sizeof(dir), "%.*s", b == clean ? 0 : (int)(b - clean - 1), clean);
	*base = b;
	return open_dir_in_root(rootfd, dir, create, err);
}

/* Remove whatever sits at parent/base, keeping a directory when keep_dir. */
static int clear_slot(int parent, const char *base, bool keep_dir, struct tug_err *err)
{
	struct stat st;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : tug_err_sys(err, "stat %s", base);
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return tug_err_set(err, EISDIR, "cannot overwrite directory %s with a file",
					   base);
		return remove_tree(parent, base, err);
	}
	if (unlinkat(parent, base, 0) < 0)
		return tug_err_sys(err, "remove %s", base);
	return 0;
}

static int apply_xattrs(struct archive_entry *e, int fd, const char *path, struct tug_err *err)
{
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		if (fsetxattr(fd, name, val, len, 0) < 0) {
			/* user.* on filesystems without support is not worth failing a load. */
			if (errno == ENOTSUP && !strncmp(name, "user.", 5))
				continue;
			return tug_err_sys(err, "%s: set xattr %s", path, name);
		}
	}
	return 0;
}

struct unpacker;
static void entry_owner(const struct unpacker *u, struct archive_entry *e, uid_t *uid, gid_t *gid);

/* Owner, mode, xattrs on an open fd (regular files, directories). */
static int apply_meta_fd(const struct unpacker *u, struct archive_entry *e, int fd,
			 const char *path, bool is_root, struct tug_err *err)
{
	uid_t uid;
	gid_t gid;

	entry_owner(u, e, &uid, &gid);
	if (is_root && fchown(fd, uid, gid) < 0)
		return tug_err_sys(err, "%s: chown", path);
	/* After chown: chown clears setuid bits and security.capability. */
	if (fchmod(fd, archive_entry_perm(e)) < 0)
		return tug_err_sys(err, "%s: chmod", path);
	return apply_xattrs(e, fd, path, err);
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[0].tv_sec = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
	ts[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : 0;
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
}

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpacker {
	int rootfd;
	bool is_root;
	const struct unpack_opts *o;
	struct unpack_stats *st;
	struct dir_time *dirs;
	size_t ndirs, capdirs;
	char buf[64 * 1024];
};

static void entry_owner(const struct unpacker *u, struct archive_entry *e, uid_t *uid, gid_t *gid)
{
	*uid = u->o->set_owner ? u->o->uid : (uid_t)archive_entry_uid(e);
	*gid = u->o->set_owner ? u->o->gid : (gid_t)archive_entry_gid(e);
}

static int remember_dir_time(struct unpacker *u, const char *path, struct archive_entry *e,
			     struct tug_err *err)
{
	if (u->ndirs == u->capdirs) {
		size_t cap = u->capdirs ? u->capdirs * 2 : 64;
		struct dir_time *n = realloc(u->dirs, cap * sizeof(*n));

		if (!n)
			return tug_err_set(err, ENOMEM, "unpack");
		u->dirs = n;
		u->capdirs = cap;
	}
	u->dirs[u->ndirs].path = strdup(path);
	if (!u->dirs[u->ndirs].path)
		return tug_err_set(err, ENOMEM, "unpack");
	entry_times(e, u->dirs[u->ndirs].ts);
	u->ndirs++;
	return 0;
}

#define UNPACK_WRITEBACK_STEP (4 << 20)

static int write_file_data(struct unpacker *u, struct archive *a, int fd, const char *path,
			   struct tug_err *err)
{
	const void *buf;
	size_t len;
	la_int64_t off, end = 0, written_back = 0;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;

		while (len) {
			ssize_t n = pwrite(fd, p, len, off);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return tug_err_sys(err, "write %s", path);
			}
			p += n, len -= (size_t)n, off += n;
			u->st->bytes += (uint64_t)n;
		}
		end = off;
		/*
		 * Big files start their writeback as they go (no waiting): the
		 * sync that makes the layer durable then finds most of it on
		 * disk instead of writing it all at the end. A hint; errors
		 * show up at that sync.
		 */
		if (end - written_back >= UNPACK_WRITEBACK_STEP) {
			sync_file_range(fd, written_back, end - written_back, SYNC_FILE_RANGE_WRITE);
			written_back = end;
		}
	}
	if (r != ARCHIVE_EOF)
		return tug_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "read %s: %s",
				   path, archive_error_string(a) ? archive_error_string(a) : "damaged layer");
	/* Sparse files end in a hole. */
	(void)end;
	return 0;
}

/* Refuse an entry that cannot fit, before writing any of it. */
static int check_space(int fd, int64_t size, const char *path, struct tug_err *err)
{
	struct statvfs sv;

	if (size <= 0 || fstatvfs(fd, &sv) < 0)
		return 0;
	if ((uint64_t)size > (uint64_t)sv.f_bavail * sv.f_frsize)
		return tug_err_set(err, ENOSPC, "%s: %lld bytes do not fit in the %llu free",
				   path, (long long)size,
				   (unsigned long long)sv.f_bavail * sv.f_frsize);
	return 0;
}

static int unpack_regular(struct unpacker *u, struct archive *a, struct archive_entry *e,
			  int parent, const char *base, const char *path, struct tug_err *err)
{
	_cleanup_close_ int fd = -1;
	struct timespec ts[2];
	int64_t size = archive_entry_size(e);

	if (check_space(parent, size, path, err) < 0)
		return -1;
	if (clear_slot(parent, base, u->o->keep_dirs, err) < 0)
		return -1;
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return tug_err_sys(err, "create %s", path);
	if (write_file_data(u, a, fd, path, err) < 0)
		return -1;
	if (size > 0 && ftruncate(fd, size) < 0)
		return tug_err_sys(err, "truncate %s", path);
	if (apply_meta_fd(u, e, fd, path, u->is_root, err) < 0)
		return -1;
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return tug_err_sys(err, "%s: set times", path);
	return 0;
}

static int unpack_dir(struct unpacker *u, struct archive_entry *e, const char *path,
		      struct tug_err *err)
{
	_cleanup_close_ int fd = open_dir_in_root(u->rootfd, path, true, err);

	if (fd < 0)
		return -1;
	if (apply_meta_fd(u, e, fd, path[0] ? path : ".", u->is_root, err) < 0)
		return -1;
	return remember_dir_time(u, path, e, err);
}

/* Symlinks, devices and fifos: created by name, metadata set by name. */
static int unpack_special(struct unpacker *u, struct archive_entry *e, int parent,
			  const char *base, const char *path, struct tug_err *err)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];
	uid_t uid;
	gid_t gid;

	if (clear_slot(parent, base, u->o->keep_dirs, err) < 0)
		return -1;
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		if (!target || !*target)
			return tug_err_set(err, EINVAL, "%s: symlink without a target", path);
		if (symlinkat(target, parent, base) < 0)
			return tug_err_sys(err, "symlink %s", path);
	} else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
		if (mknodat(parent, base, type | archive_entry_perm(e), archive_entry_rdev(e)) < 0)
			return tug_err_sys(err, "mknod %s", path);
	} else {
		return 0; /* sockets mean nothing in an image */
	}
	entry_owner(u, e, &uid, &gid);
	if (u->is_root && fchownat(parent, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return tug_err_sys(err, "%s: chown", path);
	if (type != AE_IFLNK && fchmodat(parent, base, archive_entry_perm(e), 0) < 0)
		return tug_err_sys(err, "%s: chmod", path);
	entry_times(e, ts);
	if (utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return tug_err_sys(err, "%s: set times", path);
	return 0;
}

/* docker cp's rename of the top entry: "a/x" -> "b/x" when from is "a". */
static int rebase(const struct unpack_opts *o, char *path, size_t size, struct tug_err *err)
{
	char tmp[PATH_MAX];
	size_t n;

	if (!o->rebase_from || !o->rebase_to)
		return 0;
	n = strlen(o->rebase_from);
	if (strncmp(path, o->rebase_from, n) || (path[n] && path[n] != '/'))
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s%s", o->rebase_to, path + n) >= (int)size)
		return tug_err_set(err, ENAMETOOLONG, "refused: %s: name too long", path);
	return unpack_clean_path(tmp, path, size, err);
}

static int unpack_hardlink(struct unpacker *u, struct archive_entry *e, int parent,
			   const char *base, const char *path, struct tug_err *err)
{
	char target[PATH_MAX];
	const char *tbase;
	_cleanup_close_ int tparent = -1;
	struct stat st;

	/* The target is renamed as every entry is (docker cp's a -> b). */
	if (unpack_clean_path(archive_entry_hardlink(e), target, sizeof(target), err) < 0 ||
	    rebase(u->o, target, sizeof(target), err) < 0)
		return tug_err_wrap(err, "hardlink %s", path);
	tparent = open_parent(u->rootfd, target, false, &tbase, err);
	if (tparent < 0)
		return tug_err_wrap(err, "refused: hardlink %s to %s: target not in the layer",
				    path, target);
	if (fstatat(tparent, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return tug_err_set(err, EPERM,
				   "refused: hardlink %s to %s: target not in the layer", path,
				   target);
	if (S_ISDIR(st.st_mode))
		return tug_err_set(err, EPERM, "refused: hardlink %s to directory %s", path, target);
	if (!strcmp(target, path))
		return 0;
	if (clear_slot(parent, base, u->o->keep_dirs, err) < 0)
		return -1;
	if (linkat(tparent, tbase, parent, base, 0) < 0)
		return tug_err_sys(err, "link %s to %s", path, target);
	return 0;
}

static int unpack_whiteout(struct unpacker *u, enum whiteout_kind kind, const char *target,
			   struct tug_err *err)
{
	const char *base;
	_cleanup_close_ int fd = -1;

	if (kind == WHITEOUT_OPAQUE) {
		fd = open_dir_in_root(u->rootfd, target, true, err);
		if (fd < 0)
			return -1;
		if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return tug_err_sys(err, "%s: mark opaque (needs root)", target);
		return 0;
	}
	fd = open_parent(u->rootfd, target, true, &base, err);
	if (fd < 0)
		return -1;
	if (clear_slot(fd, base, false, err) < 0)
		return -1;
	if (mknodat(fd, base, S_IFCHR | 0, makedev(0, 0)) < 0)
		return tug_err_sys(err, "%s: whiteout (needs root)", target);
	return 0;
}

static int unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *e,
			struct tug_err *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	_cleanup_close_ int parent = -1;
	enum whiteout_kind wk;

	if (unpack_clean_path(archive_entry_pathname(e), path, sizeof(path), err) < 0)
		return -1;
	if (rebase(u->o, path, sizeof(path), err) < 0)
		return -1;
	u->st->entries++;
	wk = u->o->literal_whiteouts ? WHITEOUT_NONE
				     : unpack_whiteout_kind(path, target, sizeof(target));
	if (wk == WHITEOUT_META)
		return 0;
	if (wk != WHITEOUT_NONE)
		return unpack_whiteout(u, wk, target, err);
	if (!archive_entry_hardlink(e) && archive_entry_filetype(e) == AE_IFDIR)
		return unpack_dir(u, e, path, err);
	if (!path[0])
		return tug_err_set(err, EINVAL, "refused: the layer root is not a directory");
	parent = open_parent(u->rootfd, path, true, &base, err);
	if (parent < 0)
		return -1;
	if (archive_entry_hardlink(e))
		return unpack_hardlink(u, e, parent, base, path, err);
	if (archive_entry_filetype(e) == AE_IFREG)
		return unpack_regular(u, a, e, parent, base, path, err);
	return unpack_special(u, e, parent, base, path, err);
}

/* Directory mtimes last, deepest first: creating children bumps them. */
static void restore_dir_times(struct unpacker *u)
{
	for (size_t i = u->ndirs; i-- > 0;) {
		struct tug_err ignore;
		_cleanup_close_ int fd = open_dir_in_root(u->rootfd, u->dirs[i].path, false, &ignore);

		if (fd >= 0)
			futimens(fd, u->dirs[i].ts);
	}
}

int unpack_layer(struct archive *a, int rootfd, struct unpack_stats *st, struct tug_err *err)
{
	static const struct unpack_opts layer = { 0 };

	return unpack_tree(a, rootfd, &layer, st, err);
}

int unpack_tree(struct archive *a, int rootfd, const struct unpack_opts *o,
		struct unpack_stats *st, struct tug_err *err)
{
	struct unpacker *u = calloc(1, sizeof(*u));
	struct archive_entry *e;
	int r, ret = 0;

	if (!u)
		return tug_err_set(err, ENOMEM, "unpack");
	u->rootfd = rootfd;
	u->is_root = geteuid() == 0;
	u->o = o;
	u->st = st;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (unpack_entry(u, a, e, err) < 0) {
			ret = -1;
			break;
		}
	}
	if (!ret && r != ARCHIVE_EOF)
		ret = tug_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "read layer: %s",
				  archive_error_string(a) ? archive_error_string(a) : "damaged");
	if (!ret)
		restore_dir_times(u);
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	free(u);
	return ret;
}
