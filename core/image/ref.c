/* Parsing of image references and platform matching: pure logic. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/image/ref.h"

static bool is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

bool digest_valid(const char *d)
{
	return d && !strncmp(d, "sha256:", 7) && strlen(d) == 71 && is_hex_lower(d + 7, 64);
}

bool image_id_prefix_valid(const char *s)
{
	size_t n;

	if (!strncmp(s, "sha256:", 7))
		s += 7;
	n = strlen(s);
	return n >= 4 && n <= 64 && is_hex_lower(s, n);
}

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static bool component_valid(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (isupper((unsigned char)c))
			return false;
		if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

static bool domain_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-:[]", s[i]))
			return false;
	return n > 0;
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

int image_ref_parse(const char *s, struct image_ref *ref, struct tug_err *err)
{
	char buf[512], *at, *slash, *colon, *name;
	const char *first_end;
	size_t first_len;

	memset(ref, 0, sizeof(*ref));
	if (!s || !*s || strlen(s) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "invalid reference format: '%s'", s ? s : "");
	snprintf(buf, sizeof(buf), "%s", s);
	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (!digest_valid(at + 1))
			return tug_err_set(err, EINVAL, "invalid reference format: '%s': bad digest",
					   s);
		snprintf(ref->digest, sizeof(ref->digest), "%s", at + 1);
	}
	slash = strrchr(buf, '/');
	colon = strrchr(buf, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			return tug_err_set(err, EINVAL, "invalid reference format: '%s': bad tag", s);
		snprintf(ref->tag, sizeof(ref->tag), "%s", colon + 1);
	} else if (!at) {
		snprintf(ref->tag, sizeof(ref->tag), "latest");
	}
	name = buf;
	/* A first component with '.', ':' or "localhost" is a registry domain. */
	first_end = strchr(name, '/');
	first_len = first_end ? (size_t)(first_end - name) : 0;
	if (first_end && (memchr(name, '.', first_len) || memchr(name, ':', first_len) ||
			  (first_len == 9 && !strncmp(name, "localhost", 9)))) {
		if (!domain_valid(name, first_len))
			return tug_err_set(err, EINVAL, "invalid reference format: '%s': bad domain",
					   s);
		if (first_len == 9 && !strncmp(name, "docker.io", 9))
			name += 10;
		else if (first_len == 19 && !strncmp(name, "registry-1.docker.io", 20))
			name += 20;
		else
			first_end = name + first_len; /* keep the domain; check the rest */
	} else {
		first_end = NULL;
	}
	if (!strncmp(name, "library/", 8) && !strchr(name + 8, '/'))
		name += 8;
	{
		const char *p = first_end ? first_end + 1 : name;

		for (;;) {
			const char *e = strchr(p, '/');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (!component_valid(p, n))
				return tug_err_set(err, EINVAL,
						   "invalid reference format: '%s': repository name "
						   "must be lowercase [a-z0-9._-]",
						   s);
			if (!e)
				break;
			p = e + 1;
		}
	}
	if (strlen(name) >= sizeof(ref->name))
		return tug_err_set(err, EINVAL, "invalid reference format: '%s': too long", s);
	snprintf(ref->name, sizeof(ref->name), "%s", name);
	return 0;
}

void image_ref_key(const struct image_ref *ref, char *out, size_t size)
{
	if (ref->tag[0])
		snprintf(out, size, "%s:%s", ref->name, ref->tag);
	else
		snprintf(out, size, "%s", "");
}

void image_platform_of(const char *tug_arch, const char **arch, const char **variant)
{
	static const struct {
		const char *tug, *arch, *variant;
	} map[] = {
		{ "x86_64", "amd64", "" },   { "aarch64", "arm64", "v8" },
		{ "armv7", "arm", "v7" },    { "arm", "arm", "v7" },
		{ "mipsel", "mipsle", "" },  { "i386", "386", "" },
		{ "riscv64", "riscv64", "" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(tug_arch, map[i].tug)) {
			*arch = map[i].arch;
			*variant = map[i].variant;
			return;
		}
	*arch = tug_arch;
	*variant = "";
}

bool image_platform_match(const char *tug_arch, const char *os, const char *arch,
			  const char *variant)
{
	const char *want_arch, *want_variant;

	image_platform_of(tug_arch, &want_arch, &want_variant);
	if (os && *os && strcmp(os, "linux"))
		return false;
	if (!arch || strcmp(arch, want_arch))
		return false;
	/* arm64 images often omit "v8"; arm ones must match the variant given. */
	if (!variant || !*variant || !*want_variant)
		return true;
	return !strcmp(variant, want_variant);
}
