/*
 * Registry references: the store's familiar name ("busybox:1") plus where it
 * lives (domain "docker.io", repository "library/busybox"), as Docker
 * normalises them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/image/ref.h"
#include "core/registry/internal.h"

int reg_ref_parse(const char *s, struct reg_ref *r, struct tug_err *err)
{
	struct image_ref ir;
	const char *slash, *name;
	size_t first;

	memset(r, 0, sizeof(*r));
	if (image_ref_parse(s, &ir, err) < 0)
		return -1;
	name = ir.name;
	slash = strchr(name, '/');
	first = slash ? (size_t)(slash - name) : 0;
	if (slash && (memchr(name, '.', first) || memchr(name, ':', first) ||
		      (first == 9 && !strncmp(name, "localhost", 9)))) {
		snprintf(r->domain, sizeof(r->domain), "%.*s", (int)first, name);
		snprintf(r->repo, sizeof(r->repo), "%s", slash + 1);
	} else {
		snprintf(r->domain, sizeof(r->domain), REG_DOCKER_HUB);
		/* Official images live under library/ on Docker Hub. */
		snprintf(r->repo, sizeof(r->repo), "%s%s", slash ? "" : "library/", name);
	}
	snprintf(r->tag, sizeof(r->tag), "%s", ir.tag);
	snprintf(r->digest, sizeof(r->digest), "%s", ir.digest);
	if (r->tag[0])
		snprintf(r->familiar, sizeof(r->familiar), "%s:%s", ir.name, r->tag);
	else
		snprintf(r->familiar, sizeof(r->familiar), "%s@%s", ir.name, r->digest);
	return 0;
}

void reg_normalize_server(const char *in, char *out, size_t size)
{
	const char *p = in ? in : "";
	size_t n;

	if (strstr(p, "://"))
		p = strstr(p, "://") + 3;
	n = strcspn(p, "/");
	snprintf(out, size, "%.*s", (int)n, p);
	if (!*out || !strcasecmp(out, "index.docker.io") ||
	    !strcasecmp(out, "registry-1.docker.io") || !strcasecmp(out, "docker.io"))
		snprintf(out, size, REG_DOCKER_HUB);
}
