/*
 * linux.resources -> the cgroup v2 files to write, as a plain list. Pure
 * logic (no file system), so the mapping runc and crun users rely on is
 * unit-tested: cpu.shares 1024 -> cpu.weight 100, swap as limit+swap, ...
 */
#ifndef TUG_CGROUP_RESOURCES_H
#define TUG_CGROUP_RESOURCES_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

struct cgroup_write {
	const char *field;   /* "linux.resources.memory", for errors */
	char controller[32]; /* "memory"; "cgroup" for core files */
	char file[64];	     /* "memory.max" */
	char value[256];     /* "67108864" */
};

struct cgroup_writes {
	struct cgroup_write *v;
	size_t n, cap;
};

void cgroup_writes_free(struct cgroup_writes *w);
/* Validates and maps resources (NULL = nothing); linux.resources.devices is
 * not included (see cgroup_devices.h). On error w is freed. */
int cgroup_resources_map(const cJSON *resources, struct cgroup_writes *w, struct tug_err *err);
/* crun's and runc's mapping of cpu.shares [2..262144] to cpu.weight [1..10000]. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
/* blkio weight [10..1000] to io.weight [1..10000]. */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

#endif
