/*
 * docker export: GET /containers/{id}/export, the container's whole file
 * system as a tar stream. A whole root file system is too big to spool
 * (docker cp spools into the run dir, a tmpfs), so a detached grandchild
 * writes the tar straight into the client's socket while the loop goes on
 * serving: the reply has no length and ends when the connection closes
 * (HTTP/1.1 allows it; the docker CLI reads to EOF). tugd closes its own
 * copy of the socket at once and never sees the connection again.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/api/api.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"

#define SOCK_FD 3
#define ROOT_FD 4

/* The grandchild: the head, then the tar of the root, then the close. */
static void __attribute__((noreturn)) write_export(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nApi-Version: " API_VERSION "\r\n"
				   "Content-Type: application/x-tar\r\nServer: tug\r\n"
				   "Connection: close\r\n\r\n";
	struct tug_err err;
	struct archive *a;
	struct dirent *de;
	DIR *d;
	int rc;

	fcntl(SOCK_FD, F_SETFL, fcntl(SOCK_FD, F_GETFL) & ~O_NONBLOCK);
	if (write_all(SOCK_FD, head, sizeof(head) - 1) < 0)
		_exit(1);
	a = tar_writer_open_fd(SOCK_FD, &err);
	if (!a)
		_exit(1);
	/* Entries named as docker export names them: "bin/sh", no "./". */
	d = fdopendir(ROOT_FD);
	if (!d)
		_exit(1);
	rc = 0;
	while (!rc && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = tar_writer_add_tree(a, dirfd(d), de->d_name, de->d_name, &err);
	if (rc) {
		/* The status is sent: cut the stream short so the client sees a broken tar. */
		fprintf(stderr, "tugd: export: %s\n", err.msg);
		_exit(1);
	}
	_exit(tar_writer_close(a, &err) ? 1 : 0);
}

static int export_detached(int sock, int root)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(sock, SOCK_FD) < 0 || dup2(root, ROOT_FD) < 0)
			_exit(1);
		/* Hold no other file of tugd's (container stdin, the listener...). */
		close_fds_from(5);
		if (fork() == 0) {
			sigset_t none;

			/* tugd blocks what its signalfd reads: a plain process again. */
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			setpriority(PRIO_PROCESS, 0, 10);
			write_export();
		}
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

void h_ctr_export(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	_cleanup_close_ int root = -1;
	struct tug_err err;
	char path[700], dir[600];

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "export: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	/*
	 * Its overlay as the host sees it, running or not: /proc/PID/root
	 * would add the container's /proc, /sys and volumes, which docker
	 * export leaves out.
	 */
	if (bundle_mount_rootfs(d, ctr, &err)) {
		api_error(c, 500, "export %s: %s", ctr->name + 1, err.msg);
		return;
	}
	snprintf(path, sizeof(path), "%s/rootfs", ctr_dir(d, ctr, dir, sizeof(dir)));
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		api_error(c, 500, "export %s: open %s: %s", ctr->name + 1, path, strerror(errno));
		return;
	}
	if (buf_size(&c->out) || export_detached(c->fd, root) < 0) {
		api_error(c, 500, "export %s: %s", ctr->name + 1,
			  buf_size(&c->out) ? "connection busy" : strerror(errno));
		return;
	}
	event_emit_ctr(d, ctr, "export", NULL, NULL);
	/* The grandchild answers; this side only lets go of the connection. */
	c->close_after = true;
}
