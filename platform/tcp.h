/*
 * TCP connections for the registry client: name resolution, a connect that
 * gives up after a timeout, I/O timeouts, and HTTP(S)_PROXY / NO_PROXY with
 * CONNECT tunnels (used for plain HTTP too, so one code path carries both).
 */
#ifndef TUG_TCP_H
#define TUG_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/err.h"

/* Connect to host:port (any address family) within timeout_ms; returns an fd. */
int tcp_connect(const char *host, const char *port, int timeout_ms, struct tug_err *err);
/* Reads and writes that wait longer than ms fail with ETIMEDOUT (EAGAIN). */
int tcp_set_io_timeout(int fd, int ms);

/*
 * The proxy for a target from HTTPS_PROXY/https_proxy (https) or
 * HTTP_PROXY/http_proxy, unless NO_PROXY matches. Copies "host:port" into
 * out and returns true when one applies.
 */
bool tcp_proxy_for(bool https, const char *host, char *out, size_t size);
/* NO_PROXY list semantics: "*", exact host, ".suffix" or "suffix" domain match. */
bool tcp_no_proxy_match(const char *no_proxy, const char *host);
/* Connect through an HTTP proxy with CONNECT host:port; returns the tunnel fd. */
int tcp_connect_proxy(const char *proxy, const char *host, const char *port, int timeout_ms,
		      struct tug_err *err);

#endif
