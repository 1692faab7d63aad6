/* pidfds: a process handle that polls readable when the process exits. */
#ifndef TUG_PLATFORM_PIDFD_H
#define TUG_PLATFORM_PIDFD_H

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Always through the libc's SYS_ numbers, which come from the target's own
 * table: a number written out for x86/arm (434) is ENOSYS on MIPS o32, whose
 * numbers start at 4000, and the exit would then never be seen.
 * The fd is close-on-exec (the kernel sets it on every pidfd).
 */
static inline int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static inline int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

#endif
