#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "platform/fsutil.h"
#include "platform/pidfd.h"

#define DENY_NR(nr)                                         \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),    \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS)

/*
 * In a child: pidfd_open and close_range answer ENOSYS, as on Linux 4.x.
 * False when the filter does not bite (qemu-user filters the host's calls).
 */
static bool as_old_kernel(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY_NR(SYS_pidfd_open),
		DENY_NR(SYS_close_range),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return false;
	return syscall(SYS_pidfd_open, getpid(), 0) < 0 && errno == ENOSYS;
}

/* Run fn in a child under as_old_kernel(): its exit code, 77 = filter had no effect. */
static int in_old_kernel_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0)
		_exit(as_old_kernel() ? fn() : 77);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int probe_says_no(void)
{
	if (pidfd_supported())
		return 1;
	return pidfd_open_pid(getpid()) == -1 && errno == ENOSYS ? 0 : 2;
}

/* The probe runs in the child first: the parent must not have cached an answer yet. */
TEST(old_kernel_probe_says_no)
{
	int rc = in_old_kernel_child(probe_says_no);

	if (rc == 77)
		SKIP("the seccomp filter has no effect here (qemu-user)");
	CHECK(rc == 0);
}

static int close_fds_without_close_range(void)
{
	struct rlimit rl;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), high;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (null < 0 || dup2(null, 30) != 30 || dup2(null, 40) != 40)
		return 1;
	high = fcntl(null, F_DUPFD, 1500);
	close_fds_from(35);
	if (fcntl(40, F_GETFD) != -1 || (high >= 0 && fcntl(high, F_GETFD) != -1))
		return 2;
	return fcntl(30, F_GETFD) == -1 ? 3 : 0;
}

/* close_fds_from() without close_range (Linux < 5.9): the /proc/self/fd walk, fds above 1024 too. */
TEST(old_kernel_close_fds_walks_proc)
{
	int rc = in_old_kernel_child(close_fds_without_close_range);

	if (rc == 77)
		SKIP("the seccomp filter has no effect here (qemu-user)");
	CHECK(rc == 0);
}

/* What tugd does for an exec process: open its pidfd, poll, then reap it. */
TEST(pidfd_polls_readable_when_child_exits)
{
	pid_t pid = fork();
	struct pollfd p;
	siginfo_t si = { 0 };
	int fd;

	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	fd = pidfd_open_pid(pid);
	if (fd < 0 && !pidfd_supported()) {
		waitpid(pid, NULL, 0);
		SKIP("no pidfds here (Linux < 5.3)");
	}
	CHECK(fd >= 0);
	if (fd < 0) {
		waitpid(pid, NULL, 0);
		return;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&p, 1, 10000) == 1);
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) == 0);
	CHECK(si.si_pid == pid);
	CHECK(si.si_code == CLD_EXITED && si.si_status == 7);
	close(fd);
}

TEST(pidfd_signal_kills)
{
	pid_t pid = fork(), waited;
	int fd, rc, status = 0;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	fd = pidfd_open_pid(pid);
	rc = fd >= 0 ? pidfd_signal(fd, SIGKILL) : -1;
	/* CHECK returns: never leave the child paused behind a failure. */
	if (rc)
		kill(pid, SIGKILL);
	waited = waitpid(pid, &status, 0);
	if (fd >= 0)
		close(fd);
	if (fd < 0 && !pidfd_supported())
		SKIP("no pidfds here (Linux < 5.3)");
	CHECK(fd >= 0);
	CHECK(rc == 0);
	CHECK(waited == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

int main(void)
{
	RUN(old_kernel_probe_says_no);
	RUN(old_kernel_close_fds_walks_proc);
	RUN(pidfd_polls_readable_when_child_exits);
	RUN(pidfd_signal_kills);
	return test_done();
}
