/* The store's layout, lock, blobs, refs index and leases. See store.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define REFS_MAX (16 << 20)

/*
 * Whose temp file is this? tmp/ holds "blob-<pid>-<n>" and "layer-<pid>-<n>",
 * other directories ".<name>.tmp-<pid>" (atomic_write_file). 0: unknown.
 */
static pid_t temp_owner(const char *name)
{
	const char *p = NULL;
	char *end;
	long pid;

	if (!strncmp(name, "blob-", 5))
		p = name + 5;
	else if (!strncmp(name, "layer-", 6))
		p = name + 6;
	else if (name[0] == '.' && (p = strstr(name, TUG_TMP_INFIX)))
		p += strlen(TUG_TMP_INFIX);
	if (!p)
		return 0;
	pid = strtol(p, &end, 10);
	if (end == p || pid <= 0 || (*end && *end != '-'))
		return 0;
	return (pid_t)pid;
}

/*
 * Only leftovers of processes that are gone: the store lock already keeps
 * loads apart, but the state directory is shared (auths.json, the boot
 * manifest...) and a live writer's temp file must never vanish under it.
 */
static bool temp_stale(const char *name, bool anonymous_ok)
{
	pid_t pid = temp_owner(name);

	if (!pid)
		return anonymous_ok;
	return pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

static void sweep_dir(struct image_store *s, const char *dir, bool all_temp)
{
	struct tug_err ignore;
	DIR *d;
	struct dirent *de;
	int fd = open_dir_noatime(s->dirfd, dir);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* Everything in tmp/ is temporary; elsewhere only atomic_write_file's temps. */
		if (!all_temp && !(de->d_name[0] == '.' && strstr(de->d_name, TUG_TMP_INFIX)))
			continue;
		if (temp_stale(de->d_name, all_temp))
			remove_tree(dirfd(d), de->d_name, &ignore);
	}
	closedir(d);
}

static void sweep_tmp(struct image_store *s)
{
	sweep_dir(s, "tmp", true);
	sweep_dir(s, ".", false);
	sweep_dir(s, "leases", false);
}

int image_store_open(struct image_store *s, struct tug_err *err)
{
	static const char *const dirs[] = { "blobs", "blobs/sha256", "layers", "leases", "tmp" };

	memset(s, 0, sizeof(*s));
	s->dirfd = s->lockfd = -1;
	if (snprintf(s->root, sizeof(s->root), "%s", tug_state_dir()) >= (int)sizeof(s->root))
		return tug_err_set(err, ENAMETOOLONG, "state dir");
	if (mkdir_p(s->root, 0700, err) < 0)
		return tug_err_wrap(err, "image store");
	s->dirfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return tug_err_sys(err, "image store: open %s", s->root);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdirat(s->dirfd, dirs[i], 0700) == 0) {
			/*
			 * Layers are unpacked in tmp/: unrelated trees, spread
			 * over the filesystem's block groups (docs/images.md).
			 */
			if (!strcmp(dirs[i], "tmp"))
				dir_hint_top(s->dirfd, dirs[i]);
		} else if (errno != EEXIST) {
			return tug_err_sys(err, "image store: mkdir %s/%s", s->root, dirs[i]);
		}
	}
	s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return tug_err_sys(err, "image store: open lock");
	/* Alone in the store: whatever is in tmp/ is a crashed load's leftovers. */
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) == 0) {
		sweep_tmp(s);
		flock(s->lockfd, LOCK_SH);
	} else if (flock(s->lockfd, LOCK_SH) < 0) {
		return tug_err_sys(err, "image store: lock");
	}
	return 0;
}

void image_store_close(struct image_store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->lockfd = s->dirfd = -1;
}

int image_store_lock_exclusive(struct image_store *s, struct tug_err *err)
{
	if (flock(s->lockfd, LOCK_EX) < 0)
		return tug_err_sys(err, "image store: lock");
	s->exclusive = true;
	sweep_tmp(s);
	return 0;
}

void blob_path(const char *digest, char *out, size_t size)
{
	snprintf(out, size, "blobs/sha256/%s", digest + 7);
}

int blob_writer_open(struct image_store *s, struct blob_writer *w, struct tug_err *err)
{
	static unsigned counter;

	memset(w, 0, sizeof(*w));
	snprintf(w->tmp, sizeof(w->tmp), "tmp/blob-%d-%u", (int)getpid(), counter++);
	w->fd = openat(s->dirfd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return tug_err_sys(err, "spool blob");
	sha256_init(&w->hash);
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct tug_err *err)
{
	if (write_all(w->fd, buf, len) < 0)
		return tug_err_sys(err, "spool blob");
	if (!w->no_hash)
		sha256_update(&w->hash, buf, len);
	w->size += len;
	if (w->size - w->written_back >= WRITEBACK_STEP) {
		/* A hint: an error here shows up at the fsync. */
		sync_file_range(w->fd, (off_t)w->written_back, (off_t)(w->size - w->written_back),
				SYNC_FILE_RANGE_WRITE);
		w->written_back = w->size;
	}
	return 0;
}

void blob_writer_abort(struct image_store *s, struct blob_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlinkat(s->dirfd, w->tmp, 0);
	}
	w->fd = -1;
}

int blob_writer_commit(struct image_store *s, struct blob_writer *w, const char *want,
		       char digest[SHA256_DIGEST_STR_LEN], bool *created, struct tug_err *err)
{
	char path[128];

	sha256_final_str(&w->hash, digest);
	if (created)
		*created = false;
	if (want && strcmp(want, digest)) {
		blob_writer_abort(s, w);
		return tug_err_set(err, EBADMSG, "wrong digest: content is %s, expected %s", digest,
				   want);
	}
	blob_path(digest, path, sizeof(path));
	if (faccessat(s->dirfd, path, F_OK, 0) == 0) {
		blob_writer_abort(s, w);
		return 0;
	}
	if (fsync(w->fd) < 0) {
		tug_err_sys(err, "spool blob: fsync");
		blob_writer_abort(s, w);
		return -1;
	}
	close(w->fd);
	w->fd = -1;
	if (renameat(s->dirfd, w->tmp, s->dirfd, path) < 0) {
		tug_err_sys(err, "store blob %s", digest);
		unlinkat(s->dirfd, w->tmp, 0);
		return -1;
	}
	if (created)
		*created = true;
	return fsync_path(s->dirfd, "blobs/sha256", err);
}

int blob_put(struct image_store *s, const void *buf, size_t len,
	     char digest[SHA256_DIGEST_STR_LEN], struct tug_err *err)
{
	struct blob_writer w;

	if (blob_writer_open(s, &w, err) < 0)
		return -1;
	if (blob_writer_write(&w, buf, len, err) < 0) {
		blob_writer_abort(s, &w);
		return -1;
	}
	return blob_writer_commit(s, &w, NULL, digest, NULL, err);
}

int blob_open(struct image_store *s, const char *digest, struct tug_err *err)
{
	char path[128];
	int fd;

	if (!digest_valid(digest))
		return tug_err_set(err, EINVAL, "invalid digest '%s'", digest);
	blob_path(digest, path, sizeof(path));
	fd = openat(s->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "blob %s", digest);
	return fd;
}

bool blob_exists(struct image_store *s, const char *digest)
{
	char path[128];

	if (!digest_valid(digest))
		return false;
	blob_path(digest, path, sizeof(path));
	return faccessat(s->dirfd, path, F_OK, 0) == 0;
}

int blob_size(struct image_store *s, const char *digest, uint64_t *size, struct tug_err *err)
{
	char path[128];
	struct stat st;

	if (!digest_valid(digest))
		return tug_err_set(err, EINVAL, "invalid digest '%s'", digest);
	blob_path(digest, path, sizeof(path));
	if (fstatat(s->dirfd, path, &st, 0) < 0)
		return tug_err_sys(err, "blob %s", digest);
	*size = (uint64_t)st.st_size;
	return 0;
}

int blob_read_json(struct image_store *s, const char *digest, cJSON **out, struct tug_err *err)
{
	char path[128];
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (!digest_valid(digest))
		return tug_err_set(err, EINVAL, "invalid digest '%s'", digest);
	blob_path(digest, path, sizeof(path));
	if (read_file(s->dirfd, path, 4 << 20, &text, &len, err) < 0)
		return tug_err_wrap(err, "blob %s", digest);
	*out = json_parse(text, len, digest, err);
	return *out ? 0 : -1;
}

static cJSON *refs_empty(void)
{
	cJSON *j = cJSON_CreateObject();

	if (j) {
		cJSON_AddItemToObject(j, "images", cJSON_CreateObject());
		cJSON_AddItemToObject(j, "tags", cJSON_CreateObject());
	}
	return j;
}

/*
 * Drop what tug never writes (flash can still rot): "images" members must be
 * {manifest digest: {"config": digest}}, "tags" members "name:tag": digest.
 * Each dropped entry is reported on out (when set); returns their number.
 */
static int refs_sanitize(cJSON *j, FILE *out)
{
	cJSON *images = cJSON_GetObjectItem(j, "images"), *tags = cJSON_GetObjectItem(j, "tags");
	int bad = 0;

	if (!cJSON_IsObject(images)) {
		if (images && out)
			fprintf(out, "damaged: refs.json: \"images\" is not an object\n");
		bad += images != NULL;
		cJSON_DeleteItemFromObject(j, "images");
		cJSON_AddItemToObject(j, "images", cJSON_CreateObject());
		images = cJSON_GetObjectItem(j, "images");
	}
	if (!cJSON_IsObject(tags)) {
		if (tags && out)
			fprintf(out, "damaged: refs.json: \"tags\" is not an object\n");
		bad += tags != NULL;
		cJSON_DeleteItemFromObject(j, "tags");
		cJSON_AddItemToObject(j, "tags", cJSON_CreateObject());
		tags = cJSON_GetObjectItem(j, "tags");
	}
	for (cJSON *it = images ? images->child : NULL, *next; it; it = next) {
		next = it->next;
		if (it->string && digest_valid(it->string) && cJSON_IsObject(it) &&
		    digest_valid(cJSON_GetStringValue(cJSON_GetObjectItem(it, "config"))))
			continue;
		if (out)
			fprintf(out, "damaged: refs.json: image entry \"%.80s\" is malformed\n",
				it->string ? it->string : "");
		bad++;
		cJSON_Delete(cJSON_DetachItemViaPointer(images, it));
	}
	for (cJSON *it = tags ? tags->child : NULL, *next; it; it = next) {
		next = it->next;
		if (it->string && *it->string && digest_valid(cJSON_GetStringValue(it)))
			continue;
		if (out)
			fprintf(out, "damaged: refs.json: tag \"%.80s\" is malformed\n",
				it->string ? it->string : "");
		bad++;
		cJSON_Delete(cJSON_DetachItemViaPointer(tags, it));
	}
	return bad;
}

int refs_read_report(struct image_store *s, cJSON **out, FILE *report, int *damaged,
		     struct tug_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	cJSON *j;

	*damaged = 0;
	if (read_file(s->dirfd, "refs.json", REFS_MAX, &text, &len, err) < 0) {
		if (err->code != ENOENT)
			return tug_err_wrap(err, "image refs");
		*out = refs_empty();
		return *out ? 0 : tug_err_set(err, ENOMEM, "image refs");
	}
	j = json_parse(text, len, "refs.json", err);
	if (!j)
		return tug_err_wrap(err, "image refs");
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return tug_err_set(err, EINVAL, "image refs: refs.json is not a JSON object");
	}
	*damaged = refs_sanitize(j, report);
	*out = j;
	return 0;
}

int refs_read(struct image_store *s, cJSON **out, struct tug_err *err)
{
	int damaged;

	return refs_read_report(s, out, NULL, &damaged, err);
}

int refs_change(struct image_store *s, refs_change_fn fn, void *arg, struct tug_err *err)
{
	_cleanup_close_ int lock = openat(s->dirfd, "refs.lock", O_RDWR | O_CREAT | O_CLOEXEC,
					   0600);
	_cleanup_json_ cJSON *refs = NULL;

	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return tug_err_sys(err, "image refs: lock");
	if (refs_read(s, &refs, err) < 0)
		return -1;
	if (fn(refs, arg, err) < 0)
		return -1;
	if (json_write_file(s->dirfd, "refs.json", refs, err) < 0)
		return tug_err_wrap(err, "image refs");
	return 0;
}

void layer_dir(const char *chain_id, char *out, size_t size)
{
	snprintf(out, size, "layers/%s", chain_id + 7);
}

bool layer_complete(struct image_store *s, const char *chain_id)
{
	char path[160];

	layer_dir(chain_id, path, sizeof(path));
	strcat(path, "/complete");
	return faccessat(s->dirfd, path, F_OK, 0) == 0;
}

static int holder_valid(const char *h, struct tug_err *err)
{
	if (!*h || strlen(h) > 128 || h[0] == '.')
		return tug_err_set(err, EINVAL, "invalid lease holder '%s'", h);
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
			return tug_err_set(err, EINVAL, "invalid lease holder '%s'", h);
	return 0;
}

int image_lease_add(struct image_store *s, const char *holder, const char *manifest_digest,
		    struct tug_err *err)
{
	char path[200];

	if (holder_valid(holder, err) < 0)
		return -1;
	if (!digest_valid(manifest_digest))
		return tug_err_set(err, EINVAL, "lease: invalid digest '%s'", manifest_digest);
	snprintf(path, sizeof(path), "leases/%s", holder);
	return atomic_write_file(s->dirfd, path, manifest_digest, strlen(manifest_digest), 0600,
				 err);
}

int image_lease_remove(struct image_store *s, const char *holder, struct tug_err *err)
{
	char path[200];

	if (holder_valid(holder, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "leases/%s", holder);
	if (unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
		return tug_err_sys(err, "lease %s", holder);
	return fsync_path(s->dirfd, "leases", err);
}

char *image_lease_holder(struct image_store *s, const char *manifest_digest)
{
	int fd = openat(s->dirfd, "leases", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char *found = NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (!found && (de = readdir(d))) {
		char buf[80] = "";
		int f;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		f = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (n > 0 && !strncmp(buf, manifest_digest, 71))
			found = strdup(de->d_name);
	}
	closedir(d);
	return found;
}
