/*
 * CPU time from /proc for docker stats, where no cgroup counts it (hosts
 * whose cgroup v2 tree is empty, containers run without a cgroup): the
 * container's processes' utime + stime + cutime + cstime (cutime holds what
 * reaped children used), and the whole system's time from /proc/stat, the
 * two numbers docker's CPU % is computed from.
 */
#ifndef TUG_PROCSTAT_H
#define TUG_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Pure parsers (unit-tested). Clock ticks; -1 when malformed. */
int procstat_task_ticks(const char *stat_text, uint64_t *ticks);
/* The "cpu" line summed (user .. steal) and the number of "cpuN" lines. */
int procstat_system_ticks(const char *text, uint64_t *ticks, unsigned *ncpu);

/* Sum over pids in ns; processes that are gone count 0. */
uint64_t procstat_pids_ns(const pid_t *pids, size_t n);
/* System CPU time in ns and the online CPUs; -1 when /proc/stat cannot be read. */
int procstat_system_ns(uint64_t *ns, unsigned *ncpu);

#endif
