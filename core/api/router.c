/* Versioned paths and the route table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/update/txn.h"

const struct route api_routes[] = {
	{ "GET", "/_ping", h_ping },
	{ "HEAD", "/_ping", h_ping },
	{ "GET", "/version", h_version },
	{ "GET", "/info", h_info },
	{ "GET", "/events", h_events },
	{ "GET", "/containers/json", h_ctr_list },
	{ "POST", "/containers/create", h_ctr_create },
	{ "POST", "/containers/prune", h_ctr_prune },
	{ "GET", "/containers/{}/json", h_ctr_inspect },
	{ "POST", "/containers/{}/start", h_ctr_start },
	{ "POST", "/containers/{}/wait", h_ctr_wait },
	{ "POST", "/containers/{}/stop", h_ctr_stop },
	{ "POST", "/containers/{}/kill", h_ctr_kill },
	{ "POST", "/containers/{}/restart", h_ctr_restart },
	{ "GET", "/containers/{}/logs", h_ctr_logs },
	{ "POST", "/containers/{}/attach", h_ctr_attach },
	{ "POST", "/containers/{}/resize", h_ctr_resize },
	{ "POST", "/containers/{}/pause", h_ctr_pause },
	{ "POST", "/containers/{}/unpause", h_ctr_unpause },
	{ "POST", "/containers/{}/rename", h_ctr_rename },
	{ "GET", "/containers/{}/top", h_ctr_top },
	{ "GET", "/containers/{}/stats", h_ctr_stats },
	{ "GET", "/containers/{}/archive", h_ctr_archive_get },
	{ "HEAD", "/containers/{}/archive", h_ctr_archive_get },
	{ "PUT", "/containers/{}/archive", h_ctr_archive_put, true },
	{ "GET", "/containers/{}/changes", h_ctr_changes },
	{ "POST", "/containers/{}/update", h_ctr_update },
	{ "GET", "/containers/{}/export", h_ctr_export },
	{ "GET", "/system/df", h_system_df },
	{ "POST", "/build/prune", h_build_prune },
	{ "POST", "/commit", h_commit },
	{ "DELETE", "/containers/{}", h_ctr_delete },
	{ "POST", "/containers/{}/exec", h_exec_create },
	{ "POST", "/exec/{}/start", h_exec_start },
	{ "POST", "/exec/{}/resize", h_exec_resize },
	{ "GET", "/exec/{}/json", h_exec_inspect },
	{ "GET", "/images/json", h_img_list },
	{ "POST", "/images/create", h_img_create },
	{ "POST", "/images/{*}/push", h_img_push },
	{ "POST", "/auth", h_auth },
	{ "POST", "/images/load", h_img_load, true },
	{ "POST", "/images/prune", h_img_prune },
	{ "GET", "/images/get", h_img_get },
	{ "GET", "/images/{}/get", h_img_get },
	{ "GET", "/images/{*}/history", h_img_history },
	{ "GET", "/images/{*}/json", h_img_inspect },
	{ "POST", "/images/{*}/tag", h_img_tag },
	{ "DELETE", "/images/{*}", h_img_delete },
	{ "POST", "/tug/v1/containers/{}/update", h_tug_update },
	{ "POST", "/tug/v1/containers/{}/rollback", h_tug_rollback },
	{ "POST", "/tug/v1/apply", h_tug_apply },
	{ "POST", "/tug/v1/run", h_tug_run },
	{ "GET", "/tug/v1/progress", h_tug_progress },
	{ "GET", "/tug/v1/revisions", h_tug_revisions },
	{ "GET", "/networks", h_net_list },
	{ "POST", "/networks/create", h_net_create },
	{ "POST", "/networks/prune", h_net_prune },
	{ "GET", "/networks/{}", h_net_inspect },
	{ "DELETE", "/networks/{}", h_net_delete },
	{ "POST", "/networks/{}/connect", h_net_connect },
	{ "POST", "/networks/{}/disconnect", h_net_disconnect },
	{ "GET", "/volumes", h_vol_list },
	{ "POST", "/volumes/create", h_vol_create },
	{ "POST", "/volumes/prune", h_vol_prune },
	{ "GET", "/volumes/{}", h_vol_inspect },
	{ "DELETE", "/volumes/{}", h_vol_delete },
	{ NULL, NULL, NULL },
};

static int parse_version(const char *s, int *major, int *minor, const char **end)
{
	char *e;

	*major = (int)strtol(s, &e, 10);
	if (e == s || *e != '.')
		return -1;
	s = e + 1;
	*minor = (int)strtol(s, &e, 10);
	if (e == s)
		return -1;
	*end = e;
	return 0;
}

int api_strip_version(const char *path, const char **rest, char *msg, size_t size)
{
	int major, minor;
	const char *end;

	*rest = path;
	if (strncmp(path, "/v", 2) || parse_version(path + 2, &major, &minor, &end))
		return 0;
	if (*end != '/' && *end)
		return 0;
	if (major != 1 || minor < 24) {
		snprintf(msg, size,
			 "client version %d.%d is too old. Minimum supported API version is "
			 API_MIN_VERSION ", please upgrade your client to a newer version",
			 major, minor);
		return -1;
	}
	if (minor > 44) {
		snprintf(msg, size,
			 "client version %d.%d is too new. Maximum supported API version is "
			 API_VERSION, major, minor);
		return -1;
	}
	*rest = *end ? end : "/";
	return 0;
}

/*
 * "{}" matches one path segment; "{*}" matches the rest up to the pattern's
 * remaining suffix, because image names hold slashes ("library/busybox").
 */
static bool match(const char *pat, const char *path, char params[2][256])
{
	int np = 0;

	while (*pat) {
		if (!strncmp(pat, "{}", 2) || !strncmp(pat, "{*}", 3)) {
			bool greedy = pat[1] == '*';
			const char *suffix = pat + (greedy ? 3 : 2);
			size_t len;

			if (greedy) {
				size_t sl = strlen(suffix), pl = strlen(path);

				if (pl < sl || strcmp(path + pl - sl, suffix))
					return false;
				len = pl - sl;
			} else {
				len = strcspn(path, "/");
			}
			if (!len || len >= 256 || np == 2)
				return false;
			memcpy(params[np], path, len);
			params[np++][len] = '\0';
			path += len;
			pat = suffix;
			if (greedy)
				return !strcmp(path, pat);
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	return *path == '\0' || (path[0] == '/' && path[1] == '\0');
}

const struct route *api_route_find(const char *method, const char *path, char params[2][256],
				   bool *path_known)
{
	*path_known = false;
	for (const struct route *r = api_routes; r->method; r++) {
		if (!match(r->pattern, path, params))
			continue;
		*path_known = true;
		if (!strcmp(r->method, method))
			return r;
	}
	return NULL;
}
