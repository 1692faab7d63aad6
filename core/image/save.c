/*
 * `tug save`: a docker-save archive that is also an OCI image layout
 * (blobs/sha256/<hex>, index.json, oci-layout, manifest.json), the shape Docker
 * 25+ writes; `docker load` and `tug load` both read it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/image/image.h"
#include "core/image/save.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static int add_blob(struct image_store *s, struct archive *a, cJSON *written, const char *digest,
		    struct tug_err *err)
{
	char name[128];
	_cleanup_close_ int fd = -1;

	if (cJSON_GetObjectItem(written, digest))
		return 0;
	cJSON_AddTrueToObject(written, digest);
	fd = blob_open(s, digest, err);
	if (fd < 0)
		return -1;
	blob_path(digest, name, sizeof(name));
	return tar_writer_add_fd(a, name, fd, err);
}

static int add_json(struct archive *a, const char *name, const cJSON *j, struct tug_err *err)
{
	_cleanup_free_ char *text = cJSON_PrintUnformatted(j);

	if (!text)
		return tug_err_set(err, ENOMEM, "%s", name);
	return tar_writer_add_buf(a, name, text, strlen(text), err);
}

int image_save(struct image_store *s, const char *const *names, size_t n, int fd,
	       struct tug_err *err)
{
	_cleanup_json_ cJSON *refs = NULL;
	_cleanup_json_ cJSON *written = cJSON_CreateObject();
	_cleanup_json_ cJSON *manifest = cJSON_CreateArray();
	_cleanup_json_ cJSON *index = cJSON_CreateObject();
	cJSON *imans;
	struct archive *a;
	int ret = 0;

	if (refs_read(s, &refs, err) < 0)
		return -1;
	a = tar_writer_open_fd(fd, err);
	if (!a)
		return -1;
	cJSON_AddNumberToObject(index, "schemaVersion", 2);
	cJSON_AddStringToObject(index, "mediaType", MEDIA_OCI_INDEX);
	imans = cJSON_AddArrayToObject(index, "manifests");
	for (size_t i = 0; i < n && !ret; i++) {
		char md[SHA256_DIGEST_STR_LEN], path[128];
		struct image img;
		cJSON *item, *tags, *layers, *desc;
		uint64_t size = 0;

		if (image_resolve(s, refs, names[i], md, err) < 0 || image_read(s, md, &img, err) < 0) {
			ret = -1;
			break;
		}
		item = cJSON_CreateObject();
		cJSON_AddItemToArray(manifest, item);
		blob_path(img.config_digest, path, sizeof(path));
		cJSON_AddStringToObject(item, "Config", path);
		tags = cJSON_AddArrayToObject(item, "RepoTags");
		desc = cJSON_CreateObject();
		cJSON_AddStringToObject(desc, "mediaType", MEDIA_OCI_MANIFEST);
		cJSON_AddStringToObject(desc, "digest", md);
		blob_size(s, md, &size, err);
		cJSON_AddNumberToObject(desc, "size", (double)size);
		cJSON_AddItemToArray(imans, desc);
		{
			const cJSON *t;
			bool first = true;

			cJSON_ArrayForEach(t, cJSON_GetObjectItem(refs, "tags"))
				if (!strcmp(cJSON_GetStringValue(t) ?: "", md)) {
					cJSON_AddItemToArray(tags, cJSON_CreateString(t->string));
					if (first) {
						cJSON *ann = cJSON_AddObjectToObject(desc, "annotations");

						cJSON_AddStringToObject(ann, "io.containerd.image.name",
									t->string);
						first = false;
					}
				}
		}
		layers = cJSON_AddArrayToObject(item, "Layers");
		ret = add_blob(s, a, written, img.config_digest, err);
		for (size_t l = 0; !ret && l < img.nlayers; l++) {
			blob_path(img.layer_blobs[l], path, sizeof(path));
			cJSON_AddItemToArray(layers, cJSON_CreateString(path));
			ret = add_blob(s, a, written, img.layer_blobs[l], err);
		}
		if (!ret)
			ret = add_blob(s, a, written, md, err);
		image_free(&img);
	}
	if (!ret)
		ret = add_json(a, "index.json", index, err);
	if (!ret)
		ret = tar_writer_add_buf(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30,
					 err);
	if (!ret)
		ret = add_json(a, "manifest.json", manifest, err);
	if (ret) {
		struct tug_err ignore;

		tar_writer_close(a, &ignore);
		return tug_err_wrap(err, "save");
	}
	if (tar_writer_close(a, err) < 0)
		return tug_err_wrap(err, "save");
	return 0;
}
