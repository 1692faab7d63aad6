/* Boot manifest: parse, check, order by dependencies, Docker create bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/manifest.h"
#include "platform/json.h"

int64_t manifest_parse_size(const char *s)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	if (v < 0 || end == s)
		return -1;
	switch (*end | 0x20) {
	case 'k': v <<= 10; end++; break;
	case 'm': v <<= 20; end++; break;
	case 'g': v <<= 30; end++; break;
	default: break;
	}
	if ((*end | 0x20) == 'b')
		end++;
	return *end ? -1 : v;
}

static const char *opt_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_images(const cJSON *arr, struct manifest *m, struct tug_err *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		struct manifest_image *im;

		if (m->nimages == MANIFEST_MAX_IMAGES)
			return tug_err_set(err, E2BIG, "images: more than %d", MANIFEST_MAX_IMAGES);
		im = &m->images[m->nimages];
		im->archive = opt_str(it, "archive");
		im->ref = opt_str(it, "ref");
		if (!im->archive)
			return tug_err_set(err, EINVAL, "images[%zu]: \"archive\" missing", m->nimages);
		m->nimages++;
	}
	return 0;
}

static int find_container(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->ncontainers; i++)
		if (!strcmp(m->containers[i].name, name))
			return (int)i;
	return -1;
}

static int parse_containers(const cJSON *arr, struct manifest *m, struct tug_err *err)
{
	const cJSON *it, *d;

	cJSON_ArrayForEach(it, arr) {
		struct manifest_container *c;
		const char *image;

		if (m->ncontainers == MANIFEST_MAX_CONTAINERS)
			return tug_err_set(err, E2BIG, "containers: more than %d",
					   MANIFEST_MAX_CONTAINERS);
		c = &m->containers[m->ncontainers];
		c->json = it;
		c->name = opt_str(it, "name");
		image = opt_str(it, "image");
		if (!c->name || !*c->name || !image)
			return tug_err_set(err, EINVAL, "containers[%zu]: \"name\" and \"image\" needed",
					   m->ncontainers);
		if (find_container(m, c->name) >= 0)
			return tug_err_set(err, EEXIST, "container %s: named twice", c->name);
		c->console = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "console"));
		c->read_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "read_only"));
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(it, "depends_on")) {
			if (!cJSON_IsString(d) || c->ndeps == MANIFEST_MAX_CONTAINERS)
				return tug_err_set(err, EINVAL, "container %s: bad depends_on", c->name);
			c->depends_on[c->ndeps++] = d->valuestring;
		}
		m->ncontainers++;
	}
	return 0;
}

bool manifest_container_needs_network(const struct manifest_container *c)
{
	const char *net = opt_str(c->json, "network");

	/* No "network": Docker's default, the bridge. */
	return !net || (strcmp(net, "none") && strcmp(net, "host") &&
			strncmp(net, "container:", 10));
}

/*
 * What a container on a bridge network needs from the kernel: the veth pair,
 * the bridge, and what platform/nft.c's ruleset uses (table ip tug, nat
 * chains, masq, dnat, fib for a published host address). The kernel would
 * ask for them by alias (net-pf-16-proto-12, nft-chain-2-nat, nft-expr-masq)
 * when tugd first sets up NAT, but a board has no modprobe (docs/init.md):
 * the module loader loads them, dependencies from modules.dep. Built-in
 * ones count as loaded.
 */
static const char *const network_modules[] = {
	"veth", "bridge", "nf_tables", "nft_chain_nat", "nft_masq", "nft_nat", "nft_fib_ipv4",
};

static void add_network_modules(struct manifest *m)
{
	size_t i, k;

	for (i = 0; i < m->ncontainers; i++)
		if (manifest_container_needs_network(&m->containers[i]))
			break;
	if (i == m->ncontainers)
		return;
	for (i = 0; i < sizeof(network_modules) / sizeof(network_modules[0]); i++) {
		for (k = 0; k < m->nmodules; k++)
			if (!strcmp(m->modules[k], network_modules[i]))
				break;
		if (k == m->nmodules && m->nmodules < MANIFEST_MAX_MODULES)
			m->modules[m->nmodules++] = network_modules[i];
	}
}

/* Depth-first, dependencies first; list order otherwise. 1 = in progress. */
static int visit(struct manifest *m, size_t i, char *mark, size_t *n, struct tug_err *err)
{
	struct manifest_container *c = &m->containers[i];

	if (mark[i] == 2)
		return 0;
	if (mark[i] == 1)
		return tug_err_set(err, ELOOP, "container %s: dependency cycle", c->name);
	mark[i] = 1;
	for (size_t k = 0; k < c->ndeps; k++) {
		int j = find_container(m, c->depends_on[k]);

		if (j < 0)
			return tug_err_set(err, ENOENT, "container %s: depends on unknown %s", c->name,
					   c->depends_on[k]);
		if (visit(m, (size_t)j, mark, n, err) < 0)
			return -1;
	}
	mark[i] = 2;
	m->order[(*n)++] = i;
	return 0;
}

int manifest_parse(cJSON *root, struct manifest *m, struct tug_err *err)
{
	const cJSON *wd, *mods, *it;
	char mark[MANIFEST_MAX_CONTAINERS] = { 0 };
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	m->root = root;
	m->stop_timeout = 10;
	if (!cJSON_IsObject(root)) {
		tug_err_set(err, EINVAL, "manifest: not a JSON object");
		goto fail;
	}
	m->hostname = opt_str(root, "hostname");
	mods = cJSON_GetObjectItemCaseSensitive(root, "modules");
	cJSON_ArrayForEach(it, mods) {
		if (!cJSON_IsString(it) || m->nmodules == MANIFEST_MAX_MODULES) {
			tug_err_set(err, EINVAL, "manifest: bad modules list");
			goto fail;
		}
		m->modules[m->nmodules++] = it->valuestring;
	}
	wd = cJSON_GetObjectItemCaseSensitive(root, "watchdog");
	if (cJSON_IsObject(wd)) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(wd, "timeout");

		m->watchdog_device = opt_str(wd, "device");
		if (!m->watchdog_device)
			m->watchdog_device = "/dev/watchdog";
		m->watchdog_timeout = cJSON_IsNumber(t) ? t->valueint : 10;
		if (m->watchdog_timeout < 2 || m->watchdog_timeout > 3600) {
			tug_err_set(err, ERANGE, "manifest: watchdog timeout %d s out of 2..3600",
				    m->watchdog_timeout);
			goto fail;
		}
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "stop_timeout");
	if (cJSON_IsNumber(it))
		m->stop_timeout = it->valueint < 0 ? 0 : it->valueint;
	if (parse_images(cJSON_GetObjectItemCaseSensitive(root, "images"), m, err) < 0 ||
	    parse_containers(cJSON_GetObjectItemCaseSensitive(root, "containers"), m, err) < 0)
		goto fail;
	for (size_t i = 0; i < m->ncontainers; i++)
		if (visit(m, i, mark, &n, err) < 0)
			goto fail;
	add_network_modules(m);
	return 0;
fail:
	tug_err_wrap(err, "boot manifest");
	manifest_free(m);
	return -1;
}

int manifest_load(const char *path, struct manifest *m, struct tug_err *err)
{
	cJSON *root = json_parse_file(path, 1 << 20, err);

	if (!root) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return manifest_parse(root, m, err);
}

void manifest_free(struct manifest *m)
{
	cJSON_Delete(m->root);
	m->root = NULL;
}

/* "on-failure:3" -> {"Name": "on-failure", "MaximumRetryCount": 3} */
static cJSON *restart_policy(const char *s)
{
	cJSON *p = cJSON_CreateObject();
	const char *colon = strchr(s, ':');
	char name[32];

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	cJSON_AddStringToObject(p, "Name", name);
	if (colon)
		cJSON_AddNumberToObject(p, "MaximumRetryCount", atoi(colon + 1));
	return p;
}

/* "key": ["a", "b"] -> HostConfig's to: a list of strings, or an error naming the container. */
static int copy_strings(const cJSON *j, const char *key, cJSON *hc, const char *to,
			const char *name, struct tug_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key), *it;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return tug_err_set(err, EINVAL, "container %s: %s: expected a list of strings", name,
				   key);
	cJSON_ArrayForEach (it, v)
		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "container %s: %s: expected a list of strings",
					   name, key);
	cJSON_AddItemToObject(hc, to, cJSON_Duplicate(v, 1));
	return 0;
}

/* "devices": ["/dev/ttyUSB0", "/dev/gpiochip0:/dev/gpio:rw"] (as docker run --device). */
static int add_devices(const cJSON *j, cJSON *hc, const char *name, struct tug_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "devices"), *it;
	cJSON *out;

	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return tug_err_set(err, EINVAL, "container %s: devices: expected a list", name);
	out = cJSON_AddArrayToObject(hc, "Devices");
	cJSON_ArrayForEach (it, v) {
		char buf[512], *ctr, *perm = NULL;
		cJSON *d;

		if (!cJSON_IsString(it) || it->valuestring[0] != '/' ||
		    strlen(it->valuestring) >= sizeof(buf))
			return tug_err_set(err, EINVAL,
					   "container %s: devices: \"HOST[:CONTAINER[:rwm]]\" paths", name);
		snprintf(buf, sizeof(buf), "%s", it->valuestring);
		if ((ctr = strchr(buf, ':'))) {
			*ctr++ = '\0';
			if ((perm = strchr(ctr, ':')))
				*perm++ = '\0';
		}
		if (perm && (!*perm || strspn(perm, "rwm") != strlen(perm)))
			return tug_err_set(err, EINVAL, "container %s: devices: bad permissions in %s",
					   name, it->valuestring);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "PathOnHost", buf);
		cJSON_AddStringToObject(d, "PathInContainer", ctr && *ctr ? ctr : buf);
		cJSON_AddStringToObject(d, "CgroupPermissions", perm ? perm : "rwm");
		cJSON_AddItemToArray(out, d);
	}
	return 0;
}

cJSON *manifest_create_body(const struct manifest_container *c, struct tug_err *err)
{
	const cJSON *j = c->json, *v;
	cJSON *body = cJSON_CreateObject(), *hc;
	const char *s;

	cJSON_AddStringToObject(body, "Image", opt_str(j, "image"));
	v = cJSON_GetObjectItemCaseSensitive(j, "cmd");
	if (v)
		cJSON_AddItemToObject(body, "Cmd", cJSON_Duplicate(v, 1));
	v = cJSON_GetObjectItemCaseSensitive(j, "entrypoint");
	if (v)
		cJSON_AddItemToObject(body, "Entrypoint", cJSON_Duplicate(v, 1));
	v = cJSON_GetObjectItemCaseSensitive(j, "env");
	if (v)
		cJSON_AddItemToObject(body, "Env", cJSON_Duplicate(v, 1));
	if ((s = opt_str(j, "workdir")))
		cJSON_AddStringToObject(body, "WorkingDir", s);
	if ((s = opt_str(j, "user")))
		cJSON_AddStringToObject(body, "User", s);
	hc = cJSON_AddObjectToObject(body, "HostConfig");
	if ((s = opt_str(j, "restart")))
		cJSON_AddItemToObject(hc, "RestartPolicy", restart_policy(s));
	v = cJSON_GetObjectItemCaseSensitive(j, "memory");
	if (v) {
		int64_t bytes = cJSON_IsNumber(v) ? (int64_t)v->valuedouble
						  : manifest_parse_size(cJSON_GetStringValue(v));

		if (bytes <= 0) {
			cJSON_Delete(body);
			tug_err_set(err, EINVAL, "container %s: bad memory limit", c->name);
			return NULL;
		}
		cJSON_AddNumberToObject(hc, "Memory", (double)bytes);
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "pids");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(hc, "PidsLimit", v->valuedouble);
	if ((s = opt_str(j, "network")))
		cJSON_AddStringToObject(hc, "NetworkMode", s);
	if (c->read_only)
		cJSON_AddBoolToObject(hc, "ReadonlyRootfs", true);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "init")))
		cJSON_AddBoolToObject(hc, "Init", true);
	v = cJSON_GetObjectItemCaseSensitive(j, "binds");
	if (v)
		cJSON_AddItemToObject(hc, "Binds", cJSON_Duplicate(v, 1));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "privileged")))
		cJSON_AddBoolToObject(hc, "Privileged", true);
	if (copy_strings(j, "cap_add", hc, "CapAdd", c->name, err) < 0 ||
	    copy_strings(j, "cap_drop", hc, "CapDrop", c->name, err) < 0 ||
	    copy_strings(j, "security_opt", hc, "SecurityOpt", c->name, err) < 0 ||
	    add_devices(j, hc, c->name, err) < 0) {
		cJSON_Delete(body);
		return NULL;
	}
	return body;
}
