/* start, state, kill, delete, list, pause, resume, pids of OCI containers. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/oci/hooks.h"
#include "core/oci/runtime.h"
#include "core/oci/spec.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/process.h"
#include "platform/boottrace.h"

/* How long start waits for the init to exec the user's process. */
#define OCI_START_EXEC_WAIT_MS 1000

static char *hook_state_text(const struct oci_state *st, const char *status)
{
	_cleanup_json_ cJSON *j = oci_state_public(st, status);

	cJSON_DeleteItemFromObject(j, "created");
	cJSON_DeleteItemFromObject(j, "rootfs");
	cJSON_DeleteItemFromObject(j, "owner");
	return cJSON_PrintUnformatted(j);
}

/*
 * The init keeps exec.fifo open (close-on-exec) until its execve: once no
 * reader is left (POLLERR on our write end) the user's process runs, or
 * the init died trying. So start returns after the exec, not before it,
 * and whoever called it (the engine, a board's boot) may load the CPU
 * next without delaying the container. Bounded: a startContainer hook may
 * take its time.
 */
static void wait_exec(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	while (poll(&p, 1, OCI_START_EXEC_WAIT_MS) < 0 && errno == EINTR)
		;
}

int oci_runtime_start(const char *root, const char *id, struct tug_err *err)
{
	struct oci_state st;
	char fifo[PATH_MAX + 16];
	const char *status;
	int fd, rc = -1;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	status = oci_state_status(&st);
	if (strcmp(status, "created")) {
		tug_err_set(err, EINVAL, "cannot start a container that has %s",
			    strcmp(status, "stopped") ? "already started" : "stopped");
		goto out;
	}
	snprintf(fifo, sizeof(fifo), "%s/" OCI_EXEC_FIFO, st.dir);
	/* The init holds the fifo open for reading; no reader means it died. */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		tug_err_sys(err, "container %s init is gone", id);
		goto out;
	}
	if (write(fd, "0", 1) != 1) {
		tug_err_sys(err, "start %s", id);
		close(fd);
		goto out;
	}
	boot_trace("oci: start: fifo opened");
	wait_exec(fd);
	boot_trace("oci: start: exec seen");
	close(fd);
	unlink(fifo);
	if (oci_hooks_has(st.hooks, "poststart")) {
		_cleanup_free_ char *text = hook_state_text(&st, "running");

		/* poststart failures are logged, not fatal (runtime-spec). */
		if (oci_hooks_run(st.hooks, "poststart", text, err) < 0)
			tug_err_print(err);
	}
	rc = 0;
out:
	oci_state_free(&st);
	return rc;
}

int oci_runtime_state(const char *root, const char *id, cJSON **out, struct tug_err *err)
{
	struct oci_state st;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	*out = oci_state_public(&st, oci_state_status(&st));
	oci_state_free(&st);
	return *out ? 0 : tug_err_set(err, ENOMEM, "state %s", id);
}

/* Processes in the same pid namespace as the init (for hosts without a cgroup). */
static int pids_by_pidns(pid_t init, pid_t **pids, size_t *n, struct tug_err *err)
{
	char p[64];
	struct stat ref, st;
	DIR *d;
	struct dirent *e;
	size_t cap = 16;

	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)init);
	if (stat(p, &ref) < 0)
		return tug_err_sys(err, "%s", p);
	d = opendir("/proc");
	if (!d)
		return tug_err_sys(err, "/proc");
	*n = 0;
	*pids = malloc(cap * sizeof(pid_t));
	while (*pids && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
		if (stat(p, &st) < 0 || st.st_ino != ref.st_ino || st.st_dev != ref.st_dev)
			continue;
		if (*n == cap) {
			pid_t *np = realloc(*pids, (cap *= 2) * sizeof(pid_t));

			if (!np) {
				free(*pids);
				*pids = NULL;
				break;
			}
			*pids = np;
		}
		(*pids)[(*n)++] = pid;
	}
	closedir(d);
	return *pids ? 0 : tug_err_set(err, ENOMEM, "pids");
}

static int state_pids(const struct oci_state *st, pid_t **pids, size_t *n, struct tug_err *err)
{
	if (st->cgroup[0])
		return cgroup_pids(st->cgroup, pids, n, err);
	/* Without a pid namespace of its own, only the init is known to be ours. */
	if (!process_alive(st->pid, st->start_time)) {
		*pids = NULL;
		*n = 0;
		return 0;
	}
	{
		char a[64];
		struct stat si, ss;

		snprintf(a, sizeof(a), "/proc/%d/ns/pid", (int)st->pid);
		if (stat(a, &si) == 0 && stat("/proc/self/ns/pid", &ss) == 0 &&
		    si.st_ino != ss.st_ino)
			return pids_by_pidns(st->pid, pids, n, err);
	}
	*pids = malloc(sizeof(pid_t));
	if (!*pids)
		return tug_err_set(err, ENOMEM, "pids");
	(*pids)[0] = st->pid;
	*n = 1;
	return 0;
}

int oci_runtime_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct tug_err *err)
{
	struct oci_state st;
	int rc;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	rc = state_pids(&st, pids, n, err);
	oci_state_free(&st);
	return rc;
}

static int kill_state(const struct oci_state *st, int sig, bool all, struct tug_err *err)
{
	if (all && st->cgroup[0])
		return cgroup_kill_all(st->cgroup, sig, err);
	if (all) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (state_pids(st, &pids, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		return 0;
	}
	if (kill(st->pid, sig) < 0)
		return tug_err_sys(err, "kill %s", st->id);
	return 0;
}

int oci_runtime_kill(const char *root, const char *id, int sig, bool all, struct tug_err *err)
{
	struct oci_state st;
	int rc = -1;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	if (!strcmp(oci_state_status(&st), "stopped"))
		tug_err_set(err, ESRCH, "container %s is not running", id);
	else
		rc = kill_state(&st, sig, all, err);
	oci_state_free(&st);
	return rc;
}

int oci_runtime_delete(const char *root, const char *id, bool force, struct tug_err *err)
{
	struct oci_state st;
	const char *status;
	struct tug_err ignored;
	int rc = -1;

	if (oci_state_load(root, id, &st, err ? err : &ignored) < 0) {
		char dir[sizeof(st.dir)];

		/*
		 * A state directory without its state file is what a crash
		 * leaves of a create or a delete; left there, it would refuse
		 * the id forever ("already exists"). Forced, finish removing it.
		 */
		if (force && (err ? err : &ignored)->code == ENOENT &&
		    oci_state_dir(root, id, dir, sizeof(dir), &ignored) == 0 && !access(dir, F_OK))
			remove_tree(AT_FDCWD, dir, &ignored);
		return -1;
	}
	status = oci_state_status(&st);
	if (!strcmp(status, "running") || !strcmp(status, "paused")) {
		if (!force) {
			tug_err_set(err, EBUSY,
				    "cannot delete container %s that is not stopped: %s", id,
				    status);
			goto out;
		}
	}
	if (strcmp(status, "stopped")) {
		/* A created container is deleted by killing its waiting init, as runc does. */
		if (!strcmp(status, "paused"))
			cgroup_freeze(st.cgroup, false, &ignored);
		kill_state(&st, SIGKILL, true, &ignored);
		kill(st.pid, SIGKILL);
		if (process_wait_gone(st.pid, st.start_time, 5000) < 0) {
			tug_err_set(err, EBUSY, "container %s init %d did not die", id,
				    (int)st.pid);
			goto out;
		}
	}
	if (oci_hooks_has(st.hooks, "poststop")) {
		_cleanup_free_ char *text = hook_state_text(&st, "stopped");

		/* poststop failures are logged and deletion goes on (runtime-spec). */
		if (oci_hooks_run(st.hooks, "poststop", text, err) < 0)
			tug_err_print(err);
	}
	if (cgroup_destroy(st.cgroup, err) < 0)
		tug_err_print(err);
	if (remove_tree(AT_FDCWD, st.dir, err) < 0)
		goto out;
	rc = 0;
out:
	oci_state_free(&st);
	return rc;
}

int oci_runtime_list(const char *root, cJSON **list, struct tug_err *err)
{
	DIR *d = opendir(root);
	struct dirent *e;

	*list = cJSON_CreateArray();
	if (!*list)
		return tug_err_set(err, ENOMEM, "list");
	if (!d)
		return errno == ENOENT ? 0 : tug_err_sys(err, "open %s", root);
	while ((e = readdir(d))) {
		struct oci_state st;
		struct tug_err skip;
		struct stat sb;
		cJSON *item;

		if (e->d_name[0] == '.')
			continue;
		/* A container being created or deleted right now has no state yet: skip it. */
		if (oci_state_load(root, e->d_name, &st, &skip) < 0)
			continue;
		item = oci_state_public(&st, oci_state_status(&st));
		oci_state_free(&st);
		if (!item)
			continue;
		/* As runc: list (not state) names the owner of the state directory. */
		if (fstatat(dirfd(d), e->d_name, &sb, 0) == 0) {
			struct passwd *pw = getpwuid(sb.st_uid);
			char uid[24];

			snprintf(uid, sizeof(uid), "#%u", (unsigned)sb.st_uid);
			cJSON_ReplaceItemInObject(item, "owner",
						  cJSON_CreateString(pw ? pw->pw_name : uid));
		}
		cJSON_AddItemToArray(*list, item);
	}
	closedir(d);
	return 0;
}

static int set_paused(const char *root, const char *id, bool paused, struct tug_err *err)
{
	struct oci_state st;
	const char *status;
	int rc = -1;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	status = oci_state_status(&st);
	if (paused && strcmp(status, "running")) {
		tug_err_set(err, EINVAL, "container %s is not running", id);
		goto out;
	}
	if (!paused && strcmp(status, "paused")) {
		tug_err_set(err, EINVAL, "container %s is not paused", id);
		goto out;
	}
	if (!st.cgroup[0]) {
		tug_err_set(err, ENOTSUP, "no cgroup v2: cannot %s", paused ? "pause" : "resume");
		goto out;
	}
	if (cgroup_freeze(st.cgroup, paused, err) < 0)
		goto out;
	st.paused = paused;
	rc = oci_state_save(&st, err);
out:
	oci_state_free(&st);
	return rc;
}

int oci_runtime_pause(const char *root, const char *id, struct tug_err *err)
{
	return set_paused(root, id, true, err);
}

int oci_runtime_resume(const char *root, const char *id, struct tug_err *err)
{
	return set_paused(root, id, false, err);
}

int oci_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
	    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"BUS", SIGBUS},	   {"FPE", SIGFPE},
	    {"KILL", SIGKILL},	   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
	    {"PIPE", SIGPIPE},	   {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
	    {"CONT", SIGCONT},	   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
	    {"TTOU", SIGTTOU},	   {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
	    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
	    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
	};
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	/* A number goes to kill(2) as it is, as runc does: 0 probes, an
	 * out-of-range one fails there (EINVAL). */
	n = strtol(s, &end, 10);
	if (!*end)
		return n >= 0 && n <= INT_MAX ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!strcasecmp(sigs[i].name, s))
			return sigs[i].sig;
	if (!strncasecmp(s, "RTMIN+", 6))
		return SIGRTMIN + atoi(s + 6);
	return -1;
}
