/* URLs, response heads and Content-Range: pure parsing for the client. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/registry/internal.h"

int reg_url_parse(const char *s, struct reg_url *u, struct tug_err *err)
{
	const char *p, *host, *end;
	size_t hl;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(s, "https://", 8)) {
		u->https = true;
		p = s + 8;
	} else if (!strncasecmp(s, "http://", 7)) {
		p = s + 7;
	} else {
		return tug_err_set(err, EINVAL, "URL '%s': expected http:// or https://", s);
	}
	host = p;
	end = host + strcspn(host, "/?#");
	/* User info is never sent; skip it. */
	for (const char *q = host; q < end; q++)
		if (*q == '@')
			host = q + 1;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));

		if (!rb)
			return tug_err_set(err, EINVAL, "URL '%s': bad IPv6 address", s);
		hl = (size_t)(rb + 1 - host);
	} else {
		hl = strcspn(host, ":/?#");
		if (host + hl > end)
			hl = (size_t)(end - host);
	}
	if (!hl || hl >= sizeof(u->host))
		return tug_err_set(err, EINVAL, "URL '%s': bad host", s);
	memcpy(u->host, host, hl);
	if (host[hl] == ':' && host + hl < end) {
		size_t pl = (size_t)(end - host - hl - 1);

		if (!pl || pl >= sizeof(u->port))
			return tug_err_set(err, EINVAL, "URL '%s': bad port", s);
		memcpy(u->port, host + hl + 1, pl);
		for (size_t i = 0; i < pl; i++)
			if (!isdigit((unsigned char)u->port[i]))
				return tug_err_set(err, EINVAL, "URL '%s': bad port", s);
	} else {
		snprintf(u->port, sizeof(u->port), "%s", u->https ? "443" : "80");
	}
	if (strlen(end) >= sizeof(u->target))
		return tug_err_set(err, EINVAL, "URL too long");
	snprintf(u->target, sizeof(u->target), "%s", *end == '/' || *end == '?' ? end : "/");
	if (*end == '?')
		snprintf(u->target, sizeof(u->target), "/%s", end);
	u->target[strcspn(u->target, "#")] = '\0';
	return 0;
}

int reg_url_resolve(const struct reg_url *base, const char *loc, struct reg_url *out,
		    struct tug_err *err)
{
	if (!strncasecmp(loc, "http://", 7) || !strncasecmp(loc, "https://", 8))
		return reg_url_parse(loc, out, err);
	*out = *base;
	if (loc[0] == '/' && loc[1] == '/') {
		char full[2100];

		snprintf(full, sizeof(full), "%s:%s", base->https ? "https" : "http", loc);
		return reg_url_parse(full, out, err);
	}
	if (loc[0] != '/')
		return tug_err_set(err, EINVAL, "relative Location '%s' not supported", loc);
	if (strlen(loc) >= sizeof(out->target))
		return tug_err_set(err, EINVAL, "Location too long");
	snprintf(out->target, sizeof(out->target), "%s", loc);
	return 0;
}

void reg_url_hostport(const struct reg_url *u, char *out, size_t size)
{
	bool dflt = !strcmp(u->port, u->https ? "443" : "80");

	snprintf(out, size, "%s%s%s", u->host, dflt ? "" : ":", dflt ? "" : u->port);
}

void reg_url_str(const struct reg_url *u, char *out, size_t size)
{
	char hp[300];

	reg_url_hostport(u, hp, sizeof(hp));
	snprintf(out, size, "%s://%s%s", u->https ? "https" : "http", hp, u->target);
}

void reg_resp_free(struct reg_resp *r)
{
	free(r->head);
	r->head = NULL;
	r->nheaders = 0;
}

const char *reg_resp_header(const struct reg_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

static bool has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);

	while (v && *v) {
		while (*v == ' ' || *v == ',')
			v++;
		if (!strncasecmp(v, tok, n) && (!v[n] || v[n] == ',' || v[n] == ' '))
			return true;
		v += strcspn(v, ",");
	}
	return false;
}

long reg_resp_parse(const char *buf, size_t len, struct reg_resp *r)
{
	const char *end = NULL;
	char *line, *next;
	int minor;
	long headlen;
	const char *v;

	for (size_t i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			end = buf + i;
			break;
		}
	if (!end)
		return 0;
	headlen = (long)(end - buf) + 4;
	memset(r, 0, sizeof(*r));
	r->length = -1;
	r->head = malloc((size_t)headlen - 1);
	if (!r->head)
		return -1;
	memcpy(r->head, buf, (size_t)headlen - 2);
	r->head[headlen - 2] = '\0';
	if (memchr(r->head, '\0', (size_t)headlen - 2))
		goto bad;
	if (strncmp(r->head, "HTTP/1.", 7) || !isdigit((unsigned char)r->head[7]) ||
	    r->head[8] != ' ')
		goto bad;
	minor = r->head[7] - '0';
	if (!isdigit((unsigned char)r->head[9]) || !isdigit((unsigned char)r->head[10]) ||
	    !isdigit((unsigned char)r->head[11]) || (r->head[12] != ' ' && r->head[12] != '\r'))
		goto bad;
	r->status = atoi(r->head + 9);
	r->close = minor == 0;
	line = strstr(r->head, "\r\n");
	while (line) {
		char *colon, *val, *e;

		line[0] = line[1] = '\0';
		line += 2;
		if (!*line)
			break;
		next = strstr(line, "\r\n");
		if (next)
			*next = '\0';
		colon = strchr(line, ':');
		if (!colon || colon == line)
			goto bad;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		e = val + strlen(val);
		while (e > val && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (r->nheaders < HTTP_MAX_HEADERS) {
			r->headers[r->nheaders].name = line;
			r->headers[r->nheaders].value = val;
			r->nheaders++;
		}
		if (!next)
			break;
		next[0] = '\r';
		line = next;
	}
	v = reg_resp_header(r, "Transfer-Encoding");
	r->chunked = v && has_token(v, "chunked");
	v = reg_resp_header(r, "Content-Length");
	if (v && !r->chunked) {
		char *e;
		long long n = strtoll(v, &e, 10);

		if (e == v || *e || n < 0)
			goto bad;
		r->length = n;
	}
	v = reg_resp_header(r, "Connection");
	if (v && has_token(v, "close"))
		r->close = true;
	if (v && has_token(v, "keep-alive"))
		r->close = false;
	return headlen;
bad:
	reg_resp_free(r);
	return -1;
}

int reg_content_range_parse(const char *v, uint64_t *start, uint64_t *end, int64_t *total)
{
	char *e;
	unsigned long long a, b;

	if (!v || strncasecmp(v, "bytes", 5))
		return -1;
	v += 5;
	while (*v == ' ' || *v == '=')
		v++;
	if (!isdigit((unsigned char)*v))
		return -1;
	a = strtoull(v, &e, 10);
	if (*e != '-' || !isdigit((unsigned char)e[1]))
		return -1;
	b = strtoull(e + 1, &e, 10);
	if (b < a)
		return -1;
	*start = a;
	*end = b;
	if (*e != '/') {
		/* Docker's upload answers send "Range: 0-99" without a total. */
		if (*e)
			return -1;
		*total = -1;
		return 0;
	}
	e++;
	if (*e == '*' && !e[1]) {
		*total = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*e))
		return -1;
	{
		char *f;
		unsigned long long t = strtoull(e, &f, 10);

		if (*f || t <= b)
			return -1;
		*total = (int64_t)t;
	}
	return 0;
}
