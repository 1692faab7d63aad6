#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

cJSON *json_parse(const char *text, size_t len, const char *what, struct tug_err *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;

		tug_err_set(err, EINVAL, "%s: malformed JSON near byte %zu", what, off);
	}
	return j;
}

cJSON *json_parse_file(const char *path, size_t max, struct tug_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (read_file(AT_FDCWD, path, max, &buf, &len, err) < 0)
		return NULL;
	return json_parse(buf, len, path, err);
}

int json_write_file(int dirfd, const char *name, const cJSON *j, struct tug_err *err)
{
	_cleanup_free_ char *text = cJSON_PrintUnformatted(j);

	if (!text)
		return tug_err_set(err, ENOMEM, "write %s", name);
	return atomic_write_file(dirfd, name, text, strlen(text), 0644, err);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *m = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return m && !cJSON_IsNull(m) ? m : NULL;
}

int json_get_str(const cJSON *obj, const char *key, const char **out, struct tug_err *err)
{
	const cJSON *m = member(obj, key);

	if (!m)
		return 0;
	if (!cJSON_IsString(m))
		return tug_err_set(err, EINVAL, "%s: expected a string", key);
	*out = m->valuestring;
	return 0;
}

int json_get_int(const cJSON *obj, const char *key, int64_t *out, struct tug_err *err)
{
	const cJSON *m = member(obj, key);

	if (!m)
		return 0;
	/* Range first: converting an out-of-range double is undefined. */
	if (!cJSON_IsNumber(m) || !(m->valuedouble >= -9007199254740992.0) ||
	    !(m->valuedouble <= 9007199254740992.0) ||
	    m->valuedouble != (double)(int64_t)m->valuedouble)
		return tug_err_set(err, EINVAL, "%s: expected an integer", key);
	*out = (int64_t)m->valuedouble;
	return 0;
}

int json_get_bool(const cJSON *obj, const char *key, bool *out, struct tug_err *err)
{
	const cJSON *m = member(obj, key);

	if (!m)
		return 0;
	if (!cJSON_IsBool(m))
		return tug_err_set(err, EINVAL, "%s: expected true or false", key);
	*out = cJSON_IsTrue(m);
	return 0;
}

int json_get_obj(const cJSON *obj, const char *key, const cJSON **out, struct tug_err *err)
{
	const cJSON *m = member(obj, key);

	if (!m)
		return 0;
	if (!cJSON_IsObject(m))
		return tug_err_set(err, EINVAL, "%s: expected an object", key);
	*out = m;
	return 0;
}

int json_get_array(const cJSON *obj, const char *key, const cJSON **out, struct tug_err *err)
{
	const cJSON *m = member(obj, key);

	if (!m)
		return 0;
	if (!cJSON_IsArray(m))
		return tug_err_set(err, EINVAL, "%s: expected an array", key);
	*out = m;
	return 0;
}

int json_get_strv(const cJSON *obj, const char *key, const char ***out, struct tug_err *err)
{
	const cJSON *arr = NULL, *it;
	const char **v;
	int n = 0, i = 0;

	if (json_get_array(obj, key, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	n = cJSON_GetArraySize(arr);
	v = calloc((size_t)n + 1, sizeof(*v));
	if (!v)
		return tug_err_set(err, ENOMEM, "%s", key);
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it)) {
			free(v);
			return tug_err_set(err, EINVAL, "%s[%d]: expected a string", key, i);
		}
		v[i++] = it->valuestring;
	}
	*out = v;
	return 0;
}

cJSON *json_object_at(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_GetObjectItem(parent, key);

	return o ? o : cJSON_AddObjectToObject(parent, key);
}

cJSON *json_array_at(cJSON *parent, const char *key)
{
	cJSON *a = cJSON_GetObjectItem(parent, key);

	return a ? a : cJSON_AddArrayToObject(parent, key);
}
