/*
 * docker stats: GET /containers/{id}/stats. The CLI's CPU % is the change
 * of the container's CPU time over the change of the system's, so every
 * answer carries two samples (cpu_stats and precpu_stats) taken a second
 * apart, as dockerd does: stream=0 answers after the second sample, the
 * stream sends one JSON a second; one-shot=1 answers at once with no
 * precpu. CPU time comes from the container's cgroup v2 cpu.stat when it
 * has one, else from /proc (platform/procstat.h). Nothing blocks: the
 * loop's tick takes the next sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/daemon/netvol.h"
#include "core/oci/runtime.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/procstat.h"

#define STATS_INTERVAL_MS 1000

static void take_sample(struct daemon *d, struct container *ctr, struct stats_sample *s,
			struct cgroup_stats *cg)
{
	struct oci_state st;
	struct tug_err err;

	memset(s, 0, sizeof(*s));
	memset(cg, 0, sizeof(*cg));
	rfc3339_now(s->read);
	if (procstat_system_ns(&s->system_ns, &s->ncpu))
		s->ncpu = 1;
	if (!ctr_is_running(ctr))
		return;
	if (oci_state_load(d->oci_root, ctr->id, &st, &err) == 0) {
		if (st.cgroup[0])
			cgroup_stats(st.cgroup, cg, &err);
		oci_state_free(&st);
	}
	/* cgroup v2 counts CPU time in cpu.stat even without the cpu controller. */
	if (cg->cpu_usage_usec && cg->pids_current) {
		s->cpu_ns = cg->cpu_usage_usec * 1000;
		return;
	}
	{
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (oci_runtime_pids(d->oci_root, ctr->id, &pids, &n, &err)) {
			n = ctr->pid > 0;
			pids = n ? malloc(sizeof(*pids)) : NULL;
			if (pids)
				pids[0] = ctr->pid;
			else
				n = 0;
		}
		s->cpu_ns =
		    cg->cpu_usage_usec ? cg->cpu_usage_usec * 1000 : procstat_pids_ns(pids, n);
		if (!cg->pids_current)
			cg->pids_current = n;
	}
}

static void add_cpu(cJSON *o, const char *key, const struct stats_sample *s)
{
	cJSON *cpu = cJSON_AddObjectToObject(o, key);
	cJSON *usage = cJSON_AddObjectToObject(cpu, "cpu_usage");

	cJSON_AddNumberToObject(usage, "total_usage", (double)s->cpu_ns);
	cJSON_AddNumberToObject(usage, "usage_in_kernelmode", 0);
	cJSON_AddNumberToObject(usage, "usage_in_usermode", 0);
	cJSON_AddNumberToObject(cpu, "system_cpu_usage", (double)s->system_ns);
	cJSON_AddNumberToObject(cpu, "online_cpus", s->ncpu);
	cJSON_AddObjectToObject(cpu, "throttling_data");
}

static char *stats_json(struct daemon *d, struct container *ctr, const struct stats_sample *now,
			const struct stats_sample *pre, const struct cgroup_stats *cg)
{
	_cleanup_json_ cJSON *o = cJSON_CreateObject();
	static const struct stats_sample none = { .read = "0001-01-01T00:00:00Z" };
	cJSON *mem, *pids;
	char *s;

	if (!pre)
		pre = &none;
	cJSON_AddStringToObject(o, "read", now->read);
	cJSON_AddStringToObject(o, "preread", pre->read);
	cJSON_AddStringToObject(o, "id", ctr->id);
	cJSON_AddStringToObject(o, "name", ctr->name);
	pids = cJSON_AddObjectToObject(o, "pids_stats");
	cJSON_AddNumberToObject(pids, "current", (double)cg->pids_current);
	mem = cJSON_AddObjectToObject(o, "memory_stats");
	cJSON_AddNumberToObject(mem, "usage", (double)cg->mem_current);
	cJSON_AddNumberToObject(mem, "limit",
				cg->mem_max && cg->mem_max != UINT64_MAX ? (double)cg->mem_max : 0);
	cJSON_AddObjectToObject(mem, "stats");
	add_cpu(o, "cpu_stats", now);
	add_cpu(o, "precpu_stats", pre);
	cJSON_AddObjectToObject(o, "blkio_stats");
	cJSON_AddItemToObject(o, "networks", ctr_net_stats(d, ctr));
	s = cJSON_PrintUnformatted(o);
	if (s) {
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (!t) {
			free(s);
			return NULL;
		}
		s = t;
		memcpy(s + n, "\n", 2);
	}
	return s;
}

void h_ctr_stats(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	struct cgroup_stats cg;
	char v[16];

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	/* Docker's default is a stream; stream=0/false asks for one answer. */
	c->stats.stream = !http_query_get(c->req.query, "stream", v, sizeof(v)) ||
			  http_query_bool(c->req.query, "stream");
	take_sample(d, ctr, &c->stats.pre, &cg);
	if (!c->stats.stream && http_query_bool(c->req.query, "one-shot")) {
		_cleanup_free_ char *s = stats_json(d, ctr, &c->stats.pre, NULL, &cg);

		api_reply(c, 200, "application/json", s, s ? strlen(s) : 0);
		return;
	}
	if (c->stats.stream) {
		_cleanup_free_ char *s = stats_json(d, ctr, &c->stats.pre, NULL, &cg);

		api_stream_begin(c, "application/json");
		if (s)
			api_stream_write(c, s, strlen(s));
	}
	c->mode = CONN_STREAM;
	c->stream = SK_STATS;
	c->ctr = ctr;
	c->stats.due_ms = d->now_ms + STATS_INTERVAL_MS;
}

void api_stats_tick(struct daemon *d, struct conn *c)
{
	struct stats_sample now;
	struct cgroup_stats cg;
	_cleanup_free_ char *s = NULL;

	if (d->now_ms < c->stats.due_ms || c->dead)
		return;
	if (!c->ctr) {
		/* Removed meanwhile (api_container_removed closes the connection). */
		c->stream = SK_NONE;
		return;
	}
	take_sample(d, c->ctr, &now, &cg);
	s = stats_json(d, c->ctr, &now, &c->stats.pre, &cg);
	c->stats.pre = now;
	c->stats.due_ms = d->now_ms + STATS_INTERVAL_MS;
	if (c->stats.stream) {
		if (s)
			api_stream_write(c, s, strlen(s));
		return;
	}
	c->ctr = NULL;
	c->stream = SK_NONE;
	c->mode = CONN_HEAD;
	api_reply(c, 200, "application/json", s, s ? strlen(s) : 0);
	if (!c->req.keep_alive)
		c->close_after = true;
	http_request_free(&c->req);
	c->have_req = false;
}
