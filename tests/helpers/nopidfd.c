/*
 * nopidfd PROGRAM [ARG...]: run PROGRAM as on a kernel older than 5.3.
 * A seccomp filter (inherited by every child: tugd's keeper, containers,
 * exec'd processes) makes the calls such kernels lack fail with ENOSYS:
 * pidfd_open (5.3), pidfd_send_signal (5.1), pidfd_getfd (5.6), clone3
 * (5.3), close_range (5.9), waitid(P_PIDFD) (5.4), and openat2 (5.6), which
 * has its own fallback. The old-kernel suite
 * (tests/integration/oldkernel.sh) starts tugd under it. A raw BPF filter,
 * so it builds on every board without libseccomp.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#if defined(__x86_64__)
#define NOPIDFD_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOPIDFD_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define NOPIDFD_ARCH AUDIT_ARCH_ARM
#elif defined(__mips__) && defined(__MIPSEL__)
#define NOPIDFD_ARCH AUDIT_ARCH_MIPSEL
#elif defined(__mips__)
#define NOPIDFD_ARCH AUDIT_ARCH_MIPS
#else
#error "nopidfd: add this architecture's AUDIT_ARCH"
#endif

/* The low 32 bits of argument 0 (waitid's idtype). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LO offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LO (offsetof(struct seccomp_data, args[0]) + 4)
#endif

#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* nr: deny; else on to the next test. */
#define DENY_NR(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), DENY

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOPIDFD_ARCH, 1, 0),
		ALLOW,
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY_NR(SYS_pidfd_open),
		DENY_NR(SYS_pidfd_send_signal),
		DENY_NR(SYS_pidfd_getfd),
		DENY_NR(SYS_clone3),
		DENY_NR(SYS_close_range),
		DENY_NR(SYS_openat2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, P_PIDFD, 0, 1),
		DENY,
		ALLOW,
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (argc < 2) {
		fprintf(stderr, "usage: nopidfd PROGRAM [ARG...]\n");
		return 2;
	}
	/* Root (CAP_SYS_ADMIN) needs no no_new_privs, and setuid programs keep working. */
	if (geteuid() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("nopidfd: no_new_privs");
		return 1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("nopidfd: seccomp");
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "nopidfd: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
