/*
 * Clean shutdown, PID 1's last act: every process gets SIGTERM, whatever is
 * left at the deadline gets SIGKILL, the watchdog is disarmed, filesystems
 * are synced and unmounted, then reboot(2). Never returns.
 */
#ifndef TUG_INIT_SHUTDOWN_H
#define TUG_INIT_SHUTDOWN_H

#include <sys/types.h>

#include "init/watchdog.h"

enum shutdown_action { SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT, SHUTDOWN_HALT };

/* Processes other than PID 1, skip and kernel threads. */
int count_user_processes(pid_t skip);
/* Zombies among them (state Z), for the tests. */
int count_zombies(void);

/* since_ms: when the shutdown began (CLOCK_MONOTONIC ms), for its report; 0: now. */
void __attribute__((noreturn)) shutdown_run(enum shutdown_action a, pid_t engine,
					    int stop_timeout_s, struct watchdog *w,
					    long long since_ms);
const char *shutdown_action_name(enum shutdown_action a);
/* The syscall alone, after sync: for fatal paths that cannot do better. */
void __attribute__((noreturn)) shutdown_now(enum shutdown_action a);

#endif
