/*
 * libFuzzer: a HostConfig (any bytes) is accepted or refused with a message
 * by the create-time checks of core/daemon/hostconfig_check.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/daemon/hostconfig_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *hc = cJSON_ParseWithLength((const char *)data, size);
	struct tug_err err = {0};

	if (!hc)
		return 0;
	if (hostconfig_check(hc, &err) < 0 && !err.msg[0])
		abort(); /* refused without saying why */
	cJSON_Delete(hc);
	return 0;
}
