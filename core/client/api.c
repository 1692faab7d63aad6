/* Reaching the daemon: which socket, one request, Docker's error texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/term.h"

const char *cli_host(void)
{
	static char host[600];
	const char *h = getenv("TUG_HOST");

	if (!h || !*h)
		h = getenv("DOCKER_HOST");
	if (h && *h)
		snprintf(host, sizeof(host), "%s", h);
	else
		snprintf(host, sizeof(host), "unix://%s/tug.sock", tug_run_dir());
	return host;
}

int cli_connect(struct http_client *c, struct tug_err *err)
{
	return http_client_open(c, cli_host(), err);
}

const char *cli_message(const cJSON *reply)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "message"));

	return m ? m : "";
}

int cli_request(const char *method, const char *target, const cJSON *body, cJSON **reply,
		struct tug_err *err)
{
	struct http_client c;
	struct buf out = { 0 };
	_cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	int status;

	if (reply)
		*reply = NULL;
	if (cli_connect(&c, err))
		return -1;
	status = http_client_do(&c, method, target, body ? (text ? text : "{}") : NULL, &out, err);
	http_client_close(&c);
	if (status < 0) {
		buf_free(&out);
		return -1;
	}
	if (reply && buf_size(&out)) {
		*reply = json_parse(buf_head(&out), buf_size(&out), "reply", err);
		if (!*reply && status < 300) {
			buf_free(&out);
			return tug_err_wrap(err, "%s %s", method, target);
		}
		if (!*reply) {
			/* Not JSON: keep the text as the message. */
			*reply = cJSON_CreateObject();
			cJSON_AddStringToObject(*reply, "message", buf_head(&out));
		}
	}
	buf_free(&out);
	return status;
}

int cli_daemon_error(const struct tug_err *err)
{
	char buf[sizeof(err->msg) + 128];

	fprintf(stderr, "tug: %s\n", tug_err_str(err, buf, sizeof(buf)));
	if (err->code == ENOENT || err->code == ECONNREFUSED)
		fprintf(stderr, "Is tugd running? (socket: -H, TUG_HOST or DOCKER_HOST)\n");
	return EXIT_DAEMON;
}

int cli_status_error(int status, const cJSON *reply, int rc)
{
	const char *m = cli_message(reply);

	if (*m)
		fprintf(stderr, "Error response from daemon: %s\n", m);
	else
		fprintf(stderr, "Error response from daemon: HTTP status %d\n", status);
	return rc;
}

void cli_escape(const char *s, char *out, size_t size)
{
	http_url_encode(s, out, size);
}

void cli_version_server(void)
{
	_cleanup_json_ cJSON *v = NULL;
	struct tug_err err;
	int st = cli_request("GET", "/version", NULL, &v, &err);

	if (st != 200) {
		printf("server:     not reachable at %s\n", cli_host());
		return;
	}
	printf("server:     %s %s, API %s (minimum %s), %s\n",
	       cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "Platform"), "Name")) ?: "?",
	       cJSON_GetStringValue(cJSON_GetObjectItem(v, "Version")) ?: "?",
	       cJSON_GetStringValue(cJSON_GetObjectItem(v, "ApiVersion")) ?: "?",
	       cJSON_GetStringValue(cJSON_GetObjectItem(v, "MinAPIVersion")) ?: "?", cli_host());
}

size_t cli_term_width(void)
{
	unsigned rows, cols;

	if (!isatty(1))
		return 0; /* a pipe or a file: docker's full columns for scripts */
	if (term_size(1, &rows, &cols))
		return 80; /* a serial console often reports 0x0 */
	return cols;
}
