/*
 * PID 1: the board init.
 *
 * Early mounts, the console, cgroup v2 controllers for children, kernel
 * modules, hostname, lo, the hardware watchdog; then the engine (tugd, a
 * child restarted when it dies) and the boot manifest's containers (through
 * a runner child, see init/boot.c). PID 1 itself stays small: one loop over
 * a signalfd that reaps every orphan, supervises its few children, feeds the
 * watchdog's heartbeat and turns signals into a clean shutdown (busybox
 * init's: SIGTERM/SIGUSR2 power off, SIGINT reboot, SIGUSR1 halt).
 *
 * `tug.test=<path>` on the kernel command line runs that program once the
 * boot manifest is up, prints `tug-init: test exit <code>` and powers off:
 * how the QEMU tests run their payload inside the guest.
 *
 * Nothing allocates before the console is up, and PID 1 never exits: a fatal
 * error logs, then drops to the emergency shell (CONFIG_INIT_SHELL) or waits
 * and reboots.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/daemon/daemon.h"
#include "core/paths.h"
#include "init/boot.h"
#include "init/early.h"
#include "init/init.h"
#include "init/manifest.h"
#include "init/modules.h"
#include "init/shutdown.h"
#include "init/slots.h"
#include "init/watchdog.h"
#include "platform/cleanup.h"
#include "platform/boottrace.h"

#define ENGINE_BACKOFF_MIN_MS 100
#define ENGINE_BACKOFF_MAX_MS 10000
#define ENGINE_STABLE_MS 10000
#define ENGINE_MAX_QUICK_DEATHS 10

struct init {
	sigset_t child_mask;
	long long start_us;
	struct manifest manifest;
	bool have_manifest;
	struct watchdog wd;
	pid_t engine, boot, test, shell, keeper, modules;
	int modules_fd;		/* read end for the runner: EOF when the loader is done */
	int modules_go;		/* write end for the runner: the loader begins at EOF */
	int loader_go;		/* PID 1's read end of modules_go: fork the loader at EOF */
	int loader_done;	/* write end of modules_fd, for the loader to hold */
	long long engine_started_ms, engine_next_ms;
	int engine_backoff_ms, engine_quick_deaths;
	char socket[256];
	char test_path[256];
	bool verbose, want_shell, trace;
	bool lo_late;		/* lo up in the module loader, after the first container */
	char *argv0;		/* our command line, for what ps shows of forked faces */
	unsigned long orphans;
	char slot;		/* the A/B slot running, 0: the built-in binary */
	long long slot_deadline_ms;	/* a trial's commit deadline, 0: none */
};

static const char *const child_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/",
					 "TERM=linux", NULL };

static void child_setup(const struct init *in)
{
	sigprocmask(SIG_SETMASK, &in->child_mask, NULL);
}

/*
 * Fork a child with the kernel's signal mask back, maybe a session of its
 * own and its output in log; then exec path, or, when path is NULL, run
 * fn(argv) in the forked copy of this binary (no exec: nothing to map and
 * fault in again, which a board under emulation pays dearly for).
 */
static pid_t spawn_main(const struct init *in, const char *path, int (*fn)(int, char **),
			char *const argv[], const char *log, bool session)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	child_setup(in);
	if (session && setsid() >= 0)
		ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
	}
	if (!path) {
		int argc = 0;

		while (argv[argc])
			argc++;
		/* What ps shows: our "/init" command line, rewritten in this copy. */
		if (in->argv0 && strlen(in->argv0) >= strlen(argv[0]))
			memset(stpcpy(in->argv0, argv[0]), 0, strlen(in->argv0) - strlen(argv[0]));
		prctl(PR_SET_NAME, argv[0]);
		_exit(fn(argc, (char **)argv));
	}
	execve(path, argv, (char *const *)child_env);
	init_say("exec %s: %s", path, strerror(errno));
	_exit(127);
}

static pid_t spawn(const struct init *in, const char *path, char *const argv[], const char *log,
		   bool session)
{
	return spawn_main(in, path, NULL, argv, log, session);
}

/* The engine's first start, in a fork of PID 1: a board's boot (daemon.h). */
static int engine_main(int argc, char **argv)
{
	daemon_board_boot = true;
	return daemon_main(argc, argv);
}

/*
 * The engine's keeper (the parent of every container, see core/daemon) is
 * started here, by a fork that runs keeper_main() without an exec, while
 * PID 1 goes on with the modules: tugd then finds it listening instead of
 * spawning it and polling for its socket.
 */
static void keeper_start(struct init *in)
{
	char run[256], log[300];
	pid_t pid;

	snprintf(run, sizeof(run), "%s", tug_run_dir());
	snprintf(log, sizeof(log), "%s/tugd.log", run);
	mkdir(run, 0711);
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		int fd = in->verbose ? -1 : open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

		child_setup(in);
		setsid();
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
		}
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		_exit(keeper_main(run));
	}
	if (pid < 0)
		init_say("keeper: fork: %s", strerror(errno));
	in->keeper = pid > 0 ? pid : 0;
}

static void engine_start(struct init *in, bool first)
{
	char state[256], run[256], log[300];
	char *argv[] = { "tugd", "--data-root", state, "--exec-root", run, NULL };

	snprintf(state, sizeof(state), "%s", tug_state_dir());
	snprintf(run, sizeof(run), "%s", tug_run_dir());
	snprintf(log, sizeof(log), "%s/tugd.log", run);
	mkdir(run, 0711);
	if (in->keeper) {
		char ksock[300];

		/* Else tugd, not seeing it listen yet, would start a second keeper. */
		snprintf(ksock, sizeof(ksock), "%s/keeper.sock", run);
		if (boot_wait_socket(ksock, SOCK_SEQPACKET, 2000) < 0)
			init_say("keeper: %s does not answer; tugd starts its own", ksock);
		boot_trace("pid1: keeper answers");
	}
	/* The first start forks without exec; a restart gets a fresh image. */
	if (first)
		in->engine =
			spawn_main(in, NULL, engine_main, argv, in->verbose ? NULL : log, false);
	else
		in->engine = spawn(in, "/proc/self/exe", argv, in->verbose ? NULL : log, false);
	if (in->engine < 0) {
		init_say("engine: fork: %s", strerror(errno));
		in->engine = 0;
	}
	in->engine_started_ms = init_now_ms();
	in->engine_next_ms = 0;
}

static void __attribute__((noreturn)) fatal(struct init *in, const char *what)
{
	init_say("fatal: %s", what);
	if (IS_ENABLED(CONFIG_INIT_SHELL) && access("/bin/sh", X_OK) == 0) {
		char *argv[] = { "-sh", NULL };
		pid_t sh = spawn(in, "/bin/sh", argv, NULL, true);

		init_say("emergency shell on the console; exit it to reboot");
		while (sh > 0 && waitpid(-1, NULL, 0) != sh)
			;
	} else {
		init_say("rebooting in 10 s");
		sleep(10);
	}
	shutdown_run(SHUTDOWN_REBOOT, in->engine, 2, &in->wd, 0);
}

static void watchdog_arm(struct init *in);
static void loader_fork(struct init *in);

static void engine_died(struct init *in, int status)
{
	long long ran = init_now_ms() - in->engine_started_ms;

	in->engine = 0;
	if (ran >= ENGINE_STABLE_MS) {
		in->engine_backoff_ms = ENGINE_BACKOFF_MIN_MS;
		in->engine_quick_deaths = 0;
	} else {
		in->engine_backoff_ms = in->engine_backoff_ms ? in->engine_backoff_ms * 2
							      : ENGINE_BACKOFF_MIN_MS;
		if (in->engine_backoff_ms > ENGINE_BACKOFF_MAX_MS)
			in->engine_backoff_ms = ENGINE_BACKOFF_MAX_MS;
		if (++in->engine_quick_deaths >= ENGINE_MAX_QUICK_DEATHS)
			fatal(in, "the engine keeps dying");
	}
	init_say("engine exited (%s %d) after %lld ms; restarting in %d ms",
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), ran,
		 in->engine_backoff_ms);
	in->engine_next_ms = init_now_ms() + in->engine_backoff_ms;
}

static void test_start(struct init *in)
{
	char *argv[] = { in->test_path, NULL };

	in->test = spawn(in, in->test_path, argv, NULL, true);
	if (in->test < 0) {
		init_say("tug.test: fork: %s", strerror(errno));
		in->test = 0;
	}
}

static void shell_start(struct init *in)
{
	char *argv[] = { "-sh", NULL };

	if (!IS_ENABLED(CONFIG_INIT_SHELL) || access("/bin/sh", X_OK) < 0) {
		init_say("no shell: %s", IS_ENABLED(CONFIG_INIT_SHELL) ? "/bin/sh missing"
								   : "not in this build (CONFIG_INIT_SHELL)");
		return;
	}
	in->shell = spawn(in, "/bin/sh", argv, NULL, true);
}

/*
 * After the manifest: a trial slot commits when every container started
 * (or there was none to start); then the test program, or the shell.
 */
static void boot_done(struct init *in, bool ok)
{
	if (ok && init_slot_commit(in->slot) > 0)
		in->slot_deadline_ms = 0;
	if (in->trace) {
		boot_trace_dump(STDOUT_FILENO, in->start_us);
		in->trace = false;
	}
	if (in->test_path[0])
		test_start(in);
	else if (in->want_shell)
		shell_start(in);
}

static void boot_start(struct init *in)
{
	pid_t pid;

	if (!in->have_manifest || (!in->manifest.nimages && !in->manifest.ncontainers)) {
		boot_done(in, true);
		return;
	}
	if (!IS_ENABLED(CONFIG_DAEMON)) {
		init_say("boot: containers not supported by this build (CONFIG_DAEMON)");
		boot_done(in, false);
		return;
	}
	pid = fork();
	if (pid == 0) {
		child_setup(in);
		/* PID 1's ends: holding them, the runner would wait for itself. */
		if (in->loader_go >= 0)
			close(in->loader_go);
		if (in->loader_done >= 0)
			close(in->loader_done);
		_exit(boot_run(&in->manifest, in->socket, in->start_us, in->modules_fd,
			       in->modules_go));
	}
	if (pid < 0) {
		init_say("boot: fork: %s", strerror(errno));
		boot_done(in, false);
		return;
	}
	in->boot = pid;
}

/*
 * Containers first, through the engine's normal stop (signal, SIGKILL at
 * the deadline, exit recorded, no restart), in a child: HTTP has no place
 * in PID 1. Returns the seconds left for the signal phase that follows.
 */
static int engine_stop_containers(struct init *in, int timeout_s)
{
	long long t0 = init_now_ms(), end = t0 + timeout_s * 1000LL + 2000, beat = 0;
	int left;
	pid_t pid;

	if (!IS_ENABLED(CONFIG_DAEMON) || !in->engine)
		return timeout_s;
	pid = fork();
	if (pid == 0) {
		child_setup(in);
		_exit(boot_stop_containers(in->socket, timeout_s));
	}
	if (pid < 0)
		return timeout_s;
	/* tugd SIGKILLs at the deadline; it gets 2 s more to record and answer. */
	for (;;) {
		int status;
		pid_t got = waitpid(-1, &status, WNOHANG);

		if (got == pid)
			break;
		if (got > 0) {
			if (got == in->engine)
				in->engine = 0;
			continue;
		}
		if (init_now_ms() >= end) {
			init_say("shutdown: the engine did not stop every container in time");
			kill(pid, SIGKILL);
			break;
		}
		if (init_now_ms() - beat >= 500) {
			watchdog_beat(&in->wd);
			beat = init_now_ms();
		}
		usleep(5000);
	}
	left = timeout_s - (int)((init_now_ms() - t0) / 1000);
	return left > 1 ? left : 1;
}

static void __attribute__((noreturn)) shut(struct init *in, enum shutdown_action a)
{
	int timeout = in->have_manifest ? in->manifest.stop_timeout : 5;
	long long t0 = init_now_ms();

	init_say("shutdown (%s): stopping containers through the engine, %d s before SIGKILL",
		 shutdown_action_name(a), timeout);
	timeout = engine_stop_containers(in, timeout);
	shutdown_run(a, in->engine, timeout, &in->wd, t0);
}

/* Reap until nothing is left to reap; act on the children we know. */
static void reap(struct init *in)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == in->engine) {
			engine_died(in, status);
		} else if (pid == in->boot) {
			in->boot = 0;
			if (WIFSIGNALED(status)) {
				init_say("boot: the manifest runner died of signal %d", WTERMSIG(status));
			} else if (WEXITSTATUS(status) == BOOT_TRIAL_NOT_PROVED &&
				   init_slot_trial_pending(in->slot)) {
				/* No need to wait for the deadline: this try has failed. */
				init_say("slots: slot %c did not prove healthy: rebooting", in->slot);
				shut(in, SHUTDOWN_REBOOT);
			} else if (WEXITSTATUS(status))
				init_say("boot: some of the manifest failed (see above)");
			boot_done(in, WIFEXITED(status) && !WEXITSTATUS(status));
		} else if (pid == in->test) {
			in->test = 0;
			init_say("test exit %d", WIFEXITED(status) ? WEXITSTATUS(status)
								   : 128 + WTERMSIG(status));
			shut(in, SHUTDOWN_POWEROFF);
		} else if (pid == in->modules) {
			in->modules = 0;
			watchdog_arm(in);
		} else if (pid == in->keeper) {
			in->keeper = 0;
			init_say("keeper exited: tugd starts a new one when it restarts");
		} else if (pid == in->shell) {
			in->shell = 0;
			init_say("shell exited");
		} else if (pid == in->wd.pid) {
			/* Not restarted: a dead feeder is what the watchdog is for. */
			init_say("watchdog feeder died: the board resets when the watchdog expires");
			in->wd.pid = 0;
			close(in->wd.heartbeat_fd);
			in->wd.heartbeat_fd = -1;
		} else {
			in->orphans++;
		}
	}
}

static int signals_open(void)
{
	sigset_t s;

	sigemptyset(&s);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&s, sig);
	return signalfd(-1, &s, SFD_CLOEXEC);
}

static void handle_signal(struct init *in, int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap(in);
		break;
	case SIGTERM:
	case SIGUSR2:
	case SIGPWR:
		shut(in, SHUTDOWN_POWEROFF);
	case SIGINT:
		shut(in, SHUTDOWN_REBOOT);
	case SIGUSR1:
		shut(in, SHUTDOWN_HALT);
	default:
		break;
	}
}

static void __attribute__((noreturn)) loop(struct init *in)
{
	int sfd = signals_open();

	if (sfd < 0)
		fatal(in, "signalfd failed");
	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = in->loader_go, .events = POLLIN } };
		int timeout = in->wd.pid ? in->wd.interval_ms : 5000;

		if (in->slot_deadline_ms) {
			long long due = in->slot_deadline_ms - init_now_ms();

			if (due <= 0) {
				in->slot_deadline_ms = 0;
				/* `tug slot commit` may have committed behind our back. */
				if (init_slot_trial_pending(in->slot)) {
					init_say("slots: slot %c not committed in time: rebooting",
						 in->slot);
					shut(in, SHUTDOWN_REBOOT);
				}
			} else if (due < timeout) {
				timeout = (int)due;
			}
		}
		if (!in->engine && in->engine_next_ms) {
			long long due = in->engine_next_ms - init_now_ms();

			if (due <= 0)
				engine_start(in, false);
			else if (due < timeout)
				timeout = (int)due;
		}
		watchdog_beat(&in->wd);
		if (poll(p, in->loader_go >= 0 ? 2 : 1, timeout) > 0) {
			char c;

			if ((p[1].revents & (POLLIN | POLLHUP)) && read(in->loader_go, &c, 1) == 0)
				loader_fork(in);
			if ((p[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
				handle_signal(in, (int)si.ssi_signo);
		}
		/* SIGCHLDs merge: reap on every wake-up. */
		reap(in);
	}
}

static void load_manifest(struct init *in)
{
	char path[512];
	struct tug_err err;

	snprintf(path, sizeof(path), "%s/manifest.json", tug_state_dir());
	if (access(path, F_OK) < 0)
		snprintf(path, sizeof(path), "/etc/tug/manifest.json");
	if (access(path, F_OK) < 0)
		return;
	if (manifest_load(path, &in->manifest, &err) < 0) {
		tug_err_wrap(&err, "%s", path);
		init_report(&err);
		return;
	}
	in->have_manifest = true;
	init_say("boot manifest %s: %zu images, %zu containers", path, in->manifest.nimages,
		 in->manifest.ncontainers);
}

static void lo_up(void)
{
	struct tug_err err = { 0 };

	if (loopback_up(&err) < 0)
		init_report(&err);
}

/*
 * The host's lo is for host-network containers and the console's tools:
 * when the first container has a network namespace of its own ("none"),
 * bringing lo up (ipv4 and ipv6 set-up in the kernel, 14 ms under TCG)
 * waits until it runs, in the module loader. Containers on a network wait
 * for the loader anyway.
 */
static bool first_container_netless(const struct init *in)
{
	const struct manifest_container *first;
	const char *net;

	if (!in->have_manifest || !in->manifest.ncontainers || !in->manifest.nmodules)
		return false;
	first = &in->manifest.containers[in->manifest.order[0]];
	net = cJSON_GetStringValue(cJSON_GetObjectItem(first->json, "network"));
	return net && !strcmp(net, "none");
}

static void bring_up(struct init *in)
{
	struct tug_err err = { 0 };
	char buf[512];
	const char *host = NULL;

	if (read_small_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf), &err) < 0) {
		tug_err_wrap(&err, "cgroup2 controllers");
		init_report(&err);
	} else {
		init_say("cgroup2 controllers: %s", buf);
	}
	boot_trace("pid1: cgroup2 controllers read");
	if (cgroup_enable_controllers("cpu memory pids io", &err) < 0)
		init_report(&err);
	boot_trace("pid1: controllers enabled");
	load_manifest(in);
	boot_trace("pid1: manifest loaded");
	if (in->have_manifest && in->manifest.hostname)
		host = in->manifest.hostname;
	else if (read_small_file("/etc/hostname", buf, sizeof(buf), &err) == 0 && buf[0])
		host = buf;
	if (set_hostname(host ? host : "tug", &err) < 0)
		init_report(&err);
	boot_trace("pid1: hostname set");
	in->lo_late = first_container_netless(in);
	if (!in->lo_late)
		lo_up();
	boot_trace("pid1: lo up");
}

/* After the modules: the watchdog's driver may be one of them. */
static void watchdog_arm(struct init *in)
{
	struct tug_err err = { 0 };

	if (in->have_manifest && in->manifest.watchdog_timeout && !in->wd.pid &&
	    watchdog_start(&in->wd, in->manifest.watchdog_device, in->manifest.watchdog_timeout,
			   &err) < 0)
		init_report(&err);
}

/*
 * A container's rootfs needs overlay before its start: load it now, before
 * the engine. Not when the first container is read-only: the engine runs
 * that one on a read-only bind mount of its image's layer when it can (one
 * layer that has every mount point); if it cannot, its overlay mount asks
 * the kernel for the module, which the runner's modprobe helper loads
 * (init/boot.c). Everything else (loop, squashfs, veth, bridge, the
 * watchdog driver) loads in loader_fork()'s child once the first container
 * runs; containers that need a network wait for it.
 */
static void modules_early(struct init *in)
{
	static const char *const early[] = { "overlay" };
	const struct manifest_container *first = NULL;
	char dir[300];
	long long t0 = init_now_us();

	if (!in->have_manifest)
		return;
	if (in->manifest.ncontainers)
		first = &in->manifest.containers[in->manifest.order[0]];
	if (first && first->read_only)
		return;
	for (size_t i = 0; i < in->manifest.nmodules; i++)
		if (!strcmp(in->manifest.modules[i], early[0])) {
			modules_dir(dir, sizeof(dir));
			modules_load(dir, early, 1);
			init_say("modules: %s loaded in %.1f ms", early[0],
				 (double)(init_now_us() - t0) / 1000.0);
			break;
		}
}

/*
 * The loader of the manifest's modules (`tug-modules`) is forked only when
 * the runner has started the first container (it closes modules_go): the
 * fork and the loader's first steps stay off that path too, and
 * finit_module, which the kernel runs without preemption, cannot hold up
 * the container's exec. The runner waits on modules_fd for it to be done.
 */
static void modules_prepare(struct init *in)
{
	int p[2], go[2];

	in->modules_fd = in->modules_go = in->loader_go = in->loader_done = -1;
	if (!in->have_manifest || !in->manifest.nmodules)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	in->modules_fd = p[0];
	in->loader_done = p[1];
	in->loader_go = go[0];
	in->modules_go = go[1];
}

static void loader_fork(struct init *in)
{
	pid_t pid;

	if (in->loader_go >= 0)
		close(in->loader_go);
	in->loader_go = -1;
	if (!in->have_manifest || !in->manifest.nmodules) {
		if (in->lo_late)
			lo_up();
		watchdog_arm(in);
		return;
	}
	boot_trace("pid1: forking the loader");
	pid = fork();
	if (pid == 0) {
		char dir[300];
		long long t0;
		int failed;

		child_setup(in);
		prctl(PR_SET_NAME, "tug-modules");
		boot_trace("loader: begins");
		if (in->lo_late)
			lo_up();
		t0 = init_now_us();
		modules_dir(dir, sizeof(dir));
		failed = modules_load(dir, in->manifest.modules, in->manifest.nmodules);
		init_say("modules: %zu asked for, %zu loaded in the background in %.1f ms",
			 in->manifest.nmodules, in->manifest.nmodules - (size_t)failed,
			 (double)(init_now_us() - t0) / 1000.0);
		/* Exiting closes loader_done: the runner's EOF. */
		_exit(failed ? 1 : 0);
	}
	if (in->loader_done >= 0)
		close(in->loader_done);
	in->loader_done = -1;
	if (pid < 0) {
		init_say("modules: fork: %s", strerror(errno));
		if (in->lo_late)
			lo_up();
		watchdog_arm(in);
		return;
	}
	in->modules = pid;
}

int init_main(int argc, char **argv)
{
	static struct init in; /* 10 KB: zero, in .bss rather than in the file */
	struct tug_err err = { 0 };
	struct timespec rt;
	sigset_t all;
	char buf[16];
	bool engine;
	int deadline_s;

	in.wd.heartbeat_fd = -1;
	if (getpid() != 1) {
		dprintf(STDERR_FILENO, "tug-init: not PID 1 (pid %d), refusing to take over\n",
			(int)getpid());
		return 1;
	}
	in.start_us = init_now_us();
	in.argv0 = argc > 0 ? argv[0] : NULL;
	clock_gettime(CLOCK_REALTIME, &rt);
	/* PID 1 takes signals only when it asks for them; children get the old mask. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &in.child_mask);
	/* Ctrl-Alt-Del becomes SIGINT to us instead of an immediate reboot. */
	reboot(RB_DISABLE_CAD);

	early_mounts();
	init_say("/init started %lld.%03lld ms after the kernel (realtime %lld.%06ld)",
		 in.start_us / 1000, in.start_us % 1000, (long long)rt.tv_sec, rt.tv_nsec / 1000);
	/* From here on the console is up: allocating is allowed. */
	if (cmdline_get("tug.test", in.test_path, sizeof(in.test_path), &err) < 0)
		init_report(&err);
	in.trace = cmdline_get("tug.trace", buf, sizeof(buf), &err) > 0 && boot_trace_init() == 0;
	boot_trace("pid1: early mounts, console, cmdline");
	in.verbose = cmdline_get("tug.verbose", buf, sizeof(buf), &err) > 0;
	in.want_shell = cmdline_get("tug.shell", buf, sizeof(buf), &err) > 0;
	/* A/B slots: may exec another tug binary; the engine is not started yet. */
	in.slot = init_slot_boot(argv, &deadline_s);
	boot_trace("pid1: slot decided");
	if (deadline_s > 0)
		in.slot_deadline_ms = init_now_ms() + deadline_s * 1000LL;
	bring_up(&in);
	snprintf(in.socket, sizeof(in.socket), "%s/tug.sock", tug_run_dir());
	engine = IS_ENABLED(CONFIG_DAEMON) &&
		 (in.have_manifest || !in.test_path[0] ||
		  cmdline_get("tug.engine", buf, sizeof(buf), &err) > 0);
	if (engine)
		keeper_start(&in);
	boot_trace("pid1: keeper forked");
	modules_early(&in);
	boot_trace("pid1: early modules");
	if (engine)
		engine_start(&in, true);
	boot_trace("pid1: engine forked");
	modules_prepare(&in);
	boot_start(&in);
	boot_trace("pid1: runner forked");
	/* The runner has its copies; without a runner the loader begins now. */
	if (in.modules_fd >= 0)
		close(in.modules_fd);
	if (in.modules_go >= 0)
		close(in.modules_go);
	in.modules_fd = in.modules_go = -1;
	if (!in.boot)
		loader_fork(&in);
	loop(&in);
}
