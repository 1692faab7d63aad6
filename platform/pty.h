/*
 * Terminals for containers: a pty pair made inside the container, the
 * master handed over a UNIX socket with SCM_RIGHTS (runc's --console-socket
 * protocol), and a proxy loop for `tug oci run` in the foreground.
 */
#ifndef TUG_PTY_H
#define TUG_PTY_H

#include <stddef.h>

#include "platform/err.h"

/* Open a new pty from /dev/ptmx; slave name into slave. */
int pty_open(int *master, char *slave, size_t slavesz, struct tug_err *err);
int pty_set_size(int fd, unsigned rows, unsigned cols, struct tug_err *err);
/* New session with the slave as controlling terminal and as 0, 1, 2. */
int pty_make_controlling(int slave_fd, struct tug_err *err);
/* Send fd over a connected socket (data: name); receive one. */
int pty_send_fd(int sock, int fd, const char *name, struct tug_err *err);
int pty_recv_fd(int sock, struct tug_err *err);
/* Connect to the console socket path and send the master there. */
int pty_send_to_console_socket(const char *path, int master, struct tug_err *err);
/* Copy stdin -> master and master -> stdout until the master hangs up. */
int pty_proxy(int master, struct tug_err *err);

#endif
