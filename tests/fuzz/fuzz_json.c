/* libFuzzer: JSON parsing and the typed getters never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "platform/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tug_err err;
	cJSON *j = json_parse((const char *)data, size, "fuzz", &err);
	const cJSON *child;
	const char *s;
	const char **v = NULL;
	int64_t n;
	bool b;

	if (!j)
		return 0;
	cJSON_ArrayForEach(child, j)
	{
		if (!child->string)
			continue;
		json_get_str(j, child->string, &s, &err);
		json_get_int(j, child->string, &n, &err);
		json_get_bool(j, child->string, &b, &err);
		if (json_get_strv(j, child->string, &v, &err) == 0)
			free(v);
		v = NULL;
	}
	cJSON_Delete(j);
	return 0;
}
