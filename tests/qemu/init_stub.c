/*
 * A stand-alone PID 1 from init/early.c alone, for proving the QEMU boot
 * path on every board before (or without) a full tug build: early mounts,
 * the cgroup2 controllers line, the tug.test program, power off.
 */
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/early.h"

int main(int argc, char **argv)
{
	struct tug_err err = { 0 };
	char buf[512];
	sigset_t all, old;
	int status;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	early_mounts();
	if (read_small_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf), &err) == 0)
		init_say("cgroup2 controllers: %s", buf);
	if (cmdline_get("tug.test", buf, sizeof(buf), &err) > 0 && (pid = fork()) >= 0) {
		if (pid == 0) {
			char *const args[] = { buf, NULL };

			sigprocmask(SIG_SETMASK, &old, NULL);
			execv(buf, args);
			_exit(127);
		}
		while (waitpid(-1, &status, 0) != pid)
			;
		init_say("test exit %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
