/*
 * tug's own API for updates, under /tug/v1 so it never collides with
 * Docker's: a fleet agent starts a transaction and polls its progress.
 *
 *   POST /tug/v1/containers/{id}/update    {"Image", "Deadline", "Stable"}
 *   POST /tug/v1/containers/{id}/rollback  {"Deadline", "Stable"}
 *   POST /tug/v1/apply                     a target state (docs/updates.md)
 *   GET  /tug/v1/progress                  the running or last transaction
 *   GET  /tug/v1/revisions                 the kept revisions, newest first
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/update/txn.h"
#include "platform/json.h"

static double num_or(const cJSON *body, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItem(body, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : dflt;
}

static void start_one(struct daemon *d, struct conn *c, bool rollback)
{
	int bad = 0, status = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	const char *image = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Image"));
	struct txn *t;
	struct tug_err err;

	if (bad)
		return;
	if (!rollback && (!image || !*image)) {
		api_error(c, 400, "update: Image is required");
		return;
	}
	if (update_start_one(d, c->params[0], image, rollback, num_or(body, "Deadline", 0),
			     num_or(body, "Stable", -1), &t, &status, &err)) {
		api_error(c, status, "%s", err.msg);
		return;
	}
	api_reply_json(c, 202, update_progress(t));
}

void h_tug_update(struct daemon *d, struct conn *c)
{
	start_one(d, c, false);
}

void h_tug_rollback(struct daemon *d, struct conn *c)
{
	start_one(d, c, true);
}

void h_tug_apply(struct daemon *d, struct conn *c)
{
	int bad = 0, status = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	struct txn *t;
	struct tug_err err;

	if (bad)
		return;
	if (!body) {
		api_error(c, 400, "apply: a target state is required");
		return;
	}
	if (update_start_apply(d, body, &t, &status, &err)) {
		api_error(c, status, "%s", err.msg);
		return;
	}
	api_reply_json(c, 202, update_progress(t));
}

void h_tug_progress(struct daemon *d, struct conn *c)
{
	cJSON *p = update_progress(NULL);

	(void)d;
	if (!p) {
		api_error(c, 404, "no transaction since tugd started");
		return;
	}
	api_reply_json(c, 200, p);
}

static int by_revision_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

void h_tug_revisions(struct daemon *d, struct conn *c)
{
	char dir[700], path[800];
	int revs[256], n = 0, current = update_current_revision(d);
	cJSON *arr = cJSON_CreateArray();
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/update/revisions", d->cfg.state_dir);
	dp = opendir(dir);
	while (dp && (de = readdir(dp)) && n < 256)
		if (atoi(de->d_name) > 0)
			revs[n++] = atoi(de->d_name);
	if (dp)
		closedir(dp);
	qsort(revs, (size_t)n, sizeof(int), by_revision_desc);
	for (int i = 0; i < n; i++) {
		struct tug_err err;
		cJSON *r;

		snprintf(path, sizeof(path), "%s/%d.json", dir, revs[i]);
		r = json_parse_file(path, 16 << 20, &err);
		if (!r)
			continue;
		cJSON_AddBoolToObject(r, "Current", revs[i] == current);
		cJSON_AddItemToArray(arr, r);
	}
	api_reply_json(c, 200, arr);
}

/*
 * Calls that change the container of their path (or, for networks, of
 * their body); reads and exec are let through.
 */
static const char *const changing[] = {
	"POST /containers/{}/start",   "POST /containers/{}/stop",    "POST /containers/{}/kill",
	"POST /containers/{}/restart", "POST /containers/{}/pause",   "POST /containers/{}/unpause",
	"POST /containers/{}/rename",  "POST /containers/{}/update",  "DELETE /containers/{}",
	"PUT /containers/{}/archive",  "POST /networks/{}/connect",   "POST /networks/{}/disconnect",
	NULL,
};

bool update_lock_refuses(struct daemon *d, struct conn *c)
{
	const struct txn *t = update_current();
	char call[128];
	struct container *ctr;

	if (!update_busy() || !c->route)
		return false;
	snprintf(call, sizeof(call), "%s %s", c->route->method, c->route->pattern);
	/* A prune would remove the stopped old containers, the way back. */
	if (!strcmp(call, "POST /containers/prune")) {
		api_error(c, 409, "Conflict. %s %s is in progress; try again when it is done",
			  t->kind == TK_APPLY ? "apply" : t->kind == TK_ROLLBACK ? "rollback" : "update",
			  t->id);
		return true;
	}
	for (const char *const *p = changing; *p; p++) {
		if (strcmp(call, *p))
			continue;
		ctr = ctr_find(d, c->params[0]);
		if (!strncmp(call, "POST /networks/", 15)) {
			/* The container is named in the body: {"Container": ...}. */
			_cleanup_json_ cJSON *body = cJSON_ParseWithLength(buf_head(&c->body_buf),
									   buf_size(&c->body_buf));
			const char *ref = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Container"));

			ctr = ref ? ctr_find(d, ref) : NULL;
		}
		if (!ctr || !update_involves(ctr))
			return false;
		api_error(c, 409,
			  "Conflict. The container %s is locked by %s %s (%s) in progress; try again "
			  "when it is done",
			  ctr->name + 1,
			  t->kind == TK_APPLY ? "apply" : t->kind == TK_ROLLBACK ? "rollback" : "update",
			  t->id, t->result);
		return true;
	}
	return false;
}
