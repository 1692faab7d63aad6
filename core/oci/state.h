/*
 * A container's record under root/<id>/state.json, written atomically.
 * The status is not stored: it is read from the world each time, as runc
 * does (exec.fifo present = created, init alive = running, else stopped;
 * paused is the one flag kept, set by pause and cleared by resume).
 */
#ifndef TUG_OCI_STATE_H
#define TUG_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

#define OCI_STATE_FILE "state.json"
#define OCI_EXEC_FIFO "exec.fifo"

struct oci_state {
	char id[256];
	char dir[PATH_MAX]; /* root/<id> */
	pid_t pid;
	uint64_t start_time; /* of the init, guards against pid reuse */
	bool paused;
	char cgroup[PATH_MAX]; /* empty: no cgroup */
	cJSON *json;	       /* the whole record (owns the strings below) */
	const char *bundle, *rootfs, *created, *version;
	const cJSON *annotations, *hooks;
};

int oci_state_dir(const char *root, const char *id, char *out, size_t outsz, struct tug_err *err);
/* Load root/<id>/state.json; ENOENT -> "container <id> does not exist". */
int oci_state_load(const char *root, const char *id, struct oci_state *st, struct tug_err *err);
int oci_state_save(const struct oci_state *st, struct tug_err *err);
/* Write a state record to path: atomic, not fsynced (runtime state, tmpfs). */
int oci_state_write(const char *path, const cJSON *json, struct tug_err *err);
void oci_state_free(struct oci_state *st);
/* "created", "running", "paused" or "stopped". */
const char *oci_state_status(const struct oci_state *st);
/* runc's state JSON (status filled in); the caller frees it. */
cJSON *oci_state_public(const struct oci_state *st, const char *status);
/* "2026-11-28T17:46:59.123456789Z" */
void oci_state_timestamp(char *buf, size_t sz);

#endif
