/* /containers/{id}/exec and /exec/{id}/... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/api/api.h"
#include "platform/json.h"

void h_exec_create(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	int bad = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	struct exec_inst *e;
	struct tug_err err;
	cJSON *rep;

	if (bad)
		return;
	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	if (!body) {
		api_error(c, 400, "exec config cannot be empty");
		return;
	}
	if (exec_create(d, ctr, body, &e, &err)) {
		api_error(c, err.code == EINVAL ? 400 : 409, "%s", err.msg);
		return;
	}
	rep = cJSON_CreateObject();
	cJSON_AddStringToObject(rep, "Id", e->id);
	api_reply_json(c, 201, rep);
}

void h_exec_start(struct daemon *d, struct conn *c)
{
	struct exec_inst *e = exec_find(d, c->params[0]);
	int bad = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	struct tug_err err;

	if (bad)
		return;
	if (!e) {
		api_error(c, 404, "No such exec instance: %s", c->params[0]);
		return;
	}
	if (e->running || e->pid) {
		api_error(c, 409, "Exec %s is already running", e->id);
		return;
	}
	e->detach = cJSON_IsTrue(cJSON_GetObjectItem(body, "Detach"));
	if (exec_start(d, e, &err)) {
		api_error(c, strstr(err.msg, "not found") || strstr(err.msg, "No such file") ? 404 : 500,
			  "OCI runtime exec failed: %s", err.msg);
		return;
	}
	if (e->detach) {
		api_reply(c, 204, NULL, NULL, 0);
		return;
	}
	api_hijack(c, !e->tty);
	c->stream = SK_EXEC;
	c->exec = e;
	c->stdin_open = e->attach_stdin;
	e->conn = c;
}

void api_exec_output(struct daemon *d, struct exec_inst *e, int stream, const char *data,
		     size_t len)
{
	if (e->conn && !e->conn->dead)
		api_frame(e->conn, stream, data, len);
}

void api_exec_done(struct daemon *d, struct exec_inst *e)
{
	if (e->conn) {
		e->conn->close_after = true;
		e->conn->exec = NULL;
		e->conn = NULL;
	}
	if (e->ctr) {
		char code[16];
		cJSON *a = cJSON_CreateObject();

		snprintf(code, sizeof(code), "%d", e->exit_code);
		cJSON_AddStringToObject(a, "execID", e->id);
		cJSON_AddStringToObject(a, "exitCode", code);
		event_emit(d, "container", "exec_die", e->ctr->id, a);
		cJSON_Delete(a);
	}
}

void h_exec_resize(struct daemon *d, struct conn *c)
{
	struct exec_inst *e = exec_find(d, c->params[0]);
	char h[16] = "0", w[16] = "0";

	if (!e) {
		api_error(c, 404, "No such exec instance: %s", c->params[0]);
		return;
	}
	http_query_get(c->req.query, "h", h, sizeof(h));
	http_query_get(c->req.query, "w", w, sizeof(w));
	if (e->tty && e->in_fd >= 0) {
		struct winsize ws = { .ws_row = (unsigned short)atoi(h), .ws_col = (unsigned short)atoi(w) };

		ioctl(e->in_fd, TIOCSWINSZ, &ws);
	}
	api_reply(c, 201, NULL, NULL, 0);
}

void h_exec_inspect(struct daemon *d, struct conn *c)
{
	struct exec_inst *e = exec_find(d, c->params[0]);
	cJSON *o, *pc;

	if (!e) {
		api_error(c, 404, "No such exec instance: %s", c->params[0]);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", e->id);
	cJSON_AddBoolToObject(o, "Running", e->running);
	if (e->pid && !e->running)
		cJSON_AddNumberToObject(o, "ExitCode", e->exit_code);
	else
		cJSON_AddNullToObject(o, "ExitCode");
	cJSON_AddBoolToObject(o, "OpenStdin", e->attach_stdin);
	cJSON_AddBoolToObject(o, "OpenStdout", true);
	cJSON_AddBoolToObject(o, "OpenStderr", true);
	cJSON_AddStringToObject(o, "ContainerID", e->ctr ? e->ctr->id : "");
	cJSON_AddNumberToObject(o, "Pid", e->pid);
	pc = cJSON_AddObjectToObject(o, "ProcessConfig");
	cJSON_AddBoolToObject(pc, "tty", e->tty);
	api_reply_json(c, 200, o);
}
