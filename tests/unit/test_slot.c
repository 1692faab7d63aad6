/* A/B slots: trial boots counted on disk, dropped after MaxTries. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "core/update/slot.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"

TEST(first_boot_runs_builtin)
{
	struct slot_state st = { 0 };
	bool failed;

	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_BUILTIN && !failed);
	CHECK(slot_inactive(&st) == 'a');
}

TEST(trial_counts_tries_then_falls_back)
{
	struct slot_state st = { .active = 'a', .trial = { .slot = 'b', .max_tries = 2 } };
	bool failed;

	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_TRIAL && st.trial.tries == 1);
	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_TRIAL && st.trial.tries == 2);
	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_ACTIVE && failed);
	CHECK(st.trial.slot == 0 && st.last_failed.slot == 'b' && st.last_failed.tries == 2);
	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_ACTIVE && !failed);
}

TEST(state_round_trips_on_disk)
{
	char dir[] = "/tmp/tug-slot-XXXXXX";
	struct slot_state st = { .active = 'b', .trial = { .slot = 'a', .tries = 1, .max_tries = 3,
							    .deadline_s = 60 } }, back;
	struct tug_err err;

	CHECK(mkdtemp(dir));
	CHECK(slot_state_read(dir, &back, &err) == 0 && back.active == 0);
	CHECK(slot_state_write(dir, &st, &err) == 0);
	CHECK(slot_state_read(dir, &back, &err) == 0);
	CHECK(back.active == 'b' && back.trial.slot == 'a' && back.trial.tries == 1);
	CHECK(back.trial.max_tries == 3 && back.trial.deadline_s == 60 && !back.last_failed.slot);
	CHECK(slot_inactive(&back) == 'a');
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
}

TEST(fallback_restores_the_revision_marker)
{
	char dir[] = "/tmp/tug-slot-XXXXXX", slots[64], upd[64], cur[96], cmd[64];
	_cleanup_free_ char *data = NULL;
	struct tug_err err;
	size_t len;

	CHECK(mkdtemp(dir));
	setenv("TUG_STATE_DIR", dir, 1);
	snprintf(slots, sizeof(slots), "%s/slots", dir);
	snprintf(upd, sizeof(upd), "%s/update", dir);
	snprintf(cur, sizeof(cur), "%s/current.json", upd);
	CHECK(mkdir_p(slots, 0700, &err) == 0 && mkdir_p(upd, 0700, &err) == 0);
	/* Nothing kept yet: nothing restored. */
	CHECK(slot_restore_revision(slots, &err) == 0);
	CHECK(atomic_write_file(AT_FDCWD, cur, "{\"Revision\": 2}", 15, 0600, &err) == 0);
	CHECK(slot_save_revision(slots, &err) == 0);
	CHECK(atomic_write_file(AT_FDCWD, cur, "{\"Revision\": 3}", 15, 0600, &err) == 0);
	CHECK(slot_restore_revision(slots, &err) == 1);
	CHECK(read_file(AT_FDCWD, cur, 4096, &data, &len, &err) == 0);
	CHECK(len == 15 && !memcmp(data, "{\"Revision\": 2}", 15));
	unsetenv("TUG_STATE_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TEST(trial_commits_only_when_healthy)
{
	struct slot_ctr_seen c[3] = {
		{ .name = "web", .found = true, .running = true, .health = "starting", .up_ms = 5000 },
		{ .name = "db", .found = true, .running = true, .up_ms = 500 },
		{ .name = "setup", .found = true, .running = false, .exit_code = 0 },
	};
	char why[128];

	CHECK(slot_health_judge(c, 3, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_WAIT);
	CHECK_STR(why, "web: health check not passed yet");
	c[0].health = "healthy";
	CHECK(slot_health_judge(c, 3, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_WAIT);
	CHECK_STR(why, "db: not running long enough");
	c[1].up_ms = SLOT_STABLE_MS;
	CHECK(slot_health_judge(c, 3, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_OK);
	CHECK(slot_health_judge(c, 0, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_OK);
}

TEST(trial_fails_on_unhealthy_exit_restart_missing)
{
	struct slot_ctr_seen c[2] = {
		{ .name = "web", .found = true, .running = true, .health = "starting" },
		{ .name = "db", .found = true, .running = true, .health = "unhealthy" },
	};
	char why[128];

	CHECK(slot_health_judge(c, 2, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_FAIL);
	CHECK_STR(why, "db: unhealthy");
	c[1].health = NULL;
	c[1].running = false;
	c[1].exit_code = 3;
	CHECK(slot_health_judge(c, 2, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_FAIL);
	CHECK_STR(why, "db: exited (code 3)");
	c[1].running = true;
	c[1].restarted = true;
	CHECK(slot_health_judge(c, 2, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_FAIL);
	CHECK_STR(why, "db: restarted");
	c[1].found = false;
	CHECK(slot_health_judge(c, 2, SLOT_STABLE_MS, why, sizeof(why)) == SLOT_HEALTH_FAIL);
	CHECK_STR(why, "db: no such container");
}

TEST(held_transaction_follows_the_trial)
{
	struct slot_state st = { .active = 'a', .trial = { .slot = 'b', .tries = 1, .max_tries = 1 } };
	bool failed;

	CHECK(slot_trial_verdict(&st, 'b') == SLOT_TRIAL_PENDING);
	CHECK(slot_boot_decide(&st, &failed) == SLOT_RUN_ACTIVE && failed);
	CHECK(slot_trial_verdict(&st, 'b') == SLOT_TRIAL_FAILED);
	st.active = 'b';
	CHECK(slot_trial_verdict(&st, 'b') == SLOT_TRIAL_COMMITTED);
	/* A later trial of the other slot does not undo b's commit. */
	st.trial.slot = 'a';
	CHECK(slot_trial_verdict(&st, 'b') == SLOT_TRIAL_COMMITTED);
}

TEST(running_slot_from_env)
{
	setenv("TUG_SLOT", "b", 1);
	CHECK(slot_running("/nonexistent") == 'b');
	setenv("TUG_SLOT", "x", 1);
	CHECK(slot_running("/nonexistent") == 0);
	unsetenv("TUG_SLOT");
	CHECK(slot_running("/nonexistent") == 0);
}

/* An engine restarted by PID 1 has no TUG_SLOT: its binary names the slot. */
TEST(running_slot_from_exe)
{
	char dir[] = "/tmp/tug-slot-XXXXXX", exe[4096], link[64], cmd[64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || !mkdtemp(dir))
		SKIP("no /proc/self/exe or no temp dir");
	exe[n] = 0;
	unsetenv("TUG_SLOT");
	CHECK(slot_running(dir) == 0);
	snprintf(link, sizeof(link), "%s/b", dir);
	CHECK(symlink(exe, link) == 0);
	CHECK(slot_running(dir) == 'b');
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	RUN(first_boot_runs_builtin);
	RUN(trial_counts_tries_then_falls_back);
	RUN(state_round_trips_on_disk);
	RUN(fallback_restores_the_revision_marker);
	RUN(trial_commits_only_when_healthy);
	RUN(held_transaction_follows_the_trial);
	RUN(running_slot_from_env);
	RUN(running_slot_from_exe);
	RUN(trial_fails_on_unhealthy_exit_restart_missing);
	return test_done();
}
