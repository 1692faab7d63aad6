/* run, create, start, attach: create, attach, wait, start, pump, exit code. */
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

struct pull_sink {
	struct buf line;
	bool failed;
};

static void pull_line(struct pull_sink *ps, const char *text, size_t len)
{
	struct tug_err err;
	_cleanup_json_ cJSON *m = len ? json_parse(text, len, "pull", &err) : NULL;
	const char *id, *status, *error;

	if (!m)
		return;
	error = cJSON_GetStringValue(cJSON_GetObjectItem(m, "error"));
	if (error) {
		fprintf(stderr, "tug: pull: %s\n", error);
		ps->failed = true;
		return;
	}
	/* Progress bars are for terminals that redraw; a console gets the steps. */
	if (cJSON_GetObjectItem(m, "progressDetail") &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(m, "progressDetail")))
		return;
	id = cJSON_GetStringValue(cJSON_GetObjectItem(m, "id"));
	status = cJSON_GetStringValue(cJSON_GetObjectItem(m, "status"));
	if (!status)
		return;
	if (id)
		fprintf(stderr, "%s: %s\n", id, status);
	else
		fprintf(stderr, "%s\n", status);
}

static void pull_data(void *ctx, const char *data, size_t len)
{
	struct pull_sink *ps = ctx;
	char *nl;

	buf_add(&ps->line, data, len);
	while ((nl = memchr(buf_head(&ps->line), '\n', buf_size(&ps->line)))) {
		size_t n = (size_t)(nl - buf_head(&ps->line));

		pull_line(ps, buf_head(&ps->line), n);
		buf_consume(&ps->line, n + 1);
	}
}

int cli_pull(const char *ref)
{
	char esc[700], target[800];
	struct http_client c;
	struct http_response r;
	struct pull_sink ps = { 0 };
	struct tug_err err;
	int rc = 0;

	cli_escape(ref, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/images/create?fromImage=%s", esc);
	if (cli_connect(&c, &err) || http_client_send(&c, "POST", target, NULL, NULL, 0, &err) ||
	    http_client_read_head(&c, &r, &err)) {
		http_client_close(&c);
		cli_daemon_error(&err);
		return -1;
	}
	if (http_client_read_body(&c, &r, pull_data, &ps, &err)) {
		tug_err_print(&err);
		rc = -1;
	} else if (r.status != 200) {
		_cleanup_json_ cJSON *reply = json_parse(buf_head(&ps.line) ?: "", buf_size(&ps.line),
							 "reply", &err);

		cli_status_error(r.status, reply, 0);
		rc = -1;
	} else {
		if (buf_size(&ps.line))
			pull_line(&ps, buf_head(&ps.line), buf_size(&ps.line));
		rc = ps.failed ? -1 : 0;
	}
	buf_free(&ps.line);
	http_response_free(&r);
	http_client_close(&c);
	return rc;
}

int cli_create(struct cli_run_opts *o, char *id, size_t size, int *exit_code)
{
	char target[400] = "/containers/create", name[300];
	_cleanup_json_ cJSON *reply = NULL;
	const cJSON *w;
	struct tug_err err;
	int st;
	bool pulled = false;

	if (o->name) {
		cli_escape(o->name, name, sizeof(name));
		snprintf(target, sizeof(target), "/containers/create?name=%s", name);
	}
	if (o->pull == PULL_ALWAYS) {
		if (cli_pull(o->args[0])) {
			*exit_code = EXIT_DAEMON;
			return -1;
		}
		pulled = true;
	}
again:
	st = cli_request("POST", target, o->body, &reply, &err);
	if (st < 0) {
		*exit_code = cli_daemon_error(&err);
		return -1;
	}
	if (st == 404 && strstr(cli_message(reply), "image")) {
		fprintf(stderr, "Unable to find image '%s' locally\n", o->args[0]);
		if (o->pull == PULL_NEVER || pulled) {
			*exit_code = cli_status_error(st, reply, EXIT_DAEMON);
			return -1;
		}
		if (cli_pull(o->args[0])) {
			*exit_code = EXIT_DAEMON;
			return -1;
		}
		pulled = true;
		cJSON_Delete(reply);
		reply = NULL;
		goto again;
	}
	if (st != 201 && st != 200) {
		*exit_code = cli_status_error(st, reply, EXIT_DAEMON);
		return -1;
	}
	cJSON_ArrayForEach(w, cJSON_GetObjectItem(reply, "Warnings"))
		if (cJSON_IsString(w) && *w->valuestring)
			fprintf(stderr, "WARNING: %s\n", w->valuestring);
	snprintf(id, size, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(reply, "Id")) ?: "");
	if (!*id) {
		fprintf(stderr, "tug: the daemon answered create without an Id\n");
		*exit_code = EXIT_DAEMON;
		return -1;
	}
	return 0;
}

static void to_buf(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

/* POST a hijacking request; the connection then carries raw stream bytes. */
static int hijack(struct http_client *c, const char *target, const cJSON *body, bool *mux,
		  int *exit_code)
{
	_cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	struct http_response r;
	struct tug_err err;
	const char *ct;

	if (cli_connect(c, &err) ||
	    http_client_send(c, "POST", target,
			     body ? "Content-Type: application/json\r\nUpgrade: tcp\r\n"
				    "Connection: Upgrade\r\n"
				  : "Upgrade: tcp\r\nConnection: Upgrade\r\n",
			     text, text ? strlen(text) : 0, &err) ||
	    http_client_read_head(c, &r, &err)) {
		http_client_close(c);
		*exit_code = cli_daemon_error(&err);
		return -1;
	}
	if (r.status != 101 && r.status != 200) {
		struct buf out = { 0 };
		_cleanup_json_ cJSON *reply = NULL;

		if (!http_client_read_body(c, &r, to_buf, &out, &err))
			reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "reply", &err);
		*exit_code = cli_status_error(r.status, reply, r.status == 404 ? EXIT_RUNTIME : EXIT_DAEMON);
		buf_free(&out);
		http_response_free(&r);
		http_client_close(c);
		return -1;
	}
	ct = http_response_header(&r, "Content-Type");
	*mux = ct && strstr(ct, "multiplexed");
	http_response_free(&r);
	return 0;
}

struct waiter {
	struct http_client c;
	struct http_response r;
	bool open;
};

static int wait_open(struct waiter *w, const char *id, const char *cond, int *exit_code)
{
	char target[300];
	struct tug_err err;

	snprintf(target, sizeof(target), "/containers/%s/wait?condition=%s", id, cond);
	if (cli_connect(&w->c, &err) ||
	    http_client_send(&w->c, "POST", target, NULL, NULL, 0, &err) ||
	    http_client_read_head(&w->c, &w->r, &err)) {
		http_client_close(&w->c);
		*exit_code = cli_daemon_error(&err);
		return -1;
	}
	w->open = true;
	return 0;
}

/* The container's exit code from the wait stream; 125 when it cannot be had. */
static int wait_finish(struct waiter *w)
{
	struct buf out = { 0 };
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;
	int code = EXIT_DAEMON;

	if (!w->open)
		return code;
	if (http_client_read_body(&w->c, &w->r, to_buf, &out, &err)) {
		tug_err_print(&err);
	} else if (w->r.status != 200) {
		reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "wait", &err);
		cli_status_error(w->r.status, reply, 0);
	} else if ((reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "wait", &err))) {
		const char *msg = cJSON_GetStringValue(
			cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "Error"), "Message"));

		if (msg && *msg)
			fprintf(stderr, "tug: %s\n", msg);
		code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "StatusCode"));
	}
	buf_free(&out);
	http_response_free(&w->r);
	http_client_close(&w->c);
	w->open = false;
	return code;
}

/* The docker CLI's mapping of start failures to 127 / 126 / 125. */
static int start_failure_code(int status, const char *msg)
{
	if (status == 404 || strstr(msg, "not found") || strstr(msg, "no such file") ||
	    strstr(msg, "No such file"))
		return EXIT_NOT_FOUND;
	if (strstr(msg, "ermission denied") || strstr(msg, "not a directory"))
		return EXIT_CANNOT_INVOKE;
	return EXIT_DAEMON;
}

static int start_one(const char *id, int *exit_code)
{
	char target[300];
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;
	int st;

	snprintf(target, sizeof(target), "/containers/%s/start", id);
	st = cli_request("POST", target, NULL, &reply, &err);
	if (st < 0) {
		*exit_code = cli_daemon_error(&err);
		return -1;
	}
	if (st >= 400) {
		*exit_code = cli_status_error(st, reply, start_failure_code(st, cli_message(reply)));
		return -1;
	}
	return 0;
}

/*
 * Attach to id (already attached through conn), start it when start is set,
 * pump the streams and return the exit code from the wait stream.
 */
static int attached_session(const char *id, bool tty, bool in, bool start, const char *cond,
			    bool sig_proxy)
{
	struct http_client conn;
	struct waiter w = { 0 };
	struct cli_stream s = { 0 };
	char target[300], resize[300], kill[300];
	bool mux = false;
	int code = 0;

	snprintf(target, sizeof(target), "/containers/%s/attach?stream=1&stdout=1&stderr=1%s", id,
		 in ? "&stdin=1" : "");
	if (hijack(&conn, target, NULL, &mux, &code))
		return code;
	if (wait_open(&w, id, cond, &code)) {
		http_client_close(&conn);
		return code;
	}
	if (start && start_one(id, &code)) {
		http_client_close(&conn);
		http_client_close(&w.c);
		return code;
	}
	snprintf(resize, sizeof(resize), "/containers/%s/resize", id);
	snprintf(kill, sizeof(kill), "/containers/%s/kill", id);
	s.conn = &conn;
	s.mux = mux;
	s.tty = tty;
	s.in_fd = in ? 0 : -1;
	s.resize_target = tty ? resize : NULL;
	s.kill_target = tty || !sig_proxy ? NULL : kill;
	cli_stream_session(&s);
	http_client_close(&conn);
	if (s.detached) {
		/* The container keeps running; its exit code is not ours. */
		http_response_free(&w.r);
		http_client_close(&w.c);
		return EXIT_OK;
	}
	return wait_finish(&w);
}

/*
 * A run without a terminal or input in one request (POST /tug/v1/run):
 * create, attach, start and the wait's answer (stream 3) on one
 * connection instead of four. 0 with *code the container's, -1 after
 * printing why (*code set), 1 when that is not for this daemon or image
 * (a tugd without the call, or an image to pull): the steps one by one.
 */
static int run_one_request(struct cli_run_opts *o, int *code)
{
	char target[400] = "/tug/v1/run", name[300], kill[300];
	_cleanup_free_ char *text = cJSON_PrintUnformatted(o->body);
	_cleanup_json_ cJSON *reply = NULL;
	struct http_client conn;
	struct http_response r;
	struct cli_stream s = { 0 };
	struct buf out = { 0 };
	struct tug_err err;
	const char *id, *msg;
	int rc = -1;

	if (!text) {
		*code = EXIT_DAEMON;
		return -1;
	}
	if (o->name) {
		cli_escape(o->name, name, sizeof(name));
		snprintf(target, sizeof(target), "/tug/v1/run?name=%s", name);
	}
	if (cli_connect(&conn, &err) ||
	    http_client_send(&conn, "POST", target,
			     "Content-Type: application/json\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n",
			     text, strlen(text), &err) ||
	    http_client_read_head(&conn, &r, &err)) {
		http_client_close(&conn);
		*code = cli_daemon_error(&err);
		return -1;
	}
	if (r.status != 101 && r.status != 200) {
		if (!http_client_read_body(&conn, &r, to_buf, &out, &err))
			reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "reply", &err);
		msg = cli_message(reply);
		if (strstr(msg, "failed to create task"))
			*code = cli_status_error(r.status, reply, start_failure_code(r.status, msg));
		else if (r.status == 404)
			rc = 1; /* no such image (the caller pulls it), or an older tugd */
		else
			*code = cli_status_error(r.status, reply, EXIT_DAEMON);
		goto out;
	}
	id = http_response_header(&r, "Tug-Container-Id");
	{
		const char *wh = http_response_header(&r, "Tug-Warnings");
		_cleanup_json_ cJSON *warn = wh ? cJSON_Parse(wh) : NULL;
		const cJSON *w;

		cJSON_ArrayForEach (w, warn)
			if (cJSON_IsString(w) && *w->valuestring)
				fprintf(stderr, "WARNING: %s\n", w->valuestring);
	}
	snprintf(kill, sizeof(kill), "/containers/%s/kill", id ? id : "");
	s.conn = &conn;
	s.mux = true;
	s.in_fd = -1;
	s.kill_target = id && !o->no_sig_proxy ? kill : NULL;
	s.status = &out;
	cli_stream_session(&s);
	rc = 0;
	if (s.detached) {
		*code = EXIT_OK; /* our output was closed: the container is not ours to wait for */
	} else if (!(reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "exit status", &err))) {
		fprintf(stderr, "tug: the daemon ended the stream without the exit code\n");
		*code = EXIT_DAEMON;
	} else {
		msg = cJSON_GetStringValue(
			cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "Error"), "Message"));
		if (msg && *msg)
			fprintf(stderr, "tug: %s\n", msg);
		*code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(reply, "StatusCode"));
	}
out:
	buf_free(&out);
	http_response_free(&r);
	http_client_close(&conn);
	return rc;
}

int client_cmd_run(int argc, char **argv)
{
	struct cli_run_opts o;
	char id[80];
	int code = 0, rc = cli_parse_run(argc, argv, true, &o);

	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_DAEMON;
	if (o.detach) {
		if (cli_create(&o, id, sizeof(id), &code) || start_one(id, &code))
			return code;
		printf("%s\n", id);
		return EXIT_OK;
	}
	if (!o.tty && !o.interactive && o.pull != PULL_ALWAYS) {
		rc = run_one_request(&o, &code);
		if (rc <= 0) {
			cJSON_Delete(o.body);
			return code;
		}
	}
	if (cli_create(&o, id, sizeof(id), &code))
		return code;
	cJSON_Delete(o.body);
	return attached_session(id, o.tty, o.interactive, true, o.rm ? "removed" : "next-exit",
				!o.no_sig_proxy);
}

int client_cmd_create(int argc, char **argv)
{
	struct cli_run_opts o;
	char id[80];
	int code = 0, rc = cli_parse_run(argc, argv, false, &o);

	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_DAEMON;
	if (cli_create(&o, id, sizeof(id), &code))
		return code;
	cJSON_Delete(o.body);
	printf("%s\n", id);
	return EXIT_OK;
}

/* Tty and OpenStdin of a container, from inspect; -1 after printing why not. */
static int container_io(const char *ref, bool *tty, bool *open_stdin, int *code)
{
	char target[300], esc[260];
	_cleanup_json_ cJSON *reply = NULL;
	const cJSON *cfg;
	struct tug_err err;
	int st;

	cli_escape(ref, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/json", esc);
	st = cli_request("GET", target, NULL, &reply, &err);
	if (st < 0) {
		*code = cli_daemon_error(&err);
		return -1;
	}
	if (st != 200) {
		*code = cli_status_error(st, reply, EXIT_RUNTIME);
		return -1;
	}
	cfg = cJSON_GetObjectItem(reply, "Config");
	*tty = cJSON_IsTrue(cJSON_GetObjectItem(cfg, "Tty"));
	*open_stdin = cJSON_IsTrue(cJSON_GetObjectItem(cfg, "OpenStdin"));
	return 0;
}

int client_cmd_start(int argc, char **argv)
{
	static const struct option opts[] = { { "attach", no_argument, NULL, 'a' },
					      { "interactive", no_argument, NULL, 'i' },
					      { "help", no_argument, NULL, 'H' },
					      { NULL, 0, NULL, 0 } };
	bool attach = false, interactive = false;
	int c, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'i')
			interactive = true;
		else {
			fprintf(c == 'H' ? stdout : stderr,
				"Usage: tug start [-a] [-i] CONTAINER...\n\nStart stopped containers.\n");
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tug: \"start\" requires at least 1 argument.\n");
		return EXIT_USAGE;
	}
	if (attach || interactive) {
		bool tty, open_stdin;
		char esc[260];

		if (argc - optind > 1) {
			fprintf(stderr, "tug: you cannot start and attach multiple containers at once\n");
			return EXIT_USAGE;
		}
		if (container_io(argv[optind], &tty, &open_stdin, &code))
			return code;
		cli_escape(argv[optind], esc, sizeof(esc));
		return attached_session(esc, tty, interactive && open_stdin, true, "next-exit", true);
	}
	for (int i = optind; i < argc; i++) {
		char esc[260];
		int one = 0;

		cli_escape(argv[i], esc, sizeof(esc));
		if (start_one(esc, &one))
			code = EXIT_RUNTIME;
		else
			printf("%s\n", argv[i]);
	}
	return code;
}

int client_cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = { { "no-stdin", no_argument, NULL, 'n' },
					      { "sig-proxy", optional_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'H' },
					      { NULL, 0, NULL, 0 } };
	bool no_stdin = false, sig_proxy = true, tty, open_stdin;
	char esc[260];
	int c, code = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'n')
			no_stdin = true;
		else if (c == 's')
			sig_proxy = !optarg || strcmp(optarg, "false");
		else {
			fprintf(c == 'H' ? stdout : stderr,
				"Usage: tug attach [--no-stdin] [--sig-proxy=false] CONTAINER\n\n"
				"Attach the terminal to a running container.\n");
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "tug: \"attach\" requires exactly 1 argument.\n");
		return EXIT_USAGE;
	}
	if (container_io(argv[optind], &tty, &open_stdin, &code))
		return code;
	cli_escape(argv[optind], esc, sizeof(esc));
	return attached_session(esc, tty, open_stdin && !no_stdin, false, "next-exit", sig_proxy);
}
