/*
 * noentropy PROGRAM [ARG...]: run PROGRAM as on a kernel older than 5.6
 * whose random pool is not initialised yet (a router at boot: no hardware
 * RNG, few interrupts). A seccomp filter, inherited by every child, answers
 * getrandom as such a kernel would: GRND_INSECURE (5.6) is an unknown flag,
 * EINVAL; GRND_NONBLOCK is EAGAIN; and a call that would block (neither
 * flag) kills the process, so a wait is a visible death, not a silent hang
 * of seconds or minutes. /dev/urandom still answers, as it does there.
 * tests/integration/noentropy.sh starts tugd under it.
 */
#include "seccomp_launch.h"

#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 0x0001
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
	    LAUNCH_PROLOGUE,
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 6),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, GRND_INSECURE, 0, 1),
	    RET_ERRNO(EINVAL),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, GRND_NONBLOCK, 0, 1),
	    RET_ERRNO(EAGAIN),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    ALLOW,
	};

	return launch("noentropy", f, sizeof(f) / sizeof(f[0]), argc, argv);
}
