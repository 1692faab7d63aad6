/*
 * A unit-test file per module. Each TEST prints one line in the project's
 * protocol: "PASS name", "FAIL name: why" or "SKIP name: reason".
 *
 *   TEST(parses_empty) { CHECK(x == 1); CHECK_STR(s, "a"); }
 *   int main(void) { RUN(parses_empty); return test_done(); }
 */
#ifndef TUG_TEST_H
#define TUG_TEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int test_failures;
static const char *test_state; /* NULL = pass, else "FAIL: ..." / "SKIP: ..." */
static char test_why[512];

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			snprintf(test_why, sizeof(test_why), "%s:%d: %s", __FILE__, __LINE__, \
				 #cond);                                                    \
			test_state = "FAIL";                                                \
			return;                                                             \
		}                                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *a_ = (a), *b_ = (b);                                            \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                         \
			snprintf(test_why, sizeof(test_why), "%s:%d: \"%s\" != \"%s\"", __FILE__, \
				 __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");         \
			test_state = "FAIL";                                                \
			return;                                                             \
		}                                                                           \
	} while (0)

#define SKIP(reason)                                                  \
	do {                                                          \
		snprintf(test_why, sizeof(test_why), "%s", reason);   \
		test_state = "SKIP";                                  \
		return;                                               \
	} while (0)

#define REQUIRE_ROOT()                                          \
	do {                                                    \
		if (geteuid() != 0)                             \
			SKIP("needs root");                     \
	} while (0)

static inline void test_run(const char *file, const char *name, void (*fn)(void))
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	test_state = NULL;
	test_why[0] = '\0';
	fn();
	if (!test_state)
		printf("PASS %.*s/%s\n", (int)(strcspn(base, ".")), base, name);
	else
		printf("%s %.*s/%s: %s\n", test_state, (int)(strcspn(base, ".")), base, name,
		       test_why);
	if (test_state && test_state[0] == 'F')
		test_failures++;
	fflush(stdout);
}

#define RUN(fn) test_run(__FILE__, #fn, fn)

static inline int test_done(void)
{
	return test_failures ? 1 : 0;
}

#endif
