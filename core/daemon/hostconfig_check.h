/*
 * Docker HostConfig fields mapped by core/daemon/hostspec.c, checked
 * without the host: Ulimits, OomScoreAdj, Sysctls, DeviceCgroupRules,
 * PidMode/IpcMode/UTSMode. Each returns <0 with a message naming the field.
 */
#ifndef TUG_DAEMON_HOSTCONFIG_CHECK_H
#define TUG_DAEMON_HOSTCONFIG_CHECK_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "platform/err.h"

/*
 * At create (400): Ulimits names and soft <= hard, OomScoreAdj's range,
 * Sysctls that would reach the host (net.* with NetworkMode host, ipc ones
 * with IpcMode host), DeviceCgroupRules' format, the namespace modes.
 */
int hostconfig_check(const cJSON *hc, struct tug_err *err);

/* Ulimits[i] {Name, Soft, Hard}; a value as OCI wants it (-1: 2^64-1, unlimited). */
int hostconfig_check_ulimit(const cJSON *it, int i, struct tug_err *err);
double hostconfig_ulimit_value(const cJSON *v);
int hostconfig_check_oom(const cJSON *oom, struct tug_err *err);
/* Sysctls' member it, with the network and ipc namespaces the host's or not. */
int hostconfig_check_sysctl(const cJSON *it, bool host_net, bool host_ipc, struct tug_err *err);
/* "rwm" or a part of it. */
bool hostconfig_access_ok(const char *a);
/* "c 1:3 rwm": type a, b or c; major, minor -1 for '*'. */
int hostconfig_parse_cgroup_rule(const cJSON *it, char *type, long *major, long *minor,
				 char access[8], struct tug_err *err);
/* field's mode for namespace type (pid, ipc, uts): "", host, container:X, ipc private/shareable. */
int hostconfig_check_ns_mode(const char *mode, const char *field, const char *type,
			     struct tug_err *err);

#endif
