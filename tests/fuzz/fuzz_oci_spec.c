/* libFuzzer: config.json parsing and validation never crash or leak. */
#include <stddef.h>
#include <stdint.h>

#include "core/oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec s;
	struct tug_err err;

	/* "/" as the bundle: an absolute root.path resolves without a real bundle. */
	if (oci_spec_parse((const char *)data, size, "/", &s, &err) == 0)
		oci_spec_free(&s);
	return 0;
}
