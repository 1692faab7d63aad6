/*
 * A container's Docker HostConfig limits as OCI linux.resources: Memory,
 * MemorySwap (memory+swap, -1 unlimited), MemoryReservation, NanoCpus or
 * CpuQuota/CpuPeriod, CpuShares, CpusetCpus/Mems, PidsLimit, BlkioWeight.
 * Zero or absent fields are left out. Pure; a new object.
 */
#ifndef TUG_DAEMON_RESOURCES_H
#define TUG_DAEMON_RESOURCES_H

#include <cjson/cJSON.h>

cJSON *hostconfig_resources(const cJSON *hc);

#endif
