/*
 * PID 1's side of the A/B slots (core/update/slot.h): the boot decision
 * before the engine starts, the commit once the boot manifest is up, and
 * the commit deadline.
 *
 * The try is counted on disk before the trial binary runs, so a binary
 * that crashes PID 1 (kernel panic, reboot) still uses up a try; the
 * binary that PID 1 execs finds TUG_SLOT set to its own slot and goes on
 * without counting again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/update/slot.h"
#include "init/early.h"
#include "init/slots.h"

extern char **environ;

char init_slot_boot(char **argv, int *deadline_s)
{
	const char *running = getenv("TUG_SLOT");
	char dir[512], path[600], s[2] = { 0, 0 };
	struct slot_state st;
	struct tug_err err;
	enum slot_action a;
	sigset_t mask, old;
	bool failed;

	*deadline_s = 0;
	slot_dir(dir, sizeof(dir));
	if (slot_state_read(dir, &st, &err) < 0) {
		tug_err_wrap(&err, "slots");
		init_report(&err);
		return running ? running[0] : 0;
	}
	/* Exec'ed by the decision below (this boot's try is counted). */
	if (running && running[0]) {
		if (st.trial.slot == running[0])
			*deadline_s = st.trial.deadline_s;
		return running[0];
	}
	if (!st.trial.slot && !st.active)
		return 0;
	a = slot_boot_decide(&st, &failed);
	if (slot_state_write(dir, &st, &err) < 0) {
		/* A try that cannot be counted must not run: it could loop forever. */
		tug_err_wrap(&err, "slots: count the try");
		init_report(&err);
		if (a == SLOT_RUN_TRIAL)
			a = st.active ? SLOT_RUN_ACTIVE : SLOT_RUN_BUILTIN;
	}
	if (failed) {
		int r = slot_restore_revision(dir, &err);

		if (r < 0)
			init_report(&err);
		init_say("slots: slot %c not committed after %d tries: back to %s%s",
			 st.last_failed.slot, st.last_failed.tries,
			 st.active ? "slot " : "the built-in binary",
			 st.active ? (char[]){st.active, 0} : "");
		if (r > 0)
			init_say("slots: revision marker restored");
	}
	s[0] = a == SLOT_RUN_TRIAL ? st.trial.slot : a == SLOT_RUN_ACTIVE ? st.active : 0;
	if (!s[0])
		return 0;
	if (a == SLOT_RUN_TRIAL)
		init_say("slots: trial boot of slot %c, try %d of %d", s[0], st.trial.tries,
			 st.trial.max_tries);
	snprintf(path, sizeof(path), "%s/%c", dir, s[0]);
	/*
	 * fsync made the count durable on journalling filesystems; on one
	 * whose fsync leaves the allocation bitmaps behind (minix, ext2) a
	 * trial that crashes the board could still cost the record.
	 */
	sync();
	setenv("TUG_SLOT", s, 1);
	/*
	 * The mask survives exec: the slot's PID 1 would keep "everything
	 * blocked" as the mask its children get back (the shell, the test
	 * payload: SIGTERM at shutdown never reached them). The kernel starts
	 * PID 1 with nothing blocked.
	 */
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, &old);
	execve(path, argv, environ);
	sigprocmask(SIG_SETMASK, &old, NULL);
	init_say("slots: exec %s: %s; going on with the built-in binary", path, strerror(errno));
	unsetenv("TUG_SLOT");
	return 0;
}

int init_slot_commit(char running)
{
	char dir[512];
	struct slot_state st;
	struct tug_err err;

	if (!running)
		return 0;
	slot_dir(dir, sizeof(dir));
	if (slot_state_read(dir, &st, &err) < 0)
		goto fail;
	if (st.trial.slot != running)
		return 0;
	st.active = running;
	memset(&st.trial, 0, sizeof(st.trial));
	if (slot_state_write(dir, &st, &err) < 0)
		goto fail;
	init_say("slots: slot %c committed", running);
	return 1;
fail:
	tug_err_wrap(&err, "slots: commit");
	init_report(&err);
	return -1;
}

bool init_slot_trial_pending(char running)
{
	char dir[512];
	struct slot_state st;
	struct tug_err err;

	slot_dir(dir, sizeof(dir));
	/* Unreadable: the next boot decides; do not reboot on a doubt. */
	return running && slot_state_read(dir, &st, &err) == 0 && st.trial.slot == running;
}
