/* Progress events to the caller's callback (CLI bars, daemon JSON stream). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry/internal.h"
#include "platform/json.h"

void reg_progress(const struct registry_opts *o, const char *digest, const char *status,
		  uint64_t cur, uint64_t total)
{
	char id[16];
	struct registry_progress p = { NULL, status, cur, total };

	if (!o || !o->progress)
		return;
	if (digest) {
		const char *hex = digest + (strncmp(digest, "sha256:", 7) ? 0 : 7);

		snprintf(id, sizeof(id), "%.12s", hex);
		p.id = id;
	}
	o->progress(o->progress_ctx, &p);
}

size_t registry_progress_json(const struct registry_progress *p, char *out, size_t size)
{
	cJSON *j = cJSON_CreateObject();
	char *text;
	int n = 0;

	if (!size)
		return 0;
	out[0] = '\0';
	if (!j)
		return 0;
	cJSON_AddStringToObject(j, "status", p->status ? p->status : "");
	if (p->id) {
		if (p->total || p->current) {
			cJSON *d = cJSON_AddObjectToObject(j, "progressDetail");

			cJSON_AddNumberToObject(d, "current", (double)p->current);
			if (p->total)
				cJSON_AddNumberToObject(d, "total", (double)p->total);
		} else {
			cJSON_AddObjectToObject(j, "progressDetail");
		}
		cJSON_AddStringToObject(j, "id", p->id);
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text) {
		n = snprintf(out, size, "%s\n", text);
		free(text);
	}
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
