/* /containers/... handlers. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "core/api/api.h"
#include "core/daemon/logfile.h"
#include "core/daemon/netvol.h"
#include "core/daemon/health.h"
#include "core/image/image.h"
#include "core/image/store.h"
#include "core/oci/runtime.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/json.h"

#define FIND_OR_404(d, c, ctr)                                 \
	struct container *ctr = ctr_find(d, c->params[0]);     \
	if (!ctr) {                                            \
		api_no_such_container(c, c->params[0]);        \
		return;                                        \
	}

static void human_duration(int64_t s, char *out, size_t size)
{
	if (s < 1)
		snprintf(out, size, "Less than a second");
	else if (s < 60)
		snprintf(out, size, "%lld second%s", (long long)s, s == 1 ? "" : "s");
	else if (s < 3600)
		snprintf(out, size, "%lld minute%s", (long long)s / 60, s / 60 == 1 ? "" : "s");
	else if (s < 86400)
		snprintf(out, size, "%lld hour%s", (long long)s / 3600, s / 3600 == 1 ? "" : "s");
	else
		snprintf(out, size, "%lld days", (long long)s / 86400);
}

static void status_text(struct container *ctr, char *out, size_t size)
{
	char dur[64];
	int64_t now = (int64_t)time(NULL);

	switch (ctr->state) {
	case CS_RUNNING:
	case CS_PAUSED:
		human_duration(now - rfc3339_seconds(ctr->started_at), dur, sizeof(dur));
		snprintf(out, size, "Up %s%s", dur,
			 ctr->state == CS_PAUSED ? " (Paused)" : health_ps_suffix(ctr->health));
		break;
	case CS_RESTARTING:
		human_duration(now - rfc3339_seconds(ctr->finished_at), dur, sizeof(dur));
		snprintf(out, size, "Restarting (%d) %s ago", ctr->exit_code, dur);
		break;
	case CS_EXITED:
		if (rfc3339_seconds(ctr->finished_at) <= 0) {
			snprintf(out, size, "Created");
			break;
		}
		human_duration(now - rfc3339_seconds(ctr->finished_at), dur, sizeof(dur));
		snprintf(out, size, "Exited (%d) %s ago", ctr->exit_code, dur);
		break;
	case CS_CREATED:
		snprintf(out, size, "Created");
		break;
	default:
		snprintf(out, size, "Dead");
	}
}

static cJSON *args_of(struct container *ctr)
{
	struct tug_err err;
	cJSON *p = bundle_process(ctr, NULL, &err), *a;

	if (!p)
		return cJSON_CreateArray();
	a = cJSON_DetachItemFromObject(p, "args");
	cJSON_Delete(p);
	return a;
}

static void command_string(struct container *ctr, char *out, size_t size)
{
	_cleanup_json_ cJSON *a = args_of(ctr);
	const cJSON *it;
	size_t n = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, a)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? " " : "",
				      it->valuestring);
}

/* filters={"status":["running"],"name":["web"],"id":[..],"label":[..],"exited":["0"]} */
static bool filter_match(struct container *ctr, const cJSON *filters)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, filters) {
		const cJSON *v;
		bool any = false;
		char code[16];

		/* Old clients send {"status":{"running":true}}. */
		cJSON_ArrayForEach(v, f) {
			const char *s = cJSON_IsString(v) ? v->valuestring : v->string;

			if (!s)
				continue;
			if (!strcmp(f->string, "status"))
				any |= !strcmp(s, ctr_state_name(ctr->state));
			else if (!strcmp(f->string, "name"))
				any |= strstr(ctr->name + 1, s[0] == '/' ? s + 1 : s) != NULL;
			else if (!strcmp(f->string, "id"))
				any |= !strncmp(ctr->id, s, strlen(s));
			else if (!strcmp(f->string, "health"))
				any |= !strcmp(s, ctr->health ? health_status_name(ctr->health->status) : "none");
			else if (!strcmp(f->string, "ancestor"))
				any |= !strcmp(ctr->image, s) || !strncmp(ctr->image_id, s, strlen(s));
			else if (!strcmp(f->string, "exited")) {
				snprintf(code, sizeof(code), "%d", ctr->exit_code);
				any |= ctr->state == CS_EXITED && !strcmp(code, s);
			} else if (!strcmp(f->string, "label")) {
				const cJSON *labels = cJSON_GetObjectItem(ctr->config, "Labels");
				char key[256];
				const char *eq = strchr(s, '=');

				snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
				const cJSON *lv = cJSON_GetObjectItemCaseSensitive(labels, key);

				any |= lv && (!eq || !strcmp(cJSON_GetStringValue(lv) ?: "", eq + 1));
			} else {
				any = true;
			}
		}
		if (!any)
			return false;
	}
	return true;
}

void h_ctr_list(struct daemon *d, struct conn *c)
{
	cJSON *arr = cJSON_CreateArray();
	bool all = http_query_bool(c->req.query, "all");
	char fbuf[4096] = "", limit_s[16] = "";
	_cleanup_json_ cJSON *filters = NULL;
	long limit = -1, n = 0;

	if (http_query_get(c->req.query, "filters", fbuf, sizeof(fbuf)) && *fbuf) {
		filters = cJSON_Parse(fbuf);
		if (!filters || !cJSON_IsObject(filters)) {
			cJSON_Delete(arr);
			api_error(c, 400, "invalid filter '%s'", fbuf);
			return;
		}
		if (cJSON_GetObjectItem(filters, "status") || cJSON_GetObjectItem(filters, "exited"))
			all = true;
	}
	if (http_query_get(c->req.query, "limit", limit_s, sizeof(limit_s)))
		limit = atol(limit_s);
	for (struct container *ctr = d->containers; ctr; ctr = ctr->next) {
		cJSON *o, *names, *hc;
		char status[128], cmd[1024];

		if (!all && !ctr_is_running(ctr) && ctr->state != CS_RESTARTING)
			continue;
		if (filters && !filter_match(ctr, filters))
			continue;
		if (limit > 0 && n >= limit)
			break;
		n++;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", ctr->id);
		names = cJSON_AddArrayToObject(o, "Names");
		cJSON_AddItemToArray(names, cJSON_CreateString(ctr->name));
		cJSON_AddStringToObject(o, "Image", ctr->image);
		cJSON_AddStringToObject(o, "ImageID", ctr->image_id);
		command_string(ctr, cmd, sizeof(cmd));
		cJSON_AddStringToObject(o, "Command", cmd);
		cJSON_AddNumberToObject(o, "Created", (double)rfc3339_seconds(ctr->created));
		cJSON_AddItemToObject(o, "Ports", ctr_net_ports_list(d, ctr));
		cJSON_AddItemToObject(o, "Labels",
				      cJSON_GetObjectItem(ctr->config, "Labels")
					      ? cJSON_Duplicate(cJSON_GetObjectItem(ctr->config, "Labels"), true)
					      : cJSON_CreateObject());
		cJSON_AddStringToObject(o, "State", ctr_state_name(ctr->state));
		status_text(ctr, status, sizeof(status));
		cJSON_AddStringToObject(o, "Status", status);
		hc = cJSON_AddObjectToObject(o, "HostConfig");
		cJSON_AddStringToObject(hc, "NetworkMode", ctr_net_mode(ctr));
		cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "NetworkSettings"), "Networks");
		cJSON_AddItemToObject(o, "Mounts", ctr_volumes_inspect(d, ctr));
		cJSON_AddItemToArray(arr, o);
	}
	api_reply_json(c, 200, arr);
}

/* Resolve the image now so create fails with Docker's 404 for an unknown one. */
int api_ctr_attach_image(struct container *ctr, struct tug_err *err)
{
	struct image_store st;
	struct image img = { 0 };
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN];
	const cJSON *icfg;
	int rc = -1;

	if (image_store_open(&st, err))
		return -1;
	if (refs_read(&st, &refs, err) || image_resolve(&st, refs, ctr->image, digest, err) ||
	    image_read(&st, digest, &img, err))
		goto out;
	snprintf(ctr->image_id, sizeof(ctr->image_id), "%s", img.config_digest);
	icfg = cJSON_GetObjectItem(img.config, "config");
	cJSON_AddItemToObject(ctr->config, "__ImageConfig",
			      icfg ? cJSON_Duplicate(icfg, true) : cJSON_CreateObject());
	ctr_volatile_begin(ctr);
	image_lease_add(&st, ctr->id, digest, NULL);
	ctr_volatile_end(ctr);
	rc = 0;
out:
	image_free(&img);
	image_store_close(&st);
	return rc;
}

int api_ctr_create(struct daemon *d, const char *name, const cJSON *body, struct container **out,
		   int *status, struct tug_err *err)
{
	struct container *ctr;
	struct tug_err e2;

	if (ctr_create(d, name, body, &ctr, status, err))
		return -1;
	if (api_ctr_attach_image(ctr, err)) {
		char img[256];

		snprintf(img, sizeof(img), "%s", ctr->image);
		ctr_remove(d, ctr, true, &e2);
		*status = 500;
		if (err->code != ENOENT)
			return -1;
		*status = 404;
		return tug_err_set(err, ENOENT, "No such image: %s", img);
	}
	if (ctr_net_check(d, ctr, err) || ctr_volumes_create(d, ctr, err)) {
		ctr_remove(d, ctr, true, &e2);
		/* 400, not 404: on 404 the docker CLI would try to pull the image. */
		*status = 400;
		return -1;
	}
	ctr_save(d, ctr);
	event_emit_ctr(d, ctr, "create", NULL, NULL);
	*out = ctr;
	return 0;
}

struct container *api_ctr_create_from_request(struct daemon *d, struct conn *c)
{
	int bad = 0, status = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	char name[256] = "";
	struct container *ctr;
	struct tug_err err;

	if (bad)
		return NULL;
	if (!body) {
		api_error(c, 400, "config cannot be empty in order to create a container");
		return NULL;
	}
	http_query_get(c->req.query, "name", name, sizeof(name));
	if (api_ctr_create(d, name, body, &ctr, &status, &err)) {
		api_error(c, status, "%s", err.msg);
		return NULL;
	}
	return ctr;
}

void h_ctr_create(struct daemon *d, struct conn *c)
{
	struct container *ctr = api_ctr_create_from_request(d, c);
	cJSON *rep;

	if (!ctr)
		return;
	rep = cJSON_CreateObject();
	cJSON_AddStringToObject(rep, "Id", ctr->id);
	cJSON_AddItemToObject(rep, "Warnings",
			      ctr->create_warnings ? ctr->create_warnings : cJSON_CreateArray());
	ctr->create_warnings = NULL;
	api_reply_json(c, 201, rep);
}

void h_ctr_inspect(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	cJSON *o = cJSON_CreateObject(), *st, *cfg, *args, *gd, *ns;
	char log[700];

	cJSON_AddStringToObject(o, "Id", ctr->id);
	cJSON_AddStringToObject(o, "Created", ctr->created);
	args = args_of(ctr);
	cJSON_AddStringToObject(o, "Path", cJSON_GetArraySize(args) ? cJSON_GetArrayItem(args, 0)->valuestring : "");
	cJSON_DeleteItemFromArray(args, 0);
	cJSON_AddItemToObject(o, "Args", args);
	st = cJSON_AddObjectToObject(o, "State");
	cJSON_AddStringToObject(st, "Status", ctr_state_name(ctr->state));
	cJSON_AddBoolToObject(st, "Running", ctr_is_running(ctr));
	cJSON_AddBoolToObject(st, "Paused", ctr->state == CS_PAUSED);
	cJSON_AddBoolToObject(st, "Restarting", ctr->state == CS_RESTARTING);
	cJSON_AddBoolToObject(st, "OOMKilled", ctr->oom_killed);
	cJSON_AddBoolToObject(st, "Dead", ctr->state == CS_DEAD);
	cJSON_AddNumberToObject(st, "Pid", ctr_is_running(ctr) ? ctr->pid : 0);
	cJSON_AddNumberToObject(st, "ExitCode", ctr->exit_code);
	cJSON_AddStringToObject(st, "Error", ctr->error);
	cJSON_AddStringToObject(st, "StartedAt", ctr->started_at);
	cJSON_AddStringToObject(st, "FinishedAt", ctr->finished_at);
	if (ctr->health)
		cJSON_AddItemToObject(st, "Health", health_inspect(ctr->health));
	cJSON_AddStringToObject(o, "Image", ctr->image_id);
	{
		char dir[600], p[700];

		ctr_run_dir(d, ctr, dir, sizeof(dir));
		snprintf(p, sizeof(p), "%s/resolv.conf", dir);
		cJSON_AddStringToObject(o, "ResolvConfPath", p);
		snprintf(p, sizeof(p), "%s/hostname", dir);
		cJSON_AddStringToObject(o, "HostnamePath", p);
		snprintf(p, sizeof(p), "%s/hosts", dir);
		cJSON_AddStringToObject(o, "HostsPath", p);
	}
	snprintf(log, sizeof(log), "%s", ctr->log_path);
	cJSON_AddStringToObject(o, "LogPath", log);
	cJSON_AddStringToObject(o, "Name", ctr->name);
	cJSON_AddNumberToObject(o, "RestartCount", ctr->restart_count);
	cJSON_AddStringToObject(o, "Driver", "overlay2");
	cJSON_AddStringToObject(o, "Platform", "linux");
	cJSON_AddStringToObject(o, "MountLabel", "");
	cJSON_AddStringToObject(o, "ProcessLabel", "");
	cJSON_AddStringToObject(o, "AppArmorProfile", "");
	cJSON_AddNullToObject(o, "ExecIDs");
	cJSON_AddItemToObject(o, "HostConfig", cJSON_Duplicate(ctr->host_config, true));
	if (!cJSON_GetObjectItem(cJSON_GetObjectItem(o, "HostConfig"), "LogConfig")) {
		/* docker-py's containers.run() reads the log driver from here. */
		cJSON *lc = cJSON_AddObjectToObject(cJSON_GetObjectItem(o, "HostConfig"), "LogConfig");

		cJSON_AddStringToObject(lc, "Type", "json-file");
		cJSON_AddObjectToObject(lc, "Config");
	}
	gd = cJSON_AddObjectToObject(o, "GraphDriver");
	cJSON_AddStringToObject(gd, "Name", "overlay2");
	cJSON_AddObjectToObject(gd, "Data");
	cJSON_AddItemToObject(o, "Mounts", ctr_volumes_inspect(d, ctr));
	cfg = cJSON_Duplicate(ctr->config, true);
	cJSON_DeleteItemFromObject(cfg, "__NetworkingConfig");
	{
		/* Docker shows the image's settings merged in. */
		cJSON *icfg = cJSON_DetachItemFromObject(cfg, "__ImageConfig");
		const cJSON *it;

		cJSON_ArrayForEach(it, icfg) {
			cJSON *mine = cJSON_GetObjectItem(cfg, it->string);

			if (!mine || cJSON_IsNull(mine) || (cJSON_IsString(mine) && !*mine->valuestring))
				if (!cJSON_ReplaceItemInObject(cfg, it->string, cJSON_Duplicate(it, true)))
					cJSON_AddItemToObject(cfg, it->string, cJSON_Duplicate(it, true));
		}
		cJSON_Delete(icfg);
		if (!cJSON_GetObjectItem(cfg, "Hostname"))
			cJSON_AddStringToObject(cfg, "Hostname", "");
	}
	cJSON_AddItemToObject(o, "Config", cfg);
	ns = ctr_net_inspect(d, ctr);
	cJSON_AddItemToObject(o, "NetworkSettings", ns);
	api_reply_json(c, 200, o);
}

void h_ctr_start(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);

	if (ctr_is_running(ctr)) {
		api_reply(c, 304, NULL, NULL, 0);
		return;
	}
	if (ctr->state == CS_RESTARTING) {
		api_reply(c, 304, NULL, NULL, 0);
		return;
	}
	ctr->stopped_by_user = false;
	ctr->restart_count = 0;
	ctr->backoff_ms = 0;
	if (api_ctr_start(d, c, ctr))
		return;
	api_reply(c, 204, NULL, NULL, 0);
}

/*
 * Start @ctr; when that fails, answer the request as dockerd does and leave
 * the container exited (or removed, for AutoRemove). 0 or -1 (answered).
 */
int api_ctr_start(struct daemon *d, struct conn *c, struct container *ctr)
{
	struct tug_err err;

	if (!ctr_start(d, ctr, &err))
		return 0;
	/* The docker CLI maps these words to 127 and 126. */
	api_error(c, strstr(err.msg, "not found") || strstr(err.msg, "No such file") ? 404 : 400,
		  "failed to create task for container: %s", err.msg);
	if (ctr->auto_remove)
		ctr_remove(d, ctr, true, &err);
	else
		api_container_exited(d, ctr);
	return -1;
}

/* Reply to a wait once the condition holds; the headers go out at once. */
static void wait_reply(struct conn *c, struct container *ctr)
{
	struct buf st = { 0 };

	api_exit_status_json(ctr, &st);
	api_stream_write(c, buf_head(&st), buf_size(&st));
	buf_free(&st);
	api_stream_end(c);
}

void h_ctr_wait(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	char cond[32] = "not-running";

	http_query_get(c->req.query, "condition", cond, sizeof(cond));
	api_stream_begin(c, "application/json");
	c->stream = SK_WAIT;
	c->ctr = ctr;
	snprintf(c->wait_cond, sizeof(c->wait_cond), "%s", cond);
	if (!strcmp(cond, "not-running") && !ctr_is_running(ctr) && ctr->state != CS_RESTARTING)
		wait_reply(c, ctr);
}

static int stop_common(struct daemon *d, struct conn *c, struct container *ctr, const char *cond)
{
	char t[16] = "", sig[32] = "";
	int timeout = -1, signo = SIGTERM, rc;
	struct tug_err err;
	const char *ss = cJSON_GetStringValue(cJSON_GetObjectItem(ctr->config, "StopSignal"));

	if (http_query_get(c->req.query, "t", t, sizeof(t)) && *t)
		timeout = atoi(t);
	if (ss && oci_signal_parse(ss) > 0)
		signo = oci_signal_parse(ss);
	if (http_query_get(c->req.query, "signal", sig, sizeof(sig)) && *sig)
		signo = oci_signal_parse(sig);
	rc = ctr_stop(d, ctr, timeout, signo, &err);
	if (rc < 0) {
		api_error(c, 500, "%s", err.msg);
		return -1;
	}
	/* Docker answers once the container is down. */
	c->stream = SK_WAIT;
	c->mode = CONN_STREAM;
	c->ctr = ctr;
	snprintf(c->wait_cond, sizeof(c->wait_cond), "%s", cond);
	if (rc == 1)
		api_container_exited(d, ctr);
	return rc;
}

void h_ctr_stop(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	if (!ctr_is_running(ctr) && ctr->state != CS_RESTARTING) {
		api_reply(c, 304, NULL, NULL, 0);
		return;
	}
	stop_common(d, c, ctr, "stop");
}

void h_ctr_restart(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	stop_common(d, c, ctr, "restart");
}

void h_ctr_kill(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	char sig[32] = "SIGKILL";
	struct tug_err err;
	int signo;

	http_query_get(c->req.query, "signal", sig, sizeof(sig));
	signo = oci_signal_parse(sig);
	if (signo <= 0) {
		api_error(c, 400, "Invalid signal: %s", sig);
		return;
	}
	if (!ctr_is_running(ctr)) {
		api_error(c, 409, "Cannot kill container: %s: container %s is not running",
			  c->params[0], ctr->id);
		return;
	}
	if (ctr_kill(d, ctr, signo, &err)) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	api_reply(c, 204, NULL, NULL, 0);
}

void h_ctr_pause(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	struct tug_err err;

	if (ctr_pause(d, ctr, true, &err)) {
		api_error(c, 409, "%s", err.msg);
		return;
	}
	api_reply(c, 204, NULL, NULL, 0);
}

void h_ctr_unpause(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	struct tug_err err;

	if (ctr_pause(d, ctr, false, &err)) {
		api_error(c, 409, "%s", err.msg);
		return;
	}
	api_reply(c, 204, NULL, NULL, 0);
}

void h_ctr_rename(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	char name[200] = "";

	http_query_get(c->req.query, "name", name, sizeof(name));
	if (!*name) {
		api_error(c, 400, "Neither old nor new names may be empty");
		return;
	}
	if (ctr_find_name(d, name)) {
		api_error(c, 409, "Conflict. The container name \"/%s\" is already in use", name);
		return;
	}
	snprintf(ctr->name, sizeof(ctr->name), "/%s", name[0] == '/' ? name + 1 : name);
	ctr_save(d, ctr);
	event_emit_ctr(d, ctr, "rename", NULL, NULL);
	api_reply(c, 204, NULL, NULL, 0);
}

void h_ctr_resize(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	char h[16] = "0", w[16] = "0";

	http_query_get(c->req.query, "h", h, sizeof(h));
	http_query_get(c->req.query, "w", w, sizeof(w));
	if (ctr->tty && ctr->stdin_fd >= 0) {
		struct winsize ws = { .ws_row = (unsigned short)atoi(h), .ws_col = (unsigned short)atoi(w) };

		ioctl(ctr->stdin_fd, TIOCSWINSZ, &ws);
	}
	api_reply(c, 200, "text/plain", NULL, 0);
}

void h_ctr_top(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	pid_t *pids = NULL;
	size_t n = 0;
	struct tug_err err;
	cJSON *o, *titles, *procs;

	if (!ctr_is_running(ctr)) {
		api_error(c, 409, "Container %s is not running", ctr->id);
		return;
	}
	if (oci_runtime_pids(d->oci_root, ctr->id, &pids, &n, &err)) {
		pids = calloc(1, sizeof(pid_t));
		pids[0] = ctr->pid;
		n = 1;
	}
	o = cJSON_CreateObject();
	titles = cJSON_AddArrayToObject(o, "Titles");
	cJSON_AddItemToArray(titles, cJSON_CreateString("PID"));
	cJSON_AddItemToArray(titles, cJSON_CreateString("CMD"));
	procs = cJSON_AddArrayToObject(o, "Processes");
	for (size_t i = 0; i < n; i++) {
		char path[64], cmd[512] = "", pid[16];
		FILE *f;
		size_t len = 0;
		cJSON *row = cJSON_CreateArray();

		snprintf(path, sizeof(path), "/proc/%d/cmdline", pids[i]);
		f = fopen(path, "re");
		if (f) {
			len = fread(cmd, 1, sizeof(cmd) - 1, f);
			fclose(f);
		}
		for (size_t k = 0; k + 1 < len; k++)
			if (!cmd[k])
				cmd[k] = ' ';
		cmd[len] = '\0';
		snprintf(pid, sizeof(pid), "%d", pids[i]);
		cJSON_AddItemToArray(row, cJSON_CreateString(pid));
		cJSON_AddItemToArray(row, cJSON_CreateString(cmd));
		cJSON_AddItemToArray(procs, row);
	}
	free(pids);
	api_reply_json(c, 200, o);
}

void h_ctr_delete(struct daemon *d, struct conn *c)
{
	FIND_OR_404(d, c, ctr);
	struct tug_err err;
	/* docker rm -v: its anonymous volumes go too (named ones stay, as Docker). */
	_cleanup_json_ cJSON *anon = NULL;

	if (api_commit_holds(ctr)) {
		api_error(c, 409,
			  "Conflict. The container %s is being committed; try again when it is done",
			  ctr->name + 1);
		return;
	}
	if (http_query_bool(c->req.query, "v"))
		anon = ctr_volumes_anonymous(d, ctr);
	if (ctr_remove(d, ctr, http_query_bool(c->req.query, "force"), &err)) {
		api_error(c, 409, "%s", err.msg);
		return;
	}
	volumes_remove_names(d, anon);
	api_reply(c, 204, NULL, NULL, 0);
}

/*
 * Docker's container prune: remove every stopped container (created,
 * exited or dead; not running, paused or restarting). Filters (until,
 * label) are not supported and refused.
 */
void h_ctr_prune(struct daemon *d, struct conn *c)
{
	char fbuf[2048];
	_cleanup_json_ cJSON *filters = NULL;
	struct container *x, *next;
	cJSON *rep, *del;

	if (http_query_get(c->req.query, "filters", fbuf, sizeof(fbuf)) && *fbuf) {
		filters = cJSON_Parse(fbuf);
		if (!cJSON_IsObject(filters)) {
			api_error(c, 400, "invalid filter '%s'", fbuf);
			return;
		}
		if (filters->child) {
			api_error(c, 400, "invalid filter '%s': not supported", filters->child->string);
			return;
		}
	}
	rep = cJSON_CreateObject();
	del = cJSON_AddArrayToObject(rep, "ContainersDeleted");
	for (x = d->containers; x; x = next) {
		char id[sizeof(x->id)];
		struct tug_err err;

		next = x->next;
		if (ctr_is_running(x) || x->state == CS_RESTARTING || x->removing ||
		    api_commit_holds(x))
			continue;
		snprintf(id, sizeof(id), "%s", x->id);
		if (ctr_remove(d, x, false, &err)) {
			tug_err_print(&err);
			continue;
		}
		cJSON_AddItemToArray(del, cJSON_CreateString(id));
	}
	cJSON_AddNumberToObject(rep, "SpaceReclaimed", 0);
	api_reply_json(c, 200, rep);
}
