/* config.json parsing: good bundles parse, bad ones fail naming the field. */
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "core/oci/spec.h"
#include "test.h"

static char bundle[PATH_MAX];

static void make_bundle(void)
{
	char p[PATH_MAX + 16];

	snprintf(bundle, sizeof(bundle), "/tmp/tug-test-spec.XXXXXX");
	if (!mkdtemp(bundle))
		abort();
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	mkdir(p, 0755);
}

#define MINIMAL_PROCESS "\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\"}"

static int parse(const char *text, struct oci_spec *s, struct tug_err *err)
{
	return oci_spec_parse(text, strlen(text), bundle, s, err);
}

TEST(minimal_config_parses)
{
	struct oci_spec s;
	struct tug_err err = { 0 };
	const char *cfg = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
		MINIMAL_PROCESS ",\"hostname\":\"box\","
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]}}";

	CHECK(parse(cfg, &s, &err) == 0);
	CHECK(s.root_readonly);
	CHECK(strstr(s.root_path, "/rootfs") != NULL);
	CHECK_STR(s.process.args[0], "/bin/sh");
	CHECK_STR(s.hostname, "box");
	CHECK(s.n_ns == 3);
	CHECK(oci_spec_has_ns(&s, CLONE_NEWPID, NULL));
	oci_spec_free(&s);
}

TEST(version_1_2_accepted)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}}", &s, &err) == 0);
	oci_spec_free(&s);
}

TEST(malformed_json_fails)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"1.0.2\",", &s, &err) < 0);
	CHECK(strstr(err.msg, "malformed JSON") != NULL);
}

TEST(unknown_major_version_fails)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"rootfs\"}}", &s, &err) < 0);
	CHECK(strstr(err.msg, "ociVersion") != NULL);
	CHECK(parse("{\"root\":{\"path\":\"rootfs\"}}", &s, &err) < 0);
	CHECK(strstr(err.msg, "ociVersion: required") != NULL);
}

TEST(root_outside_bundle_fails)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"../..\"}}", &s, &err) < 0);
	CHECK(strstr(err.msg, "root.path") != NULL);
	CHECK(strstr(err.msg, "escapes the bundle") != NULL);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"missing\"}}", &s, &err) < 0);
	CHECK(strstr(err.msg, "root.path") != NULL);
}

TEST(root_symlink_outside_bundle_fails)
{
	struct oci_spec s;
	struct tug_err err = { 0 };
	char link[PATH_MAX + 16];

	snprintf(link, sizeof(link), "%s/evil", bundle);
	CHECK(symlink("/etc", link) == 0);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"evil\"}}", &s, &err) < 0);
	CHECK(strstr(err.msg, "escapes the bundle") != NULL);
}

TEST(wrong_types_name_the_field)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"process\":{\"args\":\"/bin/sh\",\"cwd\":\"/\"}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "process") && strstr(err.msg, "args: expected an array"));
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\",\"user\":{\"uid\":\"0\"}}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "process.user") && strstr(err.msg, "uid"));
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[1]}]}",
		    &s, &err) < 0);
	CHECK_STR(err.msg, "mounts[0].options[0]: expected a string");
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"linux\":{\"namespaces\":[{\"type\":\"pidd\"}]}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "linux.namespaces[0].type") != NULL);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"relative\"}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "process.cwd") != NULL);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "process.rlimits[0].type") != NULL);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"hooks\":{\"prestart\":[{\"path\":\"relative\"}]}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "hooks.prestart[0].path") != NULL);
}

TEST(consistency_rules)
{
	struct oci_spec s;
	struct tug_err err = { 0 };

	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h\"}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "hostname") != NULL);
	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}",
		    &s, &err) < 0);
	CHECK(strstr(err.msg, "uidMappings") != NULL);
}

TEST(mount_options_map_to_flags)
{
	struct mount_entry m = { 0 };
	struct tug_err err = { 0 };
	cJSON *o = cJSON_Parse("[\"rbind\",\"ro\",\"nosuid\",\"rprivate\",\"size=64k\",\"mode=755\"]");

	CHECK(oci_mount_options(o, "mounts[0]", &m, &err) == 0);
	CHECK(m.bind);
	CHECK(m.flags & MS_REC);
	CHECK(m.flags & MS_RDONLY);
	CHECK(m.flags & MS_NOSUID);
	CHECK(m.propagation == (MS_PRIVATE | MS_REC));
	CHECK_STR(m.data, "size=64k,mode=755");
	free(m.data);
	cJSON_Delete(o);
}

TEST(ids_validated)
{
	struct tug_err err = { 0 };

	CHECK(oci_id_validate("web-1_a.b", &err) == 0);
	CHECK(oci_id_validate("../x", &err) < 0);
	CHECK(oci_id_validate("", &err) < 0);
	CHECK(oci_id_validate("a/b", &err) < 0);
}

int main(void)
{
	make_bundle();
	RUN(minimal_config_parses);
	RUN(version_1_2_accepted);
	RUN(malformed_json_fails);
	RUN(unknown_major_version_fails);
	RUN(root_outside_bundle_fails);
	RUN(root_symlink_outside_bundle_fails);
	RUN(wrong_types_name_the_field);
	RUN(consistency_rules);
	RUN(mount_options_map_to_flags);
	RUN(ids_validated);
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
		if (system(cmd) != 0)
			return 1;
	}
	return test_done();
}
