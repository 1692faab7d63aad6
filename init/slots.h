/* PID 1 and the A/B slots of the tug binary (init/slots.c). */
#ifndef TUG_INIT_SLOTS_H
#define TUG_INIT_SLOTS_H

#include <stdbool.h>

/*
 * The boot decision: count a trial's try on disk and exec the chosen
 * slot's binary with argv (TUG_SLOT set), or return when this binary is
 * the one to run. Returns the slot running ('a', 'b', or 0: built-in) and
 * sets *deadline_s when this boot is a trial that must commit in time.
 */
char init_slot_boot(char **argv, int *deadline_s);
/* Commit the trial when it is the running slot: 1 done, 0 nothing to do, -1 failed. */
int init_slot_commit(char running);
/* Is the running slot still an uncommitted trial (on disk)? */
bool init_slot_trial_pending(char running);

#endif
