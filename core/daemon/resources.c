/* Docker HostConfig limits -> OCI linux.resources (create, start, docker update). */
#include <math.h>
#include <stdint.h>

#include "core/daemon/resources.h"

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
