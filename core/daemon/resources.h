/*
 * A container's Docker HostConfig limits as OCI linux.resources: Memory,
 * MemorySwap (memory+swap, -1 unlimited), MemoryReservation, NanoCpus or
 * CpuQuota/CpuPeriod, CpuShares, CpusetCpus/Mems, PidsLimit, BlkioWeight.
 * Zero or absent fields are left out. Pure; a new object.
 */
#ifndef TUG_DAEMON_RESOURCES_H
#define TUG_DAEMON_RESOURCES_H

#include <stdbool.h>

#include <cjson/cJSON.h>

cJSON *hostconfig_resources(const cJSON *hc);

/*
 * The limits of hc whose cgroup v2 controller usable() says containers
 * cannot get (a kernel without CONFIG_MEMCG, controllers held by cgroup v1,
 * no cgroup2 mount) are set to 0 (or "") in hc, with dockerd's warning for
 * each appended to warnings (once; may be NULL): as dockerd, the container
 * runs without them instead of failing. Returns how many were discarded.
 * usable is cgroup_controller_usable outside tests.
 */
int hostconfig_discard_unusable(cJSON *hc, cJSON *warnings, bool (*usable)(const char *));

#endif
