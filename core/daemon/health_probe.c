/*
 * The daemon's side of health checks: each running container with a check
 * gets a probe every Interval, run as an exec process inside it from the
 * loop's tick (no thread, no timer per container). A probe that outlives
 * Timeout is killed and counts as a failure, as in Docker.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/daemon/daemon.h"
#include "core/daemon/health.h"
#include "core/daemon/logfile.h"
#include "platform/json.h"

/*
 * The state survives a restart of tugd in the container's health.json,
 * written atomically when the status changes (starting -> healthy ->
 * unhealthy ...), never per probe: a probe every few seconds would
 * otherwise be a flash write every few seconds for the device's life.
 * So FailingStreak and Log come back as they were at the last change.
 * The file names the run (StartedAt) it belongs to; a later run of the
 * container starts from "starting" whatever the file says.
 */
static void health_path(struct daemon *d, struct container *c, char *out, size_t size)
{
	snprintf(out, size, "%s/containers/%s/health.json", d->cfg.state_dir, c->id);
}

static void health_save(struct daemon *d, struct container *c)
{
	_cleanup_json_ cJSON *j = cJSON_CreateObject();
	struct health *h = c->health;
	char path[700];
	struct tug_err err;

	cJSON_AddStringToObject(j, "StartedAt", c->started_at);
	cJSON_AddStringToObject(j, "Status", health_status_name(h->status));
	cJSON_AddNumberToObject(j, "FailingStreak", h->failing_streak);
	cJSON_AddItemToObject(j, "Log", h->log ? cJSON_Duplicate(h->log, true) : cJSON_CreateArray());
	health_path(d, c, path, sizeof(path));
	if (json_write_file(AT_FDCWD, path, j, &err))
		tug_err_print(&err);
}

/* An adopted container: its saved state when it is of this run. */
static void health_restore(struct daemon *d, struct container *c)
{
	struct health *h = c->health;
	char path[700];
	struct tug_err err;
	_cleanup_json_ cJSON *j = NULL;
	const char *st;
	int64_t started = rfc3339_seconds(c->started_at), age_ms;

	/* The start period counts from the run's start, not from tugd's. */
	age_ms = started ? ((int64_t)time(NULL) - started) * 1000 : 0;
	if (age_ms > 0 && (uint64_t)age_ms < h->run_started_ms)
		h->run_started_ms -= (uint64_t)age_ms;
	health_path(d, c, path, sizeof(path));
	j = json_parse_file(path, 64 << 10, &err);
	if (!j || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "StartedAt")) ?: "",
			 c->started_at))
		return;
	st = cJSON_GetStringValue(cJSON_GetObjectItem(j, "Status")) ?: "";
	if (!strcmp(st, "healthy"))
		h->status = HEALTH_HEALTHY;
	else if (!strcmp(st, "unhealthy"))
		h->status = HEALTH_UNHEALTHY;
	h->failing_streak = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "FailingStreak"));
	if (h->failing_streak < 0)
		h->failing_streak = 0;
	if (cJSON_IsArray(cJSON_GetObjectItem(j, "Log"))) {
		cJSON_Delete(h->log);
		h->log = cJSON_DetachItemFromObject(j, "Log");
	}
	fprintf(stderr, "tugd: container %.12s: health restored (%s, streak %d)\n", c->id,
		health_status_name(h->status), h->failing_streak);
}

/* Set up (or reset) the check for a container that has just started. */
void health_on_start(struct daemon *d, struct container *c)
{
	const cJSON *icfg = cJSON_GetObjectItem(c->config, "__ImageConfig");
	struct health_config cfg;
	struct tug_err err;
	int rc;

	rc = health_config_merge(cJSON_GetObjectItem(icfg, "Healthcheck"),
				 cJSON_GetObjectItem(c->config, "Healthcheck"), &cfg, &err);
	if (rc < 0)
		tug_err_print(&err);
	if (rc <= 0) {
		health_free(c->health);
		c->health = NULL;
		return;
	}
	if (!c->health) {
		c->health = calloc(1, sizeof(*c->health));
		if (!c->health) {
			health_config_free(&cfg);
			return;
		}
	}
	health_config_free(&c->health->cfg);
	c->health->cfg = cfg;
	c->health->status = HEALTH_STARTING;
	c->health->failing_streak = 0;
	c->health->run_started_ms = d->now_ms ? d->now_ms : mono_ms();
	c->health->changed_ms = c->health->run_started_ms;
	c->health->next_ms = c->health->run_started_ms + cfg.interval_ms;
}

/* A running container a restarted tugd adopts: its state of this run comes back. */
void health_on_adopt(struct daemon *d, struct container *c)
{
	health_on_start(d, c);
	if (c->health)
		health_restore(d, c);
}

static void exec_unlink_free(struct daemon *d, struct exec_inst *e)
{
	for (struct exec_inst **pp = &d->execs; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	cJSON_Delete(e->config);
	free(e);
}

/* One probe's result: the log, the status, and an event when it changed. */
static void record(struct daemon *d, struct container *c, int code, const char *end,
		   const char *out)
{
	struct health *h = c->health;
	char action[48];

	health_log_append(h, h->probe_start, end, code, out);
	if (!health_record(h, code, mono_ms() - h->run_started_ms, mono_ms()))
		return;
	health_save(d, c);
	snprintf(action, sizeof(action), "health_status: %s", health_status_name(h->status));
	event_emit_ctr(d, c, action, NULL, NULL);
	fprintf(stderr, "tugd: container %.12s: %s\n", c->id, action);
}

static void probe_start(struct daemon *d, struct container *c)
{
	struct health *h = c->health;
	struct exec_inst *e;
	struct tug_err err;
	cJSON *body = cJSON_CreateObject();

	cJSON_AddItemToObject(body, "Cmd", cJSON_Duplicate(h->cfg.argv, true));
	if (exec_create(d, c, body, &e, &err)) {
		cJSON_Delete(body);
		tug_err_print(&err);
		return;
	}
	cJSON_Delete(body);
	e->probe = true;
	h->outlen = 0;
	h->probe_timed_out = false;
	rfc3339_now(h->probe_start);
	h->probe = e;
	h->probe_deadline_ms = mono_ms() + h->cfg.timeout_ms;
	if (exec_start(d, e, &err)) {
		char end[40];

		/* Docker counts a probe that cannot start as a failure too. */
		h->probe = NULL;
		exec_unlink_free(d, e);
		rfc3339_now(end);
		record(d, c, -1, end, err.msg);
		h->next_ms = mono_ms() + h->cfg.interval_ms;
	}
}

void health_tick(struct daemon *d)
{
	uint64_t now = mono_ms();

	for (struct container *c = d->containers; c; c = c->next) {
		struct health *h = c->health;

		if (!h || c->state != CS_RUNNING)
			continue;
		if (h->probe) {
			if (!h->probe_timed_out && now >= h->probe_deadline_ms && h->probe->pid > 0) {
				h->probe_timed_out = true;
				kill(h->probe->pid, SIGKILL);
			}
			continue;
		}
		if (now >= h->next_ms)
			probe_start(d, c);
	}
}

void health_probe_output(struct exec_inst *e, const char *data, size_t len)
{
	struct health *h = e->ctr ? e->ctr->health : NULL;
	size_t room;

	if (!h || h->probe != e)
		return;
	room = sizeof(h->out) - 1 - h->outlen;
	if (len > room)
		len = room;
	memcpy(h->out + h->outlen, data, len);
	h->outlen += len;
	h->out[h->outlen] = '\0';
}

void health_probe_done(struct daemon *d, struct exec_inst *e)
{
	struct container *c = e->ctr;
	struct health *h = c ? c->health : NULL;
	char end[40], msg[96];
	const char *out;
	int code = e->exit_code;

	if (h && h->probe == e) {
		h->probe = NULL;
		rfc3339_now(end);
		out = h->out;
		h->out[h->outlen] = '\0';
		if (h->probe_timed_out) {
			snprintf(msg, sizeof(msg), "Health check exceeded timeout (%llums)",
				 (unsigned long long)h->cfg.timeout_ms);
			out = msg;
			code = -1;
		}
		/* A container that stopped meanwhile: the result means nothing. */
		if (c->state == CS_RUNNING)
			record(d, c, code, end, out);
		h->next_ms = mono_ms() + h->cfg.interval_ms;
	}
	exec_unlink_free(d, e);
}

void health_forget(struct daemon *d, struct container *c)
{
	(void)d;
	if (!c->health)
		return;
	if (c->health->probe)
		c->health->probe->ctr = NULL; /* finishes on its own, then is freed */
	health_free(c->health);
	c->health = NULL;
}
