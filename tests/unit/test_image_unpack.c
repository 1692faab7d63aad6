/* Entry-name checks and whiteout mapping of the layer unpacker. */
#include "platform/unpack.h"
#include "test.h"

static char out[4096], target[4096];
static struct tug_err err;

TEST(names_are_normalised)
{
	CHECK(unpack_clean_path("./a//b/", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/b");
	CHECK(unpack_clean_path(".", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "");
	CHECK(unpack_clean_path("a/./b", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/b");
	CHECK(unpack_clean_path("a/..b/c..", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/..b/c..");
}

TEST(dotdot_is_refused)
{
	CHECK(unpack_clean_path("../etc/passwd", out, sizeof(out), &err) < 0);
	CHECK(strstr(err.msg, "leaves the layer root"));
	CHECK(unpack_clean_path("a/../../b", out, sizeof(out), &err) < 0);
	CHECK(unpack_clean_path("a/..", out, sizeof(out), &err) < 0);
}

TEST(absolute_is_refused)
{
	CHECK(unpack_clean_path("/etc/passwd", out, sizeof(out), &err) < 0);
	CHECK(strstr(err.msg, "absolute path"));
}

TEST(whiteout_file)
{
	CHECK(unpack_whiteout_kind("etc/.wh.passwd", target, sizeof(target)) == WHITEOUT_FILE);
	CHECK_STR(target, "etc/passwd");
	CHECK(unpack_whiteout_kind(".wh.top", target, sizeof(target)) == WHITEOUT_FILE);
	CHECK_STR(target, "top");
}

TEST(whiteout_opaque)
{
	CHECK(unpack_whiteout_kind("var/cache/.wh..wh..opq", target, sizeof(target)) ==
	      WHITEOUT_OPAQUE);
	CHECK_STR(target, "var/cache");
	CHECK(unpack_whiteout_kind(".wh..wh..opq", target, sizeof(target)) == WHITEOUT_OPAQUE);
	CHECK_STR(target, "");
}

TEST(aufs_metadata_and_plain_names)
{
	CHECK(unpack_whiteout_kind(".wh..wh.plnk/x", target, sizeof(target)) == WHITEOUT_NONE);
	CHECK(unpack_whiteout_kind("a/.wh..wh.plnk", target, sizeof(target)) == WHITEOUT_META);
	CHECK(unpack_whiteout_kind("a/b.wh.c", target, sizeof(target)) == WHITEOUT_NONE);
	CHECK(unpack_whiteout_kind("a/wh.c", target, sizeof(target)) == WHITEOUT_NONE);
}

int main(void)
{
	RUN(names_are_normalised);
	RUN(dotdot_is_refused);
	RUN(absolute_is_refused);
	RUN(whiteout_file);
	RUN(whiteout_opaque);
	RUN(aufs_metadata_and_plain_names);
	return test_done();
}
