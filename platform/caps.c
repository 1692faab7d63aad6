/* Placeholder: filled in next commit. */
#include "platform/caps.h"

int caps_validate_oci(const cJSON *c, struct tug_err *err) { return 0; }
int caps_drop_bounding_oci(const cJSON *c, struct tug_err *err) { return 0; }
int caps_prepare_uid_change(struct tug_err *err) { return 0; }
int caps_apply_oci(const cJSON *c, struct tug_err *err) { return 0; }
int caps_from_name(const char *name) { return -1; }
const char *caps_name(int cap) { return NULL; }
int caps_last_known(void) { return 40; }
int caps_last_kernel(void) { return 40; }
int caps_parse_set(const cJSON *c, const char *set, int last, uint64_t *mask, struct tug_err *err)
{
	*mask = 0;
	return 0;
}
