/* /proc parsers behind docker stats' CPU % (platform/procstat.c). */
#include "platform/procstat.h"
#include "test.h"

TEST(task_ticks_sum_user_system_and_children)
{
	/* utime 100, stime 20, cutime 3, cstime 4 (fields 14..17). */
	static const char stat[] = "42 (sh) R 1 42 42 0 -1 4194304 100 0 0 0 100 20 3 4 20 0 1 0 "
				   "123 4567 89 18446744073709551615\n";
	/* A comm with spaces and a ')' must not shift the fields. */
	static const char odd[] = "7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 5 6 7 8 20 0 1 0 1 2 3\n";
	uint64_t t = 0;

	CHECK(procstat_task_ticks(stat, &t) == 0 && t == 127);
	CHECK(procstat_task_ticks(odd, &t) == 0 && t == 26);
	CHECK(procstat_task_ticks("42 (sh) R 1 2 3", &t) < 0);
	CHECK(procstat_task_ticks("no parenthesis", &t) < 0);
	CHECK(procstat_task_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 1 1 1", &t) < 0);
}

TEST(system_ticks_and_cpus)
{
	static const char text[] = "cpu  10 1 20 300 4 0 5 0 7 0\n"
				   "cpu0 5 0 10 150 2 0 3 0 0 0\n"
				   "cpu1 5 1 10 150 2 0 2 0 0 0\n"
				   "intr 12345\nctxt 999\n";
	uint64_t t;
	unsigned n;

	CHECK(procstat_system_ticks(text, &t, &n) == 0);
	CHECK(t == 340);	/* user..steal; guest is already in user */
	CHECK(n == 2);
	CHECK(procstat_system_ticks("intr 1\n", &t, &n) < 0);
}

int main(void)
{
	RUN(task_ticks_sum_user_system_and_children);
	RUN(system_ticks_and_cpus);
	return test_done();
}
