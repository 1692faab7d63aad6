/*
 * linux.resources.devices -> an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, the only device control cgroup v2 has.
 * Written without libbpf: the program is a short list of compares.
 *
 * Semantics (as runc): the last matching rule wins, nothing matched means
 * deny. An allow rule matches when the request's access is within the
 * rule's ("rw" allows "r"); a deny rule matches when they overlap. When any
 * rule is given, the devices every container gets (/dev/null, zero, full,
 * random, urandom, tty, console, ptmx, pts) are allowed after them.
 */
#ifndef TUG_CGROUP_DEVICES_H
#define TUG_CGROUP_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

/* Build the program; *n = 0 and *insns = NULL when devices is absent or
 * empty (no program: no device restriction, as with runc). */
int cgroup_devices_program(const cJSON *devices, struct bpf_insn **insns, size_t *n,
			   struct tug_err *err);
/* Load it and attach it to the cgroup directory fd, replacing the programs
 * tug attached before (update). */
int cgroup_devices_attach(int cgroup_fd, const struct bpf_insn *insns, size_t n,
			  struct tug_err *err);

#endif
