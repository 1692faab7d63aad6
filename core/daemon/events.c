/*
 * Docker-style events ("die", not "died") to every /events subscriber, and a
 * small ring of the last ones for subscribers that ask for the past (since).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api/api.h"
#include "core/daemon/daemon.h"

static struct {
	char *json[EVENT_HISTORY];
	int64_t sec[EVENT_HISTORY];
	unsigned next;	/* total ever kept; slot = next % EVENT_HISTORY */
} history;

static void history_keep(const cJSON *ev, int64_t sec)
{
	unsigned slot = history.next % EVENT_HISTORY;
	char *s = cJSON_PrintUnformatted(ev);

	if (!s)
		return;
	free(history.json[slot]);
	history.json[slot] = s;
	history.sec[slot] = sec;
	history.next++;
}

void event_history(int64_t since, int64_t until, void (*fn)(void *ctx, const char *json), void *ctx)
{
	unsigned n = history.next < EVENT_HISTORY ? history.next : EVENT_HISTORY;

	for (unsigned i = history.next - n; i != history.next; i++) {
		unsigned slot = i % EVENT_HISTORY;

		if (history.sec[slot] >= since && (!until || history.sec[slot] <= until))
			fn(ctx, history.json[slot]);
	}
}

void event_emit(struct daemon *d, const char *type, const char *action, const char *id,
		const cJSON *attrs)
{
	struct timespec ts;
	cJSON *ev = cJSON_CreateObject(), *actor;

	clock_gettime(CLOCK_REALTIME, &ts);
	cJSON_AddStringToObject(ev, "Type", type);
	cJSON_AddStringToObject(ev, "Action", action);
	actor = cJSON_AddObjectToObject(ev, "Actor");
	cJSON_AddStringToObject(actor, "ID", id);
	cJSON_AddItemToObject(actor, "Attributes", attrs ? cJSON_Duplicate(attrs, true) : cJSON_CreateObject());
	cJSON_AddStringToObject(ev, "scope", "local");
	/* The old fields the docker CLI still reads. */
	if (!strcmp(type, "container")) {
		cJSON_AddStringToObject(ev, "status", action);
		cJSON_AddStringToObject(ev, "id", id);
	}
	cJSON_AddNumberToObject(ev, "time", (double)ts.tv_sec);
	{
		/* Past 2^53 a double prints as 1.79e+18, which Go will not read as int64. */
		char nano[32];

		snprintf(nano, sizeof(nano), "%lld%09ld", (long long)ts.tv_sec, ts.tv_nsec);
		cJSON_AddRawToObject(ev, "timeNano", nano);
	}
	history_keep(ev, (int64_t)ts.tv_sec);
	api_event_publish(d, ev);
	cJSON_Delete(ev);
}

void event_emit_ctr(struct daemon *d, struct container *c, const char *action,
		    const char *extra_key, const char *extra_val)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "image", c->image);
	cJSON_AddStringToObject(a, "name", c->name + 1);
	if (extra_key)
		cJSON_AddStringToObject(a, extra_key, extra_val);
	event_emit(d, "container", action, c->id, a);
	cJSON_Delete(a);
}
