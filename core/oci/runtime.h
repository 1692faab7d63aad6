/*
 * The OCI runtime as a library: the `tug oci` CLI and the daemon call the
 * same functions. No global state, no exit(), every fd it opens is closed
 * or handed to the caller. A container lives under root/<id>/ (state.json
 * and, between create and start, exec.fifo on which its init waits).
 */
#ifndef TUG_OCI_RUNTIME_H
#define TUG_OCI_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

#define OCI_DEFAULT_ROOT "/run/tug/oci"

struct oci_create_opts {
	const char *console_socket; /* path of a UNIX socket for the pty master, or NULL */
	const char *pid_file;	    /* written atomically with the init's pid, or NULL */
	int stdio[3];		    /* fds for the init's 0,1,2; -1 = inherit the caller's */
	int preserve_fds;	    /* fds 3..3+n-1 pass to the container */
	bool no_pivot;		    /* MS_MOVE + chroot instead of pivot_root */
	/*
	 * When the process asks for a terminal and no console socket is given,
	 * the pty master is handed back here (the caller proxies it); -1 if none.
	 */
	int *console_master;
};

/* Fill opts with defaults (inherit stdio, nothing else). */
void oci_create_opts_init(struct oci_create_opts *opts);

/* Set up the container and leave its init waiting for start. */
int oci_runtime_create(const char *root, const char *id, const char *bundle,
		       const struct oci_create_opts *opts, pid_t *pid, struct tug_err *err);
/*
 * Let the init exec the user process (returns once it has, or after 1 s);
 * runs poststart hooks.
 */
int oci_runtime_start(const char *root, const char *id, struct tug_err *err);
/* State as runc prints it (ociVersion, id, pid, status, bundle, rootfs, created, annotations). */
int oci_runtime_state(const char *root, const char *id, cJSON **state, struct tug_err *err);
/* sig to the init, or with all to every process of the container. */
int oci_runtime_kill(const char *root, const char *id, int sig, bool all, struct tug_err *err);
/* Remove a stopped container (force: kill it first); runs poststop hooks. */
int oci_runtime_delete(const char *root, const char *id, bool force, struct tug_err *err);
/* A new process (process object of the spec) in a running container. */
int oci_runtime_exec(const char *root, const char *id, const cJSON *process,
		     const struct oci_create_opts *opts, pid_t *pid, struct tug_err *err);
/* States of every container under root, as a JSON array. */
int oci_runtime_list(const char *root, cJSON **list, struct tug_err *err);
int oci_runtime_pause(const char *root, const char *id, struct tug_err *err);
int oci_runtime_resume(const char *root, const char *id, struct tug_err *err);
/* Pids of the container's processes (host pid namespace). */
int oci_runtime_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		     struct tug_err *err);

/* "KILL", "SIGKILL", "9" -> signal number; -1 if unknown. */
int oci_signal_parse(const char *s);

#endif
