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

/* Runs in the child; returns its exit code (0: every container started). */
int boot_run(const struct manifest *m, const char *socket_path, long long init_start_us);

/* The API socket answers (a connect succeeds) within timeout_ms. */
int boot_wait_api(const char *socket_path, int timeout_ms);

#endif
