/*
 * Linux capabilities for the OCI runtime, without libcap: the five sets of
 * process.capabilities (bounding, effective, permitted, inheritable,
 * ambient) applied with prctl(2) and capset(2). Capabilities newer than the
 * running kernel (above /proc/sys/kernel/cap_last_cap) are skipped silently,
 * as runc does, so one bundle runs on old and new kernels.
 */
#ifndef TUG_CAPS_H
#define TUG_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

/* Create time: unknown cap name -> error naming it
 * ("process.capabilities.bounding: unknown capability CAP_FOO"). */
int caps_validate_oci(const cJSON *capabilities, struct tug_err *err);
/* In the container init, before changing uid/gid. */
int caps_drop_bounding_oci(const cJSON *capabilities, struct tug_err *err);
/* PR_SET_KEEPCAPS before setresuid. */
int caps_prepare_uid_change(struct tug_err *err);
/* After setresuid/setresgid: effective, permitted, inheritable, ambient;
 * NULL capabilities = drop all. */
int caps_apply_oci(const cJSON *capabilities, struct tug_err *err);

/* Helpers, exposed for tests and for `tug` commands that print caps. */
/* "CAP_NET_ADMIN" -> 12; -1 when unknown. */
int caps_from_name(const char *name);
/* 12 -> "CAP_NET_ADMIN"; NULL when out of the table. */
const char *caps_name(int cap);
/* Highest capability number this build knows. */
int caps_last_known(void);
/* Highest capability the running kernel knows (cap_last_cap), or the
 * build's own last when that file cannot be read. */
int caps_last_kernel(void);
/* Parse one set ("bounding", ...) of an OCI capabilities object into a bit
 * mask; field names the set in errors. Caps above last_cap are skipped. */
int caps_parse_set(const cJSON *capabilities, const char *set, int last_cap, uint64_t *mask,
		   struct tug_err *err);

#endif
