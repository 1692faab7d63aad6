/*
 * libFuzzer: docker commit's --change lines (core/image/commit.c) never
 * crash the daemon, whatever the query carried; an accepted line leaves a
 * config that still prints as JSON, and merging any config object over it
 * (the commit body) does too. Lines are split at newlines, as the handler
 * does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/image/commit.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	cJSON *cfg, *body, *merged;
	struct tug_err err;
	char *text, *line, *save = NULL, *out;

	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, in, size);
	text[size] = '\0';
	cfg = cJSON_Parse("{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\"}");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		image_commit_change(cfg, line, &err);
	out = cJSON_PrintUnformatted(cfg);
	if (!out)
		abort();
	free(out);
	/* The same bytes as a commit body over that config. */
	body = cJSON_ParseWithLength((const char *)in, size);
	merged = image_commit_config(cfg, body);
	out = cJSON_PrintUnformatted(merged);
	if (!out)
		abort();
	free(out);
	cJSON_Delete(merged);
	cJSON_Delete(body);
	cJSON_Delete(cfg);
	free(text);
	return 0;
}
