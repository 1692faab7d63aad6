/*
 * seccomp filters for the OCI runtime through libseccomp (CONFIG_SECCOMP).
 * linux.seccomp is validated at create time, so a typo is reported by
 * `tug oci create` naming the field, and loaded in the container init: as
 * the last step before execve with process.noNewPrivileges, or before the
 * capabilities are dropped without it (the kernel then wants CAP_SYS_ADMIN;
 * no_new_privs is never set behind the bundle's back), as runc and crun do. Built without
 * CONFIG_SECCOMP, a config that asks for a filter is refused rather than run unconfined.
 */
#ifndef TUG_SECCOMP_H
#define TUG_SECCOMP_H

#include <cjson/cJSON.h>

#include "platform/err.h"

#if IS_ENABLED(CONFIG_SECCOMP)
/* Create time; errors name the field, e.g. linux.seccomp.syscalls[3].action. */
int seccomp_validate_oci(const cJSON *seccomp, struct tug_err *err);
/* In the container init; fails (EACCES) without no_new_privs or CAP_SYS_ADMIN. */
int seccomp_apply_oci(const cJSON *seccomp, struct tug_err *err);
#else
static inline int seccomp_validate_oci(const cJSON *seccomp, struct tug_err *err)
{
	if (seccomp && !cJSON_IsNull(seccomp))
		return tug_err_unsupported(err, CONFIG_SECCOMP);
	return 0;
}

static inline int seccomp_apply_oci(const cJSON *seccomp, struct tug_err *err)
{
	return seccomp_validate_oci(seccomp, err);
}
#endif

#endif
