/* /images/... through the image store of core/image. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/commands.h"
#include "core/daemon/logfile.h"
#include "platform/fsutil.h"
#include "core/image/gc.h"
#include "core/image/image.h"
#include "core/image/load.h"
#include "core/image/ref.h"
#include "core/image/save.h"
#include "core/image/layers.h"
#include "core/image/store.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static int64_t created_of(const cJSON *cfg)
{
	return rfc3339_seconds(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")));
}

static cJSON *tags_of(const cJSON *refs, const char *manifest)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(refs, "tags"))
		if (cJSON_IsString(t) && !strcmp(t->valuestring, manifest))
			cJSON_AddItemToArray(a, cJSON_CreateString(t->string));
	return a;
}

void h_img_list(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	cJSON *arr;
	const cJSON *im;

	if (image_store_open(&st, &err) || refs_read(&st, &refs, &err)) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	arr = cJSON_CreateArray();
	cJSON_ArrayForEach(im, cJSON_GetObjectItem(refs, "images")) {
		struct image img = { 0 };
		cJSON *o;

		if (image_read(&st, im->string, &img, &err))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", img.config_digest);
		cJSON_AddStringToObject(o, "ParentId", "");
		cJSON_AddItemToObject(o, "RepoTags", tags_of(refs, im->string));
		cJSON_AddArrayToObject(o, "RepoDigests");
		cJSON_AddNumberToObject(o, "Created", (double)created_of(img.config));
		cJSON_AddNumberToObject(o, "Size", (double)image_size(&st, &img));
		cJSON_AddNumberToObject(o, "SharedSize", -1);
		cJSON_AddNumberToObject(o, "VirtualSize", (double)image_size(&st, &img));
		cJSON_AddObjectToObject(o, "Labels");
		cJSON_AddNumberToObject(o, "Containers", -1);
		cJSON_AddItemToArray(arr, o);
		image_free(&img);
	}
	image_store_close(&st);
	api_reply_json(c, 200, arr);
}

void h_img_load(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	bool quiet = http_query_bool(c->req.query, "quiet");
	struct buf out = { 0 };
	int rc;

	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "load: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	mem = open_memstream(&text, &len);

	if (c->body_fd < 0) {
		api_error(c, 500, "upload lost");
		return;
	}
	lseek(c->body_fd, 0, SEEK_SET);
	rc = image_store_open(&st, &err);
	if (!rc)
		rc = image_load(&st, c->body_fd, mem, &err);
	image_store_close(&st);
	fclose(mem);
	if (rc) {
		free(text);
		api_error(c, 400, "%s", err.msg);
		return;
	}
	/* jsonmessage stream, as the docker CLI prints it. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *m = cJSON_CreateObject();
		char *s;
		struct buf l = { 0 };

		buf_printf(&l, "%s\n", line);
		cJSON_AddStringToObject(m, "stream", buf_head(&l));
		s = cJSON_PrintUnformatted(m);
		buf_printf(&out, "%s\n", s);
		free(s);
		buf_free(&l);
		cJSON_Delete(m);
	}
	(void)quiet;
	api_reply(c, 200, "application/json", buf_head(&out), buf_size(&out));
	buf_free(&out);
	free(text);
	event_emit(d, "image", "load", "", NULL);
}

void h_img_get(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	const char *names[64];
	size_t n = 0;
	char tmpl[600];
	int fd;
	char *q, *save = NULL;

	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "save: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	q = strdup(c->req.query);
	if (c->params[0][0])
		names[n++] = c->params[0];
	for (char *kv = strtok_r(q, "&", &save); kv && n < 64; kv = strtok_r(NULL, "&", &save))
		if (!strncmp(kv, "names=", 6)) {
			http_url_decode(kv + 6, strlen(kv + 6), kv + 6, true);
			names[n++] = kv + 6;
		}
	snprintf(tmpl, sizeof(tmpl), "%s/save-XXXXXX", d->cfg.run_dir);
	fd = mkstemp(tmpl);
	if (fd < 0 || image_store_open(&st, &err)) {
		api_error(c, 500, "cannot save");
		free(q);
		if (fd >= 0)
			close(fd);
		return;
	}
	unlink(tmpl);
	if (image_save(&st, names, n, fd, &err)) {
		image_store_close(&st);
		close(fd);
		free(q);
		api_error(c, err.code == ENOENT ? 404 : 500, "%s", err.msg);
		return;
	}
	image_store_close(&st);
	free(q);
	/* Written synchronously, sent as the client reads it (past the 8 MB a client may lag). */
	api_reply_file(c, 200, "application/x-tar", NULL, fd);
}

/* The store opened, refs read, NAME resolved and read: 0, or -1 with the store closed. */
static int image_open_named(struct image_store *st, cJSON **refs, const char *name,
			    char digest[SHA256_DIGEST_STR_LEN], struct image *img, struct tug_err *err)
{
	*refs = NULL;
	if (image_store_open(st, err))
		return -1;
	if (refs_read(st, refs, err) || image_resolve(st, *refs, name, digest, err) ||
	    image_read(st, digest, img, err)) {
		cJSON_Delete(*refs);
		*refs = NULL;
		image_store_close(st);
		return -1;
	}
	return 0;
}

static void reply_image_error(struct conn *c, const struct tug_err *err, const char *name)
{
	if (err->code == ENOENT)
		api_error(c, 404, "No such image: %s", name);
	else
		api_error(c, 500, "%s", err->msg);
}

void h_img_inspect(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN];
	struct image img = { 0 };
	cJSON *o, *rootfs, *layers;

	if (image_open_named(&st, &refs, c->params[0], digest, &img, &err)) {
		reply_image_error(c, &err, c->params[0]);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", img.config_digest);
	cJSON_AddItemToObject(o, "RepoTags", tags_of(refs, digest));
	cJSON_AddArrayToObject(o, "RepoDigests");
	cJSON_AddStringToObject(o, "Parent", "");
	cJSON_AddStringToObject(o, "Comment", "");
	cJSON_AddStringToObject(o, "Created", cJSON_GetStringValue(cJSON_GetObjectItem(img.config, "created")) ?: "");
	cJSON_AddItemToObject(o, "Config", cJSON_Duplicate(cJSON_GetObjectItem(img.config, "config"), true));
	cJSON_AddStringToObject(o, "Architecture", cJSON_GetStringValue(cJSON_GetObjectItem(img.config, "architecture")) ?: "");
	cJSON_AddStringToObject(o, "Os", "linux");
	cJSON_AddNumberToObject(o, "Size", (double)image_size(&st, &img));
	rootfs = cJSON_AddObjectToObject(o, "RootFS");
	cJSON_AddStringToObject(rootfs, "Type", "layers");
	layers = cJSON_AddArrayToObject(rootfs, "Layers");
	for (size_t i = 0; i < img.nlayers; i++)
		cJSON_AddItemToArray(layers, cJSON_CreateString(img.diff_ids[i]));
	cJSON_AddObjectToObject(o, "Metadata");
	image_free(&img);
	image_store_close(&st);
	api_reply_json(c, 200, o);
}

/*
 * GET /images/{name}/history: the config's history, newest first, as
 * dockerd answers it: the newest entry carries the image ID and its tags,
 * the others "<missing>" (their intermediate images are not in the store,
 * as with any pulled image); an entry that made a layer has that layer's
 * size, an empty_layer one 0. An image without history answers [].
 */
void h_img_history(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN];
	struct image img = { 0 };
	const cJSON *hist, *h;
	size_t layer = 0;
	cJSON *arr;

	if (image_open_named(&st, &refs, c->params[0], digest, &img, &err)) {
		reply_image_error(c, &err, c->params[0]);
		return;
	}
	arr = cJSON_CreateArray();
	hist = cJSON_GetObjectItem(img.config, "history");
	/*
	 * History entries that made a layer match the layers in order, the
	 * last with the top one: a base image without history (a commit on
	 * it adds one entry) leaves the first layers without an entry.
	 */
	cJSON_ArrayForEach (h, hist)
		if (!cJSON_IsTrue(cJSON_GetObjectItem(h, "empty_layer")))
			layer++;
	layer = layer < img.nlayers ? img.nlayers - layer : 0;
	cJSON_ArrayForEach (h, hist) {
		bool empty = cJSON_IsTrue(cJSON_GetObjectItem(h, "empty_layer"));
		cJSON *o = cJSON_CreateObject();
		uint64_t size = 0;

		if (!empty && layer < img.nlayers)
			size = layer_size(&st, img.chain_ids[layer++]);
		cJSON_AddStringToObject(o, "Id", h->next ? "<missing>" : img.config_digest);
		cJSON_AddNumberToObject(o, "Created", (double)created_of(h));
		cJSON_AddStringToObject(o, "CreatedBy",
					cJSON_GetStringValue(cJSON_GetObjectItem(h, "created_by")) ?: "");
		if (h->next)
			cJSON_AddNullToObject(o, "Tags");
		else
			cJSON_AddItemToObject(o, "Tags", tags_of(refs, digest));
		cJSON_AddNumberToObject(o, "Size", (double)size);
		cJSON_AddStringToObject(o, "Comment",
					cJSON_GetStringValue(cJSON_GetObjectItem(h, "comment")) ?: "");
		/* Newest first. */
		if (arr->child)
			cJSON_InsertItemInArray(arr, 0, o);
		else
			cJSON_AddItemToArray(arr, o);
	}
	image_free(&img);
	image_store_close(&st);
	api_reply_json(c, 200, arr);
}

void h_img_tag(struct daemon *d, struct conn *c)
{
	struct image_store st;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN], repo[256] = "", tag[128] = "latest", full[400];
	struct image img = { 0 };
	const char *tags[1] = { full };
	struct image_ref ref;

	http_query_get(c->req.query, "repo", repo, sizeof(repo));
	http_query_get(c->req.query, "tag", tag, sizeof(tag));
	if (!*tag)
		snprintf(tag, sizeof(tag), "latest");
	snprintf(full, sizeof(full), "%s:%s", repo, tag);
	/* The store keeps familiar names: docker.io/library/foo:1 is foo:1. */
	if (image_ref_parse(full, &ref, &err) < 0 || !ref.tag[0] || ref.digest[0]) {
		api_error(c, 400, "%s",
			  ref.digest[0] ? "refusing to create a tag with a digest reference" : err.msg);
		return;
	}
	image_ref_key(&ref, full, sizeof(full));
	if (image_store_open(&st, &err)) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	if (refs_read(&st, &refs, &err) || image_resolve(&st, refs, c->params[0], digest, &err) ||
	    image_read(&st, digest, &img, &err) ||
	    image_register(&st, digest, img.config_digest, tags, 1, &err)) {
		api_error(c, err.code == ENOENT ? 404 : 500, "%s", err.code == ENOENT ? "No such image" : err.msg);
	} else {
		event_emit(d, "image", "tag", img.config_digest, NULL);
		api_reply(c, 201, NULL, NULL, 0);
	}
	image_free(&img);
	image_store_close(&st);
}

void h_img_delete(struct daemon *d, struct conn *c)
{
	char *argv[] = { "rmi", c->params[0], NULL };
	char f[8] = "";
	int rc;

	/* The store's own rmi keeps the rules (tags, leases) in one place. */
	http_query_get(c->req.query, "force", f, sizeof(f));
	{
		struct image_store st;
		struct tug_err err;
		_cleanup_json_ cJSON *refs = NULL;
		char digest[SHA256_DIGEST_STR_LEN];

		if (image_store_open(&st, &err) || refs_read(&st, &refs, &err) ||
		    image_resolve(&st, refs, c->params[0], digest, &err)) {
			image_store_close(&st);
			api_error(c, 404, "No such image: %s", c->params[0]);
			return;
		}
		image_store_close(&st);
	}
	rc = image_cmd_rmi(2, argv);
	if (rc) {
		api_error(c, 409, "conflict: unable to remove %s (in use or failed)", c->params[0]);
		return;
	}
	{
		cJSON *a = cJSON_CreateArray(), *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "Untagged", c->params[0]);
		cJSON_AddItemToArray(a, o);
		event_emit(d, "image", "delete", c->params[0], NULL);
		api_reply_json(c, 200, a);
	}
}

/*
 * Docker's image prune. filters {"dangling":{"true":true}} (the default):
 * untagged images only; dangling=false (docker image prune -a): every
 * image no container holds. Only the dangling filter is known.
 */
void h_img_prune(struct daemon *d, struct conn *c)
{
	char fbuf[2048];
	_cleanup_json_ cJSON *filters = NULL;
	struct image_store st;
	struct gc_stats gs = { 0 };
	struct tug_err err;
	cJSON *rep, *del, *it;
	bool all = false;

	if (http_query_get(c->req.query, "filters", fbuf, sizeof(fbuf)) && *fbuf) {
		filters = cJSON_Parse(fbuf);
		if (!cJSON_IsObject(filters)) {
			api_error(c, 400, "invalid filter '%s'", fbuf);
			return;
		}
		cJSON_ArrayForEach (it, filters)
			if (strcmp(it->string, "dangling")) {
				api_error(c, 400, "invalid filter '%s'", it->string);
				return;
			}
		cJSON_ArrayForEach (it, cJSON_GetObjectItem(filters, "dangling")) {
			const char *v = cJSON_IsString(it) ? it->valuestring : it->string;

			if (v && (!strcmp(v, "false") || !strcmp(v, "0")))
				all = true;
			else if (!v || (strcmp(v, "true") && strcmp(v, "1"))) {
				api_error(c, 400, "invalid filter 'dangling=%s'", v ? v : "");
				return;
			}
		}
	}
	if (image_store_open(&st, &err)) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	rep = cJSON_CreateObject();
	del = cJSON_AddArrayToObject(rep, "ImagesDeleted");
	if (image_prune(&st, all, del, &gs, &err) < 0) {
		image_store_close(&st);
		cJSON_Delete(rep);
		api_error(c, 500, "%s", err.msg);
		return;
	}
	image_store_close(&st);
	cJSON_ArrayForEach (it, del) {
		const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(it, "Untagged"));
		const char *x = cJSON_GetStringValue(cJSON_GetObjectItem(it, "Deleted"));

		event_emit(d, "image", u ? "untag" : "delete", u ? u : x ? x : "", NULL);
	}
	cJSON_AddNumberToObject(rep, "SpaceReclaimed", (double)gs.bytes);
	api_reply_json(c, 200, rep);
}
