/* Image references as users type them, and the device's platform choice. */
#include "core/image/layers.h"
#include "core/image/ref.h"
#include "test.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct image_ref r;
static struct tug_err err;

TEST(bare_name_gets_latest)
{
	CHECK(image_ref_parse("busybox", &r, &err) == 0);
	CHECK_STR(r.name, "busybox");
	CHECK_STR(r.tag, "latest");
	CHECK_STR(r.digest, "");
}

TEST(name_and_tag)
{
	char key[400];

	CHECK(image_ref_parse("busybox:1.36", &r, &err) == 0);
	CHECK_STR(r.name, "busybox");
	CHECK_STR(r.tag, "1.36");
	image_ref_key(&r, key, sizeof(key));
	CHECK_STR(key, "busybox:1.36");
}

TEST(registry_with_port_and_path)
{
	CHECK(image_ref_parse("reg:5000/a/b:tag", &r, &err) == 0);
	CHECK_STR(r.name, "reg:5000/a/b");
	CHECK_STR(r.tag, "tag");
	CHECK(image_ref_parse("reg:5000/a/b", &r, &err) == 0);
	CHECK_STR(r.name, "reg:5000/a/b");
	CHECK_STR(r.tag, "latest");
}

TEST(digest_reference)
{
	CHECK(image_ref_parse("x@sha256:" HEX64, &r, &err) == 0);
	CHECK_STR(r.name, "x");
	CHECK_STR(r.tag, "");
	CHECK_STR(r.digest, "sha256:" HEX64);
	CHECK(image_ref_parse("x:1@sha256:" HEX64, &r, &err) == 0);
	CHECK_STR(r.tag, "1");
}

TEST(docker_hub_names_are_familiar)
{
	CHECK(image_ref_parse("docker.io/library/busybox:1", &r, &err) == 0);
	CHECK_STR(r.name, "busybox");
	CHECK(image_ref_parse("library/busybox", &r, &err) == 0);
	CHECK_STR(r.name, "busybox");
	CHECK(image_ref_parse("docker.io/me/app", &r, &err) == 0);
	CHECK_STR(r.name, "me/app");
}

TEST(bad_references_are_refused)
{
	CHECK(image_ref_parse("BusyBox", &r, &err) < 0);
	CHECK(strstr(err.msg, "invalid reference format"));
	CHECK(image_ref_parse("", &r, &err) < 0);
	CHECK(image_ref_parse("x@sha256:abc", &r, &err) < 0);
	CHECK(image_ref_parse("x:", &r, &err) < 0);
	CHECK(image_ref_parse("a//b", &r, &err) < 0);
	CHECK(image_ref_parse("x:-bad", &r, &err) < 0);
}

TEST(id_prefixes)
{
	CHECK(image_id_prefix_valid("0123456789ab"));
	CHECK(image_id_prefix_valid("sha256:" HEX64));
	CHECK(!image_id_prefix_valid("busybox"));
}

TEST(platform_of_each_board)
{
	const char *a, *v;

	image_platform_of("x86_64", &a, &v);
	CHECK_STR(a, "amd64");
	image_platform_of("aarch64", &a, &v);
	CHECK_STR(a, "arm64");
	CHECK_STR(v, "v8");
	image_platform_of("armv7", &a, &v);
	CHECK_STR(a, "arm");
	CHECK_STR(v, "v7");
	image_platform_of("mipsel", &a, &v);
	CHECK_STR(a, "mipsle");
	CHECK(image_platform_match("armv7", "linux", "arm", "v7"));
	CHECK(!image_platform_match("armv7", "linux", "arm", "v6"));
	CHECK(image_platform_match("aarch64", "linux", "arm64", NULL));
	CHECK(!image_platform_match("x86_64", "windows", "amd64", NULL));
	CHECK(!image_platform_match("x86_64", "linux", "arm64", "v8"));
}

TEST(chain_ids_follow_oci)
{
	char c[SHA256_DIGEST_STR_LEN];

	layer_chain_id(NULL, "sha256:" HEX64, c);
	CHECK_STR(c, "sha256:" HEX64);
	/* sha256("sha256:<HEX64> sha256:<HEX64>") */
	layer_chain_id("sha256:" HEX64, "sha256:" HEX64, c);
	CHECK(digest_valid(c));
	CHECK(strcmp(c, "sha256:" HEX64));
}

int main(void)
{
	RUN(bare_name_gets_latest);
	RUN(name_and_tag);
	RUN(registry_with_port_and_path);
	RUN(digest_reference);
	RUN(docker_hub_names_are_familiar);
	RUN(bad_references_are_refused);
	RUN(id_prefixes);
	RUN(platform_of_each_board);
	RUN(chain_ids_follow_oci);
	return test_done();
}
