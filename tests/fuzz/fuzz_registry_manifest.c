/*
 * libFuzzer: what a registry sends never crashes the client: manifests and
 * indexes (with platform choice), and by the first byte also WWW-Authenticate
 * challenges, response heads, Content-Range values and URLs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry/internal.h"

static void manifest(const char *data, size_t size)
{
	static const char *const types[] = { NULL, "application/vnd.oci.image.index.v1+json",
					     "application/vnd.docker.distribution.manifest.v2+json" };
	static const char *const plats[] = { "linux/amd64", "linux/arm/v7", "arm64", "mipsle" };
	struct tug_err err;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct reg_manifest m;

		if (reg_manifest_parse(data, size, types[t], &m, &err) < 0)
			continue;
		if (m.kind == REG_MANIFEST_INDEX)
			for (size_t p = 0; p < sizeof(plats) / sizeof(plats[0]); p++) {
				struct reg_platform want;

				if (reg_platform_parse(plats[p], &want, &err) == 0) {
					int i = reg_index_select(&m, &want, &err);

					if (i >= (int)m.nitems)
						abort();
				}
			}
		reg_manifest_free(&m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	switch (data[0]) {
	case 'W': {
		struct reg_challenge c;

		reg_challenge_parse(s + 1, &c);
		break;
	}
	case 'H': {
		struct reg_resp r;

		if (reg_resp_parse(s + 1, size - 1, &r) > 0)
			reg_resp_free(&r);
		break;
	}
	case 'R': {
		uint64_t a, b;
		int64_t t;

		if (reg_content_range_parse(s + 1, &a, &b, &t) == 0 && b < a)
			abort();
		break;
	}
	case 'U': {
		struct reg_url u, v;
		struct tug_err err;

		if (reg_url_parse(s + 1, &u, &err) == 0)
			reg_url_resolve(&u, s + 1 + strcspn(s + 1, " "), &v, &err);
		break;
	}
	case 'P': {
		struct reg_platform p;
		struct tug_err err;

		reg_platform_parse(s + 1, &p, &err);
		break;
	}
	default:
		manifest((const char *)data, size);
	}
	free(s);
	return 0;
}
