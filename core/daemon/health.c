/* Health checks: config merge and result bookkeeping (no side effects). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon/health.h"

#define NS_PER_MS 1000000ULL

static int duration_ms(const cJSON *hc, const char *key, uint64_t *out, struct tug_err *err)
{
	const cJSON *v = hc ? cJSON_GetObjectItemCaseSensitive(hc, key) : NULL;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return tug_err_set(err, EINVAL, "Healthcheck.%s: expected a duration in nanoseconds",
				   key);
	if (v->valuedouble > 0 && v->valuedouble < 1e6)
		return tug_err_set(err, EINVAL, "Healthcheck.%s: must be at least 1ms", key);
	if (v->valuedouble > 0)
		*out = (uint64_t)(v->valuedouble / (double)NS_PER_MS);
	return 0;
}

/* Test as Docker reads it: [] or absent inherits, NONE disables. */
static int test_argv(const cJSON *test, cJSON **argv, bool *none, struct tug_err *err)
{
	const cJSON *first, *it;
	const char *kind;

	*argv = NULL;
	*none = false;
	if (!test || cJSON_IsNull(test) || (cJSON_IsArray(test) && !cJSON_GetArraySize(test)))
		return 0;
	if (!cJSON_IsArray(test))
		return tug_err_set(err, EINVAL, "Healthcheck.Test: expected an array");
	cJSON_ArrayForEach(it, test)
		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "Healthcheck.Test: expected strings");
	first = cJSON_GetArrayItem(test, 0);
	kind = first->valuestring;
	if (!strcmp(kind, "NONE")) {
		*none = true;
		return 0;
	}
	if (!strcmp(kind, "CMD")) {
		if (cJSON_GetArraySize(test) < 2)
			return tug_err_set(err, EINVAL, "Healthcheck.Test: CMD needs a command");
		*argv = cJSON_CreateArray();
		for (it = first->next; it; it = it->next)
			cJSON_AddItemToArray(*argv, cJSON_CreateString(it->valuestring));
		return 0;
	}
	if (!strcmp(kind, "CMD-SHELL")) {
		if (cJSON_GetArraySize(test) != 2)
			return tug_err_set(err, EINVAL, "Healthcheck.Test: CMD-SHELL takes one string");
		*argv = cJSON_CreateArray();
		cJSON_AddItemToArray(*argv, cJSON_CreateString("/bin/sh"));
		cJSON_AddItemToArray(*argv, cJSON_CreateString("-c"));
		cJSON_AddItemToArray(*argv, cJSON_CreateString(first->next->valuestring));
		return 0;
	}
	return tug_err_set(err, EINVAL, "Healthcheck.Test: unknown kind '%s' (CMD, CMD-SHELL or NONE)",
			   kind);
}

int health_config_merge(const cJSON *image_hc, const cJSON *ctr_hc, struct health_config *cfg,
			struct tug_err *err)
{
	cJSON *img_argv = NULL, *ctr_argv = NULL;
	bool img_none, ctr_none;
	const cJSON *rv;

	memset(cfg, 0, sizeof(*cfg));
	if (test_argv(cJSON_GetObjectItemCaseSensitive(image_hc, "Test"), &img_argv, &img_none, err))
		return tug_err_wrap(err, "image");
	if (test_argv(cJSON_GetObjectItemCaseSensitive(ctr_hc, "Test"), &ctr_argv, &ctr_none, err)) {
		cJSON_Delete(img_argv);
		return -1;
	}
	if (ctr_none || (!ctr_argv && (img_none || !img_argv))) {
		cJSON_Delete(img_argv);
		cJSON_Delete(ctr_argv);
		return 0;
	}
	cfg->argv = ctr_argv ? ctr_argv : img_argv;
	cJSON_Delete(ctr_argv ? img_argv : NULL);
	cfg->interval_ms = cfg->timeout_ms = 30000;
	cfg->retries = 3;
	/* The container's values win over the image's; zero means "not set". */
	if (duration_ms(image_hc, "Interval", &cfg->interval_ms, err) ||
	    duration_ms(image_hc, "Timeout", &cfg->timeout_ms, err) ||
	    duration_ms(image_hc, "StartPeriod", &cfg->start_period_ms, err) ||
	    duration_ms(ctr_hc, "Interval", &cfg->interval_ms, err) ||
	    duration_ms(ctr_hc, "Timeout", &cfg->timeout_ms, err) ||
	    duration_ms(ctr_hc, "StartPeriod", &cfg->start_period_ms, err))
		goto bad;
	for (int i = 0; i < 2; i++) {
		rv = cJSON_GetObjectItemCaseSensitive(i ? ctr_hc : image_hc, "Retries");
		if (!rv || cJSON_IsNull(rv))
			continue;
		if (!cJSON_IsNumber(rv) || rv->valuedouble < 0) {
			tug_err_set(err, EINVAL, "Healthcheck.Retries: expected a count");
			goto bad;
		}
		if (rv->valueint > 0)
			cfg->retries = rv->valueint;
	}
	return 1;
bad:
	health_config_free(cfg);
	return -1;
}

void health_config_free(struct health_config *cfg)
{
	cJSON_Delete(cfg->argv);
	cfg->argv = NULL;
}

const char *health_status_name(enum health_status s)
{
	switch (s) {
	case HEALTH_STARTING: return "starting";
	case HEALTH_HEALTHY: return "healthy";
	case HEALTH_UNHEALTHY: return "unhealthy";
	default: return "none";
	}
}

/*
 * Docker: failures inside the start period do not count while the
 * container has never been healthy; Retries consecutive failures make it
 * unhealthy; one success makes it healthy and resets the streak.
 */
bool health_record(struct health *h, int exit_code, uint64_t since_start_ms, uint64_t now_ms)
{
	enum health_status before = h->status;

	if (exit_code == 0) {
		h->failing_streak = 0;
		h->status = HEALTH_HEALTHY;
	} else if (h->status == HEALTH_STARTING && since_start_ms < h->cfg.start_period_ms) {
		/* grace: not counted */
	} else {
		h->failing_streak++;
		if (h->failing_streak >= h->cfg.retries)
			h->status = HEALTH_UNHEALTHY;
	}
	if (h->status != before)
		h->changed_ms = now_ms;
	return h->status != before;
}

void health_log_append(struct health *h, const char *start, const char *end, int exit_code,
		       const char *output)
{
	cJSON *e = cJSON_CreateObject();

	if (!h->log)
		h->log = cJSON_CreateArray();
	cJSON_AddStringToObject(e, "Start", start);
	cJSON_AddStringToObject(e, "End", end);
	cJSON_AddNumberToObject(e, "ExitCode", exit_code);
	cJSON_AddStringToObject(e, "Output", output);
	cJSON_AddItemToArray(h->log, e);
	while (cJSON_GetArraySize(h->log) > HEALTH_LOG_MAX)
		cJSON_DeleteItemFromArray(h->log, 0);
}

const char *health_ps_suffix(const struct health *h)
{
	if (!h)
		return "";
	switch (h->status) {
	case HEALTH_STARTING: return " (health: starting)";
	case HEALTH_HEALTHY: return " (healthy)";
	case HEALTH_UNHEALTHY: return " (unhealthy)";
	default: return "";
	}
}

cJSON *health_inspect(const struct health *h)
{
	cJSON *o;

	if (!h)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Status", health_status_name(h->status));
	cJSON_AddNumberToObject(o, "FailingStreak", h->failing_streak);
	cJSON_AddItemToObject(o, "Log", h->log ? cJSON_Duplicate(h->log, true) : cJSON_CreateArray());
	return o;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	health_config_free(&h->cfg);
	cJSON_Delete(h->log);
	free(h);
}
