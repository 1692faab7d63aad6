/* WWW-Authenticate challenges and base64 for Basic credentials. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/registry/internal.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`
 * Values are quoted strings (with \ escapes) or tokens; unknown keys are
 * ignored. Returns 0, or -1 when there is no scheme.
 */
int reg_challenge_parse(const char *h, struct reg_challenge *c)
{
	const char *p = skip_ws(h ? h : "");
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	while (p[n] && p[n] != ' ' && p[n] != '\t')
		n++;
	if (!n || n >= sizeof(c->scheme))
		return -1;
	memcpy(c->scheme, p, n);
	p = skip_ws(p + n);
	while (*p) {
		char key[32] = "", val[1024] = "";
		size_t k = 0, v = 0;
		char *dst = NULL;
		size_t dsize = 0;

		while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p)) {
			if (k < sizeof(key) - 1)
				key[k++] = *p;
			p++;
		}
		p = skip_ws(p);
		if (*p == '=') {
			p = skip_ws(p + 1);
			if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1])
						p++;
					if (v < sizeof(val) - 1)
						val[v++] = *p;
					p++;
				}
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ',' && !isspace((unsigned char)*p)) {
					if (v < sizeof(val) - 1)
						val[v++] = *p;
					p++;
				}
			}
		}
		if (!strcasecmp(key, "realm"))
			dst = c->realm, dsize = sizeof(c->realm);
		else if (!strcasecmp(key, "service"))
			dst = c->service, dsize = sizeof(c->service);
		else if (!strcasecmp(key, "scope"))
			dst = c->scope, dsize = sizeof(c->scope);
		else if (!strcasecmp(key, "error"))
			dst = c->error, dsize = sizeof(c->error);
		if (dst)
			snprintf(dst, dsize, "%s", val);
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p && !k)
			p++; /* garbage: step over it */
	}
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void reg_base64(const char *in, size_t len, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 <= size; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < len ? s[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	if (size)
		out[o < size ? o : size - 1] = '\0';
}

/* Returns the decoded length (NUL-terminated in out) or -1. */
int reg_base64_decode(const char *in, char *out, size_t size)
{
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;

	for (const char *p = in; *p && *p != '='; p++) {
		const char *q = strchr(b64, *p);

		if (!q || !*p)
			return -1;
		v = v << 6 | (unsigned)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	if (!size)
		return -1;
	out[o] = '\0';
	return (int)o;
}
