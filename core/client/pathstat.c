/* X-Docker-Container-Path-Stat: base64 JSON from the daemon (docker cp). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/client/client.h"
#include "core/http/http.h"
#include "platform/cleanup.h"
#include "platform/json.h"

int cli_parse_path_stat(const char *header, struct cli_path_stat *out, struct tug_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ cJSON *j = NULL;
	const cJSON *v;
	size_t n;
	int len;

	memset(out, 0, sizeof(*out));
	if (!header || !*header)
		return tug_err_set(err, EPROTO, "no path stat in the daemon's answer");
	n = strlen(header);
	if (n > 64 * 1024)
		return tug_err_set(err, EPROTO, "path stat: too long");
	text = malloc(n + 1);
	if (!text)
		return tug_err_set(err, ENOMEM, "path stat");
	len = http_base64_decode(header, text, n + 1);
	if (len < 0)
		return tug_err_set(err, EPROTO, "path stat: not base64");
	j = json_parse(text, (size_t)len, "path stat", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return tug_err_set(err, EPROTO, "path stat: not an object");
	v = cJSON_GetObjectItemCaseSensitive(j, "name");
	if (!cJSON_IsString(v))
		return tug_err_set(err, EPROTO, "path stat: no name");
	snprintf(out->name, sizeof(out->name), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "mode");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0)
		return tug_err_set(err, EPROTO, "path stat: bad mode");
	out->mode = (uint32_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "size");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e18)
		out->size = (int64_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(j, "linkTarget");
	if (cJSON_IsString(v))
		snprintf(out->link_target, sizeof(out->link_target), "%s", v->valuestring);
	return 0;
}
