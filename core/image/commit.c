/* docker commit's image side: --change lines, the merged config, the store writes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/image/commit.h"
#include "core/image/image.h"
#include "core/image/layers.h"
#include "platform/cleanup.h"
#include "platform/json.h"

#define CHANGE_MAX_WORDS 64

/*
 * Split on blanks; double quotes group, a backslash escapes the next
 * character. Words point into buf (a copy of s). -1 on an open quote.
 */
static int split_words(const char *s, char *buf, char **words, int max)
{
	int n = 0;
	char *o = buf;

	while (*s) {
		bool quoted = false;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == max)
			return -1;
		words[n++] = o;
		while (*s && (quoted || !isspace((unsigned char)*s))) {
			if (*s == '"') {
				quoted = !quoted;
				s++;
			} else if (*s == '\\' && s[1]) {
				*o++ = s[1];
				s += 2;
			} else {
				*o++ = *s++;
			}
		}
		if (quoted)
			return -1;
		*o++ = '\0';
	}
	return n;
}

static void set_item(cJSON *obj, const char *key, cJSON *v)
{
	if (cJSON_GetObjectItem(obj, key))
		cJSON_ReplaceItemInObject(obj, key, v);
	else
		cJSON_AddItemToObject(obj, key, v);
}

static cJSON *get_or_add_object(cJSON *obj, const char *key)
{
	cJSON *o = cJSON_GetObjectItem(obj, key);

	if (cJSON_IsObject(o))
		return o;
	o = cJSON_CreateObject();
	set_item(obj, key, o);
	return o;
}

/* CMD/ENTRYPOINT/VOLUME: a JSON array of strings, or the shell form. */
static cJSON *exec_form(const char *rest, bool shell, struct tug_err *err)
{
	cJSON *a, *it;

	if (*rest == '[') {
		a = cJSON_Parse(rest);
		if (!cJSON_IsArray(a)) {
			cJSON_Delete(a);
			return tug_err_set(err, EINVAL, "%s: not a JSON array of strings", rest), NULL;
		}
		cJSON_ArrayForEach(it, a)
			if (!cJSON_IsString(it)) {
				cJSON_Delete(a);
				return tug_err_set(err, EINVAL, "%s: not a JSON array of strings", rest),
				       NULL;
			}
		return a;
	}
	a = cJSON_CreateArray();
	if (shell) {
		cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
		cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
	}
	cJSON_AddItemToArray(a, cJSON_CreateString(rest));
	return a;
}

/* Env holds "K=V" strings: replace K's or add it. */
static void env_set(cJSON *cfg, const char *kv)
{
	cJSON *env = cJSON_GetObjectItem(cfg, "Env"), *it;
	size_t klen = strcspn(kv, "=");
	int i = 0;

	if (!cJSON_IsArray(env)) {
		env = cJSON_CreateArray();
		set_item(cfg, "Env", env);
	}
	cJSON_ArrayForEach(it, env) {
		const char *s = cJSON_GetStringValue(it);

		if (s && !strncmp(s, kv, klen) && (s[klen] == '=' || !s[klen])) {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

/* ENV and LABEL: "K=V K2=V2", or the old "K V with spaces". */
static int pairs(cJSON *cfg, bool env, char **w, int n, const char *rest, struct tug_err *err)
{
	char kv[4096];

	if (!strchr(w[0], '=')) {
		const char *v = rest + strcspn(rest, " \t");

		if (env && n < 2)
			return tug_err_set(err, EINVAL, "ENV names can not be blank");
		while (isspace((unsigned char)*v))
			v++;
		snprintf(kv, sizeof(kv), "%s=%s", w[0], v);
		if (env)
			env_set(cfg, kv);
		else
			set_item(get_or_add_object(cfg, "Labels"), w[0], cJSON_CreateString(v));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i])
			return tug_err_set(err, EINVAL, "%s: expected KEY=VALUE", w[i]);
		if (env) {
			env_set(cfg, w[i]);
		} else {
			*eq = '\0';
			set_item(get_or_add_object(cfg, "Labels"), w[i], cJSON_CreateString(eq + 1));
		}
	}
	return 0;
}

int image_commit_change(cJSON *cfg, const char *line, struct tug_err *err)
{
	char cmd[16], buf[4096], *w[CHANGE_MAX_WORDS];
	const char *rest;
	size_t clen;
	int n;

	while (isspace((unsigned char)*line))
		line++;
	clen = strcspn(line, " \t");
	rest = line + clen;
	while (isspace((unsigned char)*rest))
		rest++;
	if (!clen || clen >= sizeof(cmd) || strlen(rest) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "%s is not a valid change command", line);
	for (size_t i = 0; i < clen; i++)
		cmd[i] = (char)toupper((unsigned char)line[i]);
	cmd[clen] = '\0';
	if (!*rest)
		return tug_err_set(err, EINVAL, "%s requires at least one argument", cmd);
	n = split_words(rest, buf, w, CHANGE_MAX_WORDS);
	if (n <= 0)
		return tug_err_set(err, EINVAL, "%s: unbalanced quotes or too many words", line);
	if (!strcmp(cmd, "CMD") || !strcmp(cmd, "ENTRYPOINT")) {
		cJSON *a = exec_form(rest, true, err);

		if (!a)
			return -1;
		set_item(cfg, !strcmp(cmd, "CMD") ? "Cmd" : "Entrypoint", a);
	} else if (!strcmp(cmd, "ENV") || !strcmp(cmd, "LABEL")) {
		return pairs(cfg, cmd[0] == 'E', w, n, rest, err);
	} else if (!strcmp(cmd, "WORKDIR")) {
		const char *old = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "WorkingDir"));
		char dir[4096];

		if (w[0][0] == '/' || !old || !*old)
			snprintf(dir, sizeof(dir), "%s%s", w[0][0] == '/' ? "" : "/", w[0]);
		else
			snprintf(dir, sizeof(dir), "%s/%s", old, w[0]);
		set_item(cfg, "WorkingDir", cJSON_CreateString(dir));
	} else if (!strcmp(cmd, "USER") || !strcmp(cmd, "STOPSIGNAL")) {
		if (n != 1)
			return tug_err_set(err, EINVAL, "%s requires exactly one argument", cmd);
		set_item(cfg, cmd[0] == 'U' ? "User" : "StopSignal", cJSON_CreateString(w[0]));
	} else if (!strcmp(cmd, "EXPOSE")) {
		cJSON *ports = get_or_add_object(cfg, "ExposedPorts");

		for (int i = 0; i < n; i++) {
			char key[64], *end;
			unsigned long p = strtoul(w[i], &end, 10);
			const char *proto = *end == '/' ? end + 1 : "tcp";

			if (end == w[i] || p == 0 || p > 65535 || (*end && *end != '/') ||
			    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
				return tug_err_set(err, EINVAL, "invalid port: %s", w[i]);
			snprintf(key, sizeof(key), "%lu/%s", p, proto);
			if (!cJSON_GetObjectItem(ports, key))
				cJSON_AddObjectToObject(ports, key);
		}
	} else if (!strcmp(cmd, "VOLUME")) {
		cJSON *vols = get_or_add_object(cfg, "Volumes"), *a = NULL, *it;

		if (*rest == '[') {
			a = exec_form(rest, false, err);
			if (!a)
				return -1;
			cJSON_ArrayForEach(it, a)
				if (!cJSON_GetObjectItem(vols, it->valuestring))
					cJSON_AddObjectToObject(vols, it->valuestring);
			cJSON_Delete(a);
		} else {
			for (int i = 0; i < n; i++)
				if (!cJSON_GetObjectItem(vols, w[i]))
					cJSON_AddObjectToObject(vols, w[i]);
		}
	} else {
		return tug_err_set(err, EINVAL, "%s is not a valid change command", line);
	}
	return 0;
}

cJSON *image_commit_config(const cJSON *image_cfg, const cJSON *ctr_cfg)
{
	static const char *const replaced[] = { "Cmd", "Entrypoint", "WorkingDir", "User",
						"StopSignal" };
	static const char *const merged[] = { "Labels", "ExposedPorts", "Volumes" };
	cJSON *cfg = cJSON_IsObject(image_cfg) ? cJSON_Duplicate(image_cfg, true)
					       : cJSON_CreateObject();
	const cJSON *v, *it;

	for (size_t i = 0; i < ARRAY_SIZE(replaced); i++) {
		v = cJSON_GetObjectItem(ctr_cfg, replaced[i]);
		if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring) ||
		    (cJSON_IsArray(v) && !cJSON_GetArraySize(v)))
			continue;
		/* Docker takes a string Cmd as one word. */
		if (cJSON_IsString(v) && (i == 0 || i == 1)) {
			cJSON *a = cJSON_CreateArray();

			cJSON_AddItemToArray(a, cJSON_CreateString(v->valuestring));
			set_item(cfg, replaced[i], a);
			continue;
		}
		set_item(cfg, replaced[i], cJSON_Duplicate(v, true));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(ctr_cfg, "Env"))
		if (cJSON_IsString(it) && *it->valuestring)
			env_set(cfg, it->valuestring);
	for (size_t i = 0; i < ARRAY_SIZE(merged); i++) {
		v = cJSON_GetObjectItem(ctr_cfg, merged[i]);
		if (!cJSON_IsObject(v) || !v->child)
			continue;
		cJSON_ArrayForEach(it, v)
			set_item(get_or_add_object(cfg, merged[i]), it->string,
				 cJSON_Duplicate(it, true));
	}
	return cfg;
}

/* layer_fd's bytes into a blob (an uncompressed tar: its digest is its diff ID). */
static int put_layer(struct image_store *s, int layer_fd, char digest[SHA256_DIGEST_STR_LEN],
		     uint64_t *size, struct tug_err *err)
{
	struct blob_writer w;
	char buf[65536];
	ssize_t n;

	if (lseek(layer_fd, 0, SEEK_SET) < 0)
		return tug_err_sys(err, "layer");
	if (blob_writer_open(s, &w, err) < 0)
		return -1;
	while ((n = read(layer_fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			blob_writer_abort(s, &w);
			return tug_err_sys(err, "read the layer");
		}
		if (blob_writer_write(&w, buf, (size_t)n, err) < 0) {
			blob_writer_abort(s, &w);
			return -1;
		}
	}
	*size = w.size;
	return blob_writer_commit(s, &w, NULL, digest, NULL, err);
}

static void now_rfc3339(char out[40])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

static cJSON *descriptor(const char *media, const char *digest, uint64_t size)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "mediaType", media);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

/* The new image's config blob: the base's, with the layer and history added. */
static int put_config(struct image_store *s, const struct image *base, const char *diff_id,
		      const struct image_commit_opts *o, char digest[SHA256_DIGEST_STR_LEN],
		      uint64_t *size, struct tug_err *err)
{
	_cleanup_json_ cJSON *c = cJSON_Duplicate(base->config, true);
	_cleanup_free_ char *text = NULL;
	cJSON *rootfs, *ids, *hist, *h;
	char now[40];

	if (!c)
		return tug_err_set(err, ENOMEM, "image config");
	now_rfc3339(now);
	set_item(c, "created", cJSON_CreateString(now));
	if (o->author && *o->author)
		set_item(c, "author", cJSON_CreateString(o->author));
	set_item(c, "config", cJSON_Duplicate(o->config, true));
	rootfs = get_or_add_object(c, "rootfs");
	set_item(rootfs, "type", cJSON_CreateString("layers"));
	ids = cJSON_GetObjectItem(rootfs, "diff_ids");
	if (!cJSON_IsArray(ids)) {
		ids = cJSON_CreateArray();
		set_item(rootfs, "diff_ids", ids);
	}
	cJSON_AddItemToArray(ids, cJSON_CreateString(diff_id));
	hist = cJSON_GetObjectItem(c, "history");
	if (!cJSON_IsArray(hist)) {
		hist = cJSON_CreateArray();
		set_item(c, "history", hist);
	}
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created", now);
	cJSON_AddStringToObject(h, "created_by", "tug commit");
	if (o->author && *o->author)
		cJSON_AddStringToObject(h, "author", o->author);
	if (o->comment && *o->comment)
		cJSON_AddStringToObject(h, "comment", o->comment);
	cJSON_AddItemToArray(hist, h);
	text = cJSON_PrintUnformatted(c);
	if (!text)
		return tug_err_set(err, ENOMEM, "image config");
	*size = strlen(text);
	return blob_put(s, text, *size, digest, err);
}

int image_commit(struct image_store *s, const char *base_manifest, int layer_fd,
		 const struct image_commit_opts *o, char manifest[SHA256_DIGEST_STR_LEN],
		 char id[SHA256_DIGEST_STR_LEN], struct tug_err *err)
{
	struct image base = { 0 };
	_cleanup_json_ cJSON *m = NULL;
	_cleanup_free_ char *text = NULL;
	char layer[SHA256_DIGEST_STR_LEN], cfg[SHA256_DIGEST_STR_LEN], man[SHA256_DIGEST_STR_LEN];
	char chain[SHA256_DIGEST_STR_LEN];
	const cJSON *it;
	uint64_t lsize = 0, csize = 0;
	cJSON *layers;
	int i = 0;

	if (image_read(s, base_manifest, &base, err) < 0)
		return -1;
	if (base.nlayers >= IMAGE_MAX_LAYERS) {
		image_free(&base);
		return tug_err_set(err, E2BIG, "an image has at most %d layers", IMAGE_MAX_LAYERS);
	}
	if (put_layer(s, layer_fd, layer, &lsize, err) < 0 ||
	    put_config(s, &base, layer, o, cfg, &csize, err) < 0)
		goto fail;
	if (base.nlayers)
		layer_chain_id(base.chain_ids[base.nlayers - 1], layer, chain);
	else
		layer_chain_id(NULL, layer, chain);
	/* The layer is unpacked (and its diff ID checked) before anything names it. */
	if (layer_install(s, layer, layer, chain, err) < 0)
		goto fail;
	m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", MEDIA_OCI_MANIFEST);
	cJSON_AddItemToObject(m, "config", descriptor(MEDIA_OCI_CONFIG, cfg, csize));
	layers = cJSON_AddArrayToObject(m, "layers");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(base.manifest, "layers")) {
		const char *media = cJSON_GetStringValue(cJSON_GetObjectItem(it, "mediaType"));
		double sz = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "size"));

		if ((size_t)i >= base.nlayers)
			break;
		cJSON_AddItemToArray(layers, descriptor(media ? media : MEDIA_OCI_LAYER,
							base.layer_blobs[i], sz > 0 ? (uint64_t)sz : 0));
		i++;
	}
	cJSON_AddItemToArray(layers, descriptor(MEDIA_OCI_LAYER, layer, lsize));
	text = cJSON_PrintUnformatted(m);
	if (!text) {
		tug_err_set(err, ENOMEM, "manifest");
		goto fail;
	}
	if (blob_put(s, text, strlen(text), man, err) < 0)
		goto fail;
	snprintf(manifest, SHA256_DIGEST_STR_LEN, "%s", man);
	snprintf(id, SHA256_DIGEST_STR_LEN, "%s", cfg);
	image_free(&base);
	return 0;
fail:
	image_free(&base);
	return -1;
}
