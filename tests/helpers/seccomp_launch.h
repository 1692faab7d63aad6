/*
 * What the seccomp launchers in tests/helpers/ (nopidfd, noentropy) share:
 * a raw BPF filter (no libseccomp, so they build on every board) that
 * passes other architectures' calls, installed before exec'ing the program
 * so that every child inherits it.
 */
#ifndef TUG_TESTS_SECCOMP_LAUNCH_H
#define TUG_TESTS_SECCOMP_LAUNCH_H

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

#if defined(__x86_64__)
#define LAUNCH_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LAUNCH_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define LAUNCH_ARCH AUDIT_ARCH_ARM
#elif defined(__mips__) && defined(__MIPSEL__)
#define LAUNCH_ARCH AUDIT_ARCH_MIPSEL
#elif defined(__mips__)
#define LAUNCH_ARCH AUDIT_ARCH_MIPS
#else
#error "seccomp_launch: add this architecture's AUDIT_ARCH"
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U /* Linux 4.14 */
#endif

/* The low 32 bits of argument n (flags, idtypes). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])
#else
#define ARG_LO(n) (offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define RET_ERRNO(e) RET(SECCOMP_RET_ERRNO | ((e)&SECCOMP_RET_DATA))
#define ALLOW RET(SECCOMP_RET_ALLOW)

/* The filter's first four: another architecture's call passes; A = the call's number. */
#define LAUNCH_PROLOGUE                                                                            \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),                   \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LAUNCH_ARCH, 1, 0), ALLOW,                         \
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))

/* Install the filter f[n] and exec argv[1..]; returns only on failure (main's code). */
static int launch(const char *name, struct sock_filter *f, size_t n, int argc, char **argv)
{
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [ARG...]\n", name);
		return 2;
	}
	/* Root (CAP_SYS_ADMIN) needs no no_new_privs, and setuid programs keep working. */
	if (geteuid() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "%s: no_new_privs: %s\n", name, strerror(errno));
		return 1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "%s: seccomp: %s\n", name, strerror(errno));
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "%s: exec %s: %s\n", name, argv[1], strerror(errno));
	return 127;
}

#endif
