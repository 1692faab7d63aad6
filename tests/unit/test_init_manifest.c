/* Boot manifest: parsing, start order by dependencies, Docker create bodies. */
#include <stdlib.h>
#include <string.h>

#include "init/manifest.h"
#include "test.h"

static int parse(const char *text, struct manifest *m, struct tug_err *err)
{
	return manifest_parse(cJSON_Parse(text), m, err);
}

static const char *order_name(const struct manifest *m, size_t k)
{
	return m->containers[m->order[k]].name;
}

TEST(dependencies_start_first)
{
	struct manifest m;
	struct tug_err err;

	CHECK(parse("{\"containers\":[{\"name\":\"web\",\"image\":\"b\",\"depends_on\":[\"db\",\"cache\"]},"
		    "{\"name\":\"db\",\"image\":\"b\"},{\"name\":\"cache\",\"image\":\"b\",\"depends_on\":[\"db\"]},"
		    "{\"name\":\"lone\",\"image\":\"b\"}]}",
		    &m, &err) == 0);
	CHECK(m.ncontainers == 4);
	CHECK_STR(order_name(&m, 0), "db");
	CHECK_STR(order_name(&m, 1), "cache");
	CHECK_STR(order_name(&m, 2), "web");
	CHECK_STR(order_name(&m, 3), "lone");
	manifest_free(&m);
}

TEST(cycle_and_unknown_dependency_refused)
{
	struct manifest m;
	struct tug_err err;

	CHECK(parse("{\"containers\":[{\"name\":\"a\",\"image\":\"b\",\"depends_on\":[\"c\"]},"
		    "{\"name\":\"c\",\"image\":\"b\",\"depends_on\":[\"a\"]}]}",
		    &m, &err) < 0);
	CHECK(strstr(err.msg, "cycle"));
	CHECK(parse("{\"containers\":[{\"name\":\"a\",\"image\":\"b\",\"depends_on\":[\"zz\"]}]}", &m,
		    &err) < 0);
	CHECK(strstr(err.msg, "unknown zz"));
	CHECK(parse("{\"containers\":[{\"name\":\"a\",\"image\":\"b\"},{\"name\":\"a\",\"image\":\"b\"}]}",
		    &m, &err) < 0);
	CHECK(parse("{\"containers\":[{\"name\":\"a\"}]}", &m, &err) < 0);
	CHECK(parse("[1]", &m, &err) < 0);
}

TEST(board_settings)
{
	struct manifest m;
	struct tug_err err;

	CHECK(parse("{\"hostname\":\"h1\",\"modules\":[\"overlay\",\"loop\"],\"watchdog\":{\"timeout\":7},"
		    "\"stop_timeout\":3,\"images\":[{\"archive\":\"/a.tar\",\"ref\":\"x:1\"}]}",
		    &m, &err) == 0);
	CHECK_STR(m.hostname, "h1");
	CHECK(m.nmodules == 2);
	CHECK_STR(m.modules[1], "loop");
	CHECK_STR(m.watchdog_device, "/dev/watchdog");
	CHECK(m.watchdog_timeout == 7);
	CHECK(m.stop_timeout == 3);
	CHECK(m.nimages == 1);
	CHECK_STR(m.images[0].ref, "x:1");
	manifest_free(&m);
	CHECK(parse("{\"watchdog\":{\"timeout\":1}}", &m, &err) < 0);
	CHECK(parse("{\"images\":[{\"ref\":\"x\"}]}", &m, &err) < 0);
}

TEST(network_modules)
{
	struct manifest m;
	struct tug_err err;
	bool nft = false, veth = false;

	/* Only containers without a network: the list stays as written. */
	CHECK(parse("{\"modules\":[\"overlay\"],\"containers\":[{\"name\":\"a\",\"image\":\"i\","
		    "\"network\":\"none\"},{\"name\":\"b\",\"image\":\"i\",\"network\":\"host\"}]}",
		    &m, &err) == 0);
	CHECK(m.nmodules == 1);
	CHECK(!manifest_container_needs_network(&m.containers[0]));
	manifest_free(&m);
	/* One on the default bridge: its modules are added once each. */
	CHECK(parse("{\"modules\":[\"overlay\",\"bridge\"],\"containers\":[{\"name\":\"a\","
		    "\"image\":\"i\",\"network\":\"none\"},{\"name\":\"b\",\"image\":\"i\"}]}",
		    &m, &err) == 0);
	CHECK(manifest_container_needs_network(&m.containers[1]));
	CHECK_STR(m.modules[0], "overlay");
	CHECK_STR(m.modules[1], "bridge");
	for (size_t i = 2; i < m.nmodules; i++) {
		CHECK(strcmp(m.modules[i], "bridge"));
		nft |= !strcmp(m.modules[i], "nf_tables");
		veth |= !strcmp(m.modules[i], "veth");
	}
	CHECK(nft && veth);
	manifest_free(&m);
	/* A module list already full is not overrun. */
	CHECK(parse("{\"modules\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\","
		    "\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\","
		    "\"22\",\"23\",\"24\",\"25\",\"26\",\"27\",\"28\",\"29\",\"30\"],"
		    "\"containers\":[{\"name\":\"b\",\"image\":\"i\",\"network\":\"bridge\"}]}",
		    &m, &err) == 0);
	CHECK(m.nmodules == MANIFEST_MAX_MODULES);
	manifest_free(&m);
}

TEST(sizes)
{
	CHECK(manifest_parse_size("16m") == 16 << 20);
	CHECK(manifest_parse_size("2G") == 2LL << 30);
	CHECK(manifest_parse_size("4096") == 4096);
	CHECK(manifest_parse_size("10kb") == 10240);
	CHECK(manifest_parse_size("x") == -1);
	CHECK(manifest_parse_size("5q") == -1);
	CHECK(manifest_parse_size("-1") == -1);
}

TEST(create_body)
{
	struct manifest m;
	struct tug_err err;
	cJSON *b, *hc;
	char *s;

	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"busybox\",\"cmd\":[\"sh\",\"-c\",\"x\"],"
		    "\"env\":[\"A=1\"],\"restart\":\"on-failure:3\",\"memory\":\"16m\",\"pids\":8}]}",
		    &m, &err) == 0);
	b = manifest_create_body(&m.containers[0], &err);
	CHECK(b);
	hc = cJSON_GetObjectItem(b, "HostConfig");
	s = cJSON_PrintUnformatted(b);
	CHECK(strstr(s, "\"Image\":\"busybox\""));
	CHECK(strstr(s, "\"Cmd\":[\"sh\",\"-c\",\"x\"]"));
	CHECK(strstr(s, "\"Env\":[\"A=1\"]"));
	free(s);
	CHECK(cJSON_GetObjectItem(hc, "Memory")->valuedouble == 16 << 20);
	CHECK(cJSON_GetObjectItem(hc, "PidsLimit")->valueint == 8);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "RestartPolicy"), "Name")->valuestring,
		  "on-failure");
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "RestartPolicy"), "MaximumRetryCount")
		      ->valueint == 3);
	cJSON_Delete(b);
	manifest_free(&m);
	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"b\",\"read_only\":true,"
		    "\"init\":true},{\"name\":\"v\",\"image\":\"b\"}]}", &m, &err) == 0);
	CHECK(m.containers[0].read_only && !m.containers[1].read_only);
	b = manifest_create_body(&m.containers[0], &err);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "ReadonlyRootfs")));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "Init")));
	cJSON_Delete(b);
	b = manifest_create_body(&m.containers[1], &err);
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "ReadonlyRootfs"));
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(b, "HostConfig"), "Init"));
	cJSON_Delete(b);
	manifest_free(&m);
	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"b\",\"memory\":\"lots\"}]}", &m,
		    &err) == 0);
	CHECK(manifest_create_body(&m.containers[0], &err) == NULL);
	manifest_free(&m);
}

/* What a board's container may use: privileges and host devices, as docker run's flags. */
TEST(create_body_privileges_devices)
{
	struct manifest m;
	struct tug_err err;
	cJSON *b, *hc, *d;

	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"b\",\"privileged\":true,"
		    "\"cap_add\":[\"NET_ADMIN\"],\"cap_drop\":[\"ALL\"],"
		    "\"security_opt\":[\"no-new-privileges\"],"
		    "\"devices\":[\"/dev/ttyUSB0\",\"/dev/gpiochip0:/dev/gpio:rw\"]}]}", &m, &err) == 0);
	b = manifest_create_body(&m.containers[0], &err);
	CHECK(b);
	hc = cJSON_GetObjectItem(b, "HostConfig");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(hc, "Privileged")));
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "CapAdd"), 0)->valuestring, "NET_ADMIN");
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "CapDrop"), 0)->valuestring, "ALL");
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "SecurityOpt"), 0)->valuestring,
		  "no-new-privileges");
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "Devices"), 0);
	CHECK_STR(cJSON_GetObjectItem(d, "PathOnHost")->valuestring, "/dev/ttyUSB0");
	CHECK_STR(cJSON_GetObjectItem(d, "PathInContainer")->valuestring, "/dev/ttyUSB0");
	CHECK_STR(cJSON_GetObjectItem(d, "CgroupPermissions")->valuestring, "rwm");
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "Devices"), 1);
	CHECK_STR(cJSON_GetObjectItem(d, "PathInContainer")->valuestring, "/dev/gpio");
	CHECK_STR(cJSON_GetObjectItem(d, "CgroupPermissions")->valuestring, "rw");
	cJSON_Delete(b);
	manifest_free(&m);
	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"b\",\"cap_add\":\"NET_ADMIN\"}]}",
		    &m, &err) == 0);
	CHECK(manifest_create_body(&m.containers[0], &err) == NULL);
	CHECK(strstr(err.msg, "cap_add"));
	manifest_free(&m);
	CHECK(parse("{\"containers\":[{\"name\":\"w\",\"image\":\"b\",\"devices\":[\"/dev/x:/y:q\"]}]}",
		    &m, &err) == 0);
	CHECK(manifest_create_body(&m.containers[0], &err) == NULL);
	manifest_free(&m);
}

int main(void)
{
	RUN(dependencies_start_first);
	RUN(cycle_and_unknown_dependency_refused);
	RUN(board_settings);
	RUN(network_modules);
	RUN(sizes);
	RUN(create_body);
	RUN(create_body_privileges_devices);
	return test_done();
}
