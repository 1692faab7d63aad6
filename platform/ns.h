/*
 * Namespaces: create them (clone), join them by path (setns), and give a
 * new user namespace its uid/gid maps from the parent side.
 */
#ifndef TUG_NS_H
#define TUG_NS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

struct ns_idmap {
	uint32_t container_id, host_id, size;
};

/*
 * fork(2) that also creates the namespaces in flags (CLONE_NEW*, not
 * CLONE_NEWTIME, which clone(2) cannot take). Returns 0 in the child, the
 * pid in the parent, -1 with err set.
 */
pid_t ns_clone(unsigned long flags, struct tug_err *err);
/*
 * Same, born straight into the cgroup directory cgroup_dir (clone3 with
 * CLONE_INTO_CGROUP): moving a process later costs milliseconds of RCU
 * grace period. Returns -2 (err untouched) when the kernel lacks clone3 or
 * that flag, so the caller falls back to ns_clone + cgroup_enter.
 */
pid_t ns_clone_into_cgroup(unsigned long flags, const char *cgroup_dir, struct tug_err *err);
/* Join the namespace at path; flag (CLONE_NEW*) checks its type, 0 = any. */
int ns_join_path(const char *path, int flag, struct tug_err *err);
/* Join an open namespace fd. */
int ns_join_fd(int fd, int flag, const char *what, struct tug_err *err);
/* fd of /proc/<pid>/ns/<name> (O_RDONLY|O_CLOEXEC); pid 0 = self. */
int ns_open(pid_t pid, const char *name, struct tug_err *err);
/* True when pid's namespace name differs from ours. */
int ns_differs(pid_t pid, const char *name);
/* Write /proc/<pid>/{uid,gid}_map (setgroups is set to deny when needed). */
int ns_write_idmaps(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
		    const struct ns_idmap *gids, size_t n_gids, struct tug_err *err);
/*
 * Create a time namespace for our future children with the given offsets
 * (unshare + /proc/self/timens_offsets); ns_restore_time() puts ours back.
 */
int ns_unshare_time(int64_t mono_s, int64_t mono_ns, int64_t boot_s, int64_t boot_ns,
		    struct tug_err *err);

#endif
