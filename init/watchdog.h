/*
 * The hardware watchdog, fed by a small child of PID 1 ("tug-watchdog").
 * It feeds only while PID 1 proves itself alive through a heartbeat pipe, so
 * a hung init, a dead feeder or a hung kernel all end in a reset. A 'V' on
 * the pipe makes it do the magic close (clean shutdown: no reset).
 */
#ifndef TUG_INIT_WATCHDOG_H
#define TUG_INIT_WATCHDOG_H

#include <sys/types.h>

#include "platform/err.h"

struct watchdog {
	pid_t pid;		/* the feeder, or 0 */
	int heartbeat_fd;	/* write end of the pipe, or -1 */
	int interval_ms;	/* how often PID 1 must beat */
};

/* Fork the feeder on device with timeout seconds; child_mask for the child. */
int watchdog_start(struct watchdog *w, const char *device, int timeout_s, struct tug_err *err);
/* Called from PID 1's loop at least every interval_ms. */
void watchdog_beat(struct watchdog *w);
/* Magic close, then wait up to timeout_ms for the feeder to exit (reaps it). */
void watchdog_disarm(struct watchdog *w, int timeout_ms);

#endif
