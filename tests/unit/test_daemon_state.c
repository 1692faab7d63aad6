#include "test.h"
#include "core/daemon/restart.h"
#include "core/daemon/state.h"

TEST(table_allows_docker_lifecycle)
{
	CHECK(ctr_state_next(CS_CREATED, CE_START) == CS_RUNNING);
	CHECK(ctr_state_next(CS_RUNNING, CE_PAUSE) == CS_PAUSED);
	CHECK(ctr_state_next(CS_PAUSED, CE_UNPAUSE) == CS_RUNNING);
	CHECK(ctr_state_next(CS_RUNNING, CE_EXIT_RESTART) == CS_RESTARTING);
	CHECK(ctr_state_next(CS_RESTARTING, CE_START) == CS_RUNNING);
	CHECK(ctr_state_next(CS_RESTARTING, CE_STOP) == CS_EXITED);
	CHECK(ctr_state_next(CS_EXITED, CE_START) == CS_RUNNING);
	CHECK(ctr_state_next(CS_EXITED, CE_REMOVE) == CS_DEAD);
}

TEST(table_refuses_impossible)
{
	CHECK(ctr_state_next(CS_EXITED, CE_PAUSE) == -1);
	CHECK(ctr_state_next(CS_EXITED, CE_UNPAUSE) == -1);
	CHECK(ctr_state_next(CS_RUNNING, CE_START) == -1);
	CHECK(ctr_state_next(CS_DEAD, CE_START) == -1);
	CHECK(ctr_state_next(CS_PAUSED, CE_PAUSE) == -1);
	CHECK(ctr_state_next((enum ctr_state)99, CE_START) == -1);
}

TEST(names_are_dockers)
{
	CHECK_STR(ctr_state_name(CS_EXITED), "exited");
	CHECK_STR(ctr_state_name(CS_RESTARTING), "restarting");
	CHECK(ctr_state_parse("paused") == CS_PAUSED);
	CHECK(ctr_state_parse("died") == -1);
}

TEST(policy_parse)
{
	struct restart_policy p;
	struct tug_err err;

	CHECK(restart_policy_parse("on-failure:3", 0, &p, &err) == 0);
	CHECK(p.kind == RP_ON_FAILURE && p.max_retries == 3);
	CHECK(restart_policy_parse("", 0, &p, &err) == 0 && p.kind == RP_NO);
	CHECK(restart_policy_parse("no", 0, &p, &err) == 0 && p.kind == RP_NO);
	CHECK(restart_policy_parse("unless-stopped", 0, &p, &err) == 0 && p.kind == RP_UNLESS_STOPPED);
	CHECK(restart_policy_parse("n", 0, &p, &err) == -1);
	CHECK(restart_policy_parse("always:3", 0, &p, &err) == -1);
	CHECK(restart_policy_parse("sometimes", 0, &p, &err) == -1);
}

TEST(policy_decisions)
{
	struct restart_policy p = { RP_ON_FAILURE, 3 };

	CHECK(restart_wanted(&p, 1, 0, false));
	CHECK(restart_wanted(&p, 1, 2, false));
	CHECK(!restart_wanted(&p, 1, 3, false));
	CHECK(!restart_wanted(&p, 0, 0, false));
	p.kind = RP_ALWAYS;
	CHECK(restart_wanted(&p, 0, 100, false));
	CHECK(!restart_wanted(&p, 0, 0, true));
}

TEST(backoff_doubles_caps_and_resets)
{
	CHECK(restart_next_delay(0, 0) == 100);
	CHECK(restart_next_delay(100, 50) == 200);
	CHECK(restart_next_delay(40000, 50) == 60000);
	CHECK(restart_next_delay(60000, 50) == 60000);
	CHECK(restart_next_delay(6400, 10000) == 100);
}

int main(void)
{
	RUN(table_allows_docker_lifecycle);
	RUN(table_refuses_impossible);
	RUN(names_are_dockers);
	RUN(policy_parse);
	RUN(policy_decisions);
	RUN(backoff_doubles_caps_and_resets);
	return test_done();
}
