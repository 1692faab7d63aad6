/* pidfds: a process handle that polls readable when the process exits. */
#ifndef TUG_PLATFORM_PIDFD_H
#define TUG_PLATFORM_PIDFD_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Whether the kernel has pidfds: pidfd_open (Linux 5.3) on our own pid,
 * tried once per process and kept. Kernels boards still ship (4.14, 4.19)
 * answer ENOSYS; a seccomp filter may answer EPERM or EINVAL. Without
 * them the engine watches its children through SIGCHLD and waitpid, and
 * the keeper, their parent, signals containers (docs/daemon.md, "Old
 * kernels").
 */
bool pidfd_supported(void);

/*
 * Always through the libc's SYS_ numbers, which come from the target's own
 * table: a number written out for x86/arm (434) is ENOSYS on MIPS o32, whose
 * numbers start at 4000, and the exit would then never be seen.
 * The fd is close-on-exec (the kernel sets it on every pidfd).
 * -1 with ENOSYS when pidfd_supported() said no.
 */
static inline int pidfd_open_pid(pid_t pid)
{
	if (!pidfd_supported()) {
		errno = ENOSYS;
		return -1;
	}
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* pidfd_send_signal (Linux 5.1): only on an fd pidfd_open_pid() gave. */
static inline int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

#endif
