/*
 * docker cp: HEAD, GET and PUT /containers/{id}/archive. The container's
 * root is the running container's own view (/proc/PID/root: its volumes
 * and tmpfs mounts included, writes land in its overlay upper dir) or, when
 * it is not running, its overlay mounted on the host. Every path is looked
 * up inside that root (platform/ctrfs.h); archives are written by
 * platform/archive.c and extracted by platform/unpack.c, which refuse
 * entries that leave the destination.
 *
 * The tar is written in the loop (synchronous, like image save) to an
 * unlinked file in the run dir, which is then sent as the client reads it.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core/api/api.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/ctrfs.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/unpack.h"

struct ctr_root {
	int fd;
	char path[700];
};

static int open_root(struct daemon *d, struct container *ctr, struct ctr_root *r,
		     struct tug_err *err)
{
	char dir[600];

	if (ctr_is_running(ctr) && ctr->pid > 0) {
		snprintf(r->path, sizeof(r->path), "/proc/%d/root", (int)ctr->pid);
		r->fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->fd >= 0)
			return 0;
	}
	if (bundle_mount_rootfs(d, ctr, err))
		return tug_err_wrap(err, "mount the root of %s", ctr->name + 1);
	snprintf(r->path, sizeof(r->path), "%s/rootfs", ctr_dir(d, ctr, dir, sizeof(dir)));
	r->fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0)
		return tug_err_sys(err, "open %s", r->path);
	return 0;
}

/* Go's os.FileMode bits, as X-Docker-Container-Path-Stat carries them. */
uint32_t api_go_file_mode(unsigned mode)
{
	uint32_t g = mode & 0777;

	switch (mode & S_IFMT) {
	case S_IFDIR:
		g |= 1u << 31;
		break;
	case S_IFLNK:
		g |= 1u << 27;
		break;
	case S_IFIFO:
		g |= 1u << 25;
		break;
	case S_IFSOCK:
		g |= 1u << 24;
		break;
	case S_IFBLK:
		g |= 1u << 26;
		break;
	case S_IFCHR:
		g |= 1u << 26 | 1u << 21;
		break;
	}
	if (mode & S_ISUID)
		g |= 1u << 23;
	if (mode & S_ISGID)
		g |= 1u << 22;
	if (mode & S_ISVTX)
		g |= 1u << 20;
	return g;
}

/* A symlink's target as an absolute, cleaned path in the container. */
static void link_target(int parent, const char *base, const char *dir, char *out, size_t size)
{
	char link[PATH_MAX], joined[PATH_MAX * 2], d2[PATH_MAX], b2[NAME_MAX + 1];
	struct tug_err ignore;
	ssize_t n = readlinkat(parent, base, link, sizeof(link) - 1);

	*out = '\0';
	if (n < 0)
		return;
	link[n] = '\0';
	snprintf(joined, sizeof(joined), "%s/%s", link[0] == '/' ? "" : dir, link);
	if (ctrfs_split(joined, d2, sizeof(d2), b2, sizeof(b2), &ignore))
		return;
	if (!strcmp(b2, "."))
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%s%s%s", d2, strcmp(d2, "/") ? "/" : "", b2);
}

/* "X-Docker-Container-Path-Stat: <base64 JSON>\r\n" */
static char *path_stat_header(const char *name, const struct stat *st, const char *link)
{
	_cleanup_json_ cJSON *j = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;
	char mtime[64], *hdr;
	struct tm tm;
	size_t n, hsize;
	time_t t = st->st_mtim.tv_sec;

	gmtime_r(&t, &tm);
	n = strftime(mtime, sizeof(mtime), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(mtime + n, sizeof(mtime) - n, ".%09ldZ", (long)st->st_mtim.tv_nsec);
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddNumberToObject(j, "size", (double)st->st_size);
	cJSON_AddNumberToObject(j, "mode", (double)api_go_file_mode(st->st_mode));
	cJSON_AddStringToObject(j, "mtime", mtime);
	cJSON_AddStringToObject(j, "linkTarget", link);
	text = cJSON_PrintUnformatted(j);
	if (!text)
		return NULL;
	n = strlen(text);
	hsize = (n + 2) / 3 * 4 + 64;
	hdr = malloc(hsize);
	if (!hdr)
		return NULL;
	n = (size_t)snprintf(hdr, hsize, "X-Docker-Container-Path-Stat: ");
	http_base64_encode(text, strlen(text), hdr + n, hsize - n - 3);
	strcat(hdr, "\r\n");
	return hdr;
}

static void not_found(struct conn *c, const char *path)
{
	api_error(c, 404, "Could not find the file %s in container %s", path, c->params[0]);
}

/* The path query parameter and its parent opened in the root. */
static int open_parent(struct daemon *d, struct conn *c, struct container *ctr, char *path,
		       size_t psize, char *dir, size_t dsize, char *base, size_t bsize,
		       struct ctr_root *root)
{
	struct tug_err err;
	int fd;

	if (!http_query_get(c->req.query, "path", path, psize) || !*path) {
		api_error(c, 400, "bad parameter: path cannot be empty");
		return -1;
	}
	if (ctrfs_split(path, dir, dsize, base, bsize, &err)) {
		api_error(c, 400, "%s", err.msg);
		return -1;
	}
	if (open_root(d, ctr, root, &err)) {
		api_error(c, 500, "%s", err.msg);
		return -1;
	}
	fd = ctrfs_open_dir(root->fd, root->path, dir, &err);
	if (fd < 0) {
		if (err.code == ENOENT || err.code == ENOTDIR)
			not_found(c, path);
		else
			api_error(c, err.code == ELOOP || err.code == EXDEV ? 400 : 500, "%s: %s",
				  path, strerror(err.code));
		close(root->fd);
	}
	return fd;
}

/* A path ending in "/." asks for a directory's contents: entries under ".". */
static bool wants_contents(const char *path)
{
	size_t n = strlen(path);

	return n >= 2 && !strcmp(path + n - 2, "/.");
}

void h_ctr_archive_get(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	char path[PATH_MAX], dir[PATH_MAX], base[NAME_MAX + 1], link[PATH_MAX] = "", tmpl[600];
	_cleanup_free_ char *hdr = NULL;
	_cleanup_close_ int parent = -1, fd = -1;
	struct ctr_root root = { -1 };
	struct tug_err err;
	struct archive *a;
	struct stat st;
	int rc;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	parent = open_parent(d, c, ctr, path, sizeof(path), dir, sizeof(dir), base, sizeof(base),
			     &root);
	if (parent < 0)
		return;
	close(root.fd);
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			not_found(c, path);
		else
			api_error(c, 500, "stat %s: %s", path, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode))
		link_target(parent, base, dir, link, sizeof(link));
	hdr = path_stat_header(strcmp(base, ".") ? base : "/", &st, link);
	if (!hdr) {
		api_error(c, 500, "out of memory");
		return;
	}
	if (!strcmp(c->req.method, "HEAD")) {
		api_reply_hdr(c, 200, NULL, hdr, NULL, 0);
		return;
	}
	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "docker cp: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/cp-XXXXXX", d->cfg.run_dir);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0) {
		api_error(c, 500, "archive %s: %s", path, strerror(errno));
		return;
	}
	unlink(tmpl);
	a = tar_writer_open_fd(fd, &err);
	rc = a ? tar_writer_add_tree(a, parent, base, wants_contents(path) ? "." : base, &err) : -1;
	if (a && rc) {
		struct tug_err ignore;

		tar_writer_close(a, &ignore);
	} else if (a) {
		rc = tar_writer_close(a, &err);
	}
	if (rc) {
		api_error(c, 500, "archive %s: %s", path, err.msg);
		return;
	}
	event_emit_ctr(d, ctr, "archive-path", NULL, NULL);
	api_reply_file(c, 200, "application/x-tar", hdr, take_fd(fd));
}

void h_ctr_archive_put(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	char path[PATH_MAX], dir[PATH_MAX], base[NAME_MAX + 1], full[PATH_MAX + NAME_MAX + 2];
	_cleanup_close_ int parent = -1, dest = -1;
	struct unpack_opts o = { .literal_whiteouts = true };
	struct unpack_stats us = { 0 };
	struct ctr_root root = { -1 };
	struct tug_err err;
	struct statvfs sv;
	struct archive *a;
	bool ro;
	int rc;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "docker cp: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	if (c->body_fd < 0) {
		api_error(c, 500, "upload lost");
		return;
	}
	parent = open_parent(d, c, ctr, path, sizeof(path), dir, sizeof(dir), base, sizeof(base),
			     &root);
	if (parent < 0)
		return;
	/* The destination itself: symlinks followed, inside the root. */
	snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", base);
	dest = ctrfs_open_dir(root.fd, root.path, strcmp(base, ".") ? full : "/", &err);
	close(root.fd);
	if (dest < 0) {
		if (err.code == ENOTDIR)
			api_error(c, 400, "extraction point is not a directory");
		else if (err.code == ENOENT)
			not_found(c, path);
		else
			api_error(c, 500, "%s: %s", path, strerror(err.code));
		return;
	}
	/* A read-only root refuses, a writable volume under it does not (when running). */
	ro = fstatvfs(dest, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	if (ro || (!ctr_is_running(ctr) &&
		   cJSON_IsTrue(cJSON_GetObjectItem(ctr->host_config, "ReadonlyRootfs")))) {
		api_error(c, 403, "container rootfs is marked read-only");
		return;
	}
	o.keep_dirs = http_query_bool(c->req.query, "noOverwriteDirNonDir");
	/* Without copyUIDGID, docker gives the files to the container's root. */
	o.set_owner = !http_query_bool(c->req.query, "copyUIDGID");
	lseek(c->body_fd, 0, SEEK_SET);
	a = tar_reader_open_fd(c->body_fd, &err);
	if (!a) {
		api_error(c, 400, "%s", err.msg);
		return;
	}
	rc = unpack_tree(a, dest, &o, &us, &err);
	tar_reader_free(a);
	if (rc) {
		api_error(c, err.code == EROFS ? 403 : 400, "%s",
			  err.code == EROFS ? "container rootfs is marked read-only" : err.msg);
		return;
	}
	event_emit_ctr(d, ctr, "extract-to-dir", NULL, NULL);
	api_reply(c, 200, NULL, NULL, 0);
}
