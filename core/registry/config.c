/*
 * Registry settings and credentials.
 *
 * /etc/tug/registries.json (or TUG_REGISTRIES_CONF), Docker's daemon.json keys:
 *   {"insecure-registries": ["reg.lan:5000"],        plain HTTP to these
 *    "registry-mirrors": ["https://mirror.lan"],       tried first for docker.io
 *    "mirrors": {"reg.example:5000": ["http://m:5000"]}} per registry
 * TUG_INSECURE_REGISTRIES="a:5000,b" adds insecure ones.
 *
 * Credentials: {"auths": {"reg:5000": {"auth": base64(user:pass)}}} in
 * TUG_AUTH_FILE, else <state dir>/auths.json for root, ~/.tug/auths.json
 * otherwise; mode 0600, replaced atomically.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/registry/internal.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define REG_CONF "/etc/tug/registries.json"

static cJSON *load_conf(void)
{
	const char *p = getenv("TUG_REGISTRIES_CONF");
	struct tug_err ignore;

	if (!p || !*p)
		p = REG_CONF;
	if (access(p, R_OK))
		return NULL;
	return json_parse_file(p, 1 << 20, &ignore);
}

static bool list_has(const char *list, const char *domain)
{
	size_t n = strlen(domain);

	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, ", ");

		if (l == n && !strncasecmp(p, domain, n))
			return true;
		p += l;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

bool reg_insecure(const char *domain)
{
	_cleanup_json_ cJSON *conf = load_conf();
	const cJSON *it;

	if (list_has(getenv("TUG_INSECURE_REGISTRIES"), domain))
		return true;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(conf, "insecure-registries"))
		if (cJSON_IsString(it) && !strcasecmp(it->valuestring, domain))
			return true;
	return false;
}

int reg_endpoints(const char *domain, bool insecure, char (*out)[300], size_t max,
		  struct tug_err *err)
{
	_cleanup_json_ cJSON *conf = load_conf();
	const cJSON *mirrors, *it;
	size_t n = 0;

	if (!strcmp(domain, REG_DOCKER_HUB))
		mirrors = cJSON_GetObjectItem(conf, "registry-mirrors");
	else
		mirrors = cJSON_GetObjectItem(cJSON_GetObjectItem(conf, "mirrors"), domain);
	cJSON_ArrayForEach(it, mirrors) {
		const char *m = cJSON_GetStringValue(it);
		size_t l;

		if (!m || n + 1 >= max)
			continue;
		snprintf(out[n], sizeof(out[n]), "%s%s", strstr(m, "://") ? "" : "https://", m);
		l = strlen(out[n]);
		while (l && out[n][l - 1] == '/')
			out[n][--l] = '\0';
		n++;
	}
	if (!strcmp(domain, REG_DOCKER_HUB))
		snprintf(out[n], sizeof(out[n]), REG_DOCKER_HUB_ENDPOINT);
	else
		snprintf(out[n], sizeof(out[n]), "%s://%s",
			 insecure || reg_insecure(domain) ? "http" : "https", domain);
	(void)err;
	return (int)n + 1;
}

const char *reg_creds_path(char *out, size_t size)
{
	const char *p = getenv("TUG_AUTH_FILE");

	if (p && *p)
		snprintf(out, size, "%s", p);
	else if (geteuid() == 0 || !getenv("HOME"))
		snprintf(out, size, "%s/auths.json", tug_state_dir());
	else
		snprintf(out, size, "%s/.tug/auths.json", getenv("HOME"));
	return out;
}

static cJSON *creds_load(void)
{
	char path[600];
	struct tug_err ignore;
	cJSON *j = NULL;

	reg_creds_path(path, sizeof(path));
	if (access(path, R_OK) == 0)
		j = json_parse_file(path, 1 << 20, &ignore);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	if (!cJSON_IsObject(cJSON_GetObjectItem(j, "auths")))
		cJSON_AddItemToObject(j, "auths", cJSON_CreateObject());
	return j;
}

int reg_creds_get(const char *server, char *user, size_t usize, char *pass, size_t psize)
{
	_cleanup_json_ cJSON *j = creds_load();
	const cJSON *e = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "auths"), server);
	const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(e, "auth"));
	char dec[1400], *colon;

	if (!a || reg_base64_decode(a, dec, sizeof(dec)) < 0)
		return -1;
	colon = strchr(dec, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	snprintf(user, usize, "%s", dec);
	snprintf(pass, psize, "%s", colon + 1);
	return 0;
}

static int creds_save(cJSON *j, struct tug_err *err)
{
	char path[600], *slash;
	_cleanup_free_ char *text = cJSON_Print(j);

	if (!text)
		return tug_err_set(err, ENOMEM, "credentials");
	reg_creds_path(path, sizeof(path));
	slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = '\0';
		if (mkdir_p(path, 0700, err) < 0)
			return tug_err_wrap(err, "credentials");
		*slash = '/';
	}
	if (atomic_write_file(AT_FDCWD, path, text, strlen(text), 0600, err) < 0)
		return tug_err_wrap(err, "credentials %s", path);
	return 0;
}

int reg_creds_put(const char *server, const char *user, const char *pass, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = creds_load();
	cJSON *auths = cJSON_GetObjectItem(j, "auths"), *e = cJSON_CreateObject();
	char plain[1400], enc[2000];

	snprintf(plain, sizeof(plain), "%s:%s", user, pass);
	reg_base64(plain, strlen(plain), enc, sizeof(enc));
	memset(plain, 0, sizeof(plain));
	cJSON_AddStringToObject(e, "auth", enc);
	cJSON_DeleteItemFromObject(auths, server);
	cJSON_AddItemToObject(auths, server, e);
	return creds_save(j, err);
}

int reg_creds_remove(const char *server, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = creds_load();
	cJSON *auths = cJSON_GetObjectItem(j, "auths");

	if (!cJSON_GetObjectItem(auths, server))
		return tug_err_set(err, ENOENT, "not logged in to %s", server);
	cJSON_DeleteItemFromObject(auths, server);
	return creds_save(j, err);
}
