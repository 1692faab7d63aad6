/* A container's network mode, and config.json for it in builds without bridges. */
#include <stdlib.h>
#include <string.h>

#include "core/daemon/netvol.h"

/*
 * "default" is the bridge, or TUG_DEFAULT_NETWORK (as dockerd's --bridge
 * none): the test suites set none, so a tugd they start on the host never
 * creates tug0 or nft rules there.
 */
const char *ctr_net_mode(const struct container *c)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(c->host_config, "NetworkMode"));
	const char *def = getenv("TUG_DEFAULT_NETWORK");

	if (m && *m && strcmp(m, "default"))
		return m;
	if (def && *def)
		return def;
	/* A build without bridges behaves as dockerd --bridge none. */
	return IS_ENABLED(CONFIG_NET_BRIDGE) ? "bridge" : "none";
}

/* Without CONFIG_NET_BRIDGE: host shares the daemon's stack, none gets a fresh netns. */
int ctr_net_spec_nobridge(struct container *c, cJSON *spec, struct tug_err *err)
{
	cJSON *nss = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "linux"), "namespaces"), *it;

	if (strcmp(ctr_net_mode(c), "host"))
		return strcmp(ctr_net_mode(c), "none") ? tug_err_unsupported(err, CONFIG_NET_BRIDGE)
						       : 0;
	cJSON_ArrayForEach (it, nss)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")) ?: "",
			    "network")) {
			cJSON_Delete(cJSON_DetachItemViaPointer(nss, it));
			break;
		}
	return 0;
}
