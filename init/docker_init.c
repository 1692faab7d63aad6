/*
 * `docker run --init`: tugd bind-mounts this binary at /sbin/docker-init
 * and runs `docker-init -- CMD...` as the container's PID 1 (as dockerd
 * runs tini). It forks CMD, forwards the usual termination and job
 * signals to it (to CMD's pid only, tini's default without -g), reaps
 * every child that comes to it (orphans reparented to PID 1), and exits
 * with CMD's status: its exit code, or 128+N when signal N killed it.
 *
 * No malloc, no handlers: the signals are blocked and taken with
 * sigwaitinfo(), so it works under the default seccomp profile and
 * without capabilities. docs/daemon.md "--init".
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/docker_init.h"

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static int status_code(int st)
{
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Reap every child that has ended; true when one of them was child. */
static bool reap_all(pid_t child, int *code)
{
	bool done = false;
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0 || (p < 0 && errno == EINTR)) {
		if (p == child && (WIFEXITED(st) || WIFSIGNALED(st))) {
			*code = status_code(st);
			done = true;
		}
	}
	return done;
}

int docker_init_main(int argc, char **argv)
{
	sigset_t set, old;
	siginfo_t si;
	pid_t child;
	int i = 1, code = 0;

	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		printf("Usage: docker-init [--] PROGRAM [ARG...]\n");
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		fprintf(stderr, "Usage: docker-init [--] PROGRAM [ARG...]\n");
		return 2;
	}
	/* Not PID 1 (a shared PID namespace): orphans must still come here. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&set);
	for (size_t k = 0; k < sizeof(forwarded) / sizeof(forwarded[0]); k++)
		sigaddset(&set, forwarded[k]);
	sigaddset(&set, SIGCHLD);
	/* Blocked signals reach PID 1 even without a handler; sigwaitinfo takes them. */
	sigprocmask(SIG_BLOCK, &set, &old);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "docker-init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[i], argv + i);
		fprintf(stderr, "docker-init: exec %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		if (reap_all(child, &code))
			return code;
	}
}
