/*
 * The create process and the container init talk over a SOCK_SEQPACKET
 * socketpair: one message per step, errors travel as text so the user sees
 * the init's failure from `tug oci create`.
 */
#ifndef TUG_OCI_SYNC_H
#define TUG_OCI_SYNC_H

#include <stdbool.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "core/oci/spec.h"
#include "platform/err.h"

enum oci_sync_type {
	SYNC_GO = 1,   /* parent -> init: carry on */
	SYNC_HOOKS,    /* init -> parent: mounts are done, run prestart/createRuntime */
	SYNC_TERMINAL, /* init -> parent: pty master follows as SCM_RIGHTS */
	SYNC_READY,    /* init -> parent: waiting for start (exec: about to exec) */
	SYNC_ERROR,    /* init -> parent: err follows */
};

struct oci_sync_msg {
	int type;
	struct tug_err err;
};

int oci_sync_send(int sock, int type, const struct tug_err *err);
/* Receive one message; a closed peer is an error "container init exited". */
int oci_sync_recv(int sock, struct oci_sync_msg *msg, struct tug_err *err);

/* What the container init needs; everything is set before clone. */
struct oci_init_args {
	const struct oci_spec *spec;
	int fifo; /* exec.fifo opened O_RDWR: read() blocks until start */
	int sync; /* the init's end of the socketpair */
	int stdio[3];
	int preserve_fds;
	bool no_pivot;
	bool new_userns, new_mntns, joined_mntns;
	const char *state_creating; /* for createContainer hooks (as runc: "creating") */
	const char *state_json;	    /* for startContainer hooks ("created") */
};

/* Runs in the cloned child; never returns. */
void oci_container_init(const struct oci_init_args *a) __attribute__((noreturn));

/* Exec side: the process of a running container. */
struct oci_exec_args {
	const struct oci_process *process;
	const cJSON *seccomp;
	int ns_fds[8]; /* joined in order, -1 = skip */
	int ns_flags[8];
	int n_ns;
	int sync;
	int stdio[3];
	int preserve_fds;
};
void oci_exec_child(const struct oci_exec_args *a) __attribute__((noreturn));

/* Steps shared by init and exec: identity, caps, nnp, seccomp, then execve. */
int oci_exec_process(const struct oci_process *p, const cJSON *seccomp, const char *path,
		     struct tug_err *err);

#endif
