/*
 * The boot manifest runner: a child of PID 1 that loads the manifest's
 * images into the store (in process, through core/image), waits for the
 * engine's API socket, then creates and starts the containers in order
 * through the API, and copies the output of "console" containers to the
 * console. Kept out of PID 1 itself: it allocates, parses and talks HTTP,
 * and a crash here must not take the board down.
 */
#ifndef TUG_INIT_BOOT_H
#define TUG_INIT_BOOT_H

#include "init/manifest.h"

/*
 * Runs in the child; returns its exit code (0: every container started).
 * modules_fd: read end of a pipe whose writer (the module loader) closes it
 * when every manifest module is loaded, or -1. go_fd: write end of the pipe
 * the loader waits on before it begins, or -1; closed once the first
 * container has started (or before any wait for the modules), so module
 * loading, which the kernel does without preemption, stays off the first
 * container's path. The first container starts without the modules when
 * its network is none or host.
 */
int boot_run(const struct manifest *m, const char *socket_path, long long init_start_us,
	     int modules_fd, int go_fd);
/* boot_run's exit code when this boot is a trial whose containers did not prove healthy. */
#define BOOT_TRIAL_NOT_PROVED 2

/* The API socket answers (a connect succeeds) within timeout_ms. */
int boot_wait_api(const char *socket_path, int timeout_ms);

/* Same for any UNIX socket type (SOCK_STREAM, SOCK_SEQPACKET): inotify, no sleep steps. */
int boot_wait_socket(const char *socket_path, int type, int timeout_ms);

/*
 * Shutdown: stop every running container through the engine (POST
 * /containers/{id}/stop?t=timeout_s, all at once), report each. Runs in a
 * child of PID 1; returns its exit code (0: all stopped).
 */
int boot_stop_containers(const char *socket_path, int timeout_s);

#endif
