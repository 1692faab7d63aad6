/*
 * libFuzzer: the X-Docker-Container-Path-Stat header a daemon sends with
 * docker cp (base64 JSON) never crashes the tug CLI's parser; whatever it
 * accepts has a NUL-terminated name and link target. The input is tried as
 * the header itself and, base64-encoded, as the JSON inside it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/client/client.h"
#include "core/http/http.h"

static void check(const char *header)
{
	struct cli_path_stat st;
	struct tug_err err;

	if (cli_parse_path_stat(header, &st, &err) == 0 &&
	    (strnlen(st.name, sizeof(st.name)) == sizeof(st.name) ||
	     strnlen(st.link_target, sizeof(st.link_target)) == sizeof(st.link_target)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char *text, *b64;
	size_t b64size = (size + 2) / 3 * 4 + 1;

	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	b64 = malloc(b64size);
	if (!text || !b64) {
		free(text);
		free(b64);
		return 0;
	}
	memcpy(text, in, size);
	text[size] = '\0';
	check(text);
	http_base64_encode(in, size, b64, b64size);
	check(b64);
	free(text);
	free(b64);
	return 0;
}
