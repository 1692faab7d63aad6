/*
 * Loading streams the archive once: every file is spooled into the store's
 * tmp/ while hashed and moved into blobs/ under its digest (names that carry
 * a digest must match it). docker save writes manifest.json last, so the
 * images are resolved at the end from the small metadata files kept in
 * memory. Nothing is visible until refs.json is replaced; on failure the
 * blobs and layers this load created are removed again.
 */
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/image/gc.h"
#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/load.h"
#include "core/image/ref.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/unpack.h"

#define META_MAX (4 << 20)
#define MAX_DEPTH 3

struct spooled {
	char *name;
	char *link; /* symlink entries: the path they point at */
	char digest[SHA256_DIGEST_STR_LEN];
};

struct loader {
	struct image_store *s;
	FILE *out;
	struct spooled *files;
	size_t nfiles, capfiles;
	char (*created)[SHA256_DIGEST_STR_LEN]; /* blobs and layers new in this load */
	size_t ncreated, capcreated;
	char (*new_layers)[SHA256_DIGEST_STR_LEN];
	size_t nnew_layers, capnew_layers;
	char *manifest_json, *index_json;
	size_t manifest_len, index_len;
	unsigned loaded;
};

static int push_digest(char (**v)[SHA256_DIGEST_STR_LEN], size_t *n, size_t *cap, const char *d,
		       struct tug_err *err)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, c * SHA256_DIGEST_STR_LEN);

		if (!nv)
			return tug_err_set(err, ENOMEM, "load");
		*v = nv;
		*cap = c;
	}
	snprintf((*v)[(*n)++], SHA256_DIGEST_STR_LEN, "%s", d);
	return 0;
}

static struct spooled *add_file(struct loader *l, const char *name, struct tug_err *err)
{
	if (l->nfiles == l->capfiles) {
		size_t c = l->capfiles ? l->capfiles * 2 : 32;
		struct spooled *n = realloc(l->files, c * sizeof(*n));

		if (!n) {
			tug_err_set(err, ENOMEM, "load");
			return NULL;
		}
		l->files = n;
		l->capfiles = c;
	}
	memset(&l->files[l->nfiles], 0, sizeof(l->files[0]));
	l->files[l->nfiles].name = strdup(name);
	if (!l->files[l->nfiles].name) {
		tug_err_set(err, ENOMEM, "load");
		return NULL;
	}
	return &l->files[l->nfiles++];
}

/* "blobs/sha256/<hex>" and docker's "<hex>.json" name their digest. */
static bool digest_from_name(const char *name, char want[SHA256_DIGEST_STR_LEN])
{
	const char *base = strrchr(name, '/');
	char d[SHA256_DIGEST_STR_LEN];

	base = base ? base + 1 : name;
	if (!strncmp(name, "blobs/sha256/", 13) && strlen(name) == 13 + 64)
		snprintf(d, sizeof(d), "sha256:%s", name + 13);
	else if (base == name && strlen(name) == 69 && !strcmp(name + 64, ".json"))
		snprintf(d, sizeof(d), "sha256:%.64s", name);
	else
		return false;
	if (!digest_valid(d))
		return false;
	memcpy(want, d, sizeof(d));
	return true;
}

static int read_meta(struct archive *a, const char *name, char **buf, size_t *len,
		     struct tug_err *err)
{
	size_t cap = 4096, used = 0;
	char *b = malloc(cap);
	ssize_t n;

	if (!b)
		return tug_err_set(err, ENOMEM, "%s", name);
	for (;;) {
		if (used + 4096 > cap) {
			char *nb;

			if (cap >= META_MAX) {
				free(b);
				return tug_err_set(err, EFBIG, "%s: larger than %d bytes", name,
						   META_MAX);
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return tug_err_set(err, ENOMEM, "%s", name);
			}
			b = nb;
			cap *= 2;
		}
		n = tar_reader_data(a, b + used, cap - used - 1, err);
		if (n < 0) {
			free(b);
			return tug_err_wrap(err, "%s", name);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	b[used] = '\0';
	free(*buf);
	*buf = b;
	*len = used;
	return 0;
}

static int check_free_space(struct loader *l, const char *name, int64_t size, struct tug_err *err)
{
	struct statvfs sv;

	if (size <= 0 || fstatvfs(l->s->dirfd, &sv) < 0)
		return 0;
	if ((uint64_t)size > (uint64_t)sv.f_bavail * sv.f_frsize)
		return tug_err_set(err, ENOSPC, "%s: %lld bytes do not fit in the %llu free", name,
				   (long long)size, (unsigned long long)sv.f_bavail * sv.f_frsize);
	return 0;
}

static int spool(struct loader *l, struct archive *a, const char *name, int64_t size,
		 struct tug_err *err)
{
	_cleanup_free_ char *buf = malloc(64 * 1024);
	struct blob_writer w;
	char want[SHA256_DIGEST_STR_LEN];
	bool has_want = digest_from_name(name, want), created;
	struct spooled *f;
	ssize_t n;

	if (!buf)
		return tug_err_set(err, ENOMEM, "load");
	if (check_free_space(l, name, size, err) < 0)
		return -1;
	if (blob_writer_open(l->s, &w, err) < 0)
		return tug_err_wrap(err, "%s", name);
	while ((n = tar_reader_data(a, buf, 64 * 1024, err)) > 0)
		if (blob_writer_write(&w, buf, (size_t)n, err) < 0)
			break;
	if (n != 0) {
		blob_writer_abort(l->s, &w);
		return tug_err_wrap(err, "%s", name);
	}
	f = add_file(l, name, err);
	if (!f) {
		blob_writer_abort(l->s, &w);
		return -1;
	}
	if (blob_writer_commit(l->s, &w, has_want ? want : NULL, f->digest, &created, err) < 0)
		return tug_err_wrap(err, "%s", name);
	if (created)
		return push_digest(&l->created, &l->ncreated, &l->capcreated, f->digest, err);
	return 0;
}

static bool is_legacy_metadata(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	return !strcmp(base, "json") || !strcmp(base, "VERSION") || !strcmp(name, "repositories") ||
	       !strcmp(name, "oci-layout");
}

static int read_archive(struct loader *l, int fd, struct tug_err *err)
{
	struct archive *a = tar_reader_open_fd(fd, err);
	struct archive_entry *e;
	char name[4096];
	int r, ret = 0;

	if (!a)
		return -1;
	while ((r = tar_reader_next(a, &e, err)) > 0) {
		mode_t type = archive_entry_filetype(e);

		if (unpack_clean_path(archive_entry_pathname(e), name, sizeof(name), err) < 0) {
			ret = -1;
			break;
		}
		if (type == AE_IFLNK) {
			/* docker save links repeated legacy layers: "a/layer.tar -> ../b/layer.tar" */
			struct spooled *f = add_file(l, name, err);
			char target[4096], joined[4096];
			const char *slash = strrchr(name, '/');

			if (!f) {
				ret = -1;
				break;
			}
			snprintf(joined, sizeof(joined), "%.*s%s", slash ? (int)(slash - name + 1) : 0,
				 name, archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
			/* ".." is refused by clean_path; resolve it by hand one level. */
			if (!strncmp(archive_entry_symlink(e) ?: "", "../", 3) && slash)
				snprintf(target, sizeof(target), "%s", archive_entry_symlink(e) + 3);
			else if (unpack_clean_path(joined, target, sizeof(target), err) < 0) {
				ret = -1;
				break;
			}
			f->link = strdup(target);
			continue;
		}
		if (type != AE_IFREG)
			continue;
		if (!strcmp(name, "manifest.json"))
			ret = read_meta(a, name, &l->manifest_json, &l->manifest_len, err);
		else if (!strcmp(name, "index.json"))
			ret = read_meta(a, name, &l->index_json, &l->index_len, err);
		else if (is_legacy_metadata(name))
			continue;
		else
			ret = spool(l, a, name, archive_entry_size(e), err);
		if (ret < 0)
			break;
	}
	if (r < 0)
		ret = -1;
	tar_reader_free(a);
	return ret;
}

static const char *lookup(struct loader *l, const char *name, int depth)
{
	char clean[4096];
	struct tug_err ignore;

	if (!name || depth > 4 || unpack_clean_path(name, clean, sizeof(clean), &ignore) < 0)
		return NULL;
	for (size_t i = 0; i < l->nfiles; i++) {
		if (strcmp(l->files[i].name, clean))
			continue;
		if (l->files[i].link)
			return lookup(l, l->files[i].link, depth + 1);
		return l->files[i].digest;
	}
	return NULL;
}

static const char *layer_media_type(struct loader *l, const char *digest)
{
	unsigned char head[4];
	struct tug_err ignore;
	_cleanup_close_ int fd = blob_open(l->s, digest, &ignore);

	if (fd < 0 || pread(fd, head, 4, 0) != 4)
		return MEDIA_OCI_LAYER;
	if (blob_is_gzip(head, 4))
		return MEDIA_OCI_LAYER_GZIP;
	if (blob_is_squashfs(head, 4))
		return MEDIA_TUG_SQUASHFS;
	return MEDIA_OCI_LAYER;
}

/* Unpack (or find) every layer of a manifest/config pair, verifying diff IDs. */
static int install_layers(struct loader *l, const char *manifest_digest, struct tug_err *err)
{
	struct image img;

	if (image_read(l->s, manifest_digest, &img, err) < 0)
		return -1;
	for (size_t i = 0; i < img.nlayers; i++) {
		bool had = layer_complete(l->s, img.chain_ids[i]);

		if (!blob_exists(l->s, img.layer_blobs[i])) {
			tug_err_set(err, ENOENT, "layer %zu: blob %s is not in the archive", i,
				    img.layer_blobs[i]);
			image_free(&img);
			return -1;
		}
		if (layer_install(l->s, img.layer_blobs[i], img.diff_ids[i], img.chain_ids[i],
				  err) < 0) {
			image_free(&img);
			return -1;
		}
		if (!had)
			push_digest(&l->new_layers, &l->nnew_layers, &l->capnew_layers,
				    img.chain_ids[i], err);
	}
	image_free(&img);
	return 0;
}

static int finish_image(struct loader *l, const char *manifest_digest, const char *const *tags,
			size_t ntags, struct tug_err *err)
{
	struct image img;

	if (install_layers(l, manifest_digest, err) < 0)
		return -1;
	if (image_read(l->s, manifest_digest, &img, err) < 0)
		return -1;
	if (image_register(l->s, manifest_digest, img.config_digest, tags, ntags, err) < 0) {
		image_free(&img);
		return -1;
	}
	for (size_t i = 0; i < ntags; i++)
		fprintf(l->out, "Loaded image: %s\n", tags[i]);
	if (!ntags)
		fprintf(l->out, "Loaded image ID: %s\n", img.config_digest);
	image_free(&img);
	l->loaded++;
	return 0;
}

/* Tag keys from RepoTags or an annotation; invalid ones are errors. */
static int tag_key(const char *s, char *key, size_t size, struct tug_err *err)
{
	struct image_ref ref;

	if (image_ref_parse(s, &ref, err) < 0)
		return -1;
	image_ref_key(&ref, key, size);
	return 0;
}

static int load_docker_item(struct loader *l, const cJSON *item, struct tug_err *err)
{
	const char *cfg_name = cJSON_GetStringValue(cJSON_GetObjectItem(item, "Config"));
	const cJSON *layers = cJSON_GetObjectItem(item, "Layers");
	const cJSON *repotags = cJSON_GetObjectItem(item, "RepoTags"), *it;
	const char *cfg = lookup(l, cfg_name, 0);
	_cleanup_json_ cJSON *m = NULL;
	_cleanup_free_ char *text = NULL;
	char manifest[SHA256_DIGEST_STR_LEN], keys[16][400];
	const char *tags[16];
	size_t ntags = 0;
	uint64_t size;
	cJSON *arr, *d;

	if (!cfg)
		return tug_err_set(err, ENOENT, "manifest.json: config %s is not in the archive",
				   cfg_name ? cfg_name : "(none)");
	if (!cJSON_IsArray(layers))
		return tug_err_set(err, EINVAL, "manifest.json: Layers: expected an array");
	/* An OCI manifest for the image, so the store holds one kind only. */
	m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", MEDIA_OCI_MANIFEST);
	d = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(d, "mediaType", MEDIA_OCI_CONFIG);
	cJSON_AddStringToObject(d, "digest", cfg);
	if (blob_size(l->s, cfg, &size, err) < 0)
		return -1;
	cJSON_AddNumberToObject(d, "size", (double)size);
	arr = cJSON_AddArrayToObject(m, "layers");
	cJSON_ArrayForEach(it, layers) {
		const char *ld = lookup(l, cJSON_GetStringValue(it), 0);

		if (!ld)
			return tug_err_set(err, ENOENT, "manifest.json: layer %s is not in the archive",
					   cJSON_GetStringValue(it) ?: "(none)");
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "mediaType", layer_media_type(l, ld));
		cJSON_AddStringToObject(d, "digest", ld);
		if (blob_size(l->s, ld, &size, err) < 0) {
			cJSON_Delete(d);
			return -1;
		}
		cJSON_AddNumberToObject(d, "size", (double)size);
		cJSON_AddItemToArray(arr, d);
	}
	text = cJSON_PrintUnformatted(m);
	if (!text)
		return tug_err_set(err, ENOMEM, "manifest");
	{
		struct sha256_ctx c;

		sha256_init(&c);
		sha256_update(&c, text, strlen(text));
		sha256_final_str(&c, manifest);
	}
	if (!blob_exists(l->s, manifest)) {
		if (blob_put(l->s, text, strlen(text), manifest, err) < 0)
			return -1;
		push_digest(&l->created, &l->ncreated, &l->capcreated, manifest, err);
	}
	cJSON_ArrayForEach(it, repotags) {
		if (ntags == ARRAY_SIZE(tags))
			break;
		if (!cJSON_GetStringValue(it) ||
		    tag_key(cJSON_GetStringValue(it), keys[ntags], sizeof(keys[0]), err) < 0)
			return tug_err_wrap(err, "manifest.json: RepoTags");
		tags[ntags] = keys[ntags];
		ntags++;
	}
	return finish_image(l, manifest, tags, ntags, err);
}

static int load_docker(struct loader *l, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = json_parse(l->manifest_json, l->manifest_len, "manifest.json", err);
	const cJSON *item;

	if (!j)
		return -1;
	if (!cJSON_IsArray(j))
		return tug_err_set(err, EINVAL, "manifest.json: expected an array");
	cJSON_ArrayForEach(item, j)
		if (load_docker_item(l, item, err) < 0)
			return -1;
	return 0;
}

static int oci_descriptor(struct loader *l, const cJSON *desc, const char *tag, int depth,
			  struct tug_err *err);

static int oci_index(struct loader *l, const cJSON *index, const char *tag, int depth,
		     bool pick_platform, struct tug_err *err)
{
	const cJSON *mans = cJSON_GetObjectItem(index, "manifests"), *m;
	const char *arch, *variant;

	if (!cJSON_IsArray(mans))
		return tug_err_set(err, EINVAL, "index: manifests: expected an array");
	cJSON_ArrayForEach(m, mans) {
		const cJSON *p = cJSON_GetObjectItem(m, "platform");

		if (pick_platform && p &&
		    !image_platform_match(TUG_ARCH,
					  cJSON_GetStringValue(cJSON_GetObjectItem(p, "os")),
					  cJSON_GetStringValue(cJSON_GetObjectItem(p, "architecture")),
					  cJSON_GetStringValue(cJSON_GetObjectItem(p, "variant"))))
			continue;
		if (oci_descriptor(l, m, tag, depth + 1, err) < 0)
			return -1;
		if (pick_platform)
			return 0;
	}
	if (pick_platform) {
		image_platform_of(TUG_ARCH, &arch, &variant);
		return tug_err_set(err, ENOENT, "no image for linux/%s%s%s in the manifest list", arch,
				   *variant ? "/" : "", variant);
	}
	return 0;
}

static const char *annotation_tag(const cJSON *desc)
{
	const cJSON *ann = cJSON_GetObjectItem(desc, "annotations");
	const char *full = cJSON_GetStringValue(cJSON_GetObjectItem(ann, "io.containerd.image.name"));
	const char *ref = cJSON_GetStringValue(cJSON_GetObjectItem(ann, "org.opencontainers.image.ref.name"));

	if (full)
		return full;
	/* A bare tag ("latest") names no repository: the image stays untagged. */
	if (ref && (strchr(ref, ':') || strchr(ref, '/')))
		return ref;
	return NULL;
}

static int oci_descriptor(struct loader *l, const cJSON *desc, const char *tag, int depth,
			  struct tug_err *err)
{
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(desc, "digest"));
	const char *mt = cJSON_GetStringValue(cJSON_GetObjectItem(desc, "mediaType"));
	_cleanup_json_ cJSON *j = NULL;
	char key[400];
	const char *tags[1];

	if (depth > MAX_DEPTH)
		return tug_err_set(err, ELOOP, "index: nested too deep");
	if (!digest_valid(digest))
		return tug_err_set(err, EINVAL, "index: invalid digest '%s'", digest ?: "");
	if (!blob_exists(l->s, digest))
		return tug_err_set(err, ENOENT, "index: %s is not in the archive", digest);
	if (blob_read_json(l->s, digest, &j, err) < 0)
		return -1;
	if (!mt)
		mt = cJSON_GetStringValue(cJSON_GetObjectItem(j, "mediaType"));
	if (mt && (!strcmp(mt, MEDIA_OCI_INDEX) || !strcmp(mt, MEDIA_DOCKER_LIST)))
		return oci_index(l, j, tag, depth, true, err);
	if (!tag)
		return finish_image(l, digest, NULL, 0, err);
	if (tag_key(tag, key, sizeof(key), err) < 0)
		return tug_err_wrap(err, "index annotation");
	tags[0] = key;
	return finish_image(l, digest, tags, 1, err);
}

static int load_oci(struct loader *l, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = json_parse(l->index_json, l->index_len, "index.json", err);
	const cJSON *mans, *m;

	if (!j)
		return -1;
	mans = cJSON_GetObjectItem(j, "manifests");
	if (!cJSON_IsArray(mans))
		return tug_err_set(err, EINVAL, "index.json: manifests: expected an array");
	cJSON_ArrayForEach(m, mans)
		if (oci_descriptor(l, m, annotation_tag(m), 1, err) < 0)
			return -1;
	return 0;
}

/*
 * Take back what a failed load added. A load of the same content may be
 * running beside this one and count on those blobs and layers: they go only
 * if no image or lease reaches them once the other loads are done.
 */
static void undo(struct loader *l)
{
	struct tug_err ignore;

	image_gc_these(l->s, (const char (*)[SHA256_DIGEST_STR_LEN])l->created, l->ncreated,
		       (const char (*)[SHA256_DIGEST_STR_LEN])l->new_layers, l->nnew_layers,
		       &ignore);
}

int image_load(struct image_store *s, int fd, FILE *out, struct tug_err *err)
{
	struct loader l = { .s = s, .out = out };
	int ret;

	ret = read_archive(&l, fd, err);
	if (!ret) {
		if (l.manifest_json)
			ret = load_docker(&l, err);
		else if (l.index_json)
			ret = load_oci(&l, err);
		else
			ret = tug_err_set(err, EINVAL,
					  "not a docker or OCI image archive (no manifest.json or "
					  "index.json)");
	}
	if (!ret && !l.loaded)
		ret = tug_err_set(err, ENOENT, "the archive holds no image");
	if (ret && !l.loaded)
		undo(&l);
	for (size_t i = 0; i < l.nfiles; i++) {
		free(l.files[i].name);
		free(l.files[i].link);
	}
	free(l.files);
	free(l.created);
	free(l.new_layers);
	free(l.manifest_json);
	free(l.index_json);
	return ret ? tug_err_wrap(err, "load") : 0;
}
