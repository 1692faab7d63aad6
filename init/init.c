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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/paths.h"
#include "init/boot.h"
#include "init/early.h"
#include "init/init.h"
#include "init/manifest.h"
#include "init/modules.h"
#include "init/shutdown.h"
#include "init/watchdog.h"
#include "platform/cleanup.h"

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
	pid_t engine, boot, test, shell;
	long long engine_started_ms, engine_next_ms;
	int engine_backoff_ms, engine_quick_deaths;
	char socket[256];
	char test_path[256];
	bool verbose, want_shell;
	unsigned long orphans;
};

static const char *const child_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/",
					 "TERM=linux", NULL };

static void child_setup(const struct init *in)
{
	sigprocmask(SIG_SETMASK, &in->child_mask, NULL);
}

static pid_t spawn(const struct init *in, const char *path, char *const argv[], const char *log,
		   bool session)
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
	execve(path, argv, (char *const *)child_env);
	init_say("exec %s: %s", path, strerror(errno));
	_exit(127);
}

static void engine_start(struct init *in)
{
	char state[256], run[256], log[300];
	char *argv[] = { "tugd", "--data-root", state, "--exec-root", run, NULL };

	snprintf(state, sizeof(state), "%s", tug_state_dir());
	snprintf(run, sizeof(run), "%s", tug_run_dir());
	snprintf(log, sizeof(log), "%s/tugd.log", run);
	mkdir(run, 0711);
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
	shutdown_run(SHUTDOWN_REBOOT, in->engine, 2, &in->wd);
}

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

/* After the manifest: the test program, or the shell when asked for. */
static void boot_done(struct init *in)
{
	if (in->test_path[0])
		test_start(in);
	else if (in->want_shell)
		shell_start(in);
}

static void boot_start(struct init *in)
{
	pid_t pid;

	if (!in->have_manifest || (!in->manifest.nimages && !in->manifest.ncontainers)) {
		boot_done(in);
		return;
	}
	if (!IS_ENABLED(CONFIG_DAEMON)) {
		init_say("boot: containers not supported by this build (CONFIG_DAEMON)");
		boot_done(in);
		return;
	}
	pid = fork();
	if (pid == 0) {
		child_setup(in);
		_exit(boot_run(&in->manifest, in->socket, in->start_us));
	}
	if (pid < 0) {
		init_say("boot: fork: %s", strerror(errno));
		boot_done(in);
		return;
	}
	in->boot = pid;
}

static void __attribute__((noreturn)) shut(struct init *in, enum shutdown_action a)
{
	shutdown_run(a, in->engine, in->have_manifest ? in->manifest.stop_timeout : 5, &in->wd);
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
			if (WIFSIGNALED(status))
				init_say("boot: the manifest runner died of signal %d", WTERMSIG(status));
			else if (WEXITSTATUS(status))
				init_say("boot: some of the manifest failed (see above)");
			boot_done(in);
		} else if (pid == in->test) {
			in->test = 0;
			init_say("test exit %d", WIFEXITED(status) ? WEXITSTATUS(status)
								   : 128 + WTERMSIG(status));
			shut(in, SHUTDOWN_POWEROFF);
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
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		int timeout = in->wd.pid ? in->wd.interval_ms : 5000;

		if (!in->engine && in->engine_next_ms) {
			long long due = in->engine_next_ms - init_now_ms();

			if (due <= 0)
				engine_start(in);
			else if (due < timeout)
				timeout = (int)due;
		}
		watchdog_beat(&in->wd);
		if (poll(&p, 1, timeout) > 0 && read(sfd, &si, sizeof(si)) == sizeof(si))
			handle_signal(in, (int)si.ssi_signo);
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

static void bring_up(struct init *in)
{
	struct tug_err err = { 0 };
	char buf[512], dir[300];
	const char *host = NULL;

	if (read_small_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf), &err) < 0) {
		tug_err_wrap(&err, "cgroup2 controllers");
		init_report(&err);
	} else {
		init_say("cgroup2 controllers: %s", buf);
	}
	if (cgroup_enable_controllers("cpu memory pids io", &err) < 0)
		init_report(&err);
	load_manifest(in);
	if (in->have_manifest && in->manifest.nmodules) {
		long long t0 = init_now_us();

		modules_dir(dir, sizeof(dir));
		modules_load(dir, in->manifest.modules, in->manifest.nmodules);
		init_say("modules: %zu asked for, loaded in %lld ms", in->manifest.nmodules,
			 (init_now_us() - t0) / 1000);
	}
	if (in->have_manifest && in->manifest.hostname)
		host = in->manifest.hostname;
	else if (read_small_file("/etc/hostname", buf, sizeof(buf), &err) == 0 && buf[0])
		host = buf;
	if (set_hostname(host ? host : "tug", &err) < 0)
		init_report(&err);
	if (loopback_up(&err) < 0)
		init_report(&err);
	if (in->have_manifest && in->manifest.watchdog_timeout &&
	    watchdog_start(&in->wd, in->manifest.watchdog_device, in->manifest.watchdog_timeout,
			   &err) < 0)
		init_report(&err);
}

int init_main(int argc, char **argv)
{
	static struct init in = { .wd = { .heartbeat_fd = -1 } };
	struct tug_err err = { 0 };
	struct timespec rt;
	sigset_t all;
	char buf[16];

	if (getpid() != 1) {
		dprintf(STDERR_FILENO, "tug-init: not PID 1 (pid %d), refusing to take over\n",
			(int)getpid());
		return 1;
	}
	in.start_us = init_now_us();
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
	in.verbose = cmdline_get("tug.verbose", buf, sizeof(buf), &err) > 0;
	in.want_shell = cmdline_get("tug.shell", buf, sizeof(buf), &err) > 0;
	bring_up(&in);
	snprintf(in.socket, sizeof(in.socket), "%s/tug.sock", tug_run_dir());
	if (IS_ENABLED(CONFIG_DAEMON) && (in.have_manifest || !in.test_path[0] ||
					   cmdline_get("tug.engine", buf, sizeof(buf), &err) > 0))
		engine_start(&in);
	boot_start(&in);
	loop(&in);
}
