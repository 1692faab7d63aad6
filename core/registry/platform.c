/* Platforms as "os/arch/variant"; the device's own from the build's arch. */
#include <stdio.h>
#include <string.h>

#include "core/image/ref.h"
#include "core/registry/internal.h"

int reg_platform_parse(const char *s, struct reg_platform *p, struct tug_err *err)
{
	char buf[96], *parts[3] = { NULL, NULL, NULL }, *save = NULL, *t;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (!s || !*s || strlen(s) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "invalid platform '%s'", s ? s : "");
	snprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return tug_err_set(err, EINVAL, "invalid platform '%s'", s);
		parts[n++] = t;
	}
	if (!n)
		return tug_err_set(err, EINVAL, "invalid platform '%s'", s);
	/* "arm64" alone means linux/arm64; "linux/arm64[/v8]" in full. */
	if (n == 1 || (n == 2 && strcmp(parts[0], "linux") && strcmp(parts[0], "windows"))) {
		snprintf(p->os, sizeof(p->os), "linux");
		snprintf(p->arch, sizeof(p->arch), "%s", parts[0]);
		if (n == 2)
			snprintf(p->variant, sizeof(p->variant), "%s", parts[1]);
	} else {
		snprintf(p->os, sizeof(p->os), "%s", parts[0]);
		snprintf(p->arch, sizeof(p->arch), "%s", parts[1]);
		if (n == 3)
			snprintf(p->variant, sizeof(p->variant), "%s", parts[2]);
	}
	/* Common spellings. */
	if (!strcmp(p->arch, "aarch64"))
		snprintf(p->arch, sizeof(p->arch), "arm64");
	else if (!strcmp(p->arch, "x86_64"))
		snprintf(p->arch, sizeof(p->arch), "amd64");
	else if (!strcmp(p->arch, "armhf") || !strcmp(p->arch, "armv7")) {
		snprintf(p->arch, sizeof(p->arch), "arm");
		snprintf(p->variant, sizeof(p->variant), "v7");
	} else if (!strcmp(p->arch, "mipsel"))
		snprintf(p->arch, sizeof(p->arch), "mipsle");
	return 0;
}

void reg_platform_of_device(struct reg_platform *p)
{
	const char *arch, *variant;

	image_platform_of(TUG_ARCH, &arch, &variant);
	snprintf(p->os, sizeof(p->os), "linux");
	snprintf(p->arch, sizeof(p->arch), "%s", arch);
	snprintf(p->variant, sizeof(p->variant), "%s", variant);
}

void reg_platform_str(const struct reg_platform *p, char *out, size_t size)
{
	snprintf(out, size, "%s/%s%s%s", p->os[0] ? p->os : "?", p->arch[0] ? p->arch : "?",
		 p->variant[0] ? "/" : "", p->variant);
}
