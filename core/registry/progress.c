/* Progress events to the caller's callback (CLI bars, daemon JSON stream). */
#include <stdio.h>
#include <string.h>

#include "core/registry/internal.h"

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
