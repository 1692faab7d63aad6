/* /volumes: list, inspect, create, remove, prune (local driver only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/volume/volume.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static int store_or_500(struct conn *c, struct volume_store *vs)
{
	struct tug_err err;

	if (volume_store_open(vs, g_daemon->cfg.state_dir, &err) < 0) {
		api_error(c, 500, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* The store, open, and the names in it; on failure the reply is sent. */
static int store_list_or_500(struct conn *c, struct volume_store *vs, char ***names)
{
	struct tug_err err;

	if (store_or_500(c, vs) < 0)
		return -1;
	if (volume_list(vs, names, &err) < 0) {
		volume_store_close(vs);
		api_error(c, 500, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* Docker's anonymous volumes are named by 64 hex digits; so are ours. */
static bool anonymous_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");

	return n == 64 && !name[n];
}

static bool filter_has(const cJSON *f, const char *want)
{
	const cJSON *v;

	cJSON_ArrayForEach (v, f) {
		const char *s = cJSON_IsString(v) ? v->valuestring : v->string;

		if (s && !strcmp(s, want))
			return true;
	}
	return false;
}

static bool filter_match(const cJSON *filters, const char *name, const cJSON *vol)
{
	const cJSON *f = cJSON_GetObjectItem(filters, "name"), *v;
	bool ok = !f;

	cJSON_ArrayForEach (v, f) {
		const char *s = cJSON_IsString(v) ? v->valuestring : v->string;

		if (s && strstr(name, s))
			ok = true;
	}
	if (!ok)
		return false;
	f = cJSON_GetObjectItem(filters, "dangling");
	if (f) {
		bool unused = !cJSON_GetArraySize(cJSON_GetObjectItem(vol, "UsedBy"));

		if (filter_has(f, "true") || filter_has(f, "1"))
			return unused;
		return !unused;
	}
	return true;
}

static cJSON *parse_filters(struct conn *c, bool *bad)
{
	char fbuf[2048];
	cJSON *f = NULL;

	*bad = false;
	if (http_query_get(c->req.query, "filters", fbuf, sizeof(fbuf)) && *fbuf) {
		f = cJSON_Parse(fbuf);
		if (!f || !cJSON_IsObject(f)) {
			cJSON_Delete(f);
			api_error(c, 400, "invalid filter '%s'", fbuf);
			*bad = true;
			return NULL;
		}
	}
	return f;
}

/* The meta's UsedBy is tug's; Docker clients ignore unknown fields. */
void h_vol_list(struct daemon *d, struct conn *c)
{
	struct volume_store vs;
	struct tug_err err;
	char **names = NULL;
	bool bad;
	_cleanup_json_ cJSON *filters = parse_filters(c, &bad);
	cJSON *rep, *arr;

	(void)d;
	if (bad || store_list_or_500(c, &vs, &names) < 0)
		return;
	rep = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(rep, "Volumes");
	for (size_t i = 0; names[i]; i++) {
		cJSON *v = volume_inspect(&vs, names[i], &err);

		if (v && filter_match(filters, names[i], v))
			cJSON_AddItemToArray(arr, v);
		else
			cJSON_Delete(v);
		free(names[i]);
	}
	free(names);
	volume_store_close(&vs);
	cJSON_AddArrayToObject(rep, "Warnings");
	api_reply_json(c, 200, rep);
}

void h_vol_inspect(struct daemon *d, struct conn *c)
{
	struct volume_store vs;
	struct tug_err err;
	cJSON *v;

	(void)d;
	if (store_or_500(c, &vs) < 0)
		return;
	v = volume_exists(&vs, c->params[0]) ? volume_inspect(&vs, c->params[0], &err) : NULL;
	volume_store_close(&vs);
	if (v)
		api_reply_json(c, 200, v);
	else
		api_error(c, 404, "get %s: no such volume", c->params[0]);
}

void h_vol_create(struct daemon *d, struct conn *c)
{
	int bad = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Name"));
	const char *driver = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Driver"));
	struct volume_store vs;
	struct tug_err err;
	char out[65];
	cJSON *v;

	if (bad)
		return;
	if (driver && *driver && strcmp(driver, "local")) {
		api_error(c, 400, "volume driver %s is not supported by tug (local only)", driver);
		return;
	}
	if (store_or_500(c, &vs) < 0)
		return;
	if (volume_create(&vs, name && *name ? name : NULL, out, &err) < 0) {
		volume_store_close(&vs);
		api_error(c, err.code == EINVAL ? 400 : 500, "%s", err.msg);
		return;
	}
	v = volume_inspect(&vs, out, &err);
	volume_store_close(&vs);
	if (!v) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	event_emit(d, "volume", "create", out, NULL);
	api_reply_json(c, 201, v);
}

void h_vol_delete(struct daemon *d, struct conn *c)
{
	struct volume_store vs;
	struct tug_err err;

	if (store_or_500(c, &vs) < 0)
		return;
	if (!volume_exists(&vs, c->params[0])) {
		volume_store_close(&vs);
		api_error(c, 404, "get %s: no such volume", c->params[0]);
		return;
	}
	if (volume_remove(&vs, c->params[0], http_query_bool(c->req.query, "force"), &err) < 0) {
		volume_store_close(&vs);
		api_error(c, err.code == EBUSY ? 409 : 500, "%s", err.msg);
		return;
	}
	volume_store_close(&vs);
	event_emit(d, "volume", "destroy", c->params[0], NULL);
	api_reply(c, 204, NULL, NULL, 0);
}

/*
 * Unused volumes. Since API 1.42 Docker prunes only anonymous ones unless
 * the filter all=true is given (docker volume prune --all); older API
 * versions prune every unused volume.
 */
void h_vol_prune(struct daemon *d, struct conn *c)
{
	struct volume_store vs;
	struct tug_err err;
	char **names = NULL;
	bool bad, all;
	_cleanup_json_ cJSON *filters = parse_filters(c, &bad);
	cJSON *rep, *del;
	int major = 1, minor = 44;

	if (bad)
		return;
	if (!strncmp(c->req.path, "/v", 2))
		sscanf(c->req.path + 2, "%d.%d", &major, &minor);
	all = filter_has(cJSON_GetObjectItem(filters, "all"), "true") ||
	      filter_has(cJSON_GetObjectItem(filters, "all"), "1") || minor < 42;
	if (store_list_or_500(c, &vs, &names) < 0)
		return;
	rep = cJSON_CreateObject();
	del = cJSON_AddArrayToObject(rep, "VolumesDeleted");
	for (size_t i = 0; names[i]; i++) {
		if ((all || anonymous_name(names[i])) &&
		    volume_remove(&vs, names[i], false, &err) == 0) {
			cJSON_AddItemToArray(del, cJSON_CreateString(names[i]));
			event_emit(d, "volume", "destroy", names[i], NULL);
		}
		free(names[i]);
	}
	free(names);
	volume_store_close(&vs);
	cJSON_AddNumberToObject(rep, "SpaceReclaimed", 0);
	api_reply_json(c, 200, rep);
}
