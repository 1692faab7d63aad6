/* Runtime pieces that need no root: signals, path resolution inside a root,
 * the default spec, features, and the state record. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/oci/defaults.h"
#include "core/oci/runtime.h"
#include "core/oci/spec.h"
#include "core/oci/state.h"
#include "platform/mount.h"
#include "test.h"

static char dir[PATH_MAX];

TEST(signals_by_name_and_number)
{
	CHECK(oci_signal_parse("KILL") == SIGKILL);
	CHECK(oci_signal_parse("SIGTERM") == SIGTERM);
	CHECK(oci_signal_parse("sigusr1") == SIGUSR1);
	CHECK(oci_signal_parse("9") == 9);
	CHECK(oci_signal_parse("NOPE") == -1);
	CHECK(oci_signal_parse("0") == 0);
	CHECK(oci_signal_parse("99") == 99);
	CHECK(oci_signal_parse("-1") == -1);
	CHECK(oci_signal_parse("") == -1);
}

TEST(resolve_stays_in_root)
{
	char root[PATH_MAX + 8], p[PATH_MAX + 32], out[PATH_MAX], want[PATH_MAX + 32];
	struct tug_err err = {0};

	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(p, sizeof(p), "%s/etc", root);
	CHECK(mkdir(root, 0755) == 0 && mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/abs", root);
	CHECK(symlink("/../../../../etc", p) == 0);
	snprintf(p, sizeof(p), "%s/rel", root);
	CHECK(symlink("../../../..", p) == 0);
	CHECK(mount_resolve_in_root(root, "/abs/passwd", RESOLVE_EXISTING, out, sizeof(out),
				    &err) == 0);
	snprintf(want, sizeof(want), "%s/etc/passwd", root);
	CHECK_STR(out, want);
	CHECK(mount_resolve_in_root(root, "/rel/tmp", RESOLVE_EXISTING, out, sizeof(out), &err) ==
	      0);
	snprintf(want, sizeof(want), "%s/tmp", root);
	CHECK_STR(out, want);
	CHECK(mount_resolve_in_root(root, "/../../x/./y", RESOLVE_EXISTING, out, sizeof(out),
				    &err) == 0);
	snprintf(want, sizeof(want), "%s/x/y", root);
	CHECK_STR(out, want);
	/* create makes the directory inside the root, through the link. */
	CHECK(mount_resolve_in_root(root, "/abs/made/here", RESOLVE_MKDIR, out, sizeof(out),
				    &err) == 0);
	snprintf(want, sizeof(want), "%s/etc/made/here", root);
	CHECK_STR(out, want);
	CHECK(access(want, F_OK) == 0);
}

TEST(symlink_loop_fails)
{
	char root[PATH_MAX + 8], p[PATH_MAX + 32], out[PATH_MAX];
	struct tug_err err = {0};

	snprintf(root, sizeof(root), "%s/loop", dir);
	CHECK(mkdir(root, 0755) == 0);
	snprintf(p, sizeof(p), "%s/a", root);
	CHECK(symlink("/a", p) == 0);
	CHECK(mount_resolve_in_root(root, "/a/b", RESOLVE_EXISTING, out, sizeof(out), &err) < 0);
	CHECK(err.code == ELOOP);
}

TEST(default_spec_is_valid)
{
	cJSON *j = oci_default_spec(false, 0, 0), *r = oci_default_spec(true, 1000, 1000);
	char *text, bundle[PATH_MAX + 8], rootfs[PATH_MAX + 16];
	struct oci_spec s;
	struct tug_err err = {0};

	CHECK(j && r);
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	CHECK(mkdir(bundle, 0755) == 0 && mkdir(rootfs, 0755) == 0);
	text = cJSON_PrintUnformatted(j);
	CHECK(oci_spec_parse(text, strlen(text), bundle, &s, &err) == 0);
	CHECK(s.process.terminal);
	CHECK(s.root_readonly);
	CHECK(s.n_mounts == 7);
	oci_spec_free(&s);
	free(text);
	text = cJSON_PrintUnformatted(r);
	CHECK(oci_spec_parse(text, strlen(text), bundle, &s, &err) == 0);
	CHECK(oci_spec_has_ns(&s, CLONE_NEWUSER, NULL));
	CHECK(!oci_spec_has_ns(&s, CLONE_NEWNET, NULL));
	CHECK(s.n_uid_maps == 1 && s.uid_maps[0].host_id == 1000);
	oci_spec_free(&s);
	free(text);
	cJSON_Delete(j);
	cJSON_Delete(r);
}

TEST(features_lists_namespaces)
{
	cJSON *f = oci_features();
	cJSON *ns = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "linux"), "namespaces");

	CHECK(f && cJSON_IsArray(ns) && cJSON_GetArraySize(ns) == 8);
	CHECK_STR(cJSON_GetObjectItem(f, "ociVersionMax")->valuestring, "1.2.0");
	cJSON_Delete(f);
}

TEST(state_of_a_gone_init_is_stopped)
{
	char root[PATH_MAX + 8], p[PATH_MAX + 64];
	struct oci_state st;
	struct tug_err err = {0};
	cJSON *pub;
	const char *rec = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"pid\":2147483000,"
			  "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"t\","
			  "\"annotations\":{\"a\":\"b\"},\"cgroup\":\"\"}";

	snprintf(root, sizeof(root), "%s/state", dir);
	snprintf(p, sizeof(p), "%s/c1", root);
	CHECK(mkdir(root, 0755) == 0 && mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/c1/state.json", root);
	{
		FILE *f = fopen(p, "w");

		CHECK(f);
		fputs(rec, f);
		fclose(f);
	}
	CHECK(oci_state_load(root, "c1", &st, &err) == 0);
	CHECK_STR(oci_state_status(&st), "stopped");
	pub = oci_state_public(&st, "stopped");
	CHECK_STR(cJSON_GetObjectItem(pub, "id")->valuestring, "c1");
	CHECK(cJSON_GetObjectItem(pub, "pid")->valueint == 0);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(pub, "annotations"), "a")->valuestring,
		  "b");
	cJSON_Delete(pub);
	oci_state_free(&st);
	CHECK(oci_state_load(root, "nope", &st, &err) < 0);
	CHECK(strstr(err.msg, "does not exist") != NULL);
	CHECK(oci_state_load(root, "../c1", &st, &err) < 0);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tug-test-ociruntime.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(signals_by_name_and_number);
	RUN(resolve_stays_in_root);
	RUN(symlink_loop_fails);
	RUN(default_spec_is_valid);
	RUN(features_lists_namespaces);
	RUN(state_of_a_gone_init_is_stopped);
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return test_done();
}
