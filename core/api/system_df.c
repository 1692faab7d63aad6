/*
 * docker system df (GET /system/df) and the build cache prune that
 * `docker system prune` sends (POST /build/prune): tug has no builder, so
 * the cache is always empty and the prune answers what dockerd answers
 * with nothing to delete.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/api/api.h"
#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/volume/volume.h"
#include "platform/cleanup.h"
#include "platform/json.h"

/* nftw has no context pointer: one walk at a time (the loop is one thread). */
static uint64_t walk_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
		walk_total += (uint64_t)st->st_size;
	return 0;
}

/* Bytes of the files under dir (apparent sizes, as docker counts them); 0 when missing. */
static uint64_t tree_size(const char *dir)
{
	walk_total = 0;
	nftw(dir, add_size, 16, FTW_PHYS | FTW_MOUNT);
	return walk_total;
}

static int64_t created_of(const cJSON *cfg)
{
	return rfc3339_seconds(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")));
}

static int containers_using(struct daemon *d, const char *image_id)
{
	int n = 0;

	for (struct container *ctr = d->containers; ctr; ctr = ctr->next)
		if (!strcmp(ctr->image_id, image_id))
			n++;
	return n;
}

/* Every image's layers, to tell each layer's users apart (SharedSize, LayersSize). */
struct df_layer {
	char chain[SHA256_DIGEST_STR_LEN];
	uint64_t size;
	int users;
};

static struct df_layer *df_layer_find(struct df_layer *v, size_t n, const char *chain)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].chain, chain))
			return &v[i];
	return NULL;
}

static cJSON *df_images(struct daemon *d, uint64_t *total, struct tug_err *err)
{
	struct image_store st;
	_cleanup_json_ cJSON *refs = NULL;
	_cleanup_free_ struct df_layer *layers = NULL;
	size_t nl = 0, cap = 0;
	cJSON *arr = cJSON_CreateArray(), *o;
	const cJSON *im, *t;

	*total = 0;
	if (image_store_open(&st, err) || refs_read(&st, &refs, err)) {
		cJSON_Delete(arr);
		return NULL;
	}
	/* First pass: each distinct layer once, with how many images use it. */
	cJSON_ArrayForEach(im, cJSON_GetObjectItem(refs, "images")) {
		struct image img = { 0 };

		if (image_read(&st, im->string, &img, err))
			continue;
		for (size_t i = 0; i < img.nlayers; i++) {
			struct df_layer *l = df_layer_find(layers, nl, img.chain_ids[i]);

			if (!l) {
				if (nl == cap) {
					struct df_layer *v = realloc(layers, (cap = cap ? 2 * cap : 16) * sizeof(*v));

					if (!v)
						break;
					layers = v;
				}
				l = &layers[nl++];
				snprintf(l->chain, sizeof(l->chain), "%s", img.chain_ids[i]);
				l->size = layer_size(&st, img.chain_ids[i]);
				l->users = 0;
				*total += l->size;
			}
			l->users++;
		}
		image_free(&img);
	}
	cJSON_ArrayForEach(im, cJSON_GetObjectItem(refs, "images")) {
		struct image img = { 0 };
		uint64_t size = 0, shared = 0;
		cJSON *tags;

		if (image_read(&st, im->string, &img, err))
			continue;
		for (size_t i = 0; i < img.nlayers; i++) {
			struct df_layer *l = df_layer_find(layers, nl, img.chain_ids[i]);

			size += l ? l->size : 0;
			if (l && l->users > 1)
				shared += l->size;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", img.config_digest);
		cJSON_AddStringToObject(o, "ParentId", "");
		tags = cJSON_AddArrayToObject(o, "RepoTags");
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(refs, "tags"))
			if (cJSON_IsString(t) && !strcmp(t->valuestring, im->string))
				cJSON_AddItemToArray(tags, cJSON_CreateString(t->string));
		cJSON_AddArrayToObject(o, "RepoDigests");
		cJSON_AddNumberToObject(o, "Created", (double)created_of(img.config));
		cJSON_AddNumberToObject(o, "Size", (double)size);
		cJSON_AddNumberToObject(o, "SharedSize", (double)shared);
		cJSON_AddNumberToObject(o, "VirtualSize", (double)size);
		cJSON_AddObjectToObject(o, "Labels");
		cJSON_AddNumberToObject(o, "Containers", containers_using(d, img.config_digest));
		cJSON_AddItemToArray(arr, o);
		image_free(&img);
	}
	image_store_close(&st);
	return arr;
}

static cJSON *df_containers(struct daemon *d)
{
	cJSON *arr = cJSON_CreateArray();

	for (struct container *ctr = d->containers; ctr; ctr = ctr->next) {
		cJSON *o = cJSON_CreateObject(), *names, *cmd;
		char dir[600], upper[700];
		const char *path;

		if (ctr->removing) {
			cJSON_Delete(o);
			continue;
		}
		snprintf(upper, sizeof(upper), "%s/upper", ctr_dir(d, ctr, dir, sizeof(dir)));
		cJSON_AddStringToObject(o, "Id", ctr->id);
		names = cJSON_AddArrayToObject(o, "Names");
		cJSON_AddItemToArray(names, cJSON_CreateString(ctr->name));
		cJSON_AddStringToObject(o, "Image", ctr->image);
		cJSON_AddStringToObject(o, "ImageID", ctr->image_id);
		cmd = cJSON_GetObjectItem(ctr->config, "Cmd");
		path = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, 0));
		cJSON_AddStringToObject(o, "Command", path ? path : "");
		cJSON_AddNumberToObject(o, "Created", (double)rfc3339_seconds(ctr->created));
		cJSON_AddNumberToObject(o, "SizeRw", (double)tree_size(upper));
		cJSON_AddNumberToObject(o, "SizeRootFs", 0);
		cJSON_AddStringToObject(o, "State", ctr_state_name(ctr->state));
		cJSON_AddStringToObject(o, "Status", ctr_state_name(ctr->state));
		cJSON_AddObjectToObject(o, "Labels");
		cJSON_AddArrayToObject(o, "Mounts");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *df_volumes(struct daemon *d)
{
	struct volume_store vs;
	struct tug_err err;
	char **names = NULL;
	cJSON *arr = cJSON_CreateArray();

	if (volume_store_open(&vs, d->cfg.state_dir, &err) < 0)
		return arr;
	if (volume_list(&vs, &names, &err) < 0) {
		volume_store_close(&vs);
		return arr;
	}
	for (size_t i = 0; names[i]; i++) {
		cJSON *v = volume_inspect(&vs, names[i], &err), *u;
		char data[4096];

		if (v) {
			volume_data_path(&vs, names[i], data, sizeof(data));
			u = cJSON_AddObjectToObject(v, "UsageData");
			cJSON_AddNumberToObject(u, "Size", (double)tree_size(data));
			cJSON_AddNumberToObject(u, "RefCount",
						cJSON_GetArraySize(cJSON_GetObjectItem(v, "UsedBy")));
			cJSON_DeleteItemFromObject(v, "UsedBy");
			cJSON_AddItemToArray(arr, v);
		}
		free(names[i]);
	}
	free(names);
	volume_store_close(&vs);
	return arr;
}

void h_system_df(struct daemon *d, struct conn *c)
{
	struct tug_err err;
	uint64_t layers;
	cJSON *o, *images = df_images(d, &layers, &err);

	if (!images) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "LayersSize", (double)layers);
	cJSON_AddItemToObject(o, "Images", images);
	cJSON_AddItemToObject(o, "Containers", df_containers(d));
	cJSON_AddItemToObject(o, "Volumes", df_volumes(d));
	cJSON_AddArrayToObject(o, "BuildCache");
	api_reply_json(c, 200, o);
}

void h_build_prune(struct daemon *d, struct conn *c)
{
	cJSON *o = cJSON_CreateObject();

	(void)d;
	cJSON_AddNullToObject(o, "CachesDeleted");
	cJSON_AddNumberToObject(o, "SpaceReclaimed", 0);
	api_reply_json(c, 200, o);
}
