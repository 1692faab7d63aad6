/* Verbs on named containers: stop, restart, kill, rm, pause, unpause, wait, rename, top, inspect. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"

/* One option with a value, the rest positional: enough for these verbs. */
struct verb {
	const char *name, *usage, *method, *path;	/* path: "/containers/%s/stop" */
	const char *opt_short, *opt_long, *query_key;	/* e.g. "t", "time", "t" */
	const char *flag_short, *flag_long, *flag_query;	/* e.g. "f", "force", "force=1" */
	const char *flag2_short, *flag2_long, *flag2_query;
	bool print_code;	/* wait: print StatusCode */
};

static int run_verb(const struct verb *v, int argc, char **argv)
{
	struct option opts[5] = { { "help", no_argument, NULL, 'H' } };
	char shortopts[16] = "+", value[64] = "";
	bool flag = false, flag2 = false;
	int c, n = 1, code = EXIT_OK;

	if (v->opt_short) {
		opts[n++] = (struct option){ v->opt_long, required_argument, NULL, v->opt_short[0] };
		strcat(shortopts, v->opt_short);
		strcat(shortopts, ":");
	}
	if (v->flag_short) {
		opts[n++] = (struct option){ v->flag_long, no_argument, NULL, v->flag_short[0] };
		strcat(shortopts, v->flag_short);
	}
	if (v->flag2_short) {
		opts[n++] = (struct option){ v->flag2_long, no_argument, NULL, v->flag2_short[0] };
		strcat(shortopts, v->flag2_short);
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (v->opt_short && c == v->opt_short[0])
			cli_escape(optarg, value, sizeof(value));
		else if (v->flag_short && c == v->flag_short[0])
			flag = true;
		else if (v->flag2_short && c == v->flag2_short[0])
			flag2 = true;
		else {
			fprintf(c == 'H' ? stdout : stderr, "Usage: tug %s\n", v->usage);
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tug: \"%s\" requires at least 1 argument.\nUsage: tug %s\n", v->name,
			v->usage);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		char esc[260], path[400], target[600];
		_cleanup_json_ cJSON *reply = NULL;
		struct tug_err err;
		int st;
		char sep = '?';

		cli_escape(argv[i], esc, sizeof(esc));
		snprintf(path, sizeof(path), v->path, esc);
		snprintf(target, sizeof(target), "%s", path);
		if (*value) {
			snprintf(target + strlen(target), sizeof(target) - strlen(target), "%c%s=%s", sep,
				 v->query_key, value);
			sep = '&';
		}
		if (flag) {
			snprintf(target + strlen(target), sizeof(target) - strlen(target), "%c%s", sep,
				 v->flag_query);
			sep = '&';
		}
		if (flag2)
			snprintf(target + strlen(target), sizeof(target) - strlen(target), "%c%s", sep,
				 v->flag2_query);
		st = cli_request(v->method, target, NULL, &reply, &err);
		if (st < 0)
			return cli_daemon_error(&err);
		if (st >= 400) {
			code = cli_status_error(st, reply, EXIT_RUNTIME);
			continue;
		}
		if (v->print_code)
			printf("%d\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "StatusCode")));
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

int client_cmd_stop(int argc, char **argv)
{
	static const struct verb v = { "stop", "stop [-t SECONDS] [-s SIGNAL] CONTAINER...", "POST",
				       "/containers/%s/stop", "t", "time", "t" };
	/* -s/--signal is rare; accept it through the same slot when given alone. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--signal")) {
			static const struct verb vs = { "stop", "stop -s SIGNAL CONTAINER...", "POST",
							"/containers/%s/stop", "s", "signal",
							"signal" };
			return run_verb(&vs, argc, argv);
		}
	return run_verb(&v, argc, argv);
}

int client_cmd_restart(int argc, char **argv)
{
	static const struct verb v = { "restart", "restart [-t SECONDS] CONTAINER...", "POST",
				       "/containers/%s/restart", "t", "time", "t" };
	return run_verb(&v, argc, argv);
}

int client_cmd_kill(int argc, char **argv)
{
	static const struct verb v = { "kill", "kill [-s SIGNAL] CONTAINER...", "POST",
				       "/containers/%s/kill", "s", "signal", "signal" };
	return run_verb(&v, argc, argv);
}

int client_cmd_rm(int argc, char **argv)
{
	static const struct verb v = { "rm", "rm [-f] [-v] CONTAINER...", "DELETE", "/containers/%s",
				       NULL, NULL, NULL, "f", "force", "force=1", "v", "volumes",
				       "v=1" };
	return run_verb(&v, argc, argv);
}

int client_cmd_pause(int argc, char **argv)
{
	static const struct verb v = { "pause", "pause CONTAINER...", "POST", "/containers/%s/pause" };
	return run_verb(&v, argc, argv);
}

int client_cmd_unpause(int argc, char **argv)
{
	static const struct verb v = { "unpause", "unpause CONTAINER...", "POST",
				       "/containers/%s/unpause" };
	return run_verb(&v, argc, argv);
}

int client_cmd_wait(int argc, char **argv)
{
	static const struct verb v = { "wait", "wait CONTAINER...", "POST", "/containers/%s/wait",
				       .print_code = true };
	return run_verb(&v, argc, argv);
}

int client_cmd_rename(int argc, char **argv)
{
	char a[260], b[260], target[600];
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;
	int st;

	if (argc != 3 || argv[1][0] == '-') {
		fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
			"Usage: tug rename CONTAINER NEW_NAME\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_USAGE;
	}
	cli_escape(argv[1], a, sizeof(a));
	cli_escape(argv[2], b, sizeof(b));
	snprintf(target, sizeof(target), "/containers/%s/rename?name=%s", a, b);
	st = cli_request("POST", target, NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	return EXIT_OK;
}

int client_cmd_top(int argc, char **argv)
{
	char esc[260], target[400];
	_cleanup_json_ cJSON *reply = NULL;
	struct cli_table t = { 0 };
	const cJSON *titles, *row, *it;
	struct tug_err err;
	int st;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: tug top CONTAINER\n");
		return EXIT_USAGE;
	}
	cli_escape(argv[1], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/top", esc);
	st = cli_request("GET", target, NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	titles = cJSON_GetObjectItem(reply, "Titles");
	{
		const char *cells[32];
		size_t n = 0;

		cJSON_ArrayForEach(it, titles) if (n < 32) cells[n++] = cJSON_GetStringValue(it);
		cli_table_add(&t, n, cells);
		cJSON_ArrayForEach(row, cJSON_GetObjectItem(reply, "Processes")) {
			size_t k = 0;

			cJSON_ArrayForEach(it, row) if (k < n) cells[k++] = cJSON_GetStringValue(it);
			while (k < n)
				cells[k++] = "";
			cli_table_add(&t, n, cells);
		}
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	return EXIT_OK;
}

/* Docker indents with 4 spaces and writes "key": value. */
static void print_json_pretty(const cJSON *j)
{
	_cleanup_free_ char *s = cJSON_Print(j);
	bool line_start = true;

	if (!s)
		return;
	for (const char *p = s; *p; p++) {
		if (*p == '\t')
			fputs(line_start ? "    " : " ", stdout);
		else {
			line_start = *p == '\n';
			putchar(*p);
		}
	}
	putchar('\n');
}

int client_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "type", required_argument, NULL, 'T' },
					      { "size", no_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'H' },
					      { NULL, 0, NULL, 0 } };
	const char *format = NULL, *type = NULL;
	cJSON *all = cJSON_CreateArray();
	int c, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:s", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'T')
			type = optarg;
		else if (c != 's') {
			fprintf(c == 'H' ? stdout : stderr,
				"Usage: tug inspect [-f FORMAT] [--type container|image] NAME...\n");
			cJSON_Delete(all);
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tug: \"inspect\" requires at least 1 argument.\n");
		cJSON_Delete(all);
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		static const char *const kinds[] = { "container", "image" };
		char esc[600], target[700];
		cJSON *reply = NULL;
		struct tug_err err;
		bool found = false;

		cli_escape(argv[i], esc, sizeof(esc));
		for (size_t k = 0; k < 2 && !found; k++) {
			int st;

			if (type && strcmp(type, kinds[k]))
				continue;
			snprintf(target, sizeof(target), k ? "/images/%s/json" : "/containers/%s/json", esc);
			st = cli_request("GET", target, NULL, &reply, &err);
			if (st < 0) {
				cJSON_Delete(all);
				return cli_daemon_error(&err);
			}
			if (st == 200 && reply) {
				found = true;
				cJSON_AddItemToArray(all, reply);
			} else {
				if (st != 404)
					cli_status_error(st, reply, 0);
				cJSON_Delete(reply);
			}
			reply = NULL;
		}
		if (!found) {
			fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			code = EXIT_RUNTIME;
		}
	}
	if (format) {
		const cJSON *it;

		cJSON_ArrayForEach(it, all) {
			struct buf out = { 0 };

			if (cli_template(format, it, &out)) {
				fprintf(stderr, "tug: template parsing error: %s\n", format);
				buf_free(&out);
				cJSON_Delete(all);
				return EXIT_USAGE;
			}
			printf("%s\n", buf_head(&out));
			buf_free(&out);
		}
	} else {
		print_json_pretty(all);
	}
	cJSON_Delete(all);
	return code;
}
