/*
 * Container records: create from a Docker create body, find by id, id
 * prefix or name, persist atomically under <state>/containers/<id>/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/daemon/hostspec.h"
#include "core/daemon/daemon.h"
#include "core/daemon/health.h"
#include "core/daemon/resources.h"
#include "core/daemon/security.h"
#include "core/image/store.h"
#include "core/names.h"
#include "core/oci/runtime.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/random.h"

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void rfc3339_now(char out[40])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

const char *ctr_dir(struct daemon *d, struct container *c, char *out, size_t size)
{
	snprintf(out, size, "%s/containers/%s", d->cfg.state_dir, c->id);
	return out;
}

const char *ctr_run_dir(struct daemon *d, const struct container *c, char *out, size_t size)
{
	snprintf(out, size, "%s/containers/%s", d->cfg.run_dir, c->id);
	return out;
}

void ctr_volatile_begin(const struct container *c)
{
	if (c->auto_remove)
		fsutil_volatile_begin();
}

void ctr_volatile_end(const struct container *c)
{
	if (c->auto_remove)
		fsutil_volatile_end();
}

struct container *ctr_find_name(struct daemon *d, const char *name)
{
	for (struct container *c = d->containers; c; c = c->next)
		if (!strcmp(c->name + 1, name[0] == '/' ? name + 1 : name))
			return c;
	return NULL;
}

struct container *ctr_find(struct daemon *d, const char *ref)
{
	struct container *found = NULL;
	size_t n = strlen(ref);

	if (!n)
		return NULL;
	for (struct container *c = d->containers; c; c = c->next)
		if (!strcmp(c->id, ref))
			return c;
	found = ctr_find_name(d, ref);
	if (found)
		return found;
	for (struct container *c = d->containers; c; c = c->next) {
		if (!strncmp(c->id, ref, n)) {
			if (found)
				return NULL; /* ambiguous prefix */
			found = c;
		}
	}
	return found;
}

static void generate_name(struct daemon *d, char *out, size_t size)
{
	static const char *const adj[] = { "brave", "calm", "eager", "fancy", "gentle", "happy",
					   "jolly", "keen", "lucid", "merry", "nimble", "proud" };
	static const char *const noun[] = { "ant", "bee", "crow", "deer", "eel", "fox",
					    "gull", "hare", "ibis", "jay", "koala", "lynx" };

	for (unsigned i = 0;; i++) {
		unsigned r;

		random_bytes(&r, sizeof(r)); /* rand() unseeded: the same names at every boot */
		snprintf(out, size, "%s_%s%s", adj[r % 12], noun[(r / 12) % 12], i > 20 ? "_x" : "");
		if (i > 20)
			snprintf(out, size, "%s_%s_%u", adj[r % 12], noun[(r / 12) % 12], r % 10000);
		if (!ctr_find_name(d, out))
			return;
	}
}

/* A field of the wrong type is the client's mistake: 400 with its name. */
static int check_types(const cJSON *cfg, const cJSON *hc, struct tug_err *err)
{
	static const struct {
		const char *key;
		int type;
	} cfg_fields[] = {
		{ "Image", cJSON_String }, { "Cmd", cJSON_Array }, { "Entrypoint", cJSON_Array },
		{ "Env", cJSON_Array },	   { "WorkingDir", cJSON_String }, { "User", cJSON_String },
		{ "Tty", cJSON_True },	   { "OpenStdin", cJSON_True },	  { "Labels", cJSON_Object },
		{ "Hostname", cJSON_String },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cfg_fields); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, cfg_fields[i].key);

		if (!v || cJSON_IsNull(v))
			continue;
		if (cfg_fields[i].type == cJSON_True ? !cJSON_IsBool(v)
						      : !(v->type & cfg_fields[i].type)) {
			/* Docker accepts a string for Cmd/Entrypoint too. */
			if ((!strcmp(cfg_fields[i].key, "Cmd") || !strcmp(cfg_fields[i].key, "Entrypoint")) &&
			    cJSON_IsString(v))
				continue;
			return tug_err_set(err, EINVAL, "json: cannot unmarshal %s into field Config.%s",
					   cJSON_IsString(v) ? "string" : cJSON_IsNumber(v) ? "number" : "value",
					   cfg_fields[i].key);
		}
	}
	if (hc) {
		const cJSON *rp = cJSON_GetObjectItem(hc, "RestartPolicy"), *ar = cJSON_GetObjectItem(hc, "AutoRemove");

		if (rp && !cJSON_IsObject(rp) && !cJSON_IsNull(rp))
			return tug_err_set(err, EINVAL, "json: cannot unmarshal into field HostConfig.RestartPolicy");
		if (ar && !cJSON_IsBool(ar) && !cJSON_IsNull(ar))
			return tug_err_set(err, EINVAL, "json: cannot unmarshal into field HostConfig.AutoRemove");
	}
	return 0;
}

int ctr_create(struct daemon *d, const char *name, const cJSON *body, struct container **out,
	       int *status, struct tug_err *err)
{
	struct container *c;
	const cJSON *hc = cJSON_GetObjectItem(body, "HostConfig");
	const cJSON *rp = hc ? cJSON_GetObjectItem(hc, "RestartPolicy") : NULL;
	const char *image = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Image"));
	char n[128], dir[600];
	const char *rpname = rp ? cJSON_GetStringValue(cJSON_GetObjectItem(rp, "Name")) : NULL;
	const cJSON *rpmax = rp ? cJSON_GetObjectItem(rp, "MaximumRetryCount") : NULL;
	struct restart_policy pol;

	*status = 400;
	if (check_types(body, hc, err) || (hc && hostconfig_check(hc, err) < 0)) /* hostspec.c */
		return -1;
	if (!image || !*image)
		return tug_err_set(err, EINVAL, "config: Image is required");
	if (restart_policy_parse(rpname ? rpname : "", rpmax ? (int)rpmax->valuedouble : 0, &pol, err))
		return -1;
	if (security_validate(hc, err))
		return -1;
	{
		struct health_config hcfg;

		if (health_config_merge(NULL, cJSON_GetObjectItem(body, "Healthcheck"), &hcfg, err) < 0)
			return -1;
		health_config_free(&hcfg);
	}
	if (name && *name) {
		if (*name == '/')
			name++;
		if (!name_ok(name, CONTAINER_NAME_MAX))
			return tug_err_set(err, EINVAL,
					   "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
					   name);
		if (ctr_find_name(d, name)) {
			*status = 409;
			return tug_err_set(err, EEXIST,
					   "Conflict. The container name \"/%s\" is already in use",
					   name);
		}
		snprintf(n, sizeof(n), "%s", name);
	} else {
		generate_name(d, n, sizeof(n));
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return tug_err_set(err, ENOMEM, "create container");
	random_hex_id(c->id);
	snprintf(c->name, sizeof(c->name), "/%s", n);
	rfc3339_now(c->created);
	snprintf(c->image, sizeof(c->image), "%s", image);
	c->config = cJSON_Duplicate(body, true);
	cJSON_DeleteItemFromObject(c->config, "HostConfig");
	{
		/* Kept for every start (aliases, addresses, extra networks); not shown as Config. */
		cJSON *nc = cJSON_DetachItemFromObject(c->config, "NetworkingConfig");

		if (nc)
			cJSON_AddItemToObject(c->config, "__NetworkingConfig", nc);
	}
	c->host_config = hc ? cJSON_Duplicate(hc, true) : cJSON_CreateObject();
	{
		cJSON *warn = cJSON_CreateArray();

		if (hostconfig_discard_unusable(c->host_config, warn, cgroup_controller_usable))
			c->create_warnings = warn;
		else
			cJSON_Delete(warn);
	}
	c->policy = pol;
	c->auto_remove = cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "AutoRemove"));
	c->tty = cJSON_IsTrue(cJSON_GetObjectItem(c->config, "Tty"));
	c->state = CS_CREATED;
	c->pidfd = -1;
	c->stdin_fd = -1;
	snprintf(c->finished_at, sizeof(c->finished_at), "0001-01-01T00:00:00Z");
	snprintf(c->started_at, sizeof(c->started_at), "0001-01-01T00:00:00Z");
	ctr_dir(d, c, dir, sizeof(dir));
	snprintf(c->log_path, sizeof(c->log_path), "%s/container.log", dir);
	if (mkdir_p(dir, 0700, err)) {
		ctr_free(c);
		*status = 500;
		return tug_err_wrap(err, "create container");
	}
	/*
	 * Not saved yet: the caller saves once the image, networks and volumes
	 * are checked (one atomic write per create, not two). A crash before
	 * that leaves a directory without its record: sweep_partial() at start.
	 */
	c->next = d->containers;
	d->containers = c;
	*out = c;
	return 0;
}

int ctr_save(struct daemon *d, struct container *c)
{
	_cleanup_json_ cJSON *j = cJSON_CreateObject();
	cJSON *st = cJSON_AddObjectToObject(j, "State");
	char dir[600];
	struct tug_err err;
	int rc;

	cJSON_AddStringToObject(j, "Id", c->id);
	cJSON_AddStringToObject(j, "Name", c->name);
	cJSON_AddStringToObject(j, "Created", c->created);
	cJSON_AddStringToObject(j, "ImageName", c->image);
	cJSON_AddStringToObject(j, "Image", c->image_id);
	cJSON_AddItemToObject(j, "Config", cJSON_Duplicate(c->config, true));
	cJSON_AddItemToObject(j, "HostConfig", cJSON_Duplicate(c->host_config, true));
	cJSON_AddNumberToObject(j, "RestartCount", c->restart_count);
	cJSON_AddStringToObject(st, "Status", ctr_state_name(c->state));
	cJSON_AddNumberToObject(st, "Pid", c->pid);
	cJSON_AddNumberToObject(st, "ExitCode", c->exit_code);
	cJSON_AddBoolToObject(st, "OOMKilled", c->oom_killed);
	cJSON_AddStringToObject(st, "StartedAt", c->started_at);
	cJSON_AddStringToObject(st, "FinishedAt", c->finished_at);
	cJSON_AddStringToObject(st, "Error", c->error);
	cJSON_AddBoolToObject(st, "StoppedByUser", c->stopped_by_user);
	ctr_dir(d, c, dir, sizeof(dir));
	if (mkdir_p(dir, 0700, &err))
		return -1;
	char path[700];

	snprintf(path, sizeof(path), "%s/config.v2.json", dir);
	ctr_volatile_begin(c);
	rc = json_write_file(AT_FDCWD, path, j, &err);
	ctr_volatile_end(c);
	if (rc) {
		tug_err_print(&err);
		return -1;
	}
	return 0;
}

static struct container *load_one(struct daemon *d, const char *id)
{
	char path[700];
	struct tug_err err;
	_cleanup_json_ cJSON *j = NULL;
	struct container *c;
	const cJSON *st;
	const char *s;
	struct restart_policy pol;
	const cJSON *rp, *max;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", d->cfg.state_dir, id);
	j = json_parse_file(path, 1 << 20, &err);
	if (!j) {
		tug_err_print(&err);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pidfd = -1;
	c->stdin_fd = -1;
#define COPY(field, key)                                                      \
	s = cJSON_GetStringValue(cJSON_GetObjectItem(j, key));                \
	snprintf(c->field, sizeof(c->field), "%s", s ? s : "")
	COPY(id, "Id");
	COPY(name, "Name");
	COPY(created, "Created");
	COPY(image, "ImageName");
	COPY(image_id, "Image");
	c->config = cJSON_DetachItemFromObject(j, "Config");
	c->host_config = cJSON_DetachItemFromObject(j, "HostConfig");
	if (!c->config)
		c->config = cJSON_CreateObject();
	if (!c->host_config)
		c->host_config = cJSON_CreateObject();
	c->restart_count = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "RestartCount"));
	st = cJSON_GetObjectItem(j, "State");
	s = cJSON_GetStringValue(cJSON_GetObjectItem(st, "Status"));
	c->state = s && ctr_state_parse(s) >= 0 ? (enum ctr_state)ctr_state_parse(s) : CS_EXITED;
	c->pid = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "Pid"));
	c->exit_code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "ExitCode"));
	c->oom_killed = cJSON_IsTrue(cJSON_GetObjectItem(st, "OOMKilled"));
	s = cJSON_GetStringValue(cJSON_GetObjectItem(st, "StartedAt"));
	snprintf(c->started_at, sizeof(c->started_at), "%s", s ? s : "");
	s = cJSON_GetStringValue(cJSON_GetObjectItem(st, "FinishedAt"));
	snprintf(c->finished_at, sizeof(c->finished_at), "%s", s ? s : "");
	c->stopped_by_user = cJSON_IsTrue(cJSON_GetObjectItem(st, "StoppedByUser"));
	rp = cJSON_GetObjectItem(c->host_config, "RestartPolicy");
	/*
	 * MaximumRetryCount is optional (tug apply leaves it out): a missing
	 * one is 0, not (int)NAN, which failed the parse and dropped the
	 * policy, so an "always" container was not restarted after a reboot.
	 */
	max = cJSON_GetObjectItem(rp, "MaximumRetryCount");
	if (!restart_policy_parse(cJSON_GetStringValue(cJSON_GetObjectItem(rp, "Name")),
				  cJSON_IsNumber(max) ? (int)max->valuedouble : 0, &pol, &err))
		c->policy = pol;
	c->auto_remove = cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "AutoRemove"));
	c->tty = cJSON_IsTrue(cJSON_GetObjectItem(c->config, "Tty"));
	snprintf(c->log_path, sizeof(c->log_path), "%s/containers/%s/container.log",
		 d->cfg.state_dir, c->id);
	return c;
}

/*
 * A directory without its config is what a crash leaves of a create (made
 * the directory, not yet the record) or of a remove (record gone, tree half
 * removed): finish removing it, with its rootfs mount, runtime state and
 * image lease. Returns true when id was such a leftover.
 */
static bool sweep_partial(struct daemon *d, const char *id)
{
	struct container tmp = { .pidfd = -1, .stdin_fd = -1 };
	char dir[600], path[700];
	struct stat sb;
	struct image_store st;
	struct tug_err err;

	snprintf(dir, sizeof(dir), "%s/containers/%s", d->cfg.state_dir, id);
	snprintf(path, sizeof(path), "%s/config.v2.json", dir);
	/* Empty: an AutoRemove container's record (never fsynced) cut by a power loss. */
	if (stat(path, &sb) ? errno != ENOENT : sb.st_size > 0)
		return false;
	fprintf(stderr, "tugd: removing %.12s, a container a crash left half made or half removed\n",
		id);
	snprintf(tmp.id, sizeof(tmp.id), "%s", id);
	bundle_cleanup(d, &tmp);
	oci_runtime_delete(d->oci_root, id, true, &err);
	if (!image_store_open(&st, &err)) {
		image_lease_remove(&st, id, &err);
		image_store_close(&st);
	}
	if (remove_tree(AT_FDCWD, dir, &err))
		tug_err_print(&err);
	return true;
}

/*
 * An AutoRemove container's start is not written down (ctr_transition):
 * its record says created, which is one atomic write less on every
 * `run --rm`. Whether it started is for the keeper to say (its exit
 * record, or the pid it runs), or, when the keeper is not the one that
 * started it (it died), the OCI runtime's state. Started: it goes on as a
 * running container, which ctr_adopt() resolves as any other.
 */
static void find_unrecorded_start(struct daemon *d, struct container *c)
{
	struct oci_state st;
	struct tug_err err;
	char fin[40];
	int code;
	pid_t pid = 0;
	bool exited;

	if (!c->auto_remove || c->state != CS_CREATED)
		return;
	exited = !keeper_query(d, c->id, &pid, &code, fin, &err);
	if (!exited)
		pid = keeper_pid(d, c->id);
	if (!oci_state_load(d->oci_root, c->id, &st, &err)) {
		if (pid <= 0 && !exited && strcmp(oci_state_status(&st), "stopped"))
			pid = st.pid;
		if (st.created && (exited || pid > 0))
			snprintf(c->started_at, sizeof(c->started_at), "%s", st.created);
		oci_state_free(&st);
	}
	if (!exited && pid <= 0)
		return; /* never started: removed by ctr_adopt() */
	c->pid = pid;
	c->state = CS_RUNNING;
}

/* Run-dir parts (ctr_run_dir) of containers that are no more: a crash cut their removal. */
static void sweep_run_dirs(struct daemon *d)
{
	char dir[600];
	struct tug_err err;
	struct dirent *de;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/containers", d->cfg.run_dir);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((de = readdir(dp))) {
		bool known = false;

		if (de->d_name[0] == '.')
			continue;
		for (struct container *c = d->containers; c && !known; c = c->next)
			known = !strcmp(c->id, de->d_name);
		if (!known && remove_tree(dirfd(dp), de->d_name, &err) < 0)
			tug_err_print(&err);
	}
	closedir(dp);
}

int ctr_load_all(struct daemon *d, struct tug_err *err)
{
	char dir[600];
	DIR *dp;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/containers", d->cfg.state_dir);
	if (mkdir_p(dir, 0700, err))
		return -1;
	if (sweep_gone(dir, err) < 0)
		tug_err_print(err); /* a removal a crash interrupted: not fatal */
	dp = opendir(dir);
	if (!dp)
		return tug_err_sys(err, "open %s", dir);
	while ((de = readdir(dp))) {
		struct container *c;

		if (strlen(de->d_name) != 64)
			continue;
		if (sweep_partial(d, de->d_name))
			continue;
		c = load_one(d, de->d_name);
		if (!c)
			continue;
		c->next = d->containers;
		d->containers = c;
		find_unrecorded_start(d, c);
		ctr_adopt(d, c);
	}
	closedir(dp);
	sweep_run_dirs(d);
	return 0;
}

void ctr_free(struct container *c)
{
	if (!c)
		return;
	cJSON_Delete(c->config);
	cJSON_Delete(c->host_config);
	cJSON_Delete(c->create_warnings);
	health_free(c->health);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->stdin_fd >= 0)
		close(c->stdin_fd);
	free(c);
}

int ctr_transition(struct daemon *d, struct container *c, enum ctr_event e)
{
	int next = ctr_state_next(c->state, e);

	if (next < 0) {
		fprintf(stderr, "tugd: container %.12s: %s refused in state %s\n", c->id,
			ctr_event_name(e), ctr_state_name(c->state));
		return -1;
	}
	fprintf(stderr, "tugd: container %.12s: %s -> %s (%s)\n", c->id, ctr_state_name(c->state),
		ctr_state_name((enum ctr_state)next), ctr_event_name(e));
	c->state = (enum ctr_state)next;
	/* An AutoRemove container's start is found again from the keeper (find_unrecorded_start). */
	if (next != CS_DEAD && !(c->auto_remove && e == CE_START && next == CS_RUNNING))
		ctr_save(d, c);
	return 0;
}
