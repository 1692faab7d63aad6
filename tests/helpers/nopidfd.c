/*
 * nopidfd PROGRAM [ARG...]: run PROGRAM as on a kernel older than 5.3.
 * A seccomp filter (inherited by every child: tugd's keeper, containers,
 * exec'd processes) makes the calls such kernels lack fail with ENOSYS:
 * pidfd_open (5.3), pidfd_send_signal (5.1), pidfd_getfd (5.6), clone3
 * (5.3), close_range (5.9), waitid(P_PIDFD) (5.4), and openat2 (5.6), which
 * has its own fallback. The old-kernel suite
 * (tests/integration/oldkernel.sh) starts tugd under it.
 */
#include "seccomp_launch.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define DENY RET_ERRNO(ENOSYS)
/* nr: deny; else on to the next test. */
#define DENY_NR(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), DENY

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
	    LAUNCH_PROLOGUE,
	    DENY_NR(SYS_pidfd_open),
	    DENY_NR(SYS_pidfd_send_signal),
	    DENY_NR(SYS_pidfd_getfd),
	    DENY_NR(SYS_clone3),
	    DENY_NR(SYS_close_range),
	    DENY_NR(SYS_openat2),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, P_PIDFD, 0, 1),
	    DENY,
	    ALLOW,
	};

	return launch("nopidfd", f, sizeof(f) / sizeof(f[0]), argc, argv);
}
