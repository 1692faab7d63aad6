#include <string.h>
#include <sys/socket.h>

#include "core/oci/sync.h"

int oci_sync_send(int sock, int type, const struct tug_err *err)
{
	struct oci_sync_msg m = {.type = type};

	if (err)
		m.err = *err;
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -1;
	return 0;
}

int oci_sync_recv(int sock, struct oci_sync_msg *msg, struct tug_err *err)
{
	ssize_t n;

	do
		n = recv(sock, msg, sizeof(*msg), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tug_err_sys(err, "read from container init");
	if (n != sizeof(*msg))
		return tug_err_set(err, EPIPE, "container init exited before it was ready");
	if (msg->type == SYNC_ERROR) {
		*err = msg->err;
		return -1;
	}
	return 0;
}
