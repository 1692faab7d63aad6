/*
 * oci_runtime_create: validate everything, then make the state directory,
 * the cgroup and the init (cloned into its new namespaces), and walk it
 * through its set-up. Any failure undoes all of it: no half-made container.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/oci/hooks.h"
#include "core/oci/runtime.h"
#include "core/oci/spec.h"
#include "core/oci/state.h"
#include "core/oci/sync.h"
#include "platform/caps.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/ns.h"
#include "platform/process.h"
#include "platform/pty.h"
#include "platform/seccomp.h"
#include "platform/boottrace.h"

void oci_create_opts_init(struct oci_create_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->stdio[0] = opts->stdio[1] = opts->stdio[2] = -1;
}

static int validate(const struct oci_spec *s, struct tug_err *err)
{
	if (!s->has_process)
		return tug_err_set(err, EINVAL, "process: required to create a container");
	if (caps_validate_oci(s->process.capabilities, err) < 0)
		return -1;
	/* Compiled out, the stub's message does not say which field asked for it. */
	if (seccomp_validate_oci(s->seccomp, err) < 0)
		return IS_ENABLED(CONFIG_SECCOMP) ? -1 : tug_err_wrap(err, "linux.seccomp");
	if (cgroup_validate_oci(s->resources, err) < 0)
		return -1;
	return 0;
}

/* The state record, written once the init is waiting. */
static cJSON *state_record(const struct oci_spec *s, const char *id, pid_t pid, const char *cgroup,
			   const char *status)
{
	char created[64];
	cJSON *j = cJSON_CreateObject();

	oci_state_timestamp(created, sizeof(created));
	cJSON_AddStringToObject(j, "ociVersion", s->version);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddNumberToObject(j, "pid", pid);
	cJSON_AddStringToObject(j, "status", status);
	cJSON_AddStringToObject(j, "bundle", s->bundle);
	cJSON_AddStringToObject(j, "rootfs", s->root_path);
	cJSON_AddStringToObject(j, "created", created);
	if (s->annotations)
		cJSON_AddItemToObject(j, "annotations", cJSON_Duplicate(s->annotations, 1));
	return j;
}

/* The state the hooks read on stdin (runtime-spec "state" object). */
static char *hook_state(const struct oci_spec *s, const char *id, pid_t pid, const char *status)
{
	_cleanup_json_ cJSON *j = state_record(s, id, pid, "", status);

	cJSON_DeleteItemFromObject(j, "created");
	cJSON_DeleteItemFromObject(j, "rootfs");
	return cJSON_PrintUnformatted(j);
}

struct saved_ns {
	int pid, time;
};

/* Namespaces that clone(2) cannot give the child directly are set up for our children. */
static int prepare_child_ns(const struct oci_spec *s, struct saved_ns *saved, struct tug_err *err)
{
	const char *pidpath = NULL, *timepath = NULL;

	if (oci_spec_has_ns(s, CLONE_NEWPID, &pidpath) && pidpath) {
		saved->pid = ns_open(0, "pid", err);
		if (saved->pid < 0 || ns_join_path(pidpath, CLONE_NEWPID, err) < 0)
			return tug_err_wrap(err, "linux.namespaces: pid");
	}
	if (oci_spec_has_ns(s, CLONE_NEWTIME, &timepath) && !timepath) {
		saved->time = ns_open(0, "time", err);
		if (saved->time < 0)
			return tug_err_wrap(err, "linux.namespaces: time");
		if (ns_unshare_time(s->time_offset_mono_s, s->time_offset_mono_ns,
				    s->time_offset_boot_s, s->time_offset_boot_ns, err) < 0)
			return tug_err_wrap(err, "linux.namespaces: time");
	}
	return 0;
}

static void restore_ns(struct saved_ns *saved)
{
	if (saved->pid >= 0) {
		setns(saved->pid, CLONE_NEWPID);
		close(saved->pid);
	}
	if (saved->time >= 0) {
		setns(saved->time, CLONE_NEWTIME);
		close(saved->time);
	}
	saved->pid = saved->time = -1;
}

static unsigned long clone_flags(const struct oci_spec *s)
{
	unsigned long f = 0;

	for (size_t i = 0; i < s->n_ns; i++)
		if (!s->ns[i].path && s->ns[i].flag != CLONE_NEWTIME &&
		    s->ns[i].flag != CLONE_NEWCGROUP)
			f |= (unsigned long)s->ns[i].flag;
	return f;
}

/* Walk the init through set-up; returns the pty master (or -1) in *master. */
static int drive_init(int sock, const struct oci_spec *s, const char *id, pid_t pid, int *master,
		      struct tug_err *err)
{
	struct oci_sync_msg m;

	if (oci_sync_send(sock, SYNC_GO, NULL) < 0)
		return tug_err_sys(err, "start container init");
	for (;;) {
		if (oci_sync_recv(sock, &m, err) < 0)
			return -1;
		if (m.type == SYNC_READY)
			return 0;
		if (m.type == SYNC_TERMINAL) {
			*master = pty_recv_fd(sock, err);
			if (*master < 0)
				return -1;
		} else if (m.type == SYNC_HOOKS) {
			_cleanup_free_ char *st = hook_state(s, id, pid, "creating");

			if (oci_hooks_run(s->hooks, "prestart", st, err) < 0 ||
			    oci_hooks_run(s->hooks, "createRuntime", st, err) < 0)
				return -1;
			if (oci_sync_send(sock, SYNC_GO, NULL) < 0)
				return tug_err_sys(err, "resume container init");
		} else {
			return tug_err_set(err, EPROTO, "unexpected message %d from init", m.type);
		}
	}
}

static int write_pid_file(const char *path, pid_t pid, struct tug_err *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (atomic_write_file(AT_FDCWD, path, buf, (size_t)n, 0644, err) < 0)
		return tug_err_wrap(err, "pid file");
	return 0;
}

static int create_with_spec(const char *root, const char *id, struct oci_spec *s, const char *dir,
			    const struct oci_create_opts *opts, pid_t *out_pid, struct tug_err *err)
{
	char cgroup[PATH_MAX] = "", fifo[PATH_MAX + 16], statepath[PATH_MAX + 16];
	struct saved_ns saved = {-1, -1};
	int sv[2] = {-1, -1}, master = -1, rc = -1, fifo_fd = -1;
	bool in_cgroup = true;
	pid_t pid = -1;
	_cleanup_free_ char *hstate = NULL, *hcreating = NULL;
	_cleanup_json_ cJSON *rec = NULL;

	snprintf(fifo, sizeof(fifo), "%s/" OCI_EXEC_FIFO, dir);
	if (mkfifo(fifo, 0600) < 0)
		return tug_err_sys(err, "mkfifo %s", fifo);
	/* Opened here, not in the init: a user namespace may leave the init no right to it. */
	fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
	if (fifo_fd < 0)
		return tug_err_sys(err, "open %s", fifo);
	if (cgroup_create_oci(s->cgroups_path, id, s->resources, cgroup, sizeof(cgroup), err) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		tug_err_sys(err, "socketpair");
		goto out;
	}
	hstate = hook_state(s, id, 0, "created");
	hcreating = hook_state(s, id, 0, "creating");
	if (prepare_child_ns(s, &saved, err) < 0)
		goto out;
	boot_trace("oci: cgroup made, cloning");
	if (cgroup[0])
		pid = ns_clone_into_cgroup(clone_flags(s), cgroup, err);
	if (!cgroup[0] || pid == -2) {
		in_cgroup = false;
		pid = ns_clone(clone_flags(s), err);
	}
	if (pid == 0) {
		const char *userns = NULL, *mntns = NULL;
		struct oci_init_args a = {
		    .spec = s,
		    .fifo = fifo_fd,
		    .sync = sv[1],
		    .preserve_fds = opts->preserve_fds,
		    .no_pivot = opts->no_pivot,
		    .state_json = hstate,
		    .state_creating = hcreating,
		};

		close(sv[0]);
		memcpy(a.stdio, opts->stdio, sizeof(a.stdio));
		a.new_userns = oci_spec_has_ns(s, CLONE_NEWUSER, &userns) && !userns;
		/* A joined mount namespace is another container's: its root is ours as is. */
		a.new_mntns = oci_spec_has_ns(s, CLONE_NEWNS, &mntns) && !mntns;
		a.joined_mntns = mntns != NULL;
		oci_container_init(&a);
	}
	boot_trace("oci: cloned");
	restore_ns(&saved);
	close(fifo_fd);
	fifo_fd = -1;
	if (pid < 0)
		goto out;
	close(sv[1]);
	sv[1] = -1;
	{
		const char *userns = NULL;

		if (oci_spec_has_ns(s, CLONE_NEWUSER, &userns) && !userns &&
		    ns_write_idmaps(pid, s->uid_maps, s->n_uid_maps, s->gid_maps, s->n_gid_maps,
				    err) < 0)
			goto out;
	}
	if (!in_cgroup && cgroup_enter(cgroup, pid, err) < 0)
		goto out;
	if (drive_init(sv[0], s, id, pid, &master, err) < 0)
		goto out;
	boot_trace("oci: init ready");
	rec = state_record(s, id, pid, cgroup, "created");
	cJSON_DeleteItemFromObject(rec, "status");
	cJSON_AddNumberToObject(rec, "initStartTime", (double)process_start_time(pid));
	cJSON_AddStringToObject(rec, "cgroup", cgroup);
	if (s->hooks)
		cJSON_AddItemToObject(rec, "hooks", cJSON_Duplicate(s->hooks, 1));
	snprintf(statepath, sizeof(statepath), "%s/" OCI_STATE_FILE, dir);
	if (oci_state_write(statepath, rec, err) < 0)
		goto out;
	if (opts->pid_file && write_pid_file(opts->pid_file, pid, err) < 0)
		goto out;
	if (master >= 0 && opts->console_socket &&
	    pty_send_to_console_socket(opts->console_socket, master, err) < 0)
		goto out;
	if (master >= 0 && !opts->console_socket) {
		if (!opts->console_master) {
			tug_err_set(
			    err, EINVAL,
			    "process.terminal: needs --console-socket (or run in the foreground)");
			goto out;
		}
		*opts->console_master = take_fd(master);
	}
	boot_trace("oci: state written");
	*out_pid = pid;
	rc = 0;
out:
	if (fifo_fd >= 0)
		close(fifo_fd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (master >= 0)
		close(master);
	if (rc < 0) {
		struct tug_err ignored;

		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		cgroup_destroy(cgroup, &ignored);
	}
	return rc;
}

int oci_runtime_create(const char *root, const char *id, const char *bundle,
		       const struct oci_create_opts *opts, pid_t *pid, struct tug_err *err)
{
	struct oci_spec s;
	char dir[PATH_MAX];
	int rc;

	if (oci_state_dir(root, id, dir, sizeof(dir), err) < 0)
		return -1;
	if (oci_spec_load(bundle, &s, err) < 0)
		return -1;
	if (validate(&s, err) < 0) {
		oci_spec_free(&s);
		return -1;
	}
	if (mkdir_p(root, 0711, err) < 0) {
		oci_spec_free(&s);
		return tug_err_wrap(err, "state root");
	}
	if (mkdir(dir, 0711) < 0) {
		oci_spec_free(&s);
		if (errno == EEXIST)
			return tug_err_set(err, EEXIST, "container with id %s already exists", id);
		return tug_err_sys(err, "mkdir %s", dir);
	}
	boot_trace("oci: spec loaded");
	rc = create_with_spec(root, id, &s, dir, opts, pid, err);
	if (rc < 0) {
		struct tug_err ignored;

		remove_tree(AT_FDCWD, dir, &ignored);
	}
	oci_spec_free(&s);
	return rc;
}
