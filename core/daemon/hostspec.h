/*
 * Docker HostConfig fields that shape a container's OCI spec beyond its
 * resources and security: Ulimits, ShmSize, Sysctls, Devices,
 * DeviceCgroupRules, OomScoreAdj, GroupAdd, PidMode, IpcMode, UTSMode.
 */
#ifndef TUG_DAEMON_HOSTSPEC_H
#define TUG_DAEMON_HOSTSPEC_H

#include <cjson/cJSON.h>

#include "core/daemon/daemon.h"
#include "platform/err.h"

/*
 * At create (400): what can be checked without the host or other
 * containers: Ulimits names and values, OomScoreAdj's range, Sysctls that
 * would reach the host (net.* with NetworkMode host, ipc ones with IpcMode
 * host), DeviceCgroupRules' format, the namespace modes.
 */
int hostconfig_check(const cJSON *hc, struct tug_err *err);
/* Apply them to spec (make_spec's, before the network and volumes). */
int hostconfig_spec(const struct container *c, cJSON *spec, struct tug_err *err);
/* The part an exec process shares with the container's: rlimits, oom score, GroupAdd. */
int hostconfig_process(const struct container *c, cJSON *proc, struct tug_err *err);

#endif
