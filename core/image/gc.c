#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/image/gc.h"
#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/ref.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

/* The set of reachable names: a cJSON object used as a string set. */
static void mark(cJSON *set, const char *d)
{
	if (!cJSON_GetObjectItem(set, d))
		cJSON_AddTrueToObject(set, d);
}

static void mark_image(struct image_store *s, const char *manifest, cJSON *blobs, cJSON *layers)
{
	struct image img;
	struct tug_err ignore;

	mark(blobs, manifest);
	if (image_read(s, manifest, &img, &ignore) < 0)
		return;
	mark(blobs, img.config_digest);
	for (size_t i = 0; i < img.nlayers; i++) {
		mark(blobs, img.layer_blobs[i]);
		mark(layers, img.chain_ids[i] + 7);
	}
	image_free(&img);
}

static void mark_leases(struct image_store *s, cJSON *blobs, cJSON *layers)
{
	int fd = openat(s->dirfd, "leases", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char buf[80] = "";
		int f;

		if (de->d_name[0] == '.')
			continue;
		f = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		if (read(f, buf, 71) == 71 && digest_valid(buf))
			mark_image(s, buf, blobs, layers);
		close(f);
	}
	closedir(d);
}

static int sweep(struct image_store *s, const char *dir, const char *prefix, cJSON *keep,
		 unsigned *count, uint64_t *bytes, struct tug_err *err)
{
	int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char key[100];

	if (!d) {
		if (fd >= 0)
			close(fd);
		return tug_err_sys(err, "open %s", dir);
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(key, sizeof(key), "%s%s", prefix, de->d_name);
		if (cJSON_GetObjectItem(keep, key))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			char chain[SHA256_DIGEST_STR_LEN], marker[200];

			/* An unpacked layer counts its recorded size; a squashfs one is its blob. */
			snprintf(marker, sizeof(marker), "%s/root", de->d_name);
			snprintf(chain, sizeof(chain), "sha256:%.64s", de->d_name);
			if (S_ISREG(st.st_mode))
				*bytes += (uint64_t)st.st_size;
			else if (S_ISDIR(st.st_mode) && !*prefix &&
				 faccessat(dirfd(d), marker, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
				*bytes += layer_size(s, chain);
		}
		if (remove_tree(dirfd(d), de->d_name, err) == 0)
			(*count)++;
	}
	closedir(d);
	return fsync_path(s->dirfd, dir, err);
}

int image_gc(struct image_store *s, struct gc_stats *st, struct tug_err *err)
{
	_cleanup_json_ cJSON *refs = NULL;
	_cleanup_json_ cJSON *blobs = cJSON_CreateObject();
	_cleanup_json_ cJSON *layers = cJSON_CreateObject();
	const cJSON *it;

	memset(st, 0, sizeof(*st));
	if (!blobs || !layers)
		return tug_err_set(err, ENOMEM, "gc");
	if (image_store_lock_exclusive(s, err) < 0)
		return -1;
	if (refs_read(s, &refs, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images"))
		mark_image(s, it->string, blobs, layers);
	mark_leases(s, blobs, layers);
	if (sweep(s, "blobs/sha256", "sha256:", blobs, &st->blobs, &st->bytes, err) < 0 ||
	    sweep(s, "layers", "", layers, &st->layers, &st->bytes, err) < 0)
		return tug_err_wrap(err, "gc");
	return 0;
}

int image_gc_these(struct image_store *s, const char (*blobs)[SHA256_DIGEST_STR_LEN],
		   size_t nblobs, const char (*layers)[SHA256_DIGEST_STR_LEN], size_t nlayers,
		   struct tug_err *err)
{
	_cleanup_json_ cJSON *refs = NULL;
	_cleanup_json_ cJSON *keep_blobs = cJSON_CreateObject();
	_cleanup_json_ cJSON *keep_layers = cJSON_CreateObject();
	const cJSON *it;
	char path[200];

	if (!keep_blobs || !keep_layers)
		return tug_err_set(err, ENOMEM, "gc");
	if (image_store_lock_exclusive(s, err) < 0 || refs_read(s, &refs, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images"))
		mark_image(s, it->string, keep_blobs, keep_layers);
	mark_leases(s, keep_blobs, keep_layers);
	for (size_t i = 0; i < nlayers; i++) {
		if (cJSON_GetObjectItem(keep_layers, layers[i] + 7))
			continue;
		layer_dir(layers[i], path, sizeof(path));
		if (remove_tree(s->dirfd, path, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < nblobs; i++) {
		if (cJSON_GetObjectItem(keep_blobs, blobs[i]))
			continue;
		blob_path(blobs[i], path, sizeof(path));
		if (unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
			return tug_err_sys(err, "remove %s", path);
	}
	if (fsync_path(s->dirfd, "blobs/sha256", err) < 0 || fsync_path(s->dirfd, "layers", err) < 0)
		return -1;
	return 0;
}

struct prune_args {
	struct image_store *s;
	bool all;
	cJSON *report;
};

static bool has_tag(const cJSON *tags, const char *manifest)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
		if (!strcmp(cJSON_GetStringValue(t) ?: "", manifest))
			return true;
	return false;
}

static void report_item(cJSON *report, const char *key, const char *value)
{
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_AddStringToObject(o, key, value))
		cJSON_AddItemToArray(report, o);
	else
		cJSON_Delete(o);
}

static int prune_change(cJSON *refs, void *arg, struct tug_err *err)
{
	struct prune_args *a = arg;
	cJSON *images = cJSON_GetObjectItem(refs, "images");
	cJSON *tags = cJSON_GetObjectItem(refs, "tags");

	for (cJSON *it = images ? images->child : NULL, *next; it; it = next) {
		const char *cfg = cJSON_GetStringValue(cJSON_GetObjectItem(it, "config"));
		char *holder;

		next = it->next;
		if (!a->all && has_tag(tags, it->string))
			continue;
		holder = image_lease_holder(a->s, it->string);
		if (holder) {
			free(holder);
			continue;
		}
		for (cJSON *t = tags ? tags->child : NULL, *tn; t; t = tn) {
			tn = t->next;
			if (strcmp(cJSON_GetStringValue(t) ?: "", it->string))
				continue;
			report_item(a->report, "Untagged", t->string);
			cJSON_Delete(cJSON_DetachItemViaPointer(tags, t));
		}
		report_item(a->report, "Deleted", cfg ? cfg : it->string);
		cJSON_Delete(cJSON_DetachItemViaPointer(images, it));
	}
	/* A tag whose image is gone (damage `system check` reports) can only be pruned. */
	for (cJSON *t = tags ? tags->child : NULL, *tn; t; t = tn) {
		tn = t->next;
		if (cJSON_GetObjectItem(images, cJSON_GetStringValue(t) ?: ""))
			continue;
		report_item(a->report, "Untagged", t->string);
		cJSON_Delete(cJSON_DetachItemViaPointer(tags, t));
	}
	(void)err;
	return 0;
}

int image_prune(struct image_store *s, bool all, cJSON *report, struct gc_stats *st,
		struct tug_err *err)
{
	struct prune_args a = { .s = s, .all = all, .report = report };

	if (refs_change(s, prune_change, &a, err) < 0 || image_gc(s, st, err) < 0 ||
	    image_partial_sweep(s, all ? 0 : PARTIAL_PRUNE_AGE, st, err) < 0)
		return tug_err_wrap(err, "prune");
	return 0;
}

int image_partial_sweep(struct image_store *s, long max_age, struct gc_stats *st,
			struct tug_err *err)
{
	int fd = openat(s->dirfd, "partial", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	time_t now = time(NULL);
	unsigned removed = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT ? 0 : tug_err_sys(err, "open partial");
	}
	while ((de = readdir(d))) {
		char blob[80];
		struct stat sb;
		int f;

		if (de->d_name[0] == '.')
			continue;
		f = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (f < 0)
			continue;
		snprintf(blob, sizeof(blob), "blobs/sha256/%.64s", de->d_name);
		/*
		 * The lock is held across the unlink: a pull that opened the
		 * file meanwhile gets the lock only after it, sees no link left
		 * and spools into a new file (core/registry/blob.c).
		 */
		if (fstat(f, &sb) == 0 && flock(f, LOCK_EX | LOCK_NB) == 0 &&
		    (now - sb.st_mtime >= max_age || faccessat(s->dirfd, blob, F_OK, 0) == 0) &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0) {
			removed++;
			if (st) {
				st->partials++;
				st->bytes += (uint64_t)sb.st_size;
			}
		}
		close(f);
	}
	closedir(d);
	return removed ? fsync_path(s->dirfd, "partial", err) : 0;
}

static int hash_blob(struct image_store *s, const char *name, char out[SHA256_DIGEST_STR_LEN],
		     struct tug_err *err)
{
	char path[128], buf[64 * 1024];
	_cleanup_close_ int fd = -1;
	struct sha256_ctx c;
	ssize_t n;

	snprintf(path, sizeof(path), "blobs/sha256/%s", name);
	fd = openat(s->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&c, buf, (size_t)n);
	if (n < 0)
		return tug_err_sys(err, "read %s", path);
	sha256_final_str(&c, out);
	return 0;
}

static int check_blobs(struct image_store *s, FILE *out, unsigned *nblobs)
{
	int fd = openat(s->dirfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int bad = 0;

	if (!d) {
		fprintf(out, "damaged: blobs/sha256: cannot be opened\n");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	while ((de = readdir(d))) {
		char want[SHA256_DIGEST_STR_LEN], got[SHA256_DIGEST_STR_LEN];
		struct tug_err e;

		if (de->d_name[0] == '.')
			continue;
		(*nblobs)++;
		snprintf(want, sizeof(want), "sha256:%.64s", de->d_name);
		if (strlen(de->d_name) != 64 || !digest_valid(want)) {
			fprintf(out, "damaged: blob %s: not a sha256 name\n", de->d_name);
			bad++;
		} else if (hash_blob(s, de->d_name, got, &e) < 0) {
			char msg[1200];

			fprintf(out, "damaged: blob %s: %s\n", want, tug_err_str(&e, msg, sizeof(msg)));
			bad++;
		} else if (strcmp(got, want)) {
			fprintf(out, "damaged: blob %s: content hashes to %s\n", want, got);
			bad++;
		}
	}
	closedir(d);
	return bad;
}

static int check_layers_dir(struct image_store *s, FILE *out, unsigned *nlayers)
{
	int fd = openat(s->dirfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int bad = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		char chain[SHA256_DIGEST_STR_LEN];

		if (de->d_name[0] == '.')
			continue;
		(*nlayers)++;
		snprintf(chain, sizeof(chain), "sha256:%.64s", de->d_name);
		if (!layer_complete(s, chain)) {
			fprintf(out, "damaged: layer %s: no completion marker\n", de->d_name);
			bad++;
		}
	}
	closedir(d);
	return bad;
}

static int check_image(struct image_store *s, const char *manifest, FILE *out)
{
	struct image img;
	struct tug_err e;
	char msg[1200];
	int bad = 0;

	if (!blob_exists(s, manifest)) {
		fprintf(out, "damaged: image %s: manifest blob missing\n", manifest);
		return 1;
	}
	if (image_read(s, manifest, &img, &e) < 0) {
		fprintf(out, "damaged: %s\n", tug_err_str(&e, msg, sizeof(msg)));
		return 1;
	}
	for (size_t i = 0; i < img.nlayers; i++) {
		if (!blob_exists(s, img.layer_blobs[i])) {
			fprintf(out, "damaged: image %s: layer blob %s missing\n", manifest,
				img.layer_blobs[i]);
			bad++;
		}
		if (!layer_complete(s, img.chain_ids[i])) {
			fprintf(out, "damaged: image %s: layer %s is missing or incomplete "
				"(layers/%.64s)\n", manifest, img.chain_ids[i], img.chain_ids[i] + 7);
			bad++;
		}
	}
	image_free(&img);
	return bad;
}

int image_check(struct image_store *s, FILE *out, struct tug_err *err)
{
	_cleanup_json_ cJSON *refs = NULL;
	const cJSON *it, *images;
	unsigned nblobs = 0, nlayers = 0, nimages = 0;
	int bad = 0;

	if (refs_read_report(s, &refs, out, &bad, err) < 0) {
		char msg[1200];

		fprintf(out, "damaged: refs.json: %s\n", tug_err_str(err, msg, sizeof(msg)));
		return 1;
	}
	images = cJSON_GetObjectItem(refs, "images");
	bad += check_blobs(s, out, &nblobs);
	bad += check_layers_dir(s, out, &nlayers);
	cJSON_ArrayForEach(it, images) {
		nimages++;
		bad += check_image(s, it->string, out);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "tags")) {
		const char *m = cJSON_GetStringValue(it);

		if (!m || !cJSON_GetObjectItem(images, m)) {
			fprintf(out, "damaged: tag %s points at unknown image %s\n", it->string,
				m ? m : "(none)");
			bad++;
		}
	}
	if (!bad)
		fprintf(out, "ok: %u images, %u blobs, %u layers verified\n", nimages, nblobs,
			nlayers);
	return bad;
}
