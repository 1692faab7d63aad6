#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "platform/random.h"

#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 0x0001
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLAGS_LO offsetof(struct seccomp_data, args[2])
#else
#define FLAGS_LO (offsetof(struct seccomp_data, args[2]) + 4)
#endif
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

static bool hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

TEST(hex_id_is_64_lowercase_hex)
{
	char id[66];

	memset(id, 'X', sizeof(id));
	random_hex_id(id);
	CHECK(hex64(id));
	CHECK(id[65] == 'X');
}

TEST(ids_differ_between_calls)
{
	char ids[50][65];

	for (int i = 0; i < 50; i++) {
		random_hex_id(ids[i]);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(ids[i], ids[j]));
	}
}

TEST(random_bytes_fills_odd_sizes)
{
	unsigned char a[300], b[300];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)));
	/* The last bytes too: all zero by chance is 2^-64. */
	CHECK(memcmp(a + 292, "\0\0\0\0\0\0\0\0", 8));
	random_bytes(a, 0);
}

TEST(random_bytes_keeps_errno)
{
	unsigned char r[8];

	errno = ENOENT;
	random_bytes(r, sizeof(r));
	CHECK(errno == ENOENT);
}

/* The last resort alone: calls, sizes and processes do not repeat. */
TEST(mixed_differs_between_calls)
{
	unsigned char a[32], b[32], c[13];

	random_bytes_mixed(a, sizeof(a));
	random_bytes_mixed(b, sizeof(b));
	random_bytes_mixed(c, sizeof(c));
	CHECK(memcmp(a, b, sizeof(a)));
	CHECK(memcmp(a, c, sizeof(c)) && memcmp(b, c, sizeof(c)));
	/* Not the same 8 bytes repeated. */
	CHECK(memcmp(a, a + 8, 8) && memcmp(a + 8, a + 16, 8));
}

TEST(mixed_differs_between_processes)
{
	unsigned char mine[32], theirs[32];
	int p[2], status = 0;
	pid_t pid;

	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		random_bytes_mixed(theirs, sizeof(theirs));
		_exit(write(p[1], theirs, sizeof(theirs)) == sizeof(theirs) ? 0 : 1);
	}
	random_bytes_mixed(mine, sizeof(mine));
	close(p[1]);
	CHECK(pid > 0);
	CHECK(read(p[0], theirs, sizeof(theirs)) == sizeof(theirs));
	close(p[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	CHECK(memcmp(mine, theirs, sizeof(mine)));
}

/*
 * In a child: getrandom as on a kernel whose pool is not initialised
 * (or, with nosys, without getrandom at all). A call that would block
 * kills the process, so a wait is a death, not a hang.
 */
static bool as_no_entropy(bool nosys)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 7),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), /* patched below */
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, FLAGS_LO),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, GRND_INSECURE, 0, 1),
	    RET(SECCOMP_RET_ERRNO | EINVAL),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, GRND_NONBLOCK, 0, 1),
	    RET(SECCOMP_RET_ERRNO | EAGAIN),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	unsigned char b;

	/* nosys: every getrandom is ENOSYS (Linux < 3.17). */
	if (nosys)
		f[2] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | ENOSYS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return false;
	return syscall(SYS_getrandom, &b, 1, GRND_NONBLOCK) < 0 &&
	       errno == (nosys ? ENOSYS : EAGAIN);
}

/* An ID made by a child under as_no_entropy(): false if it died; *skip: no filter here. */
static bool id_in_child(bool nosys, char out[65], bool *skip)
{
	int p[2], status = 0;
	pid_t pid;
	char id[65];

	*skip = false;
	if (pipe(p))
		return false;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (!as_no_entropy(nosys))
			_exit(77);
		random_hex_id(id);
		_exit(write(p[1], id, sizeof(id)) == sizeof(id) ? 0 : 1);
	}
	close(p[1]);
	memset(out, 0, 65);
	if (pid > 0 && read(p[0], out, 65) != 65)
		out[0] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	*skip = WIFEXITED(status) && WEXITSTATUS(status) == 77;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The pool not initialised, no GRND_INSECURE (Linux < 5.6): no wait, /dev/urandom. */
TEST(never_blocks_without_entropy)
{
	char a[65], b[65];
	bool skip, ok;

	ok = id_in_child(false, a, &skip);
	if (skip)
		SKIP("the seccomp filter has no effect here (qemu-user)");
	CHECK(ok);
	CHECK(id_in_child(false, b, &skip));
	CHECK(hex64(a) && hex64(b));
	CHECK(strcmp(a, b));
}

TEST(works_without_getrandom)
{
	char a[65], b[65];
	bool skip, ok;

	ok = id_in_child(true, a, &skip);
	if (skip)
		SKIP("the seccomp filter has no effect here (qemu-user)");
	CHECK(ok);
	CHECK(id_in_child(true, b, &skip));
	CHECK(hex64(a) && hex64(b));
	CHECK(strcmp(a, b));
}

int main(void)
{
	RUN(hex_id_is_64_lowercase_hex);
	RUN(ids_differ_between_calls);
	RUN(random_bytes_fills_odd_sizes);
	RUN(random_bytes_keeps_errno);
	RUN(mixed_differs_between_calls);
	RUN(mixed_differs_between_processes);
	RUN(never_blocks_without_entropy);
	RUN(works_without_getrandom);
	return test_done();
}
