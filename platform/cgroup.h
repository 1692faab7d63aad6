/*
 * cgroup v2 for containers. The backend is chosen once: "v2" when a
 * usable cgroup2 mount exists, "none" otherwise. With "none" (or an empty
 * path) every call is a no-op success, except a request for limits, which
 * fails naming the missing controller, and freezing, which fails because a
 * paused container that keeps running would be a lie.
 */
#ifndef TUG_CGROUP_H
#define TUG_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

int cgroup_validate_oci(const cJSON *resources, struct tug_err *err);
/*
 * Whether a container's cgroup can get this v2 controller ("memory",
 * "pids", "cpu", "cpuset", "io"): the cgroup2 root lists it (tug enables
 * every listed one down its tree). False without a cgroup2 mount.
 */
bool cgroup_controller_usable(const char *controller);
/*
 * Creates the cgroup for id at cgroups_path (absolute or relative to tug's
 * root, default "/tug/<id>"), applies linux.resources, returns its full path
 * in out (empty when the host has no usable v2 tree and no limits were
 * asked; if limits were asked and the needed v2 controller is missing, fails
 * naming the controller: "linux.resources.memory: cgroup v2 controller
 * 'memory' not available").
 */
int cgroup_create_oci(const char *cgroups_path, const char *id, const cJSON *resources, char *out,
		      size_t outsz, struct tug_err *err);
int cgroup_enter(const char *path, pid_t pid, struct tug_err *err);
int cgroup_update_oci(const char *path, const cJSON *resources, struct tug_err *err);
int cgroup_freeze(const char *path, bool frozen, struct tug_err *err);
int cgroup_kill_all(const char *path, int sig, struct tug_err *err);
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct tug_err *err);
int cgroup_destroy(const char *path, struct tug_err *err);

struct cgroup_stats {
	uint64_t mem_current, mem_max, mem_peak, cpu_usage_usec, pids_current;
	bool oom_killed;
};
int cgroup_stats(const char *path, struct cgroup_stats *st, struct tug_err *err);

#endif
