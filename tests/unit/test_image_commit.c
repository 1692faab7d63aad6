/* docker commit's --change lines and the config a committed image gets. */
#include <stdlib.h>
#include <string.h>

#include "core/image/commit.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "test.h"

static struct tug_err err;

static char *apply(const char *cfg_json, const char *line, int *rc)
{
	_cleanup_json_ cJSON *cfg = cJSON_Parse(cfg_json);

	*rc = image_commit_change(cfg, line, &err);
	return cJSON_PrintUnformatted(cfg);
}

#define CHANGE(in, line, want)                         \
	do {                                           \
		int rc_;                               \
		char *s_ = apply(in, line, &rc_);      \
		CHECK(rc_ == 0);                       \
		CHECK_STR(s_, want);                   \
		free(s_);                              \
	} while (0)

#define REFUSED(line)                                  \
	do {                                           \
		int rc_;                               \
		free(apply("{}", line, &rc_));         \
		CHECK(rc_ < 0);                        \
	} while (0)

TEST(cmd_and_entrypoint)
{
	CHANGE("{}", "CMD [\"cat\", \"/x\"]", "{\"Cmd\":[\"cat\",\"/x\"]}");
	CHANGE("{\"Cmd\":[\"sh\"]}", "cmd echo hi", "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
	CHANGE("{}", "ENTRYPOINT [\"/init\"]", "{\"Entrypoint\":[\"/init\"]}");
}

TEST(env_replaces_by_name)
{
	CHANGE("{\"Env\":[\"PATH=/bin\",\"A=1\"]}", "ENV A=2 B=\"x y\"",
	       "{\"Env\":[\"PATH=/bin\",\"A=2\",\"B=x y\"]}");
	CHANGE("{}", "ENV OLD form with spaces", "{\"Env\":[\"OLD=form with spaces\"]}");
}

TEST(label_workdir_user_expose_volume)
{
	CHANGE("{}", "LABEL a=b \"c d\"=e", "{\"Labels\":{\"a\":\"b\",\"c d\":\"e\"}}");
	CHANGE("{\"WorkingDir\":\"/srv\"}", "WORKDIR app", "{\"WorkingDir\":\"/srv/app\"}");
	CHANGE("{}", "WORKDIR /data", "{\"WorkingDir\":\"/data\"}");
	CHANGE("{}", "USER 1000:1000", "{\"User\":\"1000:1000\"}");
	CHANGE("{}", "EXPOSE 80 53/udp", "{\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}}");
	CHANGE("{}", "VOLUME [\"/a\", \"/b\"]", "{\"Volumes\":{\"/a\":{},\"/b\":{}}}");
	CHANGE("{}", "STOPSIGNAL SIGINT", "{\"StopSignal\":\"SIGINT\"}");
}

TEST(bad_changes_are_refused)
{
	REFUSED("BOGUS x");
	REFUSED("CMD");
	REFUSED("CMD [\"unterminated\"");
	REFUSED("CMD [1, 2]");
	REFUSED("EXPOSE 70000");
	REFUSED("EXPOSE 80/xyz");
	REFUSED("ENV =x");
	REFUSED("LABEL \"open");
	REFUSED("USER a b");
	REFUSED("");
}

TEST(container_config_over_image_config)
{
	_cleanup_json_ cJSON *img = cJSON_Parse(
	    "{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\",\"A=1\"],\"Labels\":{\"x\":\"1\"},\"WorkingDir\":\"/\"}");
	_cleanup_json_ cJSON *ctr = cJSON_Parse(
	    "{\"Image\":\"busybox\",\"Cmd\":[\"top\"],\"Env\":[\"A=2\"],\"Labels\":{\"y\":\"2\"},"
	    "\"WorkingDir\":\"\",\"Tty\":true}");
	_cleanup_json_ cJSON *out = image_commit_config(img, ctr);
	_cleanup_free_ char *s = cJSON_PrintUnformatted(out);

	CHECK_STR(s, "{\"Cmd\":[\"top\"],\"Env\":[\"PATH=/bin\",\"A=2\"],\"Labels\":{\"x\":\"1\",\"y\":\"2\"},"
		     "\"WorkingDir\":\"/\"}");
}

int main(void)
{
	RUN(cmd_and_entrypoint);
	RUN(env_replaces_by_name);
	RUN(label_workdir_user_expose_volume);
	RUN(bad_changes_are_refused);
	RUN(container_config_over_image_config);
	return test_done();
}
