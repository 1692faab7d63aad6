/*
 * Restart policies as Docker defines them, and the backoff between
 * restarts: 100 ms doubling up to one minute, back to 100 ms once a run
 * lasted 10 s (a crash loop must not hammer the flash or the CPU).
 */
#ifndef TUG_DAEMON_RESTART_H
#define TUG_DAEMON_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "platform/err.h"

enum restart_kind { RP_NO, RP_ALWAYS, RP_UNLESS_STOPPED, RP_ON_FAILURE };

struct restart_policy {
	enum restart_kind kind;
	int max_retries;	/* on-failure only, 0 = unlimited */
};

#define RESTART_DELAY_MIN_MS 100
#define RESTART_DELAY_MAX_MS 60000
#define RESTART_RESET_AFTER_MS 10000

/* name: "", "no", "always", "unless-stopped", "on-failure" or "on-failure:N". */
int restart_policy_parse(const char *name, int max_retries, struct restart_policy *p,
			 struct tug_err *err);
const char *restart_policy_name(const struct restart_policy *p);
/* Should a process that ended with exit_code be started again? */
bool restart_wanted(const struct restart_policy *p, int exit_code, int restart_count,
		    bool stopped_by_user);
/* The delay before the next start, from the previous one and how long the run lasted. */
uint64_t restart_next_delay(uint64_t prev_delay_ms, uint64_t ran_ms);

#endif
