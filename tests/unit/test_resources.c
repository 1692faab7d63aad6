/* HostConfig limits as linux.resources: what a start and docker update write. */
#include <stdlib.h>
#include <string.h>

#include "core/daemon/resources.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "test.h"

static char *map(const char *hc_json)
{
	_cleanup_json_ cJSON *hc = cJSON_Parse(hc_json);
	_cleanup_json_ cJSON *r = hostconfig_resources(hc);

	return cJSON_PrintUnformatted(r);
}

#define MAPS(in, want)                   \
	do {                             \
		char *s_ = map(in);      \
		CHECK_STR(s_, want);     \
		free(s_);                \
	} while (0)

TEST(nothing_set_is_empty)
{
	MAPS("{}", "{}");
	MAPS("{\"Memory\":0,\"NanoCpus\":0,\"PidsLimit\":0,\"CpuShares\":0,\"CpusetCpus\":\"\"}", "{}");
}

TEST(memory_swap_reservation)
{
	MAPS("{\"Memory\":67108864,\"MemorySwap\":134217728,\"MemoryReservation\":33554432}",
	     "{\"memory\":{\"limit\":67108864,\"swap\":134217728,\"reservation\":33554432}}");
	MAPS("{\"Memory\":67108864,\"MemorySwap\":-1}", "{\"memory\":{\"limit\":67108864,\"swap\":-1}}");
	/* A swap limit alone means nothing without a memory limit. */
	MAPS("{\"MemorySwap\":134217728}", "{}");
}

TEST(cpus_quota_shares_cpuset)
{
	MAPS("{\"NanoCpus\":1500000000}", "{\"cpu\":{\"quota\":150000,\"period\":100000}}");
	MAPS("{\"CpuQuota\":50000,\"CpuPeriod\":200000,\"CpuShares\":512,\"CpusetCpus\":\"0-1\",\"CpusetMems\":\"0\"}",
	     "{\"cpu\":{\"quota\":50000,\"period\":200000,\"shares\":512,\"cpus\":\"0-1\",\"mems\":\"0\"}}");
}

TEST(pids_and_blkio)
{
	MAPS("{\"PidsLimit\":50,\"BlkioWeight\":300}", "{\"pids\":{\"limit\":50},\"blockIO\":{\"weight\":300}}");
	MAPS("{\"PidsLimit\":-1}", "{}");
}

static bool only_cpu(const char *controller)
{
	return !strcmp(controller, "cpu");
}

static bool none_usable(const char *controller)
{
	(void)controller;
	return false;
}

/* What a kernel without memcg (only cpu here) cannot enforce goes, with dockerd's texts, once each. */
TEST(discard_unusable)
{
	cJSON *hc = cJSON_Parse("{\"Memory\":67108864,\"MemoryReservation\":1048576,\"MemorySwap\":-1,"
				"\"PidsLimit\":50,\"CpuShares\":512,\"CpusetCpus\":\"0\","
				"\"CpusetMems\":\"0\",\"RestartPolicy\":{\"Name\":\"always\"}}");
	cJSON *warn = cJSON_CreateArray(), *res;
	char *s;

	CHECK(hostconfig_discard_unusable(hc, warn, only_cpu) == 5);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "Memory")) == 0);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "PidsLimit")) == 0);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "CpuShares")) == 512);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "MemorySwap")) == -1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(hc, "CpusetCpus")), "");
	CHECK(cJSON_GetObjectItem(hc, "RestartPolicy") != NULL);
	/* memory limit, soft limit, pids, cpuset (one text for cpus and mems) */
	CHECK(cJSON_GetArraySize(warn) == 4);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(warn, 0)),
		  "Your kernel does not support memory limit capabilities or the cgroup is not "
		  "mounted. Limitation discarded.");
	res = hostconfig_resources(hc);
	s = cJSON_PrintUnformatted(res);
	CHECK_STR(s, "{\"cpu\":{\"shares\":512}}");
	free(s);
	cJSON_Delete(res);
	/* Nothing asked, nothing said; NULL warnings allowed. */
	CHECK(hostconfig_discard_unusable(hc, NULL, none_usable) == 1);
	CHECK(hostconfig_discard_unusable(hc, NULL, none_usable) == 0);
	cJSON_Delete(hc);
	cJSON_Delete(warn);
}

int main(void)
{
	RUN(nothing_set_is_empty);
	RUN(memory_swap_reservation);
	RUN(cpus_quota_shares_cpuset);
	RUN(pids_and_blkio);
	RUN(discard_unusable);
	return test_done();
}
