/*
 * The container init: runs in the cloned child, in the new namespaces,
 * builds the root filesystem, then waits on exec.fifo until `start`, and
 * finally becomes the user's process. Every failure goes back to the
 * create process as text over the sync socket.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/oci/hooks.h"
#include "core/oci/state.h"
#include "core/oci/sync.h"
#include "platform/caps.h"
#include "platform/mount.h"
#include "platform/ns.h"
#include "platform/process.h"
#include "platform/pty.h"
#include "platform/seccomp.h"
#include "platform/boottrace.h"

static void __attribute__((noreturn)) fail(int sync, struct tug_err *err)
{
	if (sync >= 0 && oci_sync_send(sync, SYNC_ERROR, err) == 0)
		_exit(1);
	tug_err_print(err);
	_exit(1);
}

static int wait_go(int sync, struct tug_err *err)
{
	struct oci_sync_msg m;

	if (oci_sync_recv(sync, &m, err) < 0)
		return -1;
	if (m.type != SYNC_GO)
		return tug_err_set(err, EPROTO, "unexpected message %d from runtime", m.type);
	return 0;
}

static int become_ns_root(struct tug_err *err)
{
	/* Our host uid means nothing in the new namespace; 0 is mapped. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return tug_err_sys(err, "become root in the user namespace");
	return 0;
}

/*
 * All namespace files are opened first, then joined (as runc): once we are
 * in the container's mount namespace, a /proc/PID/ns path of the host may
 * no longer resolve.
 */
static int join_paths(const struct oci_spec *s, struct tug_err *err)
{
	static const int order[] = {CLONE_NEWUSER, CLONE_NEWIPC,    CLONE_NEWUTS, CLONE_NEWNET,
				    CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWTIME};
	int fds[OCI_MAX_NS];
	size_t i, o;
	int rc = -1;

	for (i = 0; i < s->n_ns; i++)
		fds[i] = -1;
	for (i = 0; i < s->n_ns; i++) {
		if (!s->ns[i].path || s->ns[i].flag == CLONE_NEWPID)
			continue;
		fds[i] = open(s->ns[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			tug_err_sys(err, "linux.namespaces[%zu]: open namespace %s", i,
				    s->ns[i].path);
			goto out;
		}
	}
	for (o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (i = 0; i < s->n_ns; i++) {
			if (s->ns[i].flag != order[o] || fds[i] < 0)
				continue;
			if (ns_join_fd(fds[i], s->ns[i].flag, s->ns[i].path, err) < 0) {
				tug_err_wrap(err, "linux.namespaces[%zu]", i);
				goto out;
			}
			if (order[o] == CLONE_NEWUSER && become_ns_root(err) < 0)
				goto out;
		}
	rc = 0;
out:
	for (i = 0; i < s->n_ns; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static bool dev_is_bound(const struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, "/dev") && s->mounts[i].bind)
			return true;
	return false;
}

static int setup_rootfs(const struct oci_init_args *a, struct tug_err *err)
{
	const struct oci_spec *s = a->spec;
	const char *root = s->root_path;

	if (mount_prepare_rootfs(root, s->rootfs_propagation, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount_entry m = s->mounts[i];
		char src[PATH_MAX];

		/* A relative bind source is relative to the bundle, as in runc. */
		if (m.bind && m.source[0] != '/') {
			snprintf(src, sizeof(src), "%s/%s", s->bundle, m.source);
			m.source = src;
		}
		if (mount_entry_apply(root, &m, a->new_userns, err) < 0)
			return tug_err_wrap(err, "mounts[%zu]", i);
	}
	if (!dev_is_bound(s)) {
		if (mount_default_devices(root, a->new_userns, err) < 0)
			return tug_err_wrap(err, "default devices");
		if (mount_dev_symlinks(root, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < s->n_devices; i++)
		if (mount_device(root, &s->devices[i], a->new_userns, err) < 0)
			return tug_err_wrap(err, "linux.devices[%zu]", i);
	/* Before pivot_root, so files are masked with the host's /dev/null (as crun). */
	for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
		if (mount_mask_path(root, s->masked_paths[i], err) < 0)
			return -1;
	return 0;
}

static int setup_terminal(const struct oci_init_args *a, int *slave_fd, struct tug_err *err)
{
	const struct oci_process *p = &a->spec->process;
	char slave[64];
	int master;

	if (pty_open(&master, slave, sizeof(slave), err) < 0)
		return tug_err_wrap(err, "process.terminal");
	*slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave_fd < 0) {
		close(master);
		return tug_err_sys(err, "process.terminal: open %s", slave);
	}
	pty_set_size(master, p->console_rows, p->console_cols, err);
	if (a->new_mntns && mount_console("", slave, err) < 0) {
		close(master);
		return -1;
	}
	if (oci_sync_send(a->sync, SYNC_TERMINAL, NULL) < 0 ||
	    pty_send_fd(a->sync, master, "", err) < 0) {
		close(master);
		return tug_err_sys(err, "process.terminal: hand the pty to the runtime");
	}
	close(master);
	return 0;
}

static int after_pivot(const struct oci_init_args *a, struct tug_err *err)
{
	const struct oci_spec *s = a->spec;
	const cJSON *it;

	if (a->new_mntns && s->rootfs_propagation &&
	    mount_set_propagation("/", s->rootfs_propagation, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, s->sysctl)
	{
		if (process_set_sysctl(it->string, it->valuestring, err) < 0)
			return -1;
	}
	if (process_set_hostname(s->hostname, s->domainname, err) < 0)
		return -1;
	/* Without a mount namespace of our own these would change someone else's mounts. */
	if (!a->new_mntns)
		return 0;
	for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
		if (mount_readonly_path(s->readonly_paths[i], err) < 0)
			return -1;
	if (s->root_readonly && mount_readonly_root(err) < 0)
		return -1;
	return 0;
}

int oci_exec_process(const struct oci_process *p, const cJSON *seccomp, const char *path,
		     struct tug_err *err)
{
	process_reset_signals();
	if (process_set_rlimits(p->rlimits, p->n_rlimits, err) < 0)
		return -1;
	if (p->has_oom_score_adj && process_set_oom_score_adj(p->oom_score_adj, err) < 0)
		return -1;
	/*
	 * As runc and crun: without noNewPrivileges the kernel takes a filter
	 * only from a task with CAP_SYS_ADMIN, so load it now, before the caps
	 * and the uid change; with it, load it last, so that as few of our own
	 * syscalls as possible run under the user's filter.
	 */
	if (!p->no_new_privileges && seccomp_apply_oci(seccomp, err) < 0)
		return tug_err_wrap(err, "linux.seccomp");
	if (caps_drop_bounding_oci(p->capabilities, err) < 0 || caps_prepare_uid_change(err) < 0)
		return -1;
	if (process_set_user(p->uid, p->gid, p->additional_gids, p->n_additional_gids, err) < 0)
		return -1;
	if (caps_apply_oci(p->capabilities, err) < 0)
		return -1;
	if (p->umask >= 0)
		umask((mode_t)p->umask);
	if (chdir(p->cwd) < 0)
		return tug_err_sys(err, "process.cwd: chdir %s", p->cwd);
	if (p->no_new_privileges) {
		if (process_set_no_new_privs(err) < 0)
			return -1;
		if (seccomp_apply_oci(seccomp, err) < 0)
			return tug_err_wrap(err, "linux.seccomp");
	}
	execve(path, (char *const *)p->args, (char *const *)p->env);
	return tug_err_sys(err, "exec %s", path);
}

void oci_container_init(const struct oci_init_args *a)
{
	const struct oci_spec *s = a->spec;
	struct tug_err err = {0};
	char exe[PATH_MAX];
	int fifo = -1, slave = -1;
	const char *cgns = NULL;
	char byte;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (wait_go(a->sync, &err) < 0)
		fail(-1, &err);
	if (a->new_userns && become_ns_root(&err) < 0)
		fail(a->sync, &err);
	if (process_dup_stdio(a->stdio, &err) < 0 || join_paths(s, &err) < 0)
		fail(a->sync, &err);
	/* The init outlives create: it must not hold the caller's other fds (pipes) open. */
	{
		const int keep[] = {a->sync, a->fifo};

		process_close_fds(3 + a->preserve_fds, keep, 2);
	}
	/* After the runtime moved us into our cgroup, so it becomes our cgroup root. */
	if (oci_spec_has_ns(s, CLONE_NEWCGROUP, &cgns) && !cgns && unshare(CLONE_NEWCGROUP) < 0) {
		tug_err_sys(&err, "unshare cgroup namespace");
		fail(a->sync, &err);
	}
	boot_trace("ctr-init: go");
	if (a->new_mntns && setup_rootfs(a, &err) < 0)
		fail(a->sync, &err);
	if (oci_hooks_has(s->hooks, "prestart") || oci_hooks_has(s->hooks, "createRuntime")) {
		if (oci_sync_send(a->sync, SYNC_HOOKS, NULL) < 0 || wait_go(a->sync, &err) < 0)
			fail(a->sync, &err);
	}
	if (oci_hooks_run(s->hooks, "createContainer", a->state_creating, &err) < 0)
		fail(a->sync, &err);
	boot_trace("ctr-init: rootfs set up");
	fifo = a->fifo;
	if (a->new_mntns) {
		if (mount_pivot_root(s->root_path, a->no_pivot, &err) < 0)
			fail(a->sync, &err);
	} else if (a->joined_mntns) {
		/* setns(CLONE_NEWNS) already put us at that namespace's root. */
		if (chdir("/") < 0) {
			tug_err_sys(&err, "chdir / in the joined mount namespace");
			fail(a->sync, &err);
		}
	} else if (chroot(s->root_path) < 0 || chdir("/") < 0) {
		tug_err_sys(&err, "chroot %s", s->root_path);
		fail(a->sync, &err);
	}
	if (s->process.terminal && setup_terminal(a, &slave, &err) < 0)
		fail(a->sync, &err);
	/*
	 * The pty becomes our stdio now, not at start: the caller of create
	 * (containerd's go-runc) waits for its stdout pipe to close.
	 */
	if (slave >= 0 && pty_make_controlling(slave, &err) < 0)
		fail(a->sync, &err);
	if (after_pivot(a, &err) < 0)
		fail(a->sync, &err);
	if (process_find_exec(s->process.args[0], s->process.env, exe, sizeof(exe), &err) < 0)
		fail(a->sync, &err);
	/*
	 * From READY on we outlive the create process: drop the death signal
	 * first, or a fast create+start+exit would kill us.
	 */
	boot_trace("ctr-init: pivoted, exe found");
	prctl(PR_SET_PDEATHSIG, 0);
	if (oci_sync_send(a->sync, SYNC_READY, NULL) < 0)
		_exit(1);
	close(a->sync);
	if (read(fifo, &byte, 1) != 1)
		_exit(1);
	/*
	 * Left open until the exec closes it (close-on-exec): start waits for
	 * that. Unless it sits among the fds the user's process inherits.
	 */
	if (fifo < 3 + a->preserve_fds)
		close(fifo);
	if (oci_hooks_run(s->hooks, "startContainer", a->state_json, &err) < 0) {
		tug_err_print(&err);
		_exit(1);
	}
	if (process_prepare_fds(a->preserve_fds, &err) < 0) {
		tug_err_print(&err);
		_exit(1);
	}
	boot_trace("ctr-init: exec");
	oci_exec_process(&s->process, s->seccomp, exe, &err);
	tug_err_print(&err);
	_exit(127);
}
