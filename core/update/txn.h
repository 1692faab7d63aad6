/* Transactions inside tugd (txn.c), shared with their API handlers (api.c). */
#ifndef TUG_UPDATE_TXN_H
#define TUG_UPDATE_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/update/update.h"

struct daemon;

enum txn_kind { TK_UPDATE, TK_ROLLBACK, TK_APPLY };
/*
 * TP_HELD: proved and committed, but made by the binary of an uncommitted
 * A/B slot trial: the old containers stay (stopped) as the way back until
 * that trial commits or fails.
 */
enum txn_phase { TP_PREPARE, TP_STOPPING, TP_VERIFYING, TP_HELD, TP_DONE };

/* What the loop keeps beside the journal's slot of the same index. */
struct txn_slot {
	char new_id[65];
	uint64_t started_ms;
	bool ok;
};

struct txn {
	char id[13], full_id[65];
	enum txn_kind kind;
	enum txn_phase phase;
	int revision;		/* apply: the revision it makes; else 0 */
	cJSON *journal;		/* {Id, Kind, Phase, Revision, State, Slots: [...]} */
	size_t nslots;
	struct txn_slot *slots;
	uint64_t deadline_s, stable_ms, deadline_ms;
	uint64_t failed_ms;	/* when the failure was seen (health: when it turned) */
	uint64_t rollback_ms;	/* from the failure to the old containers running */
	char held_for;		/* TP_HELD: the trial slot it waits for */
	uint64_t held_check_ms;	/* TP_HELD: when to read the slot record again */
	char result[32];	/* "in progress", "committed", "rolled back" */
	char error[512];
	cJSON *steps;
};

bool update_busy(void);
struct container;
/* c is one the running transaction replaces, keeps aside or created. */
bool update_involves(const struct container *c);
const struct txn *update_current(void);
int update_current_revision(struct daemon *d);
cJSON *update_history_read(struct daemon *d, const char *name);
/* ref: a container; image: the new one, ignored for a rollback. */
int update_start_one(struct daemon *d, const char *ref, const char *image, bool rollback,
		     double deadline_s, double stable_s, struct txn **out, int *status,
		     struct tug_err *err);
int update_start_apply(struct daemon *d, const cJSON *doc, struct txn **out, int *status,
		       struct tug_err *err);
/* Progress of t (NULL: the current or last transaction), or NULL when none. */
cJSON *update_progress(const struct txn *t);

/* core/update/api.c: handlers under /tug/v1. */
struct conn;
void h_tug_update(struct daemon *d, struct conn *c);
void h_tug_rollback(struct daemon *d, struct conn *c);
void h_tug_apply(struct daemon *d, struct conn *c);
void h_tug_progress(struct daemon *d, struct conn *c);
void h_tug_revisions(struct daemon *d, struct conn *c);
/*
 * Before a handler runs: a call that would change a container of the
 * running transaction (start, stop, kill, restart, pause, rename, remove,
 * prune) is answered 409 here. Returns true when it answered.
 */
bool update_lock_refuses(struct daemon *d, struct conn *c);

#endif
