/* A/B slots: trial boots counted on disk, dropped after MaxTries. */
#include <stdlib.h>

#include "test.h"
#include "core/update/slot.h"

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

int main(void)
{
	RUN(first_boot_runs_builtin);
	RUN(trial_counts_tries_then_falls_back);
	RUN(state_round_trips_on_disk);
	return test_done();
}
