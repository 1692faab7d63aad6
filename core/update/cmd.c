/*
 * tug update / rollback / apply / revisions: the CLI drives tugd through
 * /tug/v1 and follows the transaction's progress until it commits or rolls
 * back. Exit 0 when committed, 1 when rolled back or refused.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/commands.h"
#include "core/http/client.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

static void sock_path(char *out, size_t size)
{
	const char *h = getenv("TUG_HOST");

	if (!h || !*h)
		h = getenv("DOCKER_HOST");
	if (h && !strncmp(h, "unix://", 7))
		h += 7;
	if (h && *h == '/')
		snprintf(out, size, "%s", h);
	else
		snprintf(out, size, "%s/tug.sock", tug_run_dir());
}

/* One call; the reply body parsed into *rep. Returns the HTTP status or -1. */
static int call(const char *method, const char *target, const cJSON *body, cJSON **rep,
		struct tug_err *err)
{
	struct http_client c;
	struct buf out = { 0 };
	char sock[600];
	_cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	int status;

	*rep = NULL;
	sock_path(sock, sizeof(sock));
	if (http_client_open(&c, sock, err)) {
		tug_err_wrap(err, "is tugd running? (%s)", sock);
		return -1;
	}
	status = http_client_do(&c, method, target, text, &out, err);
	http_client_close(&c);
	if (status >= 0 && buf_size(&out))
		*rep = cJSON_ParseWithLength(buf_head(&out), buf_size(&out));
	buf_free(&out);
	return status;
}

static int api_failed(int status, cJSON *rep, struct tug_err *err, const char *what)
{
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(rep, "message"));

	if (status < 0) {
		tug_err_print(err);
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "tug: %s: %s\n", what, msg ? msg : "unexpected answer from tugd");
	return status == 400 || status == 404 ? EXIT_USAGE : EXIT_RUNTIME;
}

/* Print new steps until the transaction is done; 0 when it committed. */
static int follow(const char *id, bool quiet)
{
	int shown = 0;

	for (;;) {
		_cleanup_json_ cJSON *p = NULL;
		struct tug_err err;
		const cJSON *steps, *s;
		int status = call("GET", "/tug/v1/progress", NULL, &p, &err), i = 0;
		struct timespec ts = { 0, 100000000 };

		if (status != 200)
			return api_failed(status, p, &err, "progress");
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "Id")) ?: "", id)) {
			fprintf(stderr, "tug: transaction %s is no longer the current one\n", id);
			return EXIT_RUNTIME;
		}
		steps = cJSON_GetObjectItem(p, "Steps");
		cJSON_ArrayForEach(s, steps) {
			const char *ctr = cJSON_GetStringValue(cJSON_GetObjectItem(s, "Container"));
			const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(s, "Message"));

			if (i++ < shown || quiet)
				continue;
			printf("%-12s %-16s %s\n", cJSON_GetStringValue(cJSON_GetObjectItem(s, "Step")),
			       ctr ? ctr : "", msg ? msg : "");
		}
		shown = i;
		fflush(stdout);
		if (cJSON_IsTrue(cJSON_GetObjectItem(p, "Done"))) {
			const char *result = cJSON_GetStringValue(cJSON_GetObjectItem(p, "Result"));
			const cJSON *ms = cJSON_GetObjectItem(p, "RollbackMs");

			printf("%s %s\n", id, result ? result : "?");
			if (cJSON_IsNumber(ms))
				printf("old containers serving again %.0f ms after the failure was seen\n",
				       ms->valuedouble);
			return result && !strcmp(result, "committed") ? EXIT_OK : EXIT_RUNTIME;
		}
		nanosleep(&ts, NULL);
	}
}

static int start_and_follow(const char *target, const cJSON *body, bool detach, const char *what)
{
	_cleanup_json_ cJSON *rep = NULL;
	struct tug_err err;
	int status = call("POST", target, body, &rep, &err);
	const char *id;

	if (status != 202)
		return api_failed(status, rep, &err, what);
	id = cJSON_GetStringValue(cJSON_GetObjectItem(rep, "Id"));
	if (!id)
		return api_failed(500, rep, &err, what);
	if (detach) {
		printf("%s\n", id);
		return EXIT_OK;
	}
	return follow(id, false);
}

static const struct option txn_opts[] = {
	{ "deadline", required_argument, NULL, 'd' },
	{ "stable", required_argument, NULL, 's' },
	{ "detach", no_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_txn_opts(int argc, char **argv, cJSON *body, bool *detach, const char *usage)
{
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:s:h", txn_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cJSON_AddNumberToObject(body, "Deadline", atof(optarg));
			break;
		case 's':
			cJSON_AddNumberToObject(body, "Stable", atof(optarg));
			break;
		case 'D':
			*detach = true;
			break;
		case 'h':
			printf("%s", usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", usage);
			return EXIT_USAGE;
		}
	}
	return -1;
}

static const char update_usage[] =
	"Usage: tug update [--deadline S] [--stable S] [--detach] CONTAINER IMAGE\n"
	"       tug update [--restart P] [--memory M] [--cpus N] [--pids-limit N] ... CONTAINER\n\n"
	"Replace a container by one of the same config on IMAGE; commit once it is\n"
	"healthy (or running for --stable seconds without a health check) within\n"
	"--deadline seconds, else restart the old one. With limits or a restart\n"
	"policy and no IMAGE: change them in place, as docker update.\n";

int update_cmd_update(int argc, char **argv)
{
	_cleanup_json_ cJSON *body = cJSON_CreateObject();
	char target[400];
	bool detach = false;
	int rc;

	/* Limits or a restart policy and no image: docker's update. */
	if (IS_ENABLED(CONFIG_CLI) && client_update_is_limits(argc, argv))
		return client_cmd_update(argc, argv);
	rc = parse_txn_opts(argc, argv, body, &detach, update_usage);
	if (rc >= 0)
		return rc;
	if (argc - optind != 2) {
		fprintf(stderr, "%s", update_usage);
		return EXIT_USAGE;
	}
	cJSON_AddStringToObject(body, "Image", argv[optind + 1]);
	snprintf(target, sizeof(target), "/tug/v1/containers/%s/update", argv[optind]);
	return start_and_follow(target, body, detach, "update");
}

static const char rollback_usage[] =
	"Usage: tug rollback [--deadline S] [--stable S] [--detach] CONTAINER\n\n"
	"Go back to the image and config that the last committed update replaced.\n";

int update_cmd_rollback(int argc, char **argv)
{
	_cleanup_json_ cJSON *body = cJSON_CreateObject();
	char target[400];
	bool detach = false;
	int rc = parse_txn_opts(argc, argv, body, &detach, rollback_usage);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		fprintf(stderr, "%s", rollback_usage);
		return EXIT_USAGE;
	}
	snprintf(target, sizeof(target), "/tug/v1/containers/%s/rollback", argv[optind]);
	return start_and_follow(target, body, detach, "rollback");
}

static const char apply_usage[] =
	"Usage: tug apply [--detach] STATE.json\n\n"
	"Apply a target state (docs/updates.md) as one revision: everything is\n"
	"checked first, then switched; it commits only when every container is\n"
	"healthy within the state's deadline, else the previous revision returns.\n";

int update_cmd_apply(int argc, char **argv)
{
	_cleanup_json_ cJSON *unused = cJSON_CreateObject();
	_cleanup_json_ cJSON *state = NULL;
	struct tug_err err;
	bool detach = false;
	int rc = parse_txn_opts(argc, argv, unused, &detach, apply_usage);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		fprintf(stderr, "%s", apply_usage);
		return EXIT_USAGE;
	}
	state = json_parse_file(argv[optind], 16 << 20, &err);
	if (!state) {
		tug_err_print(&err);
		return EXIT_USAGE;
	}
	return start_and_follow("/tug/v1/apply", state, detach, "apply");
}

int update_cmd_revisions(int argc, char **argv)
{
	_cleanup_json_ cJSON *rep = NULL;
	struct tug_err err;
	const cJSON *r;
	int status;
	bool json = argc > 2 && !strcmp(argv[1], "--format") && !strcmp(argv[2], "json");

	if (argc > 1 && !json) {
		fprintf(stderr, "Usage: tug revisions [--format json]\n");
		return EXIT_USAGE;
	}
	status = call("GET", "/tug/v1/revisions", NULL, &rep, &err);
	if (status != 200)
		return api_failed(status, rep, &err, "revisions");
	if (json) {
		_cleanup_free_ char *s = cJSON_Print(rep);

		printf("%s\n", s);
		return EXIT_OK;
	}
	printf("%-9s %-12s %-12s %-31s %s\n", "REVISION", "STATUS", "TRANSACTION", "FINISHED",
	       "CONTAINERS");
	cJSON_ArrayForEach(r, rep) {
		const cJSON *c;
		char names[256] = "";
		size_t n = 0;

		cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "Containers"))
			n += (size_t)snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0,
					      "%s%s", n ? "," : "", c->string);
		printf("%-9d %-12s %-12s %-31s %s\n",
		       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "Revision")),
		       cJSON_IsTrue(cJSON_GetObjectItem(r, "Current"))
			       ? "current"
			       : cJSON_GetStringValue(cJSON_GetObjectItem(r, "Status")) ?: "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(r, "Transaction")) ?: "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(r, "Finished")) ?: "", names);
	}
	return EXIT_OK;
}
