/*
 * The target state of `tug apply` (docs/updates.md): a list of containers
 * with images, config, volumes, networks and a start order. Everything is
 * checked here before the daemon changes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/update/update.h"

int64_t update_seconds_to_ns(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9)
		return -1;
	return (int64_t)(v->valuedouble * 1e9);
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int only_known(const cJSON *obj, const char *where, const char *const *known,
		      struct tug_err *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
		if (!in_list(it->string, known))
			return tug_err_set(err, EINVAL, "%s: unknown field '%s'", where, it->string);
	return 0;
}

static int string_array(const cJSON *v, const char *where, const char *field, struct tug_err *err)
{
	const cJSON *it;

	if (!cJSON_IsArray(v))
		return tug_err_set(err, EINVAL, "%s.%s: expected an array of strings", where, field);
	cJSON_ArrayForEach(it, v)
		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "%s.%s: expected an array of strings", where,
					   field);
	return 0;
}

/* Shorter than CONTAINER_NAME_MAX: a transaction renames the old container NAME.tug-old. */
#define TARGET_NAME_MAX 100

static int healthcheck_body(const cJSON *hc, const char *where, cJSON *cfg, struct tug_err *err)
{
	static const char *const known[] = { "test", "interval", "timeout", "retries",
					     "start_period", NULL };
	static const char *const durs[][2] = { { "interval", "Interval" },
					       { "timeout", "Timeout" },
					       { "start_period", "StartPeriod" } };
	const cJSON *test = cJSON_GetObjectItemCaseSensitive(hc, "test");
	const cJSON *retries = cJSON_GetObjectItemCaseSensitive(hc, "retries");
	cJSON *out;

	if (!cJSON_IsObject(hc))
		return tug_err_set(err, EINVAL, "%s.healthcheck: expected an object", where);
	if (only_known(hc, where, known, err))
		return -1;
	if (!test || string_array(test, where, "healthcheck.test", err) ||
	    !cJSON_GetArraySize(test))
		return tug_err_set(err, EINVAL,
				   "%s.healthcheck.test: expected [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"]",
				   where);
	out = cJSON_AddObjectToObject(cfg, "Healthcheck");
	cJSON_AddItemToObject(out, "Test", cJSON_Duplicate(test, true));
	for (size_t i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(hc, durs[i][0]);
		int64_t ns;

		if (!v)
			continue;
		ns = update_seconds_to_ns(v);
		if (ns < 0)
			return tug_err_set(err, EINVAL, "%s.healthcheck.%s: expected seconds", where,
					   durs[i][0]);
		cJSON_AddNumberToObject(out, durs[i][1], (double)ns);
	}
	if (retries) {
		if (!cJSON_IsNumber(retries) || retries->valuedouble < 0)
			return tug_err_set(err, EINVAL, "%s.healthcheck.retries: expected a count",
					   where);
		cJSON_AddNumberToObject(out, "Retries", retries->valueint);
	}
	return 0;
}

/*
 * "networks": ["lan", "mgmt"] (or one name as a string): the first is the
 * NetworkMode, every one an EndpointsConfig entry, as `docker run
 * --network lan --network mgmt` sends them.
 */
static int networks_body(const cJSON *v, const char *where, cJSON *body, cJSON *hc,
			 struct tug_err *err)
{
	const cJSON *it;
	cJSON *eps;

	if (cJSON_IsString(v)) {
		if (!*v->valuestring)
			return tug_err_set(err, EINVAL, "%s.networks: empty network name", where);
		cJSON_AddStringToObject(hc, "NetworkMode", v->valuestring);
		return 0;
	}
	if (string_array(v, where, "networks", err))
		return -1;
	if (!cJSON_GetArraySize(v))
		return 0;
	eps = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "NetworkingConfig"),
				      "EndpointsConfig");
	cJSON_ArrayForEach(it, v) {
		if (!*it->valuestring)
			return tug_err_set(err, EINVAL, "%s.networks: empty network name", where);
		if (cJSON_GetObjectItemCaseSensitive(eps, it->valuestring))
			return tug_err_set(err, EINVAL, "%s.networks: '%s' named twice", where,
					   it->valuestring);
		cJSON_AddObjectToObject(eps, it->valuestring);
	}
	cJSON_AddStringToObject(hc, "NetworkMode", cJSON_GetArrayItem(v, 0)->valuestring);
	return 0;
}

/* One container entry -> a Docker create body. */
static int container_body(const cJSON *c, size_t idx, struct target_ctr *t, struct tug_err *err)
{
	static const char *const known[] = { "name", "image", "command", "entrypoint", "env",
					     "labels", "workdir", "user", "healthcheck", "restart",
					     "volumes", "networks", "after", "stop_timeout", NULL };
	char where[160];
	const cJSON *v;
	cJSON *body, *hc;

	snprintf(where, sizeof(where), "containers[%zu]", idx);
	if (!cJSON_IsObject(c))
		return tug_err_set(err, EINVAL, "%s: expected an object", where);
	if (only_known(c, where, known, err))
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(c, "name");
	if (!cJSON_IsString(v) || !name_ok(v->valuestring, TARGET_NAME_MAX))
		return tug_err_set(err, EINVAL, "%s.name: expected a name of [a-zA-Z0-9][a-zA-Z0-9_.-]*",
				   where);
	snprintf(t->name, sizeof(t->name), "%s", v->valuestring);
	snprintf(where, sizeof(where), "containers[%zu] (%s)", idx, t->name);
	v = cJSON_GetObjectItemCaseSensitive(c, "image");
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= sizeof(t->image))
		return tug_err_set(err, EINVAL, "%s.image: expected an image name", where);
	snprintf(t->image, sizeof(t->image), "%s", v->valuestring);
	body = t->body = cJSON_CreateObject();
	hc = cJSON_AddObjectToObject(body, "HostConfig");
	cJSON_AddStringToObject(body, "Image", t->image);
	{
		static const char *const arrays[][2] = { { "command", "Cmd" },
							 { "entrypoint", "Entrypoint" },
							 { "env", "Env" } };

		for (size_t i = 0; i < 3; i++) {
			v = cJSON_GetObjectItemCaseSensitive(c, arrays[i][0]);
			if (!v)
				continue;
			if (string_array(v, where, arrays[i][0], err))
				return -1;
			cJSON_AddItemToObject(body, arrays[i][1], cJSON_Duplicate(v, true));
		}
	}
	{
		static const char *const strs[][2] = { { "workdir", "WorkingDir" }, { "user", "User" } };

		for (size_t i = 0; i < 2; i++) {
			v = cJSON_GetObjectItemCaseSensitive(c, strs[i][0]);
			if (!v)
				continue;
			if (!cJSON_IsString(v))
				return tug_err_set(err, EINVAL, "%s.%s: expected a string", where,
						   strs[i][0]);
			cJSON_AddStringToObject(body, strs[i][1], v->valuestring);
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(c, "labels");
	if (v) {
		const cJSON *it;

		if (!cJSON_IsObject(v))
			return tug_err_set(err, EINVAL, "%s.labels: expected an object of strings", where);
		cJSON_ArrayForEach(it, v)
			if (!cJSON_IsString(it))
				return tug_err_set(err, EINVAL, "%s.labels.%s: expected a string", where,
						   it->string);
		cJSON_AddItemToObject(body, "Labels", cJSON_Duplicate(v, true));
	}
	v = cJSON_GetObjectItemCaseSensitive(c, "healthcheck");
	if (v && healthcheck_body(v, where, body, err))
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(c, "stop_timeout");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0)
			return tug_err_set(err, EINVAL, "%s.stop_timeout: expected seconds", where);
		cJSON_AddNumberToObject(body, "StopTimeout", v->valueint);
	}
	v = cJSON_GetObjectItemCaseSensitive(c, "restart");
	if (v) {
		cJSON *rp;

		if (!cJSON_IsString(v))
			return tug_err_set(err, EINVAL, "%s.restart: expected a policy name", where);
		rp = cJSON_AddObjectToObject(hc, "RestartPolicy");
		cJSON_AddStringToObject(rp, "Name", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(c, "volumes");
	if (v) {
		if (string_array(v, where, "volumes", err))
			return -1;
		cJSON_AddItemToObject(hc, "Binds", cJSON_Duplicate(v, true));
	}
	v = cJSON_GetObjectItemCaseSensitive(c, "networks");
	if (v && networks_body(v, where, body, hc, err))
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(c, "after");
	if (v && string_array(v, where, "after", err))
		return -1;
	return 0;
}

static long find_name(const struct target_ctr *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return (long)i;
	return -1;
}

/* Kahn's algorithm, taking the earliest ready entry each time (file order wins ties). */
static int start_order(const cJSON *list, struct target_ctr *t, size_t n, struct tug_err *err)
{
	struct target_ctr *sorted = calloc(n ? n : 1, sizeof(*sorted));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t got = 0;
	int rc = -1;

	if (!sorted || !done) {
		tug_err_set(err, ENOMEM, "start order");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, (int)i), "after")) {
			if (find_name(t, n, it->valuestring) < 0) {
				tug_err_set(err, EINVAL, "containers[%zu] (%s).after: no container named '%s'",
					    i, t[i].name, it->valuestring);
				goto out;
			}
			if (!strcmp(it->valuestring, t[i].name)) {
				tug_err_set(err, EINVAL, "containers[%zu] (%s).after: names itself", i,
					    t[i].name);
				goto out;
			}
		}
	}
	while (got < n) {
		size_t pick = n;

		for (size_t i = 0; i < n && pick == n; i++) {
			const cJSON *it;
			bool ready = !done[i];

			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, (int)i), "after"))
				if (!done[find_name(t, n, it->valuestring)])
					ready = false;
			if (ready)
				pick = i;
		}
		if (pick == n) {
			char names[512] = "";
			size_t len = 0;

			for (size_t i = 0; i < n; i++)
				if (!done[i])
					len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
								"%s%s", len ? ", " : "", t[i].name);
			tug_err_set(err, EINVAL, "start order: a cycle in 'after' among %s", names);
			goto out;
		}
		done[pick] = true;
		sorted[got++] = t[pick];
	}
	memcpy(t, sorted, n * sizeof(*t));
	rc = 0;
out:
	free(sorted);
	free(done);
	return rc;
}

int target_state_parse(const cJSON *doc, struct target_state *out, struct tug_err *err)
{
	static const char *const known[] = { "containers", "deadline", "stable", NULL };
	const cJSON *list, *v;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->deadline_s = UPDATE_DEFAULT_DEADLINE_S;
	out->stable_s = UPDATE_DEFAULT_STABLE_S;
	if (!cJSON_IsObject(doc))
		return tug_err_set(err, EINVAL, "state: expected an object");
	if (only_known(doc, "state", known, err))
		return -1;
	for (int k = 0; k < 2; k++) {
		v = cJSON_GetObjectItemCaseSensitive(doc, k ? "stable" : "deadline");
		if (!v)
			continue;
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 86400)
			return tug_err_set(err, EINVAL, "state.%s: expected seconds",
					   k ? "stable" : "deadline");
		*(k ? &out->stable_s : &out->deadline_s) = v->valuedouble;
	}
	list = cJSON_GetObjectItemCaseSensitive(doc, "containers");
	if (!cJSON_IsArray(list))
		return tug_err_set(err, EINVAL, "state.containers: expected an array");
	out->n = (size_t)cJSON_GetArraySize(list);
	out->ctrs = calloc(out->n ? out->n : 1, sizeof(*out->ctrs));
	if (!out->ctrs)
		return tug_err_set(err, ENOMEM, "state");
	cJSON_ArrayForEach(v, list) {
		if (container_body(v, i, &out->ctrs[i], err))
			goto bad;
		if (find_name(out->ctrs, i, out->ctrs[i].name) >= 0) {
			tug_err_set(err, EINVAL, "containers[%zu]: the name '%s' is used twice", i,
				    out->ctrs[i].name);
			goto bad;
		}
		i++;
	}
	if (start_order(list, out->ctrs, out->n, err))
		goto bad;
	return 0;
bad:
	target_state_free(out);
	return -1;
}

void target_state_free(struct target_state *s)
{
	for (size_t i = 0; s->ctrs && i < s->n; i++)
		cJSON_Delete(s->ctrs[i].body);
	free(s->ctrs);
	s->ctrs = NULL;
	s->n = 0;
}
