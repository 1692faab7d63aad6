/*
 * Manifests and indexes: Docker v2 schema 2 and manifest lists, OCI image
 * manifests and indexes. Pure parsing and platform choice (fuzzed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/registry/internal.h"
#include "platform/json.h"

const char reg_manifest_accept[] = "Accept: " MEDIA_OCI_INDEX "\r\n"
				   "Accept: " MEDIA_DOCKER_LIST "\r\n"
				   "Accept: " MEDIA_OCI_MANIFEST "\r\n"
				   "Accept: " MEDIA_DOCKER_MANIFEST "\r\n";

void reg_manifest_free(struct reg_manifest *m)
{
	free(m->items);
	memset(m, 0, sizeof(*m));
}

static int copy_str(const cJSON *obj, const char *key, char *out, size_t size, bool required,
		    const char *what, struct tug_err *err)
{
	const char *v = NULL;

	if (json_get_str(obj, key, &v, err) < 0)
		return tug_err_wrap(err, "%s", what);
	if (!v) {
		if (required)
			return tug_err_set(err, EINVAL, "%s.%s: missing", what, key);
		out[0] = '\0';
		return 0;
	}
	if (strlen(v) >= size)
		return tug_err_set(err, EINVAL, "%s.%s: too long", what, key);
	snprintf(out, size, "%s", v);
	return 0;
}

static int parse_descriptor(const cJSON *j, struct reg_descriptor *d, const char *what,
			    struct tug_err *err)
{
	const cJSON *plat = NULL, *urls = NULL;

	memset(d, 0, sizeof(*d));
	if (!cJSON_IsObject(j))
		return tug_err_set(err, EINVAL, "%s: expected an object", what);
	if (copy_str(j, "mediaType", d->media_type, sizeof(d->media_type), false, what, err) < 0 ||
	    copy_str(j, "digest", d->digest, sizeof(d->digest), true, what, err) < 0)
		return -1;
	if (!digest_valid(d->digest))
		return tug_err_set(err, EINVAL, "%s.digest: '%s' is not a sha256 digest", what,
				   d->digest);
	d->size = -1;
	if (json_get_int(j, "size", &d->size, err) < 0)
		return tug_err_wrap(err, "%s", what);
	if (d->size < 0)
		return tug_err_set(err, EINVAL, "%s.size: missing or negative", what);
	if (json_get_array(j, "urls", &urls, err) < 0)
		return tug_err_wrap(err, "%s", what);
	d->has_urls = urls && cJSON_GetArraySize(urls) > 0;
	if (json_get_obj(j, "platform", &plat, err) < 0)
		return tug_err_wrap(err, "%s", what);
	if (plat && (copy_str(plat, "os", d->platform.os, sizeof(d->platform.os), false,
			      "platform", err) < 0 ||
		     copy_str(plat, "architecture", d->platform.arch, sizeof(d->platform.arch),
			      false, "platform", err) < 0 ||
		     copy_str(plat, "variant", d->platform.variant, sizeof(d->platform.variant),
			      false, "platform", err) < 0))
		return tug_err_wrap(err, "%s", what);
	return 0;
}

static bool is_index_type(const char *t)
{
	return !strcmp(t, MEDIA_OCI_INDEX) || !strcmp(t, MEDIA_DOCKER_LIST);
}

static bool is_manifest_type(const char *t)
{
	return !strcmp(t, MEDIA_OCI_MANIFEST) || !strcmp(t, MEDIA_DOCKER_MANIFEST);
}

int reg_manifest_parse(const char *body, size_t len, const char *content_type,
		       struct reg_manifest *m, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = NULL;
	const cJSON *arr = NULL, *it;
	int64_t schema = 0;
	char ct[128] = "";
	size_t i = 0;

	memset(m, 0, sizeof(*m));
	if (len > REG_MANIFEST_MAX)
		return tug_err_set(err, EFBIG, "manifest: larger than %d bytes", REG_MANIFEST_MAX);
	j = json_parse(body, len, "manifest", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return tug_err_set(err, EINVAL, "manifest: expected an object");
	if (json_get_int(j, "schemaVersion", &schema, err) < 0)
		return tug_err_wrap(err, "manifest");
	if (schema == 1)
		return tug_err_set(err, ENOTSUP,
				   "manifest: Docker schema 1 manifests are not supported");
	if (schema != 2)
		return tug_err_set(err, EINVAL, "manifest: schemaVersion %lld, expected 2",
				   (long long)schema);
	if (copy_str(j, "mediaType", m->media_type, sizeof(m->media_type), false, "manifest",
		     err) < 0)
		return -1;
	/* The header may carry parameters ("; charset=utf-8"). */
	if (content_type)
		snprintf(ct, sizeof(ct), "%.*s", (int)strcspn(content_type, "; "), content_type);
	if (!m->media_type[0] && (is_index_type(ct) || is_manifest_type(ct)))
		snprintf(m->media_type, sizeof(m->media_type), "%s", ct);
	if (!m->media_type[0]) {
		/* OCI allows no mediaType: tell by the fields. */
		snprintf(m->media_type, sizeof(m->media_type), "%s",
			 cJSON_GetObjectItem(j, "manifests") ? MEDIA_OCI_INDEX
							      : MEDIA_OCI_MANIFEST);
	}
	if (is_index_type(m->media_type)) {
		m->kind = REG_MANIFEST_INDEX;
		if (json_get_array(j, "manifests", &arr, err) < 0)
			return tug_err_wrap(err, "index");
		if (!arr)
			return tug_err_set(err, EINVAL, "index.manifests: missing");
	} else if (is_manifest_type(m->media_type)) {
		m->kind = REG_MANIFEST_IMAGE;
		if (parse_descriptor(cJSON_GetObjectItem(j, "config"), &m->config,
				     "manifest.config", err) < 0)
			return -1;
		if (json_get_array(j, "layers", &arr, err) < 0)
			return tug_err_wrap(err, "manifest");
		if (!arr)
			return tug_err_set(err, EINVAL, "manifest.layers: missing");
	} else {
		return tug_err_set(err, ENOTSUP, "manifest: unsupported media type '%s'",
				   m->media_type);
	}
	m->nitems = (size_t)cJSON_GetArraySize(arr);
	if (m->nitems > (m->kind == REG_MANIFEST_IMAGE ? REG_MAX_LAYERS : 1024)) {
		size_t n = m->nitems;

		m->nitems = 0;
		return tug_err_set(err, E2BIG, "manifest: %zu entries is too many", n);
	}
	m->items = calloc(m->nitems ? m->nitems : 1, sizeof(*m->items));
	if (!m->items)
		return tug_err_set(err, ENOMEM, "manifest");
	cJSON_ArrayForEach(it, arr) {
		char what[40];

		snprintf(what, sizeof(what), "%s[%zu]",
			 m->kind == REG_MANIFEST_INDEX ? "manifests" : "layers", i);
		if (parse_descriptor(it, &m->items[i], what, err) < 0) {
			reg_manifest_free(m);
			return -1;
		}
		i++;
	}
	return 0;
}

/* 1000: exact, 500: variant left open on one side, 100+v: older arm, 0: no fit. */
static int platform_score(const struct reg_platform *have, const struct reg_platform *want)
{
	if (strcmp(have->os[0] ? have->os : "linux", want->os[0] ? want->os : "linux"))
		return 0;
	if (strcmp(have->arch, want->arch))
		return 0;
	if (!strcmp(have->variant, want->variant))
		return 1000;
	/* arm64 images usually omit "v8". */
	if (!have->variant[0] || !want->variant[0])
		return 500;
	/* An arm/v6 image runs on arm/v7 (not the other way). */
	if (!strcmp(want->arch, "arm") && have->variant[0] == 'v' && want->variant[0] == 'v' &&
	    atoi(have->variant + 1) < atoi(want->variant + 1))
		return 100 + atoi(have->variant + 1);
	return 0;
}

int reg_index_select(const struct reg_manifest *idx, const struct reg_platform *want,
		     struct tug_err *err)
{
	int best = -1, best_score = 0;
	char have[512] = "", w[96];
	size_t off = 0;

	for (size_t i = 0; i < idx->nitems; i++) {
		const struct reg_descriptor *d = &idx->items[i];
		int s;

		if (d->media_type[0] && !is_manifest_type(d->media_type))
			continue;
		s = platform_score(&d->platform, want);
		if (s > best_score) {
			best = (int)i;
			best_score = s;
		}
	}
	if (best >= 0)
		return best;
	for (size_t i = 0; i < idx->nitems && off < sizeof(have) - 64; i++) {
		char p[96];

		reg_platform_str(&idx->items[i].platform, p, sizeof(p));
		off += (size_t)snprintf(have + off, sizeof(have) - off, "%s%s", i ? ", " : "", p);
	}
	reg_platform_str(want, w, sizeof(w));
	return tug_err_set(err, ENOENT, "no matching manifest for %s in the manifest list (has %s)",
			   w, idx->nitems ? have : "none");
}
