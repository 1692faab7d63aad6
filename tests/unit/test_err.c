#include "test.h"
#include "platform/err.h"

TEST(wrap_adds_context_outside_in)
{
	struct tug_err err;
	char buf[2048];

	errno = ENOSPC;
	tug_err_sys(&err, "mount overlay");
	tug_err_wrap(&err, "start %s", "web");
	CHECK(err.code == ENOSPC);
	CHECK_STR(tug_err_str(&err, buf, sizeof(buf)),
		  "start web: mount overlay: No space left on device");
}

TEST(unsupported_names_the_symbol)
{
	struct tug_err err;
	char buf[2048];

	CHECK(tug_err_unsupported(&err, CONFIG_SECCOMP) == -1);
	CHECK_STR(tug_err_str(&err, buf, sizeof(buf)),
		  "not supported by this build (CONFIG_SECCOMP)");
}

TEST(plain_error_has_no_strerror)
{
	struct tug_err err;
	char buf[2048];

	tug_err_set(&err, 0, "bad %s", "thing");
	CHECK_STR(tug_err_str(&err, buf, sizeof(buf)), "bad thing");
}

int main(void)
{
	RUN(wrap_adds_context_outside_in);
	RUN(unsupported_names_the_symbol);
	RUN(plain_error_has_no_strerror);
	return test_done();
}
