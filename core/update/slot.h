/*
 * A/B slots for the tug binary itself (PID 1 mode): a new binary goes to
 * the inactive slot and the next boots are trial boots, counted on disk
 * before the trial binary runs. The trial binary commits once the system
 * proved itself (`tug slot commit`); after MaxTries boots without a commit
 * the trial is dropped and the active slot (or the built-in binary) runs
 * again.
 *
 *   <state>/slots/a, b        the binaries
 *   <state>/slots/revision.json  the update revision marker at install
 *   <state>/slots/slots.json  {"Active": "a"|"b"|"", "Trial": {"Slot",
 *                             "Tries", "MaxTries", "DeadlineS"},
 *                             "LastFailed": {...}}
 */
#ifndef TUG_UPDATE_SLOT_H
#define TUG_UPDATE_SLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/err.h"

#define SLOT_DEFAULT_TRIES 3
#define SLOT_DEFAULT_DEADLINE_S 300

struct slot_trial {
	char slot;		/* 'a' or 'b'; 0 when no trial */
	int tries, max_tries, deadline_s;
};

struct slot_state {
	char active;		/* 'a', 'b', or 0: the built-in binary */
	struct slot_trial trial;
	struct slot_trial last_failed;
};

enum slot_action { SLOT_RUN_BUILTIN, SLOT_RUN_ACTIVE, SLOT_RUN_TRIAL };

/*
 * One boot: what to run, with st updated to what must be on disk before it
 * runs (a trial's try counted; a trial out of tries moved to last_failed).
 * *failed is set when this boot gave up on a trial.
 */
enum slot_action slot_boot_decide(struct slot_state *st, bool *failed);
char slot_inactive(const struct slot_state *st);

/*
 * When a trial boot may commit: every boot-manifest container proved
 * itself. What PID 1's manifest runner saw of one container (inspect):
 */
struct slot_ctr_seen {
	const char *name;
	bool found;		/* the engine knows it */
	bool running;
	bool restarted;		/* a new StartedAt since first seen running, or restarting */
	int exit_code;		/* when not running */
	const char *health;	/* State.Health.Status, NULL without a health check */
	long long up_ms;	/* how long seen running in this run */
};

enum slot_health { SLOT_HEALTH_WAIT, SLOT_HEALTH_OK, SLOT_HEALTH_FAIL };

#define SLOT_STABLE_MS 2000

/*
 * OK when each container is healthy (with a health check), running for
 * stable_ms (without one), or exited 0 on its own (a boot task); FAIL at
 * the first one unhealthy, exited non-zero, restarted or missing (why
 * names it); else WAIT. The deadline is the caller's.
 */
enum slot_health slot_health_judge(const struct slot_ctr_seen *c, size_t n, long long stable_ms,
				   char *why, size_t size);

/* <state>/slots, or $TUG_SLOT_DIR. */
void slot_dir(char *out, size_t size);
/* The same for a given state dir (tugd's --data-root). */
void slot_dir_at(const char *state_dir, char *out, size_t size);

/*
 * The slot this process runs from: $TUG_SLOT (set by the boot decision),
 * else the slot whose binary /proc/self/exe is (an engine that PID 1
 * restarted has a fresh environment); 0 for any other binary.
 */
char slot_running(const char *dir);

/*
 * What became of the trial of slot s (a transaction made by that trial's
 * binary waits for it): still pending, committed (s is the active slot),
 * or failed (anything else: out of tries, replaced).
 */
enum slot_verdict { SLOT_TRIAL_PENDING, SLOT_TRIAL_COMMITTED, SLOT_TRIAL_FAILED };
enum slot_verdict slot_trial_verdict(const struct slot_state *st, char s);
/*
 * The revision marker at install time, kept beside the slots; restore
 * returns 1 when it put one back, 0 when none was kept.
 */
int slot_save_revision(const char *dir, struct tug_err *err);
int slot_restore_revision(const char *dir, struct tug_err *err);

int slot_state_read(const char *dir, struct slot_state *st, struct tug_err *err);
int slot_state_write(const char *dir, const struct slot_state *st, struct tug_err *err);

#endif
