/* exec: create an exec instance, start it hijacked, report its exit code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/term.h"

static void to_buf(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

int client_cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },	   { "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },  { "workdir", required_argument, NULL, 'w' },
		{ "privileged", no_argument, NULL, 'P' },  { "detach-keys", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'H' },	   { NULL, 0, NULL, 0 },
	};
	bool in = false, tty = false, detach = false;
	_cleanup_json_ cJSON *body = cJSON_CreateObject();
	_cleanup_json_ cJSON *reply = NULL;
	_cleanup_json_ cJSON *start = cJSON_CreateObject();
	char esc[260], target[400], id[80], resize[200];
	struct http_client conn;
	struct cli_stream s = { 0 };
	struct tug_err err;
	cJSON *cmd, *env = NULL;
	bool mux = false;
	int opt, st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+itde:u:w:", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			in = true;
			break;
		case 't':
			tty = true;
			break;
		case 'd':
			detach = true;
			break;
		case 'e':
			if (!env)
				env = cJSON_AddArrayToObject(body, "Env");
			cJSON_AddItemToArray(env, cJSON_CreateString(optarg));
			break;
		case 'u':
			cJSON_AddStringToObject(body, "User", optarg);
			break;
		case 'w':
			cJSON_AddStringToObject(body, "WorkingDir", optarg);
			break;
		case 'P':
			cJSON_AddBoolToObject(body, "Privileged", true);
			break;
		case 'K':
			break;
		default:
			fprintf(opt == 'H' ? stdout : stderr,
				"Usage: tug exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER "
				"COMMAND [ARG...]\n");
			return opt == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "tug: \"exec\" requires at least 2 arguments.\n"
				"Usage: tug exec [OPTIONS] CONTAINER COMMAND [ARG...]\n");
		return EXIT_USAGE;
	}
	cmd = cJSON_AddArrayToObject(body, "Cmd");
	for (int i = optind + 1; i < argc; i++)
		cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
	cJSON_AddBoolToObject(body, "AttachStdin", in && !detach);
	cJSON_AddBoolToObject(body, "AttachStdout", !detach);
	cJSON_AddBoolToObject(body, "AttachStderr", !detach);
	cJSON_AddBoolToObject(body, "Tty", tty);
	cli_escape(argv[optind], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/exec", esc);
	st = cli_request("POST", target, body, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st != 201 && st != 200)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	snprintf(id, sizeof(id), "%s", cJSON_GetStringValue(cJSON_GetObjectItem(reply, "Id")) ?: "");
	cJSON_AddBoolToObject(start, "Detach", detach);
	cJSON_AddBoolToObject(start, "Tty", tty);
	snprintf(target, sizeof(target), "/exec/%s/start", id);
	if (detach) {
		cJSON_Delete(reply);
		reply = NULL;
		st = cli_request("POST", target, start, &reply, &err);
		if (st < 0)
			return cli_daemon_error(&err);
		if (st >= 400)
			return cli_status_error(st, reply, EXIT_RUNTIME);
		return EXIT_OK;
	}
	{
		_cleanup_free_ char *text = cJSON_PrintUnformatted(start);
		struct http_response r;

		if (cli_connect(&conn, &err) ||
		    http_client_send(&conn, "POST", target,
				     "Content-Type: application/json\r\nUpgrade: tcp\r\n"
				     "Connection: Upgrade\r\n",
				     text, strlen(text), &err) ||
		    http_client_read_head(&conn, &r, &err)) {
			http_client_close(&conn);
			return cli_daemon_error(&err);
		}
		if (r.status != 101 && r.status != 200) {
			struct buf out = { 0 };
			_cleanup_json_ cJSON *e = NULL;
			int code;

			if (!http_client_read_body(&conn, &r, to_buf, &out, &err) && buf_size(&out))
				e = json_parse(buf_head(&out), buf_size(&out), "reply", &err);
			/* docker: 126 cannot invoke, 127 not found. */
			code = strstr(cli_message(e), "not found") || strstr(cli_message(e), "No such file")
				       ? EXIT_NOT_FOUND
				       : strstr(cli_message(e), "ermission denied") ? EXIT_CANNOT_INVOKE
										      : EXIT_RUNTIME;
			cli_status_error(r.status, e, 0);
			buf_free(&out);
			http_response_free(&r);
			http_client_close(&conn);
			return code;
		}
		mux = strstr(http_response_header(&r, "Content-Type") ?: "", "multiplexed") != NULL;
		http_response_free(&r);
	}
	snprintf(resize, sizeof(resize), "/exec/%s/resize", id);
	s.conn = &conn;
	s.mux = mux;
	s.tty = tty;
	s.in_fd = in ? 0 : -1;
	s.resize_target = tty ? resize : NULL;
	cli_stream_session(&s);
	http_client_close(&conn);
	if (s.detached)
		return EXIT_OK;
	/* The exit code: the instance may need a moment to be reaped. */
	snprintf(target, sizeof(target), "/exec/%s/json", id);
	for (int tries = 0; tries < 200; tries++) {
		const cJSON *code;

		cJSON_Delete(reply);
		reply = NULL;
		st = cli_request("GET", target, NULL, &reply, &err);
		if (st < 0)
			return cli_daemon_error(&err);
		if (st != 200)
			return cli_status_error(st, reply, EXIT_RUNTIME);
		code = cJSON_GetObjectItem(reply, "ExitCode");
		if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "Running")) && cJSON_IsNumber(code))
			return (int)code->valuedouble;
		usleep(10000);
	}
	fprintf(stderr, "tug: exec %s: no exit code from the daemon\n", id);
	return EXIT_RUNTIME;
}
