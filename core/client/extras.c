/*
 * tug commit, tug export, tug system df (the daemon's view) and the docker
 * form of tug update (limits and restart policy, no image): the same calls
 * the docker CLI makes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

static const char commit_usage[] =
	"Usage: tug commit [-c CHANGE]... [-m MESSAGE] [-a AUTHOR] CONTAINER [REPOSITORY[:TAG]]\n\n"
	"Make an image of a container's changes. CHANGE: CMD, ENTRYPOINT, ENV, LABEL,\n"
	"WORKDIR, EXPOSE, USER, VOLUME or STOPSIGNAL, as in a Dockerfile.\n";

static void add_param(struct buf *q, const char *key, const char *val)
{
	char esc[4096];

	http_url_encode(val, esc, sizeof(esc));
	buf_printf(q, "%s%s=%s", buf_size(q) ? "&" : "", key, esc);
}

int client_cmd_commit(int argc, char **argv)
{
	static const struct option opts[] = { { "change", required_argument, NULL, 'c' },
					      { "message", required_argument, NULL, 'm' },
					      { "author", required_argument, NULL, 'a' },
					      { "pause", required_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_json_ cJSON *reply = NULL;
	struct buf q = { 0 };
	struct tug_err err;
	const char *ref;
	char *target;
	int opt, st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:m:a:p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			add_param(&q, "changes", optarg);
			break;
		case 'm':
			add_param(&q, "comment", optarg);
			break;
		case 'a':
			add_param(&q, "author", optarg);
			break;
		case 'p':
			add_param(&q, "pause", optarg);
			break;
		case 'h':
			printf("%s", commit_usage);
			buf_free(&q);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", commit_usage);
			buf_free(&q);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "%s", commit_usage);
		buf_free(&q);
		return EXIT_USAGE;
	}
	add_param(&q, "container", argv[optind]);
	ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (ref) {
		/* "repo:tag": the last ':' after the last '/' starts the tag. */
		const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
		char repo[512];

		if (colon && (!slash || colon > slash)) {
			snprintf(repo, sizeof(repo), "%.*s", (int)(colon - ref), ref);
			add_param(&q, "repo", repo);
			add_param(&q, "tag", colon + 1);
		} else {
			add_param(&q, "repo", ref);
		}
	}
	if (asprintf(&target, "/commit?%s", buf_head(&q)) < 0) {
		buf_free(&q);
		return EXIT_RUNTIME;
	}
	buf_free(&q);
	st = cli_request("POST", target, NULL, &reply, &err);
	free(target);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(reply, "Id")) ?: "");
	return EXIT_OK;
}

static void to_buf(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

int client_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	static const char usage[] = "Usage: tug export [-o FILE] CONTAINER\n\n"
				    "Write a container's file system as a tar archive.\n";
	struct http_response r = { 0 };
	struct http_client c;
	struct cli_fd_sink sink = { .fd = 1 };
	const char *output = NULL;
	char esc[260], target[400];
	struct tug_err err;
	int opt, rc = EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		if (opt == 'o') {
			output = optarg;
		} else {
			fprintf(opt == 'h' ? stdout : stderr, "%s", usage);
			return opt == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s", usage);
		return EXIT_USAGE;
	}
	if (!output && isatty(1)) {
		fprintf(stderr, "tug: cowardly refusing to write a tar to a terminal: use -o FILE "
				"or redirect\n");
		return EXIT_RUNTIME;
	}
	cli_escape(argv[optind], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/export", esc);
	if (cli_connect(&c, &err) || http_client_send(&c, "GET", target, NULL, NULL, 0, &err) ||
	    http_client_read_head(&c, &r, &err)) {
		http_client_close(&c);
		return cli_daemon_error(&err);
	}
	if (r.status != 200) {
		struct buf out = { 0 };
		_cleanup_json_ cJSON *reply = NULL;

		if (!http_client_read_body(&c, &r, to_buf, &out, &err))
			reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "reply", &err);
		rc = cli_status_error(r.status, reply, EXIT_RUNTIME);
		buf_free(&out);
		goto out;
	}
	if (output) {
		sink.fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (sink.fd < 0) {
			tug_err_sys(&err, "open %s", output);
			tug_err_print(&err);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (http_client_read_body(&c, &r, cli_to_fd, &sink, &err) || sink.failed) {
		if (sink.failed)
			tug_err_sys(&err, "write %s", output ? output : "stdout");
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
	}
	if (output && sink.fd >= 0 && close(sink.fd) < 0 && rc == EXIT_OK) {
		tug_err_sys(&err, "close %s", output);
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
	}
out:
	http_response_free(&r);
	http_client_close(&c);
	return rc;
}

static void human_size(double b, char *out, size_t n)
{
	if (b >= 1e9)
		snprintf(out, n, "%.4gGB", b / 1e9);
	else if (b >= 1e6)
		snprintf(out, n, "%.4gMB", b / 1e6);
	else if (b >= 1e3)
		snprintf(out, n, "%.4gkB", b / 1e3);
	else
		snprintf(out, n, "%.0fB", b);
}

static void df_row(const char *type, int total, int active, double size, double reclaim)
{
	char s[32], r[32], pct[16] = "";

	human_size(size, s, sizeof(s));
	human_size(reclaim, r, sizeof(r));
	if (size > 0)
		snprintf(pct, sizeof(pct), " (%.0f%%)", reclaim * 100 / size);
	printf("%-14s %-6d %-7d %-10s %s%s\n", type, total, active, s, r, pct);
}

int client_cmd_system_df(int argc, char **argv)
{
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;
	const cJSON *it;
	int st, n, active;
	double size, reclaim;

	(void)argc;
	(void)argv;
	st = cli_request("GET", "/system/df", NULL, &reply, &err);
	if (st < 0)
		return -1; /* no daemon: the caller shows the store alone */
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	if (argc > 1 && !strcmp(argv[1], "--format") && argc > 2 && !strcmp(argv[2], "json")) {
		_cleanup_free_ char *text = cJSON_PrintUnformatted(reply);

		printf("%s\n", text ? text : "{}");
		return EXIT_OK;
	}
	printf("%-14s %-6s %-7s %-10s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	n = active = 0;
	size = reclaim = 0;
	/*
	 * The docker CLI's sums, so both print the same: layers counted once;
	 * reclaimable is all of them but what images in use hold alone.
	 */
	size = cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "LayersSize"));
	reclaim = size;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(reply, "Images")) {
		double s = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "Size"));
		double shared = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "SharedSize"));
		double users = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "Containers"));

		n++;
		if (users > 0) {
			active++;
			reclaim -= s - shared;
		}
	}
	df_row("Images", n, active, size, reclaim);
	n = active = 0;
	size = reclaim = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(reply, "Containers")) {
		double s = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "SizeRw"));
		const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(it, "State"));

		n++;
		size += s;
		if (state && (!strcmp(state, "running") || !strcmp(state, "paused") ||
			      !strcmp(state, "restarting")))
			active++;
		else
			reclaim += s;
	}
	df_row("Containers", n, active, size, reclaim);
	n = active = 0;
	size = reclaim = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(reply, "Volumes")) {
		const cJSON *u = cJSON_GetObjectItem(it, "UsageData");
		double s = cJSON_GetNumberValue(cJSON_GetObjectItem(u, "Size"));

		n++;
		size += s;
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(u, "RefCount")) > 0)
			active++;
		else
			reclaim += s;
	}
	df_row("Local Volumes", n, active, size, reclaim);
	df_row("Build Cache", 0, 0, 0, 0);
	return EXIT_OK;
}

/* ---- tug update CONTAINER with limits: POST /containers/{id}/update ---- */

static const char update_usage[] =
	"Usage: tug update [--restart P] [--memory M] [--memory-swap M] [--memory-reservation M]\n"
	"                  [--cpus N] [--cpu-shares N] [--cpuset-cpus L] [--pids-limit N]\n"
	"                  CONTAINER\n\n"
	"Change a container's limits (applied at once when it runs) or restart policy\n"
	"(from its next exit), as docker update. With an IMAGE instead, tug update\n"
	"replaces the container (see tug update --help without options).\n";

static const struct option update_opts[] = {
	{ "restart", required_argument, NULL, 'r' },
	{ "memory", required_argument, NULL, 'm' },
	{ "memory-swap", required_argument, NULL, 'S' },
	{ "memory-reservation", required_argument, NULL, 'R' },
	{ "cpus", required_argument, NULL, 'C' },
	{ "cpu-shares", required_argument, NULL, 'c' },
	{ "cpuset-cpus", required_argument, NULL, 'P' },
	{ "pids-limit", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

bool client_update_is_limits(int argc, char **argv)
{
	int plain = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			plain++;
			continue;
		}
		if (!strcmp(argv[i], "-m"))
			return true;
		for (const struct option *o = update_opts; o->name; o++) {
			size_t n = strlen(o->name);

			if (o->val != 'h' && !strncmp(argv[i] + 2, o->name, n) &&
			    (argv[i][2 + n] == '\0' || argv[i][2 + n] == '='))
				return true;
		}
	}
	return plain == 1 && argc == 2;
}

static int restart_policy(const char *s, cJSON *body)
{
	cJSON *rp = cJSON_AddObjectToObject(body, "RestartPolicy");
	const char *colon = strchr(s, ':');
	char name[32];
	long max = 0;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (colon) {
		char *end;

		max = strtol(colon + 1, &end, 10);
		if (*end || max < 0 || strcmp(name, "on-failure"))
			return -1;
	}
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
	    strcmp(name, "on-failure"))
		return -1;
	cJSON_AddStringToObject(rp, "Name", name);
	cJSON_AddNumberToObject(rp, "MaximumRetryCount", (double)max);
	return 0;
}

int client_cmd_update(int argc, char **argv)
{
	_cleanup_json_ cJSON *body = cJSON_CreateObject(), *reply = NULL;
	char esc[260], target[400];
	struct tug_err err;
	const cJSON *w;
	int64_t v;
	int opt, st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+m:h", update_opts, NULL)) != -1) {
		const char *key = NULL;

		switch (opt) {
		case 'r':
			if (restart_policy(optarg, body) < 0) {
				fprintf(stderr, "tug update: invalid restart policy %s\n", optarg);
				return EXIT_USAGE;
			}
			continue;
		case 'm':
			key = "Memory";
			break;
		case 'S':
			key = "MemorySwap";
			break;
		case 'R':
			key = "MemoryReservation";
			break;
		case 'C':
			if (cli_parse_nanocpus(optarg, &v) < 0) {
				fprintf(stderr, "tug update: invalid --cpus %s\n", optarg);
				return EXIT_USAGE;
			}
			cJSON_AddNumberToObject(body, "NanoCpus", (double)v);
			continue;
		case 'c':
		case 'p': {
			char *end;
			long long n = strtoll(optarg, &end, 10);

			if (!*optarg || *end) {
				fprintf(stderr, "tug update: invalid number %s\n", optarg);
				return EXIT_USAGE;
			}
			cJSON_AddNumberToObject(body, opt == 'c' ? "CpuShares" : "PidsLimit", (double)n);
			continue;
		}
		case 'P':
			cJSON_AddStringToObject(body, "CpusetCpus", optarg);
			continue;
		case 'h':
			printf("%s", update_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", update_usage);
			return EXIT_USAGE;
		}
		/* Sizes: "512m"; -1 for an unlimited swap. */
		if (!strcmp(optarg, "-1") && !strcmp(key, "MemorySwap"))
			v = -1;
		else if (cli_parse_bytes(optarg, &v) < 0) {
			fprintf(stderr, "tug update: invalid size %s\n", optarg);
			return EXIT_USAGE;
		}
		cJSON_AddNumberToObject(body, key, (double)v);
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s", update_usage);
		return EXIT_USAGE;
	}
	cli_escape(argv[optind], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/update", esc);
	st = cli_request("POST", target, body, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	cJSON_ArrayForEach(w, cJSON_GetObjectItem(reply, "Warnings"))
		if (cJSON_IsString(w))
			fprintf(stderr, "WARNING: %s\n", w->valuestring);
	printf("%s\n", argv[optind]);
	return EXIT_OK;
}
