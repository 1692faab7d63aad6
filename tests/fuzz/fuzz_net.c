/*
 * libFuzzer: the network and volume parsers never crash or leak: a
 * network record (JSON, as read from <state>/networks), -p specs, IPv4 and
 * IPv6 subnets, -v / --tmpfs specs, and the host's resolv.conf text. The
 * first byte picks the parser; the rest is its input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/etcfiles.h"
#include "core/net/store.h"
#include "core/volume/mounts.h"
#include "platform/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tug_err err;
	char *s;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0: {
		cJSON *j = cJSON_ParseWithLength(s, size - 1);
		struct network n;

		if (j && net_from_json(j, &n, &err) == 0) {
			cJSON_Delete(net_to_json(&n));
			cJSON_Delete(net_inspect_json(&n));
			network_free(&n);
		}
		cJSON_Delete(j);
		break;
	}
	case 1: {
		struct net_port p;

		net_port_parse(s, &p, &err);
		break;
	}
	case 2: {
		struct subnet sn;
		uint8_t p6[8];
		char buf[64];

		if (subnet_parse(s, &sn, &err) == 0)
			subnet_format(&sn, buf);
		if (subnet6_parse(s, p6, &err) == 0)
			subnet6_format(p6, buf);
		break;
	}
	case 3:
	case 4: {
		struct vol_mount *m = malloc(sizeof(*m));

		if (m && (data[0] % 6 == 3 ? vol_parse_volume_spec(s, m, &err)
					   : vol_parse_tmpfs_spec(s, m, &err)) == 0)
			cJSON_Delete(vol_mount_to_oci(m, "/src"));
		free(m);
		break;
	}
	default: {
		char *out = NULL;

		if (etc_resolv_render(s, NULL, 0, &out, &err) == 0)
			free(out);
		break;
	}
	}
	free(s);
	return 0;
}
