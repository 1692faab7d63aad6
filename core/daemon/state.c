#include <string.h>

#include "core/daemon/state.h"

#define X -1

/* One row per state, one column per event, in enum order. */
static const signed char next[CS__COUNT][CE__COUNT] = {
	/*               START       EXIT       EXIT_RESTART    PAUSE      UNPAUSE     STOP       REMOVE */
	[CS_CREATED]    = { CS_RUNNING, CS_EXITED, X,             X,         X,          CS_EXITED, CS_DEAD },
	[CS_RUNNING]    = { X,          CS_EXITED, CS_RESTARTING, CS_PAUSED, X,          X,         CS_DEAD },
	[CS_PAUSED]     = { X,          CS_EXITED, CS_RESTARTING, X,         CS_RUNNING, X,         CS_DEAD },
	[CS_RESTARTING] = { CS_RUNNING, CS_EXITED, CS_RESTARTING, X,         X,          CS_EXITED, CS_DEAD },
	[CS_EXITED]     = { CS_RUNNING, X,         X,             X,         X,          X,         CS_DEAD },
	[CS_DEAD]       = { X,          X,         X,             X,         X,          X,         X },
};

static const char *const state_names[CS__COUNT] = {
	"created", "running", "paused", "restarting", "exited", "dead",
};

static const char *const event_names[CE__COUNT] = {
	"start", "exit", "exit-restart", "pause", "unpause", "stop", "remove",
};

const char *ctr_state_name(enum ctr_state s)
{
	return (unsigned)s < CS__COUNT ? state_names[s] : "unknown";
}

const char *ctr_event_name(enum ctr_event e)
{
	return (unsigned)e < CE__COUNT ? event_names[e] : "unknown";
}

int ctr_state_next(enum ctr_state s, enum ctr_event e)
{
	if ((unsigned)s >= CS__COUNT || (unsigned)e >= CE__COUNT)
		return -1;
	return next[s][e];
}

int ctr_state_parse(const char *name)
{
	for (int i = 0; i < CS__COUNT; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}
