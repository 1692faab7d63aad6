/*
 * Checks of Docker HostConfig fields that need no host look-up and no other
 * container: pure, shared by create (hostconfig_check, a 400) and the spec
 * mapping at start (core/daemon/hostspec.c). Messages name the field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon/hostconfig_check.h"
#include "platform/cleanup.h"

static const char *const ulimit_names[] = {
    "as",   "core",   "cpu",   "data", "fsize",	 "locks",  "memlock",	 "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

double hostconfig_ulimit_value(const cJSON *v)
{
	/* -1 is unlimited; 2^64 rounds to what the runtime reads as RLIM_INFINITY. */
	return v->valuedouble < 0 ? 18446744073709551615.0 : v->valuedouble;
}

int hostconfig_check_ulimit(const cJSON *it, int i, struct tug_err *err)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "Name"));
	const cJSON *soft = cJSON_GetObjectItem(it, "Soft");
	const cJSON *hard = cJSON_GetObjectItem(it, "Hard");
	size_t k;

	for (k = 0; name && k < ARRAY_SIZE(ulimit_names); k++)
		if (!strcmp(name, ulimit_names[k]))
			break;
	if (!name || k == ARRAY_SIZE(ulimit_names))
		return tug_err_set(err, EINVAL,
				   "HostConfig.Ulimits[%d].Name: invalid ulimit type: %s", i,
				   name ? name : "(none)");
	if (!cJSON_IsNumber(soft) || !cJSON_IsNumber(hard))
		return tug_err_set(err, EINVAL,
				   "HostConfig.Ulimits[%d]: Soft and Hard must be numbers", i);
	if (hostconfig_ulimit_value(soft) > hostconfig_ulimit_value(hard))
		return tug_err_set(err, EINVAL,
				   "HostConfig.Ulimits[%d]: ulimit soft limit must be less than or "
				   "equal to hard limit",
				   i);
	return 0;
}

int hostconfig_check_oom(const cJSON *oom, struct tug_err *err)
{
	if (cJSON_IsNumber(oom) && (oom->valuedouble < -1000 || oom->valuedouble > 1000))
		return tug_err_set(err, EINVAL,
				   "HostConfig.OomScoreAdj: Invalid value %.0f, range for oom "
				   "score adj is [-1000, 1000]",
				   oom->valuedouble);
	return 0;
}

static bool ipc_sysctl(const char *k)
{
	static const char *const names[] = {
	    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(k, names[i]))
			return true;
	return !strncmp(k, "fs.mqueue.", 10);
}

int hostconfig_check_sysctl(const cJSON *it, bool host_net, bool host_ipc, struct tug_err *err)
{
	if (!it->string)
		return tug_err_set(err, EINVAL, "HostConfig.Sysctls: expected an object");
	if (!cJSON_IsString(it))
		return tug_err_set(err, EINVAL, "HostConfig.Sysctls.%s: expected a string",
				   it->string);
	if (!strncmp(it->string, "net.", 4) && host_net)
		return tug_err_set(
		    err, EINVAL, "sysctl \"%s\" not allowed in host network namespace", it->string);
	if (ipc_sysctl(it->string) && host_ipc)
		return tug_err_set(err, EINVAL, "sysctl \"%s\" not allowed in host ipc namespace",
				   it->string);
	return 0;
}

bool hostconfig_access_ok(const char *a)
{
	return *a && strspn(a, "rwm") == strlen(a) && strlen(a) <= 3;
}

/* "c 1:3 rwm", "a *:* rwm", "b 8:* r"; -1 for '*' */
int hostconfig_parse_cgroup_rule(const cJSON *it, char *type, long *ma, long *mi, char acc[8],
				 struct tug_err *err)
{
	const char *s = cJSON_GetStringValue(it);
	char maj[16], min[16], end;

	if (!s || sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s %c", type, maj, min, acc, &end) != 4 ||
	    !strchr("abc", *type) || !hostconfig_access_ok(acc) ||
	    (strchr(maj, '*') && strcmp(maj, "*")) || (strchr(min, '*') && strcmp(min, "*")))
		return tug_err_set(err, EINVAL, "invalid device cgroup rule format: '%s'",
				   s ? s : "");
	*ma = strcmp(maj, "*") ? atol(maj) : -1;
	*mi = strcmp(min, "*") ? atol(min) : -1;
	return 0;
}

int hostconfig_check_ns_mode(const char *mode, const char *field, const char *type,
			     struct tug_err *err)
{
	if (!mode || !*mode || !strcmp(mode, "host") ||
	    (!strcmp(type, "ipc") && (!strcmp(mode, "private") || !strcmp(mode, "shareable"))) ||
	    (strcmp(type, "uts") && !strncmp(mode, "container:", 10) && mode[10]))
		return 0;
	return tug_err_set(err, EINVAL, "HostConfig.%s: invalid %s mode: %s", field, type, mode);
}

int hostconfig_check(const cJSON *hc, struct tug_err *err)
{
	const char *net = cJSON_GetStringValue(cJSON_GetObjectItem(hc, "NetworkMode"));
	const char *ipc = cJSON_GetStringValue(cJSON_GetObjectItem(hc, "IpcMode"));
	static const char *const ns[][2] = {
	    {"PidMode", "pid"}, {"IpcMode", "ipc"}, {"UTSMode", "uts"}};
	const cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItem(hc, "Ulimits")) if (hostconfig_check_ulimit(it, i++, err) <
							0) return -1;
	if (hostconfig_check_oom(cJSON_GetObjectItem(hc, "OomScoreAdj"), err) < 0)
		return -1;
	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItem(
		    hc, "Sysctls")) if (hostconfig_check_sysctl(it, net && !strcmp(net, "host"),
								ipc && !strcmp(ipc, "host"),
								err) < 0) return -1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(hc, "DeviceCgroupRules"))
	{
		char type, acc[8];
		long ma, mi;

		if (hostconfig_parse_cgroup_rule(it, &type, &ma, &mi, acc, err) < 0)
			return -1;
	}
	for (size_t k = 0; k < ARRAY_SIZE(ns); k++)
		if (hostconfig_check_ns_mode(
			cJSON_GetStringValue(cJSON_GetObjectItem(hc, ns[k][0])), ns[k][0], ns[k][1],
			err) < 0)
			return -1;
	return 0;
}
