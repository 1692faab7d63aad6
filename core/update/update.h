/*
 * Atomic updates: `tug update`, `tug rollback` and `tug apply` of a target
 * state, each one transaction: verify first, switch, prove health within a
 * deadline, commit or restore the old containers by itself. A journal
 * written before each step lets tugd finish or undo a transaction that a
 * crash cut off, so the device ends in exactly the old or the new state.
 *
 * state.c is the pure part (the target state's format, start order);
 * txn.c runs transactions inside tugd's loop; api.c serves them under
 * /tug/v1; cmd.c is the CLI.
 */
#ifndef TUG_UPDATE_H
#define TUG_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

#define UPDATE_DEFAULT_DEADLINE_S 60
#define UPDATE_DEFAULT_STABLE_S 2
#define UPDATE_REVISIONS_KEPT 5
#define UPDATE_LABEL_TXN "tug.txn"
#define UPDATE_LABEL_REVISION "tug.revision"
/* apply: a digest of the entry and its image; equal means "unchanged, keep it". */
#define UPDATE_LABEL_SPEC "tug.spec"

/* One container of a target state, in start order. */
struct target_ctr {
	char name[128];
	char image[256];
	cJSON *body;		/* a Docker create body: Config fields + HostConfig */
	bool keep;		/* apply: runs as the entry says, left alone */
};

struct target_state {
	size_t n;
	struct target_ctr *ctrs;	/* sorted: every container after those it names in "after" */
	double deadline_s, stable_s;
};

/*
 * Check a state document (unknown fields, types, duplicate names, unknown
 * or cyclic "after") and turn it into create bodies in start order.
 * Nothing is looked up: images are checked by the daemon.
 */
int target_state_parse(const cJSON *doc, struct target_state *out, struct tug_err *err);
void target_state_free(struct target_state *s);

/* Seconds (a JSON number) to Docker's nanoseconds; -1 when not a number >= 0. */
int64_t update_seconds_to_ns(const cJSON *v);

/* core/update/txn.c: the daemon's side. */
struct daemon;
void update_tick(struct daemon *d);
/* Finish or undo a transaction left by a crash; called once at start. */
void update_replay(struct daemon *d);

#endif
