/*
 * The daemon's side of health checks: each running container with a check
 * gets a probe every Interval, run as an exec process inside it from the
 * loop's tick (no thread, no timer per container). A probe that outlives
 * Timeout is killed and counts as a failure, as in Docker.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon/daemon.h"
#include "core/daemon/health.h"

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
