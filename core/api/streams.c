/*
 * Streams: logs (once or followed), attach, wait, events. The engine calls
 * in when something happens; the loop's tick polls followed log files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/api/api.h"
#include "platform/cleanup.h"
#include "platform/json.h"

struct emit_ctx {
	struct conn *c;
};

static void send_record(struct conn *c, const struct log_record *r)
{
	struct buf line = { 0 };

	if ((r->stream == 1 && !c->want_stdout) || (r->stream == 2 && !c->want_stderr))
		return;
	if (c->since && r->sec < c->since)
		return;
	if (c->until && r->sec > c->until)
		return;
	if (c->timestamps)
		buf_printf(&line, "%.*s ", (int)strcspn(r->time, " "), r->time);
	buf_add(&line, r->text, r->len);
	if (!r->partial)
		buf_add(&line, "\n", 1);
	if (c->stream == SK_ATTACH)
		api_frame(c, r->stream, buf_head(&line), buf_size(&line));
	else if (c->mux) {
		struct buf framed = { 0 };
		uint8_t h[8];

		http_stream_header(h, r->stream, (uint32_t)buf_size(&line));
		buf_add(&framed, h, 8);
		buf_add(&framed, buf_head(&line), buf_size(&line));
		api_stream_write(c, buf_head(&framed), buf_size(&framed));
		buf_free(&framed);
	} else {
		api_stream_write(c, buf_head(&line), buf_size(&line));
	}
	buf_free(&line);
}

static void on_record(void *ctx, const struct log_record *r)
{
	send_record(ctx, r);
}

static int64_t parse_since(const char *s)
{
	/* Docker sends seconds since the epoch, maybe with a fraction. */
	return *s ? (int64_t)atof(s) : 0;
}

void h_ctr_logs(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	char tail[32] = "all", v[64] = "";
	long ntail = -1;
	struct tug_err err;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	c->want_stdout = http_query_bool(c->req.query, "stdout");
	c->want_stderr = http_query_bool(c->req.query, "stderr");
	if (!c->want_stdout && !c->want_stderr) {
		api_error(c, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	c->timestamps = http_query_bool(c->req.query, "timestamps");
	c->follow = http_query_bool(c->req.query, "follow");
	if (http_query_get(c->req.query, "since", v, sizeof(v)))
		c->since = parse_since(v);
	if (http_query_get(c->req.query, "until", v, sizeof(v)))
		c->until = parse_since(v);
	if (http_query_get(c->req.query, "tail", tail, sizeof(tail)) && strcmp(tail, "all"))
		ntail = atol(tail);
	c->mux = !ctr->tty;
	c->ctr = ctr;
	api_stream_begin(c, c->mux ? "application/vnd.docker.multiplexed-stream"
				   : "application/vnd.docker.raw-stream");
	c->stream = SK_LOGS;
	if (!ctr_is_running(ctr) && ctr->state != CS_RESTARTING)
		c->follow = false;
	if (ntail < 0) {
		/*
		 * Everything kept (30 MB by default): sent a piece at a time as
		 * the client takes it (api_logs_pump), never read whole into
		 * tugd's memory. The files are open before anything is sent, so a
		 * rotation meanwhile loses or doubles nothing.
		 */
		log_backlog_open(&c->backlog, ctr->log_path, d->cfg.log_max_files);
		log_cursor_open(&c->cursor, ctr->log_path, true);
		c->catchup = true;
		api_logs_pump(c);
		return;
	}
	/* Open the cursor first so nothing written meanwhile is lost or doubled. */
	log_cursor_open(&c->cursor, ctr->log_path, false);
	log_read_all(ctr->log_path, d->cfg.log_max_files, ntail, on_record, c, &err);
	if (!c->follow) {
		c->ctr = NULL;
		api_stream_end(c);
	}
}

void api_logs_pump(struct conn *c)
{
	const size_t piece = 64 * 1024;

	if (!c->catchup)
		return;
	if (log_backlog_read(&c->backlog, piece, on_record, c) ||
	    log_cursor_read(&c->cursor, piece, on_record, c))
		return;
	c->catchup = false;
	log_backlog_close(&c->backlog);
	if (!c->follow) {
		c->ctr = NULL;
		api_stream_end(c);
	}
}

void api_logs_poll(struct daemon *d, struct conn *c)
{
	if (c->catchup)
		api_logs_pump(c);
	else if (c->ctr)
		log_cursor_poll(&c->cursor, on_record, c);
}

void h_ctr_attach(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	bool logs = http_query_bool(c->req.query, "logs");
	struct tug_err err;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	c->want_stdout = http_query_bool(c->req.query, "stdout");
	c->want_stderr = http_query_bool(c->req.query, "stderr");
	c->stdin_open = http_query_bool(c->req.query, "stdin");
	c->ctr = ctr;
	api_hijack(c, !ctr->tty);
	c->stream = SK_ATTACH;
	log_cursor_open(&c->cursor, ctr->log_path, false);
	if (logs)
		log_read_all(ctr->log_path, d->cfg.log_max_files, -1, on_record, c, &err);
	if (!http_query_bool(c->req.query, "stream"))
		c->close_after = true;
}

/*
 * POST /tug/v1/run: what `tug run` does in four requests (create, attach,
 * wait, start) in one, for a run without a terminal or input: the create
 * body in; create's or start's error as they answer it; else the
 * multiplexed output, and last, at the exit (the removal, with AutoRemove,
 * is sure by then), a frame on stream 3 holding wait's answer. The 101
 * names the container (Tug-Container-Id) for the client's sig-proxy. The
 * docker CLI keeps the Docker endpoints.
 */
void h_tug_run(struct daemon *d, struct conn *c)
{
	struct container *ctr = api_ctr_create_from_request(d, c);
	char hdr[1200];
	struct tug_err err;

	if (!ctr)
		return;
	/* A terminal's stream has no frames to end with; input needs attach's holding. */
	if (ctr->tty || cJSON_IsTrue(cJSON_GetObjectItem(ctr->config, "OpenStdin"))) {
		ctr_remove(d, ctr, true, &err);
		api_error(c, 400, "/tug/v1/run takes no Tty or OpenStdin: create, attach and start");
		return;
	}
	c->want_stdout = c->want_stderr = true;
	log_cursor_open(&c->cursor, ctr->log_path, false);
	if (api_ctr_start(d, c, ctr))
		return;
	{
		/* Create's Warnings (limits discarded), as one JSON header. */
		_cleanup_free_ char *w = cJSON_GetArraySize(ctr->create_warnings)
						 ? cJSON_PrintUnformatted(ctr->create_warnings)
						 : NULL;

		snprintf(hdr, sizeof(hdr), "Tug-Container-Id: %s\r\n%s%.1000s%s", ctr->id,
			 w ? "Tug-Warnings: " : "", w ? w : "", w ? "\r\n" : "");
		cJSON_Delete(ctr->create_warnings);
		ctr->create_warnings = NULL;
	}
	api_hijack_hdr(c, true, hdr);
	c->ctr = ctr;
	c->stream = SK_ATTACH;
	c->run_status = true;
}

/* What a wait answers: {"StatusCode":N,"Error":null or {"Message":...}}, with a newline. */
void api_exit_status_json(const struct container *ctr, struct buf *out)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "StatusCode", ctr ? ctr->exit_code : 0);
	if (ctr && ctr->error[0])
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Error"), "Message", ctr->error);
	else
		cJSON_AddNullToObject(o, "Error");
	s = cJSON_PrintUnformatted(o);
	buf_add(out, s, strlen(s));
	buf_add(out, "\n", 1);
	free(s);
	cJSON_Delete(o);
}

static void container_exited(struct daemon *d, struct container *ctr, bool early)
{
	for (struct conn *c = d->conns; c; c = c->next) {
		if (c->ctr != ctr || c->dead)
			continue;
		if (c->stream == SK_LOGS && c->catchup) {
			/* The pump ends it once everything on disk is sent. */
			if (ctr->state != CS_RESTARTING)
				c->follow = false;
			continue;
		}
		if (c->stream == SK_LOGS || c->stream == SK_ATTACH) {
			/* Everything the container wrote is on disk now: send it, then end. */
			log_cursor_poll(&c->cursor, on_record, c);
			if (ctr->state == CS_RESTARTING && c->stream == SK_LOGS)
				continue;
			if (c->stream == SK_LOGS) {
				c->ctr = NULL;
				api_stream_end(c);
			} else {
				if (c->run_status) {
					struct buf st = { 0 };

					api_exit_status_json(ctr, &st);
					api_frame(c, 3, buf_head(&st), buf_size(&st));
					buf_free(&st);
					c->run_status = false;
				}
				c->ctr = NULL;
				c->close_after = true;
			}
		} else if (c->stream == SK_WAIT) {
			const char *w = c->wait_cond;

			if (ctr->state == CS_RESTARTING && strcmp(w, "next-exit"))
				continue;
			if (!strcmp(w, "removed") && !ctr->removing)
				continue;
			if (!strcmp(w, "stop")) {
				c->ctr = NULL;
				api_reply(c, 204, NULL, NULL, 0);
				c->stream = SK_NONE;
				c->mode = CONN_HEAD;
				http_request_free(&c->req);
				c->have_req = false;
				continue;
			}
			if (!strcmp(w, "restart")) {
				struct tug_err err;

				if (early)
					continue; /* started again once the old run is torn down */
				c->ctr = NULL;
				ctr->stopped_by_user = false;
				ctr->restart_count = 0;
				if (ctr_start(d, ctr, &err))
					api_error(c, 500, "%s", err.msg);
				else
					api_reply(c, 204, NULL, NULL, 0);
				c->stream = SK_NONE;
				c->mode = CONN_HEAD;
				http_request_free(&c->req);
				c->have_req = false;
				continue;
			}
			{
				struct buf st = { 0 };

				api_exit_status_json(ctr, &st);
				api_stream_write(c, buf_head(&st), buf_size(&st));
				buf_free(&st);
				c->ctr = NULL;
				api_stream_end(c);
			}
		}
	}
}

void api_container_exited(struct daemon *d, struct container *ctr)
{
	container_exited(d, ctr, false);
}

/*
 * The exit code is known but the bookkeeping not done: answer the waiters
 * and send it now, closing the attach connections that end here (the
 * sweep frees them later), so clients need not wait for the fsyncs.
 */
void api_container_exit_early(struct daemon *d, struct container *ctr)
{
	/* Only the streams answered here: never a request still being handled. */
	for (struct conn *c = d->conns; c; c = c->next)
		c->flush_early = c->stream != SK_NONE && (c->ctr == ctr || c->stream == SK_EVENTS);
	container_exited(d, ctr, true);
	for (struct conn *c = d->conns; c; c = c->next) {
		if (!c->flush_early || c->dead || (!buf_size(&c->out) && !c->close_after))
			continue;
		c->flush_early = false;
		api_conn_flush(d, c);
		if (c->dead && !buf_size(&c->out))
			shutdown(c->fd, SHUT_RDWR);
	}
}

void api_container_removed(struct daemon *d, struct container *ctr)
{
	ctr->removing = true;
	api_container_exited(d, ctr);
	for (struct conn *c = d->conns; c; c = c->next)
		if (c->ctr == ctr) {
			c->ctr = NULL;
			if (c->stream == SK_LOGS && c->catchup)
				c->follow = false; /* the pump ends it: the files are open */
			else if (c->stream == SK_LOGS || c->stream == SK_WAIT)
				api_stream_end(c);
			else
				c->close_after = true;
		}
}

/* As Docker: "health_status" also matches "health_status: healthy". */
static bool action_matches(const char *want, const char *action)
{
	size_t n = strlen(want);

	if (!action)
		return false;
	if (!strcmp(want, action))
		return true;
	return (!strcmp(want, "health_status") || !strcmp(want, "exec_create") ||
		!strcmp(want, "exec_start")) &&
	       !strncmp(action, want, n) && action[n] == ':';
}

static bool event_matches(const cJSON *filters, const cJSON *ev)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, filters) {
		const cJSON *v;
		bool any = false;
		const cJSON *actor = cJSON_GetObjectItem(ev, "Actor");
		const cJSON *attrs = cJSON_GetObjectItem(actor, "Attributes");

		cJSON_ArrayForEach(v, f) {
			const char *s = cJSON_IsString(v) ? v->valuestring : v->string;

			if (!s)
				continue;
			if (!strcmp(f->string, "type"))
				any |= !strcmp(s, cJSON_GetStringValue(cJSON_GetObjectItem(ev, "Type")));
			else if (!strcmp(f->string, "event"))
				any |= action_matches(s, cJSON_GetStringValue(cJSON_GetObjectItem(ev, "Action")));
			else if (!strcmp(f->string, "container"))
				any |= !strncmp(cJSON_GetStringValue(cJSON_GetObjectItem(actor, "ID")), s, strlen(s)) ||
				       !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(attrs, "name")) ?: "", s);
			else
				any = true;
		}
		if (!any)
			return false;
	}
	return true;
}

static void replay_event(void *ctx, const char *json)
{
	struct conn *c = ctx;
	cJSON *ev = c->filters ? cJSON_Parse(json) : NULL;

	if (c->filters && (!ev || !event_matches(c->filters, ev))) {
		cJSON_Delete(ev);
		return;
	}
	cJSON_Delete(ev);
	api_stream_write(c, json, strlen(json));
	api_stream_write(c, "\n", 1);
}

void h_events(struct daemon *d, struct conn *c)
{
	char f[4096] = "", t[64] = "";
	int64_t now = (int64_t)time(NULL);
	bool past;

	if (http_query_get(c->req.query, "filters", f, sizeof(f)) && *f) {
		c->filters = cJSON_Parse(f);
		if (!c->filters || !cJSON_IsObject(c->filters)) {
			cJSON_Delete(c->filters);
			c->filters = NULL;
			api_error(c, 400, "invalid filter '%s'", f);
			return;
		}
	}
	/* Docker sends seconds, maybe with a fraction: "1700000000.000000000". */
	c->since = c->until = 0;
	past = http_query_get(c->req.query, "since", t, sizeof(t)) && *t;
	if (past)
		c->since = (int64_t)atof(t);
	if (http_query_get(c->req.query, "until", t, sizeof(t)) && *t)
		c->until = (int64_t)atof(t);
	api_stream_begin(c, "application/json");
	c->stream = SK_EVENTS;
	if (past)
		event_history(c->since, c->until, replay_event, c);
	if (c->until && c->until < now)
		api_stream_end(c);
}

void api_event_publish(struct daemon *d, cJSON *ev)
{
	char *s = NULL;

	for (struct conn *c = d->conns; c; c = c->next) {
		if (c->stream != SK_EVENTS || c->dead)
			continue;
		if (c->filters && !event_matches(c->filters, ev))
			continue;
		if (c->until && (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "time")) > c->until)
			continue;
		if (!s)
			s = cJSON_PrintUnformatted(ev);
		api_stream_write(c, s, strlen(s));
		api_stream_write(c, "\n", 1);
	}
	free(s);
}
