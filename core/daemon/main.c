/* tugd: flags, socket, keeper, state, then the loop. */
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/daemon/daemon.h"
#include "core/update/update.h"
#include "core/daemon/netvol.h"
#include "core/paths.h"
#include "platform/fsutil.h"
#include "platform/pidfd.h"
#include "platform/boottrace.h"

struct daemon *g_daemon;

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	switch (*end | 0x20) {
	case 'k': v *= 1024; break;
	case 'm': v *= 1024 * 1024; break;
	case 'g': v *= 1024.0 * 1024 * 1024; break;
	default: break;
	}
	return (uint64_t)v;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tugd [OPTIONS]\n\n"
		   "  -H, --host unix://PATH   API socket (default %s/tug.sock)\n"
		   "  -G, --group NAME         group owning the socket (mode 0660)\n"
		   "      --data-root DIR      persistent state (default %s)\n"
		   "      --exec-root DIR      runtime state (default %s)\n"
		   "      --log-max-size SIZE  per container log file cap (default 10m)\n"
		   "      --log-max-files N    log files kept per container (default 3)\n",
		tug_run_dir(), tug_state_dir(), tug_run_dir());
}

static int listen_unix(struct daemon *d, struct tug_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(d->cfg.host) >= sizeof(sa.sun_path))
		return tug_err_set(err, ENAMETOOLONG, "socket path %s", d->cfg.host);
	strcpy(sa.sun_path, d->cfg.host);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tug_err_sys(err, "socket");
	unlink(d->cfg.host);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		close(fd);
		return tug_err_sys(err, "listen on %s", d->cfg.host);
	}
	chmod(d->cfg.host, 0660);
	if (d->cfg.group[0]) {
		struct group *g = getgrnam(d->cfg.group);

		if (!g || chown(d->cfg.host, 0, g->gr_gid))
			fprintf(stderr, "tugd: warning: cannot give %s to group %s\n", d->cfg.host,
				d->cfg.group);
	}
	d->listen_fd = fd;
	return 0;
}

bool daemon_board_boot;

int daemon_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "group", required_argument, NULL, 'G' },
		{ "data-root", required_argument, NULL, 'D' },
		{ "exec-root", required_argument, NULL, 'E' },
		{ "log-max-size", required_argument, NULL, 'S' },
		{ "log-max-files", required_argument, NULL, 'F' },
		{ "keeper", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct daemon d;
	struct tug_err err;
	sigset_t mask;
	int opt;
	char tmp[600];

	g_daemon = &d;
	d.cfg.log_max_size = 10 << 20;
	d.cfg.log_max_files = 3;
	d.keeper_fd = -1;
	while ((opt = getopt_long(argc, argv, "H:G:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			snprintf(d.cfg.host, sizeof(d.cfg.host), "%s",
				 strncmp(optarg, "unix://", 7) ? optarg : optarg + 7);
			break;
		case 'G':
			snprintf(d.cfg.group, sizeof(d.cfg.group), "%s", optarg);
			break;
		case 'D':
			setenv("TUG_STATE_DIR", optarg, 1);
			break;
		case 'E':
			setenv("TUG_RUN_DIR", optarg, 1);
			break;
		case 'S':
			d.cfg.log_max_size = parse_size(optarg);
			break;
		case 'F':
			d.cfg.log_max_files = atoi(optarg);
			break;
		case 'K':
			return keeper_main(optarg);
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s", tug_state_dir());
	snprintf(d.cfg.run_dir, sizeof(d.cfg.run_dir), "%s", tug_run_dir());
	if (!d.cfg.host[0])
		snprintf(d.cfg.host, sizeof(d.cfg.host), "%s/tug.sock", d.cfg.run_dir);
	snprintf(d.oci_root, sizeof(d.oci_root), "%s/oci", d.cfg.run_dir);
	{
		/* Bind-mounted as /sbin/docker-init into --init containers. */
		ssize_t n = readlink("/proc/self/exe", d.self_exe, sizeof(d.self_exe) - 1);

		d.self_exe[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strstr(d.self_exe, " (deleted)"))
			snprintf(d.self_exe, sizeof(d.self_exe), "/proc/self/exe");
	}
	if (mkdir_p(d.cfg.state_dir, 0711, &err) || mkdir_p(d.cfg.run_dir, 0711, &err) ||
	    mkdir_p(d.oci_root, 0700, &err))
		goto fail;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	d.now_ms = mono_ms();
	if (d.sig_fd < 0 || d.timer_fd < 0 || d.epfd < 0) {
		tug_err_sys(&err, "event loop");
		goto fail;
	}
	/* Decided once, here: pidfds, or SIGCHLD and the keeper (platform/pidfd.h). */
	if (!pidfd_supported())
		fprintf(stderr, "tugd: no pidfds (Linux < 5.3): exec processes are reaped on SIGCHLD, "
				"containers signalled through the keeper\n");
	/*
	 * The keeper it starts becomes its child, and so do that keeper's
	 * containers if it dies: tugd reaps them with their real exit codes
	 * (ctr_reap_orphans; docs/daemon.md "When the keeper dies").
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	boot_trace("tugd: main, dirs, loop fds");
	if (keeper_connect(&d, &err))
		goto fail;
	boot_trace("tugd: keeper connected");
	if (ctr_load_all(&d, &err))
		goto fail;
	boot_trace("tugd: containers loaded");
	update_replay(&d); /* a transaction a crash cut off */
	ctr_start_at_daemon_start(&d);
	boot_trace("tugd: update replay, start at daemon start");
	if (daemon_board_boot)
		netvol_daemon_start_later(&d);
	else
		netvol_daemon_start(&d);
	boot_trace("tugd: netvol started");
	if (listen_unix(&d, &err))
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s/tugd.pid", d.cfg.run_dir);
	{
		char pid[32];

		snprintf(pid, sizeof(pid), "%d\n", getpid());
		atomic_write_file(AT_FDCWD, tmp, pid, strlen(pid), 0644, &err);
	}
	boot_trace("tugd: listening, pid file");
	fprintf(stderr, "tugd: API listening on unix://%s\n", d.cfg.host);
	loop_run(&d);
	unlink(d.cfg.host);
	return EXIT_OK;
fail:
	tug_err_wrap(&err, "tugd");
	tug_err_print(&err);
	return EXIT_RUNTIME;
}
