#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/client/client.h"
#include "core/http/http.h"

TEST(bytes_and_cpus)
{
	int64_t n;

	CHECK(cli_parse_bytes("512m", &n) == 0 && n == 512LL << 20);
	CHECK(cli_parse_bytes("1g", &n) == 0 && n == 1LL << 30);
	CHECK(cli_parse_bytes("64MB", &n) == 0 && n == 64LL << 20);
	CHECK(cli_parse_bytes("1000", &n) == 0 && n == 1000);
	CHECK(cli_parse_bytes("1.5k", &n) == 0 && n == 1536);
	CHECK(cli_parse_bytes("12x", &n) == -1);
	CHECK(cli_parse_bytes("", &n) == -1);
	CHECK(cli_parse_bytes("-1m", &n) == -1);
	CHECK(cli_parse_nanocpus("1.5", &n) == 0 && n == 1500000000);
	CHECK(cli_parse_nanocpus("0.01", &n) == 0 && n == 10000000);
	CHECK(cli_parse_nanocpus("x", &n) == -1);
}

TEST(durations_and_times)
{
	int64_t ns;
	double t;

	CHECK(cli_parse_duration_ns("30s", &ns) == 0 && ns == 30000000000LL);
	CHECK(cli_parse_duration_ns("1m30s", &ns) == 0 && ns == 90000000000LL);
	CHECK(cli_parse_duration_ns("500ms", &ns) == 0 && ns == 500000000LL);
	CHECK(cli_parse_duration_ns("2h", &ns) == 0 && ns == 7200000000000LL);
	CHECK(cli_parse_duration_ns("10", &ns) == -1);
	CHECK(cli_parse_duration_ns("5x", &ns) == -1);
	CHECK(cli_parse_time("10m", 1000000, &t) == 0 && t == 1000000 - 600);
	CHECK(cli_parse_time("1700000000", 0, &t) == 0 && t == 1700000000);
	CHECK(cli_parse_time("1700000000.5", 0, &t) == 0 && t == 1700000000.5);
	CHECK(cli_parse_time("2023-11-14T22:13:20Z", 0, &t) == 0 && t == 1700000000);
	CHECK(cli_parse_time("2023-11-14T23:13:20+01:00", 0, &t) == 0 && t == 1700000000);
	CHECK(cli_parse_time("2023-11-14T22:13:20.25Z", 0, &t) == 0 && t == 1700000000.25);
	CHECK(cli_parse_time("yesterday", 0, &t) == -1);
}

TEST(ports)
{
	char key[32], ip[64], host[16];

	CHECK(cli_parse_port("8080:80", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == 0);
	CHECK_STR(key, "80/tcp");
	CHECK_STR(host, "8080");
	CHECK_STR(ip, "");
	CHECK(cli_parse_port("127.0.0.1:53:53/udp", key, sizeof(key), ip, sizeof(ip), host,
			     sizeof(host)) == 0);
	CHECK_STR(key, "53/udp");
	CHECK_STR(ip, "127.0.0.1");
	CHECK_STR(host, "53");
	CHECK(cli_parse_port("80", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == 0);
	CHECK_STR(key, "80/tcp");
	CHECK_STR(host, "");
	CHECK(cli_parse_port("[::1]:8080:80", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == 0);
	CHECK_STR(ip, "::1");
	CHECK(cli_parse_port("80/icmp", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == -1);
	CHECK(cli_parse_port("x:80", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == -1);
	CHECK(cli_parse_port("70000", key, sizeof(key), ip, sizeof(ip), host, sizeof(host)) == -1);
}

TEST(human_units)
{
	char b[64];

	cli_human_duration(0, b, sizeof(b));
	CHECK_STR(b, "Less than a second");
	cli_human_duration(5, b, sizeof(b));
	CHECK_STR(b, "5 seconds");
	cli_human_duration(70, b, sizeof(b));
	CHECK_STR(b, "About a minute");
	cli_human_duration(3 * 3600, b, sizeof(b));
	CHECK_STR(b, "3 hours");
	cli_human_duration(3 * 86400, b, sizeof(b));
	CHECK_STR(b, "3 days");
	cli_human_bytes_binary(1536, b, sizeof(b));
	CHECK_STR(b, "1.5KiB");
	cli_human_bytes_binary(512, b, sizeof(b));
	CHECK_STR(b, "512B");
	cli_truncate("sh -c 'while true; do echo tick; done'", 20, b, sizeof(b));
	CHECK_STR(b, "sh -c 'while true...");
	CHECK(strlen(b) == 20);
}

TEST(templates)
{
	cJSON *j = cJSON_Parse("{\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":42,"
			       "\"ExitCode\":0},\"Config\":{\"Env\":[\"A=1\"]}}");
	struct buf out = { 0 };

	CHECK(cli_template("{{.State.Running}} {{.State.Pid}}", j, &out) == 0);
	CHECK_STR(buf_head(&out), "true 42");
	buf_free(&out);
	CHECK(cli_template("{{ .Name }}\\t{{json .Config.Env}}", j, &out) == 0);
	CHECK_STR(buf_head(&out), "/web\t[\"A=1\"]");
	buf_free(&out);
	CHECK(cli_template("{{.Nope.X}}", j, &out) == 0);
	CHECK_STR(buf_head(&out), "<no value>");
	buf_free(&out);
	CHECK(cli_template("{{.Name", j, &out) == -1);
	buf_free(&out);
	CHECK(cli_template("{{Name}}", j, &out) == -1);
	buf_free(&out);
	cJSON_Delete(j);
}

TEST(demux_frames_split_anywhere)
{
	static const char frames[] = "\1\0\0\0\0\0\0\3out\2\0\0\0\0\0\0\4err!";
	struct cli_demux st = { 0 };
	char path[] = "/tmp/tug-demux.XXXXXX", back[64] = "";
	int fd = mkstemp(path);
	ssize_t n;

	CHECK(fd >= 0);
	unlink(path);
	for (size_t i = 0; i < sizeof(frames) - 1; i++)
		CHECK(cli_demux_feed(&st, frames + i, 1, fd, fd) == 0);
	n = pread(fd, back, sizeof(back) - 1, 0);
	close(fd);
	CHECK(n == 7);
	CHECK_STR(back, "outerr!");
	memset(&st, 0, sizeof(st));
	CHECK(cli_demux_feed(&st, "\7\0\0\0\0\0\0\1x", 9, 1, 2) == -1);
}

TEST(run_options_make_the_create_body)
{
	char *argv[] = { "run", "-d", "--rm", "-e", "A=1", "-p", "8080:80", "-m", "64m",
			 "--cpus", "0.5", "--pids-limit", "10", "--read-only", "--tmpfs",
			 "/tmp:size=1m", "-v", "/data:/data:ro", "--restart", "no", "-w", "/srv",
			 "-u", "nobody", "--entrypoint", "/bin/sh", "--health-cmd", "true",
			 "--health-interval", "2s", "--init", "busybox", "-c", "echo hi", NULL };
	struct cli_run_opts o;
	const cJSON *hc;

	CHECK(cli_parse_run(34, argv, true, &o) == 0);
	CHECK(o.detach && o.rm && o.nargs == 3);
	hc = cJSON_GetObjectItem(o.body, "HostConfig");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o.body, "Image")), "busybox");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(o.body, "Cmd")) == 2);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "Memory")) == 64 << 20);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "NanoCpus")) == 5e8);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "PidsLimit")) == 10);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(hc, "ReadonlyRootfs")));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(hc, "AutoRemove")));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(hc, "Init")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "Tmpfs"), "/tmp")),
		  "size=1m");
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "PortBindings"), "80/tcp"));
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(o.body, "ExposedPorts"), "80/tcp"));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o.body, "Healthcheck"),
						       "Interval")) == 2e9);
	CHECK(!cJSON_IsTrue(cJSON_GetObjectItem(o.body, "AttachStdout")));
	cJSON_Delete(o.body);
}

TEST(run_rejects_bad_values)
{
	char *a1[] = { "run", "-m", "lots", "busybox", NULL };
	char *a2[] = { "run", "--restart", "sometimes", "busybox", NULL };
	char *a3[] = { "run", "--rm", NULL };
	struct cli_run_opts o;

	CHECK(cli_parse_run(4, a1, true, &o) == -1);
	CHECK(cli_parse_run(4, a2, true, &o) == -1);
	CHECK(cli_parse_run(2, a3, true, &o) == -1);
}

TEST(table_pads_like_docker)
{
	static const char *const h[] = { "CONTAINER ID", "NAMES" }, *const r[] = { "abc", "web" };
	struct cli_table t = { 0 };
	char path[] = "/tmp/tug-table.XXXXXX", back[128] = "";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");

	CHECK(f);
	unlink(path);
	cli_table_add(&t, 2, h);
	cli_table_add(&t, 2, r);
	cli_table_print(&t, f);
	cli_table_free(&t);
	rewind(f);
	CHECK(fread(back, 1, sizeof(back) - 1, f) > 0);
	fclose(f);
	CHECK_STR(back, "CONTAINER ID   NAMES\nabc            web\n");
}

TEST(table_fits_a_width_by_cutting_chosen_columns)
{
	static const char *const h[] = { "ID", "COMMAND", "NAMES" };
	static const char *const r[] = { "abc", "sh -c 'while true; do echo tick; sleep 1; done'",
					 "web" };
	struct cli_table t = { .max_width = 40, .shrink = { 1, -1 } };
	char path[] = "/tmp/tug-table.XXXXXX", back[256] = "", *nl;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");

	CHECK(f);
	unlink(path);
	cli_table_add(&t, 3, h);
	cli_table_add(&t, 3, r);
	cli_table_print(&t, f);
	cli_table_free(&t);
	rewind(f);
	CHECK(fread(back, 1, sizeof(back) - 1, f) > 0);
	fclose(f);
	nl = strchr(back, '\n');
	CHECK(nl && strlen(nl + 1) <= 41);
	CHECK_STR(nl + 1, "abc       sh -c 'while true; ...   web\n");
}

TEST(host_from_flag_env_or_run_dir)
{
	unsetenv("TUG_HOST");
	unsetenv("DOCKER_HOST");
	setenv("TUG_RUN_DIR", "/tmp/rd", 1);
	CHECK_STR(cli_host(), "unix:///tmp/rd/tug.sock");
	setenv("DOCKER_HOST", "unix:///d.sock", 1);
	CHECK_STR(cli_host(), "unix:///d.sock");
	setenv("TUG_HOST", "unix:///t.sock", 1);
	CHECK_STR(cli_host(), "unix:///t.sock");
	unsetenv("TUG_HOST");
	unsetenv("DOCKER_HOST");
	unsetenv("TUG_RUN_DIR");
}

TEST(env_file_like_docker)
{
	static const char spaced[] = "\xef\xbb\xbf# a comment\n\nA=1\n  B C=spaced key\n";
	static const char ok[] = "\xef\xbb\xbf# c\n\nA=1\n  B= v \r\nC=x=y\nFROM_ENV\nUNSET_ONE\n"
				 "   # indented comment\nEMPTY=";
	cJSON *env = cJSON_CreateArray();
	struct tug_err err;

	setenv("FROM_ENV", "here", 1);
	unsetenv("UNSET_ONE");
	CHECK(cli_parse_env_file(spaced, sizeof(spaced) - 1, "f", env, &err) < 0);
	CHECK(strstr(err.msg, "contains whitespaces") != NULL);
	cJSON_Delete(env);
	env = cJSON_CreateArray();
	CHECK(cli_parse_env_file(ok, sizeof(ok) - 1, "f", env, &err) == 0);
	CHECK(cJSON_GetArraySize(env) == 5);
	CHECK_STR(cJSON_GetArrayItem(env, 0)->valuestring, "A=1");
	CHECK_STR(cJSON_GetArrayItem(env, 1)->valuestring, "B= v ");
	CHECK_STR(cJSON_GetArrayItem(env, 2)->valuestring, "C=x=y");
	CHECK_STR(cJSON_GetArrayItem(env, 3)->valuestring, "FROM_ENV=here");
	CHECK_STR(cJSON_GetArrayItem(env, 4)->valuestring, "EMPTY=");
	CHECK(cli_parse_env_file("=x\n", 3, "f", env, &err) < 0);
	CHECK(strstr(err.msg, "no variable name") != NULL);
	cJSON_Delete(env);
	unsetenv("FROM_ENV");
}

TEST(path_stat_header)
{
	struct cli_path_stat st;
	struct tug_err err;
	char b64[512];
	static const char json[] = "{\"name\":\"etc\",\"size\":4096,\"mode\":2147484141,"
				   "\"mtime\":\"2026-11-29T08:00:00Z\",\"linkTarget\":\"\"}";

	http_base64_encode(json, sizeof(json) - 1, b64, sizeof(b64));
	CHECK(cli_parse_path_stat(b64, &st, &err) == 0);
	CHECK_STR(st.name, "etc");
	CHECK(st.size == 4096);
	CHECK(st.mode == 2147484141u && (st.mode & CLI_MODE_DIR));
	CHECK(cli_parse_path_stat("", &st, &err) < 0);
	CHECK(cli_parse_path_stat("!!!", &st, &err) < 0);
	http_base64_encode("[1]", 3, b64, sizeof(b64));
	CHECK(cli_parse_path_stat(b64, &st, &err) < 0);
	http_base64_encode("{\"name\":\"x\",\"mode\":-1}", 22, b64, sizeof(b64));
	CHECK(cli_parse_path_stat(b64, &st, &err) < 0);
}

int main(void)
{
	RUN(env_file_like_docker);
	RUN(path_stat_header);
	RUN(bytes_and_cpus);
	RUN(durations_and_times);
	RUN(ports);
	RUN(human_units);
	RUN(templates);
	RUN(demux_frames_split_anywhere);
	RUN(run_options_make_the_create_body);
	RUN(run_rejects_bad_values);
	RUN(table_pads_like_docker);
	RUN(table_fits_a_width_by_cutting_chosen_columns);
	RUN(host_from_flag_env_or_run_dir);
	return test_done();
}
