/*
 * docker diff: GET /containers/{id}/changes, read from the container's
 * overlay upper dir. An entry there is Added unless the image's layers have
 * it (then Changed: overlayfs copies a directory up when something below it
 * changes); a whiteout (character device 0/0) is Deleted, and so is what an
 * opaque directory hides. The files tug writes into every container (/etc/
 * hosts, hostname, resolv.conf) are left out, as docker's are bind mounts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/api/api.h"
#include "platform/cleanup.h"
#include "platform/ctrfs.h"
#include "platform/fsutil.h"

enum { CHANGE_MODIFY, CHANGE_ADD, CHANGE_DELETE };	/* docker's Kind values */
#define CHANGES_MAX_DEPTH 128
#define CHANGES_MAX_LOWERS 128

struct change {
	char *path;
	int kind;
};

struct changes {
	struct change *v;
	size_t n, cap;
	int lowers[CHANGES_MAX_LOWERS];	/* top layer first */
	size_t nlowers;
	bool failed;
};

static void add(struct changes *ch, const char *rel, int kind)
{
	if (ch->n == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 64;
		struct change *v = realloc(ch->v, cap * sizeof(*v));

		if (!v) {
			ch->failed = true;
			return;
		}
		ch->v = v;
		ch->cap = cap;
	}
	if (asprintf(&ch->v[ch->n].path, "/%s", rel) < 0) {
		ch->failed = true;
		return;
	}
	ch->v[ch->n++].kind = kind;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* The topmost layer that has rel decides: present, or hidden by a whiteout. */
static bool in_lowers(const struct changes *ch, const char *rel)
{
	for (size_t i = 0; i < ch->nlowers; i++) {
		struct stat st;

		if (fstatat(ch->lowers[i], rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return !is_whiteout(&st);
	}
	return false;
}

/* An opaque directory hides every lower entry it does not have itself. */
static void hidden_by_opaque(struct changes *ch, int upperfd, const char *rel)
{
	for (size_t i = 0; i < ch->nlowers; i++) {
		int fd =
		    openat(ch->lowers[i], rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;

		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((de = readdir(d))) {
			char child[PATH_MAX];
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    fstatat(upperfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			snprintf(child, sizeof(child), "%s/%s", rel, de->d_name);
			if (in_lowers(ch, child))
				add(ch, child, CHANGE_DELETE);
		}
		closedir(d);
	}
}

static void walk(struct changes *ch, int dirfd, const char *rel, int depth)
{
	int dfd = dup(dirfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		ch->failed = true;
		return;
	}
	while (!ch->failed && (de = readdir(d))) {
		char child[PATH_MAX];
		struct stat st;
		_cleanup_close_ int fd = -1;
		char opaque = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
			(int)sizeof(child) ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (is_whiteout(&st)) {
			add(ch, child, CHANGE_DELETE);
			continue;
		}
		add(ch, child, in_lowers(ch, child) ? CHANGE_MODIFY : CHANGE_ADD);
		if (!S_ISDIR(st.st_mode) || depth >= CHANGES_MAX_DEPTH)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		walk(ch, fd, child, depth + 1);
		if (fgetxattr(fd, "trusted.overlay.opaque", &opaque, 1) == 1 && opaque == 'y')
			hidden_by_opaque(ch, fd, child);
	}
	closedir(d);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path, ((const struct change *)b)->path);
}

/* tug's own /etc files, and /etc itself when nothing else changed in it. */
static bool left_out(const struct changes *ch, size_t i)
{
	static const char *const own[] = { "/etc/hosts", "/etc/hostname", "/etc/resolv.conf" };
	const char *p = ch->v[i].path;

	for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
		if (!strcmp(p, own[k]))
			return true;
	if (strcmp(p, "/etc") || ch->v[i].kind != CHANGE_MODIFY)
		return false;
	for (size_t j = 0; j < ch->n; j++) {
		bool mine = false;

		if (strncmp(ch->v[j].path, "/etc/", 5))
			continue;
		for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
			mine |= !strcmp(ch->v[j].path, own[k]);
		if (!mine)
			return false;
	}
	return true;
}

void h_ctr_changes(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	_cleanup_free_ char *info = NULL;
	char target[700], dir[600], lower[8192], upper[4096];
	struct changes ch = { 0 };
	_cleanup_close_ int upperfd = -1;
	struct tug_err err;
	size_t len;
	cJSON *out;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	if (bundle_mount_rootfs(d, ctr, &err)) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	snprintf(target, sizeof(target), "%s/rootfs", ctr_dir(d, ctr, dir, sizeof(dir)));
	if (read_file(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &info, &len, &err) ||
	    ctrfs_overlay_dirs(info, target, lower, sizeof(lower), upper, sizeof(upper))) {
		/* A read-only root may be its layer bind-mounted (bundle.c): nothing changes. */
		if (info && cJSON_IsTrue(cJSON_GetObjectItem(ctr->host_config, "ReadonlyRootfs"))) {
			api_reply_json(c, 200, cJSON_CreateArray());
			return;
		}
		api_error(c, 500, "changes of %s: its overlay is not mounted", c->params[0]);
		return;
	}
	out = cJSON_CreateArray();
	if (!upper[0]) {
		api_reply_json(c, 200, out); /* read-only root: nothing can change */
		return;
	}
	for (char *save = NULL, *l = strtok_r(lower, ":", &save);
	     l && ch.nlowers < CHANGES_MAX_LOWERS; l = strtok_r(NULL, ":", &save)) {
		int fd = open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0)
			ch.lowers[ch.nlowers++] = fd;
	}
	upperfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (upperfd >= 0)
		walk(&ch, upperfd, "", 0);
	qsort(ch.v, ch.n, sizeof(*ch.v), by_path);
	for (size_t i = 0; i < ch.n; i++) {
		if (!(i && !strcmp(ch.v[i].path, ch.v[i - 1].path)) && !left_out(&ch, i)) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "Path", ch.v[i].path);
			cJSON_AddNumberToObject(o, "Kind", ch.v[i].kind);
			cJSON_AddItemToArray(out, o);
		}
	}
	for (size_t i = 0; i < ch.n; i++)
		free(ch.v[i].path);
	free(ch.v);
	for (size_t i = 0; i < ch.nlowers; i++)
		close(ch.lowers[i]);
	if (ch.failed || upperfd < 0) {
		cJSON_Delete(out);
		api_error(c, 500, "changes of %s: cannot read its upper dir", c->params[0]);
		return;
	}
	api_reply_json(c, 200, out);
}
