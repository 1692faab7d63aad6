/* PID 1's helpers talk to the engine's API with core/http's client. */
#ifndef TUG_INIT_API_H
#define TUG_INIT_API_H

#include "core/http/client.h"

static inline int client_open(struct http_client *c, const char *sock, struct tug_err *err)
{
	return http_client_open(c, sock, err);
}

#endif
