/*
 * JSON through cJSON, with typed getters whose errors name the field, and
 * crash-safe writes. Absent optional fields are not errors; a field of the
 * wrong type is ("process.args: expected an array").
 */
#ifndef TUG_JSON_H
#define TUG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

static inline void cleanup_jsonp(cJSON **j)
{
	if (*j)
		cJSON_Delete(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* Parse text; on failure the message gives the byte offset. */
cJSON *json_parse(const char *text, size_t len, const char *what, struct tug_err *err);
cJSON *json_parse_file(const char *path, size_t max, struct tug_err *err);
/* Serialise (compact) and write atomically. */
int json_write_file(int dirfd, const char *name, const cJSON *j, struct tug_err *err);

/* Optional members: 0 and *out untouched when absent, -1 on a wrong type. */
int json_get_str(const cJSON *obj, const char *key, const char **out, struct tug_err *err);
int json_get_int(const cJSON *obj, const char *key, int64_t *out, struct tug_err *err);
int json_get_bool(const cJSON *obj, const char *key, bool *out, struct tug_err *err);
int json_get_obj(const cJSON *obj, const char *key, const cJSON **out, struct tug_err *err);
int json_get_array(const cJSON *obj, const char *key, const cJSON **out, struct tug_err *err);
/* parent's object (array) at key; a new empty one is added when key is absent. */
cJSON *json_object_at(cJSON *parent, const char *key);
cJSON *json_array_at(cJSON *parent, const char *key);
/* Array of strings -> NULL-terminated malloc'd vector (strings borrowed). */
int json_get_strv(const cJSON *obj, const char *key, const char ***out, struct tug_err *err);

#endif
