/* Clean shutdown: stop, kill, disarm, sync, unmount, reboot(2). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/early.h"
#include "init/shutdown.h"

static const char *const action_names[] = { "power off", "reboot", "halt" };

/* Kernel threads have an empty cmdline; so have zombies (counted apart). */
static bool user_process(const char *pid)
{
	char path[64], c;
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fread(&c, 1, 1, f) == 1;
	fclose(f);
	return ok;
}

/* "pid (comm) S ...": the state follows the last ')'. */
static bool zombie(const char *pid)
{
	char path[64], line[256], *p = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		p = strrchr(line, ')');
	fclose(f);
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* Processes (pid > 1, not skip) for which match() holds; -1 without /proc. */
static int count_processes(bool (*match)(const char *pid), pid_t skip)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);

		if (pid > 1 && pid != skip && match(e->d_name))
			n++;
	}
	closedir(d);
	return n;
}

int count_user_processes(pid_t skip)
{
	return count_processes(user_process, skip);
}

int count_zombies(void)
{
	return count_processes(zombie, 0);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* SIGTERM everyone, wait up to the deadline, SIGKILL the rest. */
static void stop_processes(struct watchdog *w, int stop_timeout_s)
{
	pid_t feeder = w->pid;
	long long t0 = init_now_ms(), end = t0 + stop_timeout_s * 1000LL;
	int left;

	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	while ((left = count_user_processes(feeder)) > 0 && init_now_ms() < end) {
		reap_all();
		usleep(10000);
	}
	/* Before SIGKILL, which would end the feeder without its magic close. */
	watchdog_disarm(w, 1000);
	if (left > 0) {
		init_say("shutdown: %d processes left after %d s: SIGKILL", left, stop_timeout_s);
		kill(-1, SIGKILL);
		end = init_now_ms() + 2000;
		while ((left = count_user_processes(feeder)) > 0 && init_now_ms() < end) {
			reap_all();
			usleep(10000);
		}
	}
	reap_all();
	init_say("shutdown: processes stopped in %lld ms%s", init_now_ms() - t0,
		 left > 0 ? " (some would not die)" : "");
}

/* Every mount but the root, deepest (last mounted) first, detached. */
static void unmount_all(void)
{
	char lines[64][256];
	int n = 0;
	FILE *f = fopen("/proc/self/mounts", "re");
	char line[512];

	if (!f)
		return;
	while (n < 64 && fgets(line, sizeof(line), f)) {
		char dev[128], dir[256];

		if (sscanf(line, "%127s %255s", dev, dir) == 2 && strcmp(dir, "/"))
			snprintf(lines[n++], sizeof(lines[0]), "%s", dir);
	}
	fclose(f);
	while (n-- > 0) {
		/* /proc and /dev stay usable until the very end if detaching fails. */
		if (umount2(lines[n], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			init_say("shutdown: umount %s: %s", lines[n], strerror(errno));
	}
}

void shutdown_now(enum shutdown_action a)
{
	static const int cmds[] = { RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM };

	sync();
	reboot(cmds[a]);
	init_say("reboot(%s): %s; halting here", action_names[a], strerror(errno));
	for (;;)
		pause();
}

const char *shutdown_action_name(enum shutdown_action a)
{
	return action_names[a];
}

void shutdown_run(enum shutdown_action a, pid_t engine, int stop_timeout_s, struct watchdog *w,
		  long long since_ms)
{
	long long t0 = since_ms ? since_ms : init_now_ms();

	init_say("shutdown (%s): stopping the processes left, %d s before SIGKILL", action_names[a],
		 stop_timeout_s);
	/* The engine first, so it restarts nothing it sees dying. */
	if (engine > 0 && kill(engine, SIGTERM) == 0) {
		long long end = init_now_ms() + 1000;

		while (waitpid(engine, NULL, WNOHANG) == 0 && init_now_ms() < end)
			usleep(5000);
	}
	stop_processes(w, stop_timeout_s);
	sync();
	unmount_all();
	sync();
	init_say("shutdown: %s after %lld ms", action_names[a], init_now_ms() - t0);
	shutdown_now(a);
}
