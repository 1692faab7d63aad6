#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/ref.h"
#include "platform/json.h"

void image_free(struct image *img)
{
	if (img->manifest)
		cJSON_Delete(img->manifest);
	if (img->config)
		cJSON_Delete(img->config);
	free(img->layer_blobs);
	free(img->diff_ids);
	free(img->chain_ids);
	memset(img, 0, sizeof(*img));
}

static int copy_digest(const cJSON *item, char out[SHA256_DIGEST_STR_LEN], const char *what,
		       struct tug_err *err)
{
	const char *d = cJSON_GetStringValue(item);

	if (!digest_valid(d))
		return tug_err_set(err, EINVAL, "%s: invalid digest '%s'", what, d ? d : "");
	snprintf(out, SHA256_DIGEST_STR_LEN, "%s", d);
	return 0;
}

int image_read(struct image_store *s, const char *manifest_digest, struct image *img,
	       struct tug_err *err)
{
	const cJSON *cfg, *layers, *rootfs, *diffs;
	size_t n;

	memset(img, 0, sizeof(*img));
	snprintf(img->manifest_digest, sizeof(img->manifest_digest), "%s", manifest_digest);
	if (blob_read_json(s, manifest_digest, &img->manifest, err) < 0)
		goto fail;
	cfg = cJSON_GetObjectItem(img->manifest, "config");
	layers = cJSON_GetObjectItem(img->manifest, "layers");
	if (copy_digest(cJSON_GetObjectItem(cfg, "digest"), img->config_digest, "config", err) < 0)
		goto fail;
	if (!cJSON_IsArray(layers)) {
		tug_err_set(err, EINVAL, "manifest: layers: expected an array");
		goto fail;
	}
	if (blob_read_json(s, img->config_digest, &img->config, err) < 0)
		goto fail;
	rootfs = cJSON_GetObjectItem(img->config, "rootfs");
	diffs = cJSON_GetObjectItem(rootfs, "diff_ids");
	n = (size_t)cJSON_GetArraySize(layers);
	if (!cJSON_IsArray(diffs) || (size_t)cJSON_GetArraySize(diffs) != n) {
		tug_err_set(err, EINVAL, "config: rootfs.diff_ids: %d entries for %zu layers",
			    cJSON_GetArraySize(diffs), n);
		goto fail;
	}
	if (n > IMAGE_MAX_LAYERS) {
		tug_err_set(err, E2BIG, "image has %zu layers (max %d)", n, IMAGE_MAX_LAYERS);
		goto fail;
	}
	img->nlayers = n;
	img->layer_blobs = calloc(n + 1, SHA256_DIGEST_STR_LEN);
	img->diff_ids = calloc(n + 1, SHA256_DIGEST_STR_LEN);
	img->chain_ids = calloc(n + 1, SHA256_DIGEST_STR_LEN);
	if (!img->layer_blobs || !img->diff_ids || !img->chain_ids) {
		tug_err_set(err, ENOMEM, "image");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (copy_digest(cJSON_GetObjectItem(cJSON_GetArrayItem(layers, (int)i), "digest"),
				img->layer_blobs[i], "manifest layer", err) < 0 ||
		    copy_digest(cJSON_GetArrayItem(diffs, (int)i), img->diff_ids[i], "diff_id",
				err) < 0)
			goto fail;
		layer_chain_id(i ? img->chain_ids[i - 1] : NULL, img->diff_ids[i], img->chain_ids[i]);
	}
	return 0;
fail:
	image_free(img);
	return tug_err_wrap(err, "image %.19s", manifest_digest);
}

int image_resolve(struct image_store *s, const cJSON *refs, const char *what,
		  char manifest_digest[SHA256_DIGEST_STR_LEN], struct tug_err *err)
{
	const cJSON *images = cJSON_GetObjectItem(refs, "images");
	const cJSON *tags = cJSON_GetObjectItem(refs, "tags");
	const cJSON *it;
	struct image_ref ref;
	struct tug_err ignore;
	char key[400];
	const char *found = NULL, *found_cfg = NULL;
	int matches = 0;

	/*
	 * An ID or its prefix: config digest (Docker's image ID) or manifest
	 * digest. Manifests that share a config (a loaded image pulled again
	 * through a registry that rewrote its manifest) are one image to Docker:
	 * same config, same layers, so the first one will do.
	 */
	if (image_id_prefix_valid(what)) {
		const char *hex = !strncmp(what, "sha256:", 7) ? what + 7 : what;

		cJSON_ArrayForEach(it, images) {
			const char *cfg = cJSON_GetStringValue(cJSON_GetObjectItem(it, "config"));

			if ((cfg && !strncmp(cfg + 7, hex, strlen(hex))) ||
			    !strncmp(it->string + 7, hex, strlen(hex))) {
				if (found && cfg && found_cfg && !strcmp(cfg, found_cfg))
					continue;
				matches++;
				found = it->string;
				found_cfg = cfg;
			}
		}
		if (matches > 1)
			return tug_err_set(err, EINVAL, "%s: ambiguous image ID prefix", what);
	}
	if (!found && image_ref_parse(what, &ref, &ignore) == 0) {
		if (ref.digest[0]) {
			if (cJSON_GetObjectItem(images, ref.digest))
				found = cJSON_GetObjectItem(images, ref.digest)->string;
		} else {
			image_ref_key(&ref, key, sizeof(key));
			found = cJSON_GetStringValue(cJSON_GetObjectItem(tags, key));
		}
	}
	if (!found)
		return tug_err_set(err, ENOENT, "No such image: %s", what);
	snprintf(manifest_digest, SHA256_DIGEST_STR_LEN, "%s", found);
	(void)s;
	return 0;
}

uint64_t image_size(struct image_store *s, const struct image *img)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < img->nlayers; i++)
		sum += layer_size(s, img->chain_ids[i]);
	return sum;
}

struct register_args {
	const char *manifest, *config;
	const char *const *tags;
	size_t ntags;
};

static int register_change(cJSON *refs, void *arg, struct tug_err *err)
{
	struct register_args *r = arg;
	cJSON *images = cJSON_GetObjectItem(refs, "images");
	cJSON *tags = cJSON_GetObjectItem(refs, "tags");

	if (!cJSON_GetObjectItem(images, r->manifest)) {
		cJSON *rec = cJSON_CreateObject();

		cJSON_AddStringToObject(rec, "config", r->config);
		cJSON_AddNumberToObject(rec, "loaded", (double)time(NULL));
		cJSON_AddItemToObject(images, r->manifest, rec);
	}
	for (size_t i = 0; i < r->ntags; i++) {
		struct image_ref ref;
		char key[400];

		/* Familiar names only: docker.io/library/foo:1 and foo:1 are one tag. */
		if (image_ref_parse(r->tags[i], &ref, err) < 0)
			return -1;
		image_ref_key(&ref, key, sizeof(key));
		if (!*key)
			return tug_err_set(err, EINVAL, "%s: a tag, not a digest, is needed",
					   r->tags[i]);
		cJSON_DeleteItemFromObject(tags, key);
		cJSON_AddStringToObject(tags, key, r->manifest);
	}
	return 0;
}

int image_register(struct image_store *s, const char *manifest_digest, const char *config_digest,
		   const char *const *tags, size_t ntags, struct tug_err *err)
{
	struct register_args r = { manifest_digest, config_digest, tags, ntags };

	return refs_change(s, register_change, &r, err);
}
