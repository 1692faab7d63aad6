/* TCP connect with timeouts and proxy tunnels. See tcp.h. */
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/tcp.h"

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	struct pollfd p;
	int soerr = 0, one = 1;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		int n;

		do
			n = poll(&p, 1, timeout_ms);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			errno = ETIMEDOUT;
		if (n <= 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			goto fail;
		if (soerr) {
			errno = soerr;
			goto fail;
		}
	}
	/* Blocking from here on; timeouts come from SO_RCVTIMEO/SO_SNDTIMEO. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

int tcp_connect(const char *host, const char *port, int timeout_ms, struct tug_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char h[256];
	int rc, fd = -1, last = ECONNREFUSED;

	/* "[::1]" as written in URLs. */
	snprintf(h, sizeof(h), "%s", host);
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		memmove(h, h + 1, strlen(h));
		h[strlen(h) - 1] = '\0';
	}
	rc = getaddrinfo(h, port, &hints, &res);
	if (rc)
		return tug_err_set(err, rc == EAI_SYSTEM ? errno : EHOSTUNREACH,
				   "resolve %s: %s", host, gai_strerror(rc));
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = connect_one(ai, timeout_ms);
		if (fd < 0)
			last = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return tug_err_set(err, last, "connect %s:%s", host, port);
	return fd;
}

int tcp_set_io_timeout(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

bool tcp_no_proxy_match(const char *no_proxy, const char *host)
{
	char hostonly[256];
	const char *p = no_proxy;
	size_t hl;

	if (!no_proxy || !*no_proxy)
		return false;
	/* Entries may or may not carry a port; compare without it. */
	snprintf(hostonly, sizeof(hostonly), "%s", host);
	if (hostonly[0] != '[') {
		char *c = strchr(hostonly, ':');

		if (c && !strchr(c + 1, ':'))
			*c = '\0';
	}
	hl = strlen(hostonly);
	while (*p) {
		const char *e = p + strcspn(p, ", ");
		size_t n = (size_t)(e - p);
		const char *colon = memchr(p, ':', n);

		if (colon && p[0] != '[')
			n = (size_t)(colon - p);
		if (n == 1 && p[0] == '*')
			return true;
		if (n && p[0] == '.') {
			/* ".example.com" matches the domain and its hosts. */
			if ((hl >= n && !strncasecmp(hostonly + hl - n, p, n)) ||
			    (hl == n - 1 && !strncasecmp(hostonly, p + 1, n - 1)))
				return true;
		} else if (n) {
			if (hl == n && !strncasecmp(hostonly, p, n))
				return true;
			if (hl > n && hostonly[hl - n - 1] == '.' &&
			    !strncasecmp(hostonly + hl - n, p, n))
				return true;
		}
		p = e;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

static const char *env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	return v && *v ? v : getenv(b);
}

bool tcp_proxy_for(bool https, const char *host, char *out, size_t size)
{
	const char *proxy = https ? env2("HTTPS_PROXY", "https_proxy")
				  : env2("HTTP_PROXY", "http_proxy");
	const char *p;
	size_t n;

	if (!proxy || !*proxy || tcp_no_proxy_match(env2("NO_PROXY", "no_proxy"), host))
		return false;
	p = strstr(proxy, "://");
	p = p ? p + 3 : proxy;
	/* Drop user info and any path. */
	if (strchr(p, '@'))
		p = strrchr(p, '@') + 1;
	n = strcspn(p, "/");
	if (!n || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

int tcp_connect_proxy(const char *proxy, const char *host, const char *port, int timeout_ms,
		      struct tug_err *err)
{
	char phost[256], req[600], resp[4096];
	const char *pport = "3128";
	char *colon;
	_cleanup_close_ int fd = -1;
	size_t got = 0;
	int status = 0;

	snprintf(phost, sizeof(phost), "%s", proxy);
	colon = strrchr(phost, ':');
	if (colon && !strchr(colon, ']')) {
		*colon = '\0';
		pport = colon + 1;
	}
	fd = tcp_connect(phost, pport, timeout_ms, err);
	if (fd < 0)
		return tug_err_wrap(err, "proxy");
	tcp_set_io_timeout(fd, timeout_ms);
	snprintf(req, sizeof(req), "CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", host, port,
		 host, port);
	if (write_all(fd, req, strlen(req)) < 0)
		return tug_err_sys(err, "proxy %s: send CONNECT", proxy);
	/* Read byte by byte so no tunnel data is swallowed after the head. */
	while (got < sizeof(resp) - 1) {
		ssize_t n = read(fd, resp + got, 1);

		if (n <= 0)
			return tug_err_set(err, n < 0 ? errno : ECONNRESET,
					   "proxy %s: no answer to CONNECT", proxy);
		got++;
		if (got >= 4 && !memcmp(resp + got - 4, "\r\n\r\n", 4))
			break;
	}
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1 || status / 100 != 2)
		return tug_err_set(err, ECONNREFUSED, "proxy %s: CONNECT %s:%s: status %d", proxy,
				   host, port, status);
	return take_fd(fd);
}
