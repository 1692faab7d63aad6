/*
 * A container's life as an explicit table: states x events. Every change
 * goes through ctr_state_next() so an impossible request ("unpause a
 * stopped container") is refused in one place and every transition is
 * logged by the caller with both names.
 */
#ifndef TUG_DAEMON_STATE_H
#define TUG_DAEMON_STATE_H

enum ctr_state {
	CS_CREATED,
	CS_RUNNING,
	CS_PAUSED,
	CS_RESTARTING,
	CS_EXITED,
	CS_DEAD,
	CS__COUNT,
};

enum ctr_event {
	CE_START,	/* process started */
	CE_EXIT,	/* process ended, no restart */
	CE_EXIT_RESTART,/* process ended, the policy restarts it after a delay */
	CE_PAUSE,
	CE_UNPAUSE,
	CE_STOP,	/* stop asked while waiting to restart */
	CE_REMOVE,
	CE__COUNT,
};

/* Docker's names: "created", "running", ... */
const char *ctr_state_name(enum ctr_state s);
const char *ctr_event_name(enum ctr_event e);
/* The state after e, or -1 when e is not allowed in s. */
int ctr_state_next(enum ctr_state s, enum ctr_event e);
/* Parse a Docker state name; -1 if unknown. */
int ctr_state_parse(const char *name);

#endif
