/* oci_runtime_exec: a new process inside a running container's namespaces and cgroup. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/oci/runtime.h"
#include "core/oci/spec.h"
#include "core/oci/state.h"
#include "core/oci/sync.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/seccomp.h"
#include "platform/fsutil.h"
#include "platform/ns.h"
#include "platform/process.h"
#include "platform/pty.h"

/* Join order: the user namespace first (it grants the rights for the rest), mount last. */
static const struct {
	const char *name;
	int flag;
} join_order[] = {
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},	  {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
    {"mnt", CLONE_NEWNS},
};

void oci_exec_child(const struct oci_exec_args *a)
{
	struct tug_err err = {0};
	struct oci_sync_msg m;
	char exe[PATH_MAX];
	int master = -1, slave = -1;

	if (oci_sync_recv(a->sync, &m, &err) < 0)
		_exit(1);
	for (int i = 0; i < a->n_ns; i++) {
		if (ns_join_fd(a->ns_fds[i], a->ns_flags[i], "container namespace", &err) < 0)
			goto fail;
		if (a->ns_flags[i] == CLONE_NEWUSER &&
		    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			tug_err_sys(&err, "become root in the user namespace");
			goto fail;
		}
	}
	if (process_dup_stdio(a->stdio, &err) < 0)
		goto fail;
	if (a->process->terminal) {
		char name[64];

		if (pty_open(&master, name, sizeof(name), &err) < 0)
			goto fail;
		slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0) {
			tug_err_sys(&err, "open %s", name);
			goto fail;
		}
		pty_set_size(master, a->process->console_rows, a->process->console_cols, &err);
		if (oci_sync_send(a->sync, SYNC_TERMINAL, NULL) < 0 ||
		    pty_send_fd(a->sync, master, "", &err) < 0)
			goto fail;
		close(master);
		if (pty_make_controlling(slave, &err) < 0)
			goto fail;
	}
	if (process_find_exec(a->process->args[0], a->process->env, exe, sizeof(exe), &err) < 0)
		goto fail;
	if (process_prepare_fds(a->preserve_fds, &err) < 0)
		goto fail;
	/* The sync socket is close-on-exec: EOF after READY means the exec happened. */
	if (oci_sync_send(a->sync, SYNC_READY, NULL) < 0)
		_exit(1);
	oci_exec_process(a->process, a->seccomp, exe, &err);
	tug_err_print(&err);
	_exit(127);
fail:
	oci_sync_send(a->sync, SYNC_ERROR, &err);
	_exit(1);
}

static int open_namespaces(pid_t pid, struct oci_exec_args *a, int *pidns, struct tug_err *err)
{
	a->n_ns = 0;
	for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
		if (!ns_differs(pid, join_order[i].name))
			continue;
		a->ns_fds[a->n_ns] = ns_open(pid, join_order[i].name, err);
		if (a->ns_fds[a->n_ns] < 0)
			return -1;
		a->ns_flags[a->n_ns++] = join_order[i].flag;
	}
	*pidns = ns_differs(pid, "pid") ? ns_open(pid, "pid", err) : -1;
	return 0;
}

static int run_exec(const struct oci_state *st, struct oci_exec_args *a, int pidns,
		    const struct oci_create_opts *opts, pid_t *out, struct tug_err *err)
{
	int sv[2], master = -1, selfpid = -1;
	struct oci_sync_msg m;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return tug_err_sys(err, "socketpair");
	if (pidns >= 0) {
		/* setns(pid) only moves our future children: the fork below lands inside. */
		selfpid = ns_open(0, "pid", err);
		if (selfpid < 0 || ns_join_fd(pidns, CLONE_NEWPID, "pid namespace", err) < 0)
			goto fail_early;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		a->sync = sv[1];
		oci_exec_child(a);
	}
	if (selfpid >= 0) {
		setns(selfpid, CLONE_NEWPID);
		close(selfpid);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return tug_err_sys(err, "fork");
	}
	if (cgroup_enter(st->cgroup, pid, err) < 0 || oci_sync_send(sv[0], SYNC_GO, NULL) < 0)
		goto fail;
	for (;;) {
		if (oci_sync_recv(sv[0], &m, err) < 0)
			goto fail;
		if (m.type == SYNC_READY)
			break;
		if (m.type == SYNC_TERMINAL && (master = pty_recv_fd(sv[0], err)) < 0)
			goto fail;
	}
	close(sv[0]);
	if (opts->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

		if (atomic_write_file(AT_FDCWD, opts->pid_file, buf, (size_t)n, 0644, err) < 0)
			goto fail_after;
	}
	if (master >= 0) {
		if (opts->console_socket) {
			if (pty_send_to_console_socket(opts->console_socket, master, err) < 0)
				goto fail_after;
			close(master);
		} else if (opts->console_master) {
			*opts->console_master = master;
		} else {
			close(master);
		}
	}
	*out = pid;
	return 0;
fail:
	close(sv[0]);
fail_after:
	if (master >= 0)
		close(master);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
fail_early:
	if (selfpid >= 0)
		close(selfpid);
	close(sv[0]);
	close(sv[1]);
	return tug_err_wrap(err, "exec");
}

int oci_runtime_exec(const char *root, const char *id, const cJSON *process,
		     const struct oci_create_opts *opts, pid_t *pid, struct tug_err *err)
{
	struct oci_state st;
	struct oci_process p;
	struct oci_spec spec = {0};
	struct oci_exec_args a = {0};
	int pidns = -1, rc = -1;

	if (oci_state_load(root, id, &st, err) < 0)
		return -1;
	if (strcmp(oci_state_status(&st), "running")) {
		tug_err_set(err, EINVAL, "cannot exec in container %s: it is %s", id,
			    oci_state_status(&st));
		oci_state_free(&st);
		return -1;
	}
	if (oci_process_parse(process, "process", &p, err) < 0) {
		oci_state_free(&st);
		return -1;
	}
	/* The container's seccomp filter applies to exec'd processes too. */
	if (st.bundle && oci_spec_load(st.bundle, &spec, err) < 0)
		goto out;
	a.process = &p;
	a.seccomp = spec.seccomp;
	/* Compiled here, once per profile, not in every exec'd child (platform/seccomp.c). */
	if (seccomp_validate_oci(spec.seccomp, err) < 0)
		goto out;
	a.preserve_fds = opts->preserve_fds;
	memcpy(a.stdio, opts->stdio, sizeof(a.stdio));
	for (int i = 0; i < 8; i++)
		a.ns_fds[i] = -1;
	if (open_namespaces(st.pid, &a, &pidns, err) < 0)
		goto out;
	rc = run_exec(&st, &a, pidns, opts, pid, err);
out:
	for (int i = 0; i < a.n_ns; i++)
		close(a.ns_fds[i]);
	if (pidns >= 0)
		close(pidns);
	oci_spec_free(&spec);
	oci_process_free(&p);
	oci_state_free(&st);
	return rc;
}
