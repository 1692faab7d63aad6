/* tug apply's target state: checked in full before anything changes. */
#include "test.h"
#include "core/update/update.h"

static int parse(const char *text, struct target_state *s, struct tug_err *err)
{
	cJSON *j = cJSON_Parse(text);
	int rc;

	if (!j)
		return -2;
	rc = target_state_parse(j, s, err);
	cJSON_Delete(j);
	return rc;
}

TEST(start_order_follows_after_then_file_order)
{
	struct target_state s;
	struct tug_err err;

	CHECK(parse("{\"containers\":["
		    "{\"name\":\"web\",\"image\":\"app:v2\",\"after\":[\"db\",\"cache\"]},"
		    "{\"name\":\"cache\",\"image\":\"redis\"},"
		    "{\"name\":\"db\",\"image\":\"pg\",\"after\":[\"cache\"]},"
		    "{\"name\":\"log\",\"image\":\"busybox\"}],\"deadline\":30,\"stable\":1.5}",
		    &s, &err) == 0);
	CHECK(s.n == 4);
	CHECK_STR(s.ctrs[0].name, "cache");
	CHECK_STR(s.ctrs[1].name, "db");
	CHECK_STR(s.ctrs[2].name, "web");
	CHECK_STR(s.ctrs[3].name, "log");
	CHECK(s.deadline_s == 30 && s.stable_s == 1.5);
	target_state_free(&s);
}

TEST(container_becomes_a_create_body)
{
	struct target_state s;
	struct tug_err err;
	const cJSON *b, *hc, *hcheck;

	CHECK(parse("{\"containers\":[{\"name\":\"web\",\"image\":\"app:v2\","
		    "\"command\":[\"httpd\",\"-f\"],\"env\":[\"A=1\"],\"labels\":{\"k\":\"v\"},"
		    "\"restart\":\"always\",\"volumes\":[\"data:/srv\"],\"networks\":[\"lan\"],"
		    "\"healthcheck\":{\"test\":[\"CMD\",\"true\"],\"interval\":0.5,\"retries\":2},"
		    "\"stop_timeout\":3}]}",
		    &s, &err) == 0);
	b = s.ctrs[0].body;
	CHECK_STR(cJSON_GetObjectItem(b, "Image")->valuestring, "app:v2");
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "Cmd"), 1)->valuestring, "-f");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "Labels"), "k")->valuestring, "v");
	CHECK(cJSON_GetObjectItem(b, "StopTimeout")->valueint == 3);
	hc = cJSON_GetObjectItem(b, "HostConfig");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "RestartPolicy"), "Name")->valuestring,
		  "always");
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "Binds"), 0)->valuestring, "data:/srv");
	CHECK_STR(cJSON_GetObjectItem(hc, "NetworkMode")->valuestring, "lan");
	hcheck = cJSON_GetObjectItem(b, "Healthcheck");
	CHECK(cJSON_GetObjectItem(hcheck, "Interval")->valuedouble == 5e8);
	CHECK(cJSON_GetObjectItem(hcheck, "Retries")->valueint == 2);
	CHECK(s.deadline_s == UPDATE_DEFAULT_DEADLINE_S);
	target_state_free(&s);
}

TEST(bad_states_are_rejected_with_the_field)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "[]", "expected an object" },
		{ "{\"containers\":[],\"color\":1}", "unknown field 'color'" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"ports\":[]}]}", "unknown field 'ports'" },
		{ "{\"containers\":[{\"name\":\"a\"}]}", ".image" },
		{ "{\"containers\":[{\"name\":\"-a\",\"image\":\"x\"}]}", ".name" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"a\",\"image\":\"y\"}]}", "used twice" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"after\":[\"b\"]},"
		  "{\"name\":\"b\",\"image\":\"x\",\"after\":[\"c\"]},"
		  "{\"name\":\"c\",\"image\":\"x\",\"after\":[\"a\"]}]}", "cycle in 'after' among a, b, c" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"after\":[\"a\"]}]}", "names itself" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"after\":[\"zz\"]}]}", "no container named 'zz'" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"env\":\"A=1\"}]}", ".env" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"healthcheck\":{\"test\":[]}}]}", "healthcheck.test" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"healthcheck\":{\"test\":[\"CMD\",\"t\"],\"interval\":\"1s\"}}]}", "healthcheck.interval" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"networks\":[\"lan\",\"lan\"]}]}", "'lan' named twice" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"networks\":[\"lan\",1]}]}", ".networks" },
		{ "{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"networks\":\"\"}]}", "empty network name" },
		{ "{\"containers\":{}}", "state.containers" },
		{ "{\"containers\":[],\"deadline\":-1}", "state.deadline" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct target_state s;
		struct tug_err err = { 0 };

		if (parse(bad[i].text, &s, &err) != -1 || !strstr(err.msg, bad[i].want)) {
			snprintf(test_why, sizeof(test_why), "case %zu: got '%s', want '%s'", i,
				 err.msg, bad[i].want);
			test_state = "FAIL";
			return;
		}
	}
}

TEST(several_networks_per_container)
{
	struct target_state s;
	struct tug_err err;
	const cJSON *b, *eps;

	CHECK(parse("{\"containers\":[{\"name\":\"web\",\"image\":\"x\","
		    "\"networks\":[\"lan\",\"mgmt\",\"iot\"]},"
		    "{\"name\":\"db\",\"image\":\"x\",\"networks\":\"lan\"}]}",
		    &s, &err) == 0);
	b = s.ctrs[0].body;
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "NetworkMode")->valuestring,
		  "lan");
	eps = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "NetworkingConfig"), "EndpointsConfig");
	CHECK(cJSON_GetArraySize(eps) == 3);
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(eps, "mgmt")));
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(eps, "iot")));
	/* The single-network form: a string. */
	b = s.ctrs[1].body;
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "NetworkMode")->valuestring,
		  "lan");
	CHECK(!cJSON_GetObjectItem(b, "NetworkingConfig"));
	target_state_free(&s);
}

TEST(seconds_to_nanoseconds)
{
	cJSON *v = cJSON_CreateNumber(0.25);

	CHECK(update_seconds_to_ns(v) == 250000000);
	cJSON_Delete(v);
	v = cJSON_CreateString("1s");
	CHECK(update_seconds_to_ns(v) == -1);
	cJSON_Delete(v);
}

int main(void)
{
	RUN(start_order_follows_after_then_file_order);
	RUN(container_becomes_a_create_body);
	RUN(bad_states_are_rejected_with_the_field);
	RUN(several_networks_per_container);
	RUN(seconds_to_nanoseconds);
	return test_done();
}
