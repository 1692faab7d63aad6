/* Docker HostConfig limits -> OCI linux.resources (create, start, docker update). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/daemon/resources.h"
#include "platform/cleanup.h"

static double num(const cJSON *hc, const char *key)
{
	double v = cJSON_GetNumberValue(cJSON_GetObjectItem(hc, key));

	return isnan(v) ? 0 : v; /* NAN when absent */
}

cJSON *hostconfig_resources(const cJSON *hc)
{
	cJSON *r = cJSON_CreateObject(), *m = NULL, *cpu = NULL;
	const char *s;

	if (num(hc, "Memory") > 0 || num(hc, "MemoryReservation") > 0) {
		m = cJSON_AddObjectToObject(r, "memory");
		if (num(hc, "Memory") > 0) {
			cJSON_AddNumberToObject(m, "limit", num(hc, "Memory"));
			if (num(hc, "MemorySwap") > 0 || num(hc, "MemorySwap") == -1)
				cJSON_AddNumberToObject(m, "swap", num(hc, "MemorySwap"));
		}
		if (num(hc, "MemoryReservation") > 0)
			cJSON_AddNumberToObject(m, "reservation", num(hc, "MemoryReservation"));
	}
	if (num(hc, "PidsLimit") > 0)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(r, "pids"), "limit", num(hc, "PidsLimit"));
	cpu = cJSON_CreateObject();
	if (num(hc, "NanoCpus") > 0) {
		cJSON_AddNumberToObject(cpu, "quota", (double)(int64_t)(num(hc, "NanoCpus") / 1e9 * 100000));
		cJSON_AddNumberToObject(cpu, "period", 100000);
	} else if (num(hc, "CpuQuota") > 0 || num(hc, "CpuPeriod") > 0) {
		if (num(hc, "CpuQuota") > 0)
			cJSON_AddNumberToObject(cpu, "quota", num(hc, "CpuQuota"));
		if (num(hc, "CpuPeriod") > 0)
			cJSON_AddNumberToObject(cpu, "period", num(hc, "CpuPeriod"));
	}
	if (num(hc, "CpuShares") > 0)
		cJSON_AddNumberToObject(cpu, "shares", num(hc, "CpuShares"));
	s = cJSON_GetStringValue(cJSON_GetObjectItem(hc, "CpusetCpus"));
	if (s && *s)
		cJSON_AddStringToObject(cpu, "cpus", s);
	s = cJSON_GetStringValue(cJSON_GetObjectItem(hc, "CpusetMems"));
	if (s && *s)
		cJSON_AddStringToObject(cpu, "mems", s);
	if (cpu->child)
		cJSON_AddItemToObject(r, "cpu", cpu);
	else
		cJSON_Delete(cpu);
	if (num(hc, "BlkioWeight") > 0)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(r, "blockIO"), "weight",
					num(hc, "BlkioWeight"));
	return r;
}

/*
 * dockerd's texts (daemon_unix.go), so that the docker CLI's "WARNING: ..."
 * reads the same. NanoCpus: dockerd refuses it; tug discards it like the
 * others, so that a boot manifest written for a bigger kernel still starts.
 */
static const struct {
	const char *field, *controller, *warning;
} limits[] = {
	{"Memory", "memory",
	 "Your kernel does not support memory limit capabilities or the cgroup is not mounted. "
	 "Limitation discarded."},
	{"MemoryReservation", "memory",
	 "Your kernel does not support memory soft limit capabilities or the cgroup is not "
	 "mounted. Limitation discarded."},
	{"MemorySwap", "memory",
	 "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
	 "Memory limited without swap."},
	{"PidsLimit", "pids",
	 "Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. "
	 "PIDs limit discarded."},
	{"CpuShares", "cpu",
	 "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded."},
	{"CpuPeriod", "cpu",
	 "Your kernel does not support CPU cfs period or the cgroup is not mounted. Period "
	 "discarded."},
	{"CpuQuota", "cpu",
	 "Your kernel does not support CPU cfs quota or the cgroup is not mounted. Quota "
	 "discarded."},
	{"NanoCpus", "cpu",
	 "Your kernel does not support CPU CFS scheduler or the cgroup is not mounted. NanoCPUs "
	 "discarded."},
	{"CpusetCpus", "cpuset",
	 "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded."},
	{"CpusetMems", "cpuset",
	 "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded."},
	{"BlkioWeight", "io",
	 "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
	 "discarded."},
};

static bool limit_set(const cJSON *hc, const char *field)
{
	const cJSON *v = cJSON_GetObjectItem(hc, field);

	if (cJSON_IsString(v))
		return *v->valuestring;
	/* MemorySwap -1 is "unlimited": nothing to enforce. */
	return num(hc, field) > 0;
}

static bool has_warning(const cJSON *warnings, const char *text)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, warnings)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, text))
			return true;
	return false;
}

int hostconfig_discard_unusable(cJSON *hc, cJSON *warnings, bool (*usable)(const char *))
{
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		cJSON *v = cJSON_GetObjectItem(hc, limits[i].field);

		if (!limit_set(hc, limits[i].field) || usable(limits[i].controller))
			continue;
		cJSON_ReplaceItemInObject(hc, limits[i].field, cJSON_IsString(v)
								   ? cJSON_CreateString("")
								   : cJSON_CreateNumber(0));
		if (warnings && !has_warning(warnings, limits[i].warning))
			cJSON_AddItemToArray(warnings, cJSON_CreateString(limits[i].warning));
		n++;
	}
	return n;
}
