/*
 * An overlay upper directory as an image layer tar (docker commit): what
 * overlayfs marks in the upper dir becomes what image layers carry. A
 * whiteout (character device 0/0) is an empty ".wh.<name>" file; an
 * opaque directory (trusted.overlay.opaque "y") gets a ".wh..wh..opq"
 * entry after its own; everything else is archived as it is.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/layer_tar.h"

#define UPPER_MAX_DEPTH 128

static int entry_fail(struct archive *a, struct tug_err *err, const char *what)
{
	const char *msg = archive_error_string(a);

	return tug_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "%s: %s", what,
			   msg ? msg : "write failed");
}

/* A header of its own: an empty file (a whiteout) or a directory from st. */
static int add_header(struct archive *a, const char *name, const struct stat *st,
		      struct tug_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return tug_err_set(err, ENOMEM, "archive entry");
	archive_entry_set_pathname(e, name);
	if (st) {
		archive_entry_copy_stat(e, st);
		archive_entry_set_size(e, 0);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0);
		archive_entry_set_size(e, 0);
	}
	r = archive_write_header(a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : entry_fail(a, err, name);
}

static bool skipped(const char *rel, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(rel, *skip))
			return true;
	return false;
}

static int add_dir(struct archive *a, int parent, const char *prefix, const char *const *skip,
		   int depth, struct tug_err *err)
{
	_cleanup_close_ int fd = dup(parent);
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (depth > UPPER_MAX_DEPTH)
		return tug_err_set(err, ELOOP, "%s: more than %d directories deep", prefix,
				   UPPER_MAX_DEPTH);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		return tug_err_sys(err, "open %s", *prefix ? prefix : "/");
	(void)take_fd(fd);
	while (!ret && (de = readdir(d))) {
		_cleanup_free_ char *rel = NULL;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&rel, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) < 0) {
			rel = NULL;
			ret = tug_err_set(err, ENOMEM, "%s", prefix);
			break;
		}
		if (skipped(rel, skip))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = tug_err_sys(err, "stat %s", rel);
			break;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			_cleanup_free_ char *wh = NULL;

			if (asprintf(&wh, "%s%s.wh.%s", prefix, *prefix ? "/" : "", de->d_name) < 0) {
				wh = NULL;
				ret = tug_err_set(err, ENOMEM, "%s", rel);
				break;
			}
			ret = add_header(a, wh, NULL, err);
		} else if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub =
			    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			char opaque = 0;

			if (sub < 0) {
				ret = tug_err_sys(err, "open %s", rel);
				break;
			}
			ret = add_header(a, rel, &st, err);
			if (!ret && fgetxattr(sub, "trusted.overlay.opaque", &opaque, 1) == 1 &&
			    opaque == 'y') {
				_cleanup_free_ char *opq = NULL;

				if (asprintf(&opq, "%s/.wh..wh..opq", rel) < 0) {
					opq = NULL;
					ret = tug_err_set(err, ENOMEM, "%s", rel);
					break;
				}
				ret = add_header(a, opq, NULL, err);
			}
			if (!ret)
				ret = add_dir(a, sub, rel, skip, depth + 1, err);
		} else {
			ret = tar_writer_add_tree(a, dirfd(d), de->d_name, rel, err);
		}
	}
	closedir(d);
	return ret;
}

int tar_writer_add_upper(struct archive *a, int upperfd, const char *const *skip,
			 struct tug_err *err)
{
	return add_dir(a, upperfd, "", skip, 0, err);
}
