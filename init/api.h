/* PID 1's helpers talk to the engine's API with core/http's client. */
#ifndef TUG_INIT_API_H
#define TUG_INIT_API_H

#include <errno.h>

#include "core/http/client.h"

static inline int client_open(struct http_client *c, const char *sock, struct tug_err *err)
{
	if (http_client_open(c, sock, err) < 0)
		return -1;
	/*
	 * http_client_read_head() searches the input buffer before its first
	 * read, and a fresh client has none yet: give it an empty string.
	 */
	if (buf_add(&c->in, "", 0) < 0) {
		http_client_close(c);
		return tug_err_set(err, ENOMEM, "API client buffer");
	}
	return 0;
}

#endif
