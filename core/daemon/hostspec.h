/*
 * Docker HostConfig fields that shape a container's OCI spec beyond its
 * resources and security: Ulimits, ShmSize, Sysctls, Devices,
 * DeviceCgroupRules, OomScoreAdj, GroupAdd, PidMode, IpcMode, UTSMode.
 */
#ifndef TUG_DAEMON_HOSTSPEC_H
#define TUG_DAEMON_HOSTSPEC_H

#include <cjson/cJSON.h>

#include "core/daemon/daemon.h"
#include "core/daemon/hostconfig_check.h" /* hostconfig_check() for create */
#include "platform/err.h"

/* Apply them to spec (make_spec's, before the network and volumes). */
int hostconfig_spec(const struct container *c, cJSON *spec, struct tug_err *err);
/* The part an exec process shares with the container's: rlimits, oom score, GroupAdd. */
int hostconfig_process(const struct container *c, cJSON *proc, struct tug_err *err);

#endif
