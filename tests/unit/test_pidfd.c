#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "platform/pidfd.h"

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
	CHECK(fd >= 0);
	CHECK(rc == 0);
	CHECK(waited == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

int main(void)
{
	RUN(pidfd_polls_readable_when_child_exits);
	RUN(pidfd_signal_kills);
	return test_done();
}
