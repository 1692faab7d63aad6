/* Placeholder: filled in next commit. */
#include "platform/seccomp.h"

int seccomp_validate_oci(const cJSON *s, struct tug_err *err) { return 0; }
int seccomp_apply_oci(const cJSON *s, struct tug_err *err) { return 0; }
