#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/oci/spec.h"
#include "core/oci/state.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/process.h"

int oci_state_dir(const char *root, const char *id, char *out, size_t outsz, struct tug_err *err)
{
	if (oci_id_validate(id, err) < 0)
		return -1;
	if (snprintf(out, outsz, "%s/%s", root, id) >= (int)outsz)
		return tug_err_set(err, ENAMETOOLONG, "state directory for %s", id);
	return 0;
}

int oci_state_load(const char *root, const char *id, struct oci_state *st, struct tug_err *err)
{
	char path[PATH_MAX + 16];
	const char *cg = NULL;
	int64_t pid = 0;
	double start = 0;
	const cJSON *j;

	memset(st, 0, sizeof(*st));
	if (oci_state_dir(root, id, st->dir, sizeof(st->dir), err) < 0)
		return -1;
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(path, sizeof(path), "%s/" OCI_STATE_FILE, st->dir);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return tug_err_set(err, ENOENT, "container %s does not exist", id);
	st->json = json_parse_file(path, 1 << 20, err);
	if (!st->json)
		return tug_err_wrap(err, "container %s", id);
	if (json_get_int(st->json, "pid", &pid, err) < 0 ||
	    json_get_str(st->json, "bundle", &st->bundle, err) < 0 ||
	    json_get_str(st->json, "rootfs", &st->rootfs, err) < 0 ||
	    json_get_str(st->json, "created", &st->created, err) < 0 ||
	    json_get_str(st->json, "ociVersion", &st->version, err) < 0 ||
	    json_get_str(st->json, "cgroup", &cg, err) < 0 ||
	    json_get_bool(st->json, "paused", &st->paused, err) < 0) {
		oci_state_free(st);
		return tug_err_wrap(err, "container %s: state", id);
	}
	j = cJSON_GetObjectItemCaseSensitive(st->json, "initStartTime");
	if (cJSON_IsNumber(j))
		start = j->valuedouble;
	st->pid = (pid_t)pid;
	st->start_time = (uint64_t)start;
	snprintf(st->cgroup, sizeof(st->cgroup), "%s", cg ? cg : "");
	st->annotations = cJSON_GetObjectItemCaseSensitive(st->json, "annotations");
	st->hooks = cJSON_GetObjectItemCaseSensitive(st->json, "hooks");
	return 0;
}

/*
 * The state of a live container, in the runtime's root (/run: tmpfs): it
 * describes processes a power cut kills, so it is written atomically (a
 * crashed runtime leaves the old record or the new one) but not fsynced,
 * as runc and crun do. The fsyncs cost milliseconds on every start when
 * the root is on a disk.
 */
int oci_state_write(const char *path, const cJSON *json, struct tug_err *err)
{
	int ret;

	fsutil_volatile_begin();
	ret = json_write_file(AT_FDCWD, path, json, err);
	fsutil_volatile_end();
	return ret;
}

int oci_state_save(const struct oci_state *st, struct tug_err *err)
{
	char path[PATH_MAX + 16];

	cJSON_DeleteItemFromObjectCaseSensitive(st->json, "paused");
	cJSON_AddBoolToObject(st->json, "paused", st->paused);
	snprintf(path, sizeof(path), "%s/" OCI_STATE_FILE, st->dir);
	return oci_state_write(path, st->json, err);
}

void oci_state_free(struct oci_state *st)
{
	if (st->json)
		cJSON_Delete(st->json);
	st->json = NULL;
}

const char *oci_state_status(const struct oci_state *st)
{
	char fifo[PATH_MAX + 16];

	if (!process_alive(st->pid, st->start_time))
		return "stopped";
	snprintf(fifo, sizeof(fifo), "%s/" OCI_EXEC_FIFO, st->dir);
	if (access(fifo, F_OK) == 0)
		return "created";
	return st->paused ? "paused" : "running";
}

cJSON *oci_state_public(const struct oci_state *st, const char *status)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "ociVersion", st->version ? st->version : "1.2.0");
	cJSON_AddStringToObject(j, "id", st->id);
	cJSON_AddNumberToObject(j, "pid", strcmp(status, "stopped") ? st->pid : 0);
	cJSON_AddStringToObject(j, "status", status);
	cJSON_AddStringToObject(j, "bundle", st->bundle ? st->bundle : "");
	cJSON_AddStringToObject(j, "rootfs", st->rootfs ? st->rootfs : "");
	cJSON_AddStringToObject(j, "created", st->created ? st->created : "");
	if (st->annotations && cJSON_GetArraySize(st->annotations))
		cJSON_AddItemToObject(j, "annotations", cJSON_Duplicate(st->annotations, 1));
	cJSON_AddStringToObject(j, "owner", "");
	return j;
}

void oci_state_timestamp(char *buf, size_t sz)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sz, "%s.%09ldZ", base, ts.tv_nsec);
}
