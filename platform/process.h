/*
 * The last steps before a container's process runs: identity, limits,
 * kernel parameters, and finding the program on the container's PATH.
 * Plus the small /proc reads that tell whether a pid is still the process
 * we started (pids are reused).
 */
#ifndef TUG_PROCESS_H
#define TUG_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

struct process_rlimit {
	int resource;
	uint64_t soft, hard;
};

int process_set_rlimits(const struct process_rlimit *r, size_t n, struct tug_err *err);
int process_set_oom_score_adj(int adj, struct tug_err *err);
/* "net.ipv4.ip_forward" -> /proc/sys/net/ipv4/ip_forward */
int process_set_sysctl(const char *name, const char *value, struct tug_err *err);
int process_set_hostname(const char *hostname, const char *domainname, struct tug_err *err);
/* setgroups, setresgid, setresuid (groups only when allowed: setgroups may be denied). */
int process_set_user(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
		     struct tug_err *err);
int process_set_no_new_privs(struct tug_err *err);
/*
 * Every signal back to its default action, none blocked: what an engine
 * ignores (SIGPIPE) or blocks (SIGCHLD, for its signalfd) is not the
 * container's, and exec keeps both.
 */
void process_reset_signals(void);
/* args0 on the PATH of env (or the default PATH) -> out, checked executable. */
int process_find_exec(const char *args0, const char *const *env, char *out, size_t outsz,
		      struct tug_err *err);
/* Every fd above 2 + preserve gets close-on-exec; 3..2+preserve lose it. */
int process_prepare_fds(int preserve, struct tug_err *err);
/* Close every fd >= from except those in keep. */
void process_close_fds(int from, const int *keep, size_t n_keep);
/* Put fd on 0, 1 and 2 (a pty slave, or a caller's fds). */
int process_dup_stdio(const int fds[3], struct tug_err *err);
/* Field 22 of /proc/<pid>/stat (start time in ticks); 0 when gone. */
uint64_t process_start_time(pid_t pid);
/* Alive, not a zombie, and started at start_time (0 = don't check). */
bool process_alive(pid_t pid, uint64_t start_time);
/* Block until the process is gone (not a child: poll), at most timeout_ms; 0 if gone. */
int process_wait_gone(pid_t pid, uint64_t start_time, int timeout_ms);

#endif
