#include <stdio.h>
#include <string.h>

#include "platform/libversions.h"
#include <cjson/cJSON.h>

static const char *cjson_version(void)
{
	return cJSON_Version();
}

#if IS_ENABLED(CONFIG_SECCOMP)
#include <seccomp.h>
static const char *seccomp_lib_version(void)
{
	static char buf[32];
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	return buf;
}
#else
#define seccomp_lib_version NULL
#endif

#if IS_ENABLED(CONFIG_IMAGE_ARCHIVE)
#include <archive.h>
#include <zlib.h>
static const char *archive_lib_version(void)
{
	const char *v = archive_version_string();

	/* "libarchive 3.6.2" -> "3.6.2" */
	return strncmp(v, "libarchive ", 11) ? v : v + 11;
}
static const char *zlib_lib_version(void)
{
	return zlibVersion();
}
#else
#define archive_lib_version NULL
#define zlib_lib_version NULL
#endif

#if IS_ENABLED(CONFIG_TLS_MBEDTLS)
#include <mbedtls/version.h>
static const char *mbedtls_lib_version(void)
{
	static char buf[32];

	mbedtls_version_get_string(buf);
	return buf;
}
#else
#define mbedtls_lib_version NULL
#endif

const struct lib_version lib_versions[] = {
	{ "cJSON", "always", cjson_version },
	{ "libseccomp", "CONFIG_SECCOMP", seccomp_lib_version },
	{ "libarchive", "CONFIG_IMAGE_ARCHIVE", archive_lib_version },
	{ "zlib", "CONFIG_IMAGE_ARCHIVE", zlib_lib_version },
	{ "mbedtls", "CONFIG_TLS_MBEDTLS", mbedtls_lib_version },
	{ NULL, NULL, NULL },
};
