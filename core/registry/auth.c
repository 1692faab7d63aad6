/* WWW-Authenticate challenges and base64 for Basic credentials. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/http/http.h"
#include "core/registry/internal.h"
#include "platform/cleanup.h"
#include "platform/json.h"

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

void reg_base64(const char *in, size_t len, char *out, size_t size)
{
	http_base64_encode(in, len, out, size);
}

int reg_base64_decode(const char *in, char *out, size_t size)
{
	return http_base64_decode(in, out, size);
}

static void copy_field(const cJSON *j, const char *key, char *out, size_t size)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));

	if (!v) {
		/* The CLI spells them lower-case; some SDKs capitalise. */
		char alt[32];

		snprintf(alt, sizeof(alt), "%c%s", toupper((unsigned char)key[0]), key + 1);
		v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, alt));
	}
	snprintf(out, size, "%s", v ? v : "");
}

int registry_auth_decode(const char *header, struct registry_auth_buf *out,
			 struct tug_err *err)
{
	_cleanup_free_ char *std = NULL, *json = NULL;
	_cleanup_json_ cJSON *j = NULL;
	size_t n = header ? strlen(header) : 0;
	int len;

	memset(out, 0, sizeof(*out));
	out->auth.username = out->username;
	out->auth.password = out->password;
	out->auth.registry_token = out->token;
	if (!n)
		return 0;
	if (n > 16384)
		return tug_err_set(err, EINVAL, "X-Registry-Auth: too long");
	std = strdup(header);
	json = malloc(n + 1);
	if (!std || !json)
		return tug_err_set(err, ENOMEM, "X-Registry-Auth");
	/* base64url (the docker CLI) or standard base64 (some SDKs). */
	for (char *p = std; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	len = reg_base64_decode(std, json, n + 1);
	if (len < 0)
		return tug_err_set(err, EINVAL, "X-Registry-Auth: not base64");
	j = json_parse(json, (size_t)len, "X-Registry-Auth", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return tug_err_set(err, EINVAL, "X-Registry-Auth: expected an object");
	copy_field(j, "username", out->username, sizeof(out->username));
	copy_field(j, "password", out->password, sizeof(out->password));
	copy_field(j, "registrytoken", out->token, sizeof(out->token));
	copy_field(j, "serveraddress", out->server, sizeof(out->server));
	/* "identitytoken" (an OAuth refresh token) is not supported: ignored. */
	return 0;
}
