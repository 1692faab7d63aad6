/*
 * libFuzzer: a target state for `tug apply` (any bytes) is parsed or refused
 * with a message; what parses has each container after those it names in
 * "after", every name once, and a create body with its image.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/update/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
	struct target_state s;
	struct tug_err err = { 0 };

	if (!doc)
		return 0;
	if (target_state_parse(doc, &s, &err)) {
		if (!err.msg[0])
			abort(); /* refused without saying why */
		cJSON_Delete(doc);
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		const cJSON *img = cJSON_GetObjectItem(s.ctrs[i].body, "Image");

		if (!cJSON_IsString(img) || strcmp(img->valuestring, s.ctrs[i].image))
			abort();
		for (size_t j = 0; j < s.n; j++)
			if (j != i && !strcmp(s.ctrs[i].name, s.ctrs[j].name))
				abort();
	}
	/* Start order: whatever a container names in "after" comes earlier. */
	{
		const cJSON *c;

		cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "containers")) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
			const cJSON *a;
			size_t me = 0;

			while (me < s.n && strcmp(s.ctrs[me].name, name))
				me++;
			if (me == s.n)
				abort();
			cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "after")) {
				size_t dep = 0;

				while (dep < s.n && strcmp(s.ctrs[dep].name, a->valuestring))
					dep++;
				if (dep >= me)
					abort();
			}
		}
	}
	target_state_free(&s);
	cJSON_Delete(doc);
	return 0;
}
