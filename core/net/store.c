/* Network records on disk, leases, port specs, names. */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/net/store.h"
#include "core/paths.h"
#include "core/names.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/random.h"

const char *net_driver_name(enum net_driver d)
{
	return d == NET_DRIVER_BRIDGE ? "bridge" : d == NET_DRIVER_HOST ? "host" : "null";
}

int net_name_validate(const char *name, struct tug_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len < 2 || len > 127)
		return tug_err_set(err, EINVAL, "invalid name '%s': 2 to 127 characters",
				   name ? name : "");
	if (!name_ok(name, len))
		return tug_err_set(err, EINVAL,
				   "invalid name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	return 0;
}

static void now_rfc3339(char out[40])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void network_free(struct network *n)
{
	free(n->eps);
	n->eps = NULL;
	n->n_eps = 0;
}

static const char *proto_name(int p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

static void mac_format(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

cJSON *net_to_json(const struct network *n)
{
	cJSON *j = cJSON_CreateObject(), *eps = cJSON_AddArrayToObject(j, "Endpoints");
	char buf[20], mac[18];

	cJSON_AddStringToObject(j, "Id", n->id);
	cJSON_AddStringToObject(j, "Name", n->name);
	cJSON_AddStringToObject(j, "Driver", net_driver_name(n->driver));
	cJSON_AddStringToObject(j, "Created", n->created);
	cJSON_AddBoolToObject(j, "Builtin", n->builtin);
	cJSON_AddBoolToObject(j, "Internal", n->internal);
	if (n->driver == NET_DRIVER_BRIDGE) {
		cJSON_AddStringToObject(j, "Subnet", subnet_format(&n->subnet, buf));
		cJSON_AddStringToObject(j, "Gateway", ip4_format(n->gateway, buf));
		cJSON_AddStringToObject(j, "Bridge", n->bridge);
		if (n->ipv6) {
			char v6[50];

			cJSON_AddStringToObject(j, "IPv6Subnet", subnet6_format(n->prefix6, v6));
		}
	}
	for (size_t i = 0; i < n->n_eps; i++) {
		const struct net_endpoint *e = &n->eps[i];
		cJSON *o = cJSON_CreateObject(), *ports = cJSON_AddArrayToObject(o, "Ports");

		cJSON_AddStringToObject(o, "Container", e->container);
		cJSON_AddStringToObject(o, "Name", e->name);
		cJSON_AddStringToObject(o, "Hostname", e->hostname);
		cJSON_AddStringToObject(o, "Aliases", e->aliases);
		cJSON_AddStringToObject(o, "IfName", e->ifname);
		cJSON_AddStringToObject(o, "Veth", e->veth);
		cJSON_AddStringToObject(o, "IPv4", e->ip ? ip4_format(e->ip, buf) : "");
		mac_format(e->mac, mac);
		cJSON_AddStringToObject(o, "MacAddress", e->ip ? mac : "");
		cJSON_AddStringToObject(o, "EtcDir", e->etc_dir);
		cJSON_AddNumberToObject(o, "Pid", e->pid);
		for (size_t k = 0; k < e->n_ports; k++) {
			cJSON *p = cJSON_CreateObject();

			cJSON_AddStringToObject(p, "Proto", proto_name(e->ports[k].proto));
			cJSON_AddStringToObject(p, "HostIp", ip4_format(e->ports[k].host_ip, buf));
			cJSON_AddNumberToObject(p, "HostPort", e->ports[k].host_port);
			cJSON_AddNumberToObject(p, "ContainerPort", e->ports[k].ctr_port);
			cJSON_AddItemToArray(ports, p);
		}
		cJSON_AddItemToArray(eps, o);
	}
	return j;
}

static int copy_str(const cJSON *j, const char *key, char *dst, size_t size, bool required,
		    struct tug_err *err)
{
	const char *v = NULL;

	if (json_get_str(j, key, &v, err) < 0)
		return -1;
	if (!v && required)
		return tug_err_set(err, EINVAL, "%s: missing", key);
	if (v && strlen(v) >= size)
		return tug_err_set(err, EINVAL, "%s: too long", key);
	snprintf(dst, size, "%s", v ? v : "");
	return 0;
}

static int endpoint_from_json(const cJSON *o, struct net_endpoint *e, struct tug_err *err)
{
	char ip[16] = "", mac[18] = "";
	const cJSON *ports = NULL, *p;
	unsigned m[6];

	memset(e, 0, sizeof(*e));
	if (copy_str(o, "Container", e->container, sizeof(e->container), true, err) < 0 ||
	    copy_str(o, "Name", e->name, sizeof(e->name), false, err) < 0 ||
	    copy_str(o, "Hostname", e->hostname, sizeof(e->hostname), false, err) < 0 ||
	    copy_str(o, "Aliases", e->aliases, sizeof(e->aliases), false, err) < 0 ||
	    copy_str(o, "IfName", e->ifname, sizeof(e->ifname), false, err) < 0 ||
	    copy_str(o, "Veth", e->veth, sizeof(e->veth), false, err) < 0 ||
	    copy_str(o, "IPv4", ip, sizeof(ip), false, err) < 0 ||
	    copy_str(o, "MacAddress", mac, sizeof(mac), false, err) < 0 ||
	    copy_str(o, "EtcDir", e->etc_dir, sizeof(e->etc_dir), false, err) < 0 ||
	    json_get_array(o, "Ports", &ports, err) < 0)
		return -1;
	if (*ip && ip4_parse(ip, &e->ip, err) < 0)
		return -1;
	int64_t pid = 0;

	if (json_get_int(o, "Pid", &pid, err) < 0)
		return -1;
	e->pid = pid;
	if (*mac && sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6)
		for (int i = 0; i < 6; i++)
			e->mac[i] = m[i];
	cJSON_ArrayForEach(p, ports) {
		struct net_port *np = &e->ports[e->n_ports];
		const char *proto = "tcp", *hip = "0.0.0.0";
		int64_t hp = 0, cp = 0;

		if (e->n_ports >= NET_MAX_PORTS)
			return tug_err_set(err, EINVAL, "Ports: more than %d", NET_MAX_PORTS);
		if (json_get_str(p, "Proto", &proto, err) < 0 ||
		    json_get_str(p, "HostIp", &hip, err) < 0 ||
		    json_get_int(p, "HostPort", &hp, err) < 0 ||
		    json_get_int(p, "ContainerPort", &cp, err) < 0 ||
		    ip4_parse(hip, &np->host_ip, err) < 0)
			return -1;
		np->proto = !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		np->host_port = hp;
		np->ctr_port = cp;
		e->n_ports++;
	}
	return 0;
}

int net_from_json(const cJSON *j, struct network *n, struct tug_err *err)
{
	char driver[16] = "", subnet[20] = "", gw[16] = "";
	const cJSON *eps = NULL, *o;
	bool b = false;

	memset(n, 0, sizeof(*n));
	if (copy_str(j, "Id", n->id, sizeof(n->id), true, err) < 0 ||
	    copy_str(j, "Name", n->name, sizeof(n->name), true, err) < 0 ||
	    copy_str(j, "Driver", driver, sizeof(driver), true, err) < 0 ||
	    copy_str(j, "Created", n->created, sizeof(n->created), false, err) < 0 ||
	    copy_str(j, "Subnet", subnet, sizeof(subnet), false, err) < 0 ||
	    copy_str(j, "Gateway", gw, sizeof(gw), false, err) < 0 ||
	    copy_str(j, "Bridge", n->bridge, sizeof(n->bridge), false, err) < 0 ||
	    json_get_array(j, "Endpoints", &eps, err) < 0)
		return -1;
	if (json_get_bool(j, "Builtin", &b, err) < 0)
		return -1;
	n->builtin = b;
	b = false;
	if (json_get_bool(j, "Internal", &b, err) < 0)
		return -1;
	n->internal = b;
	if (!strcmp(driver, "bridge")) {
		const char *v6 = NULL;

		n->driver = NET_DRIVER_BRIDGE;
		if (subnet_parse(subnet, &n->subnet, err) < 0 || ip4_parse(gw, &n->gateway, err) < 0 ||
		    json_get_str(j, "IPv6Subnet", &v6, err) < 0)
			return -1;
		if (v6 && subnet6_parse(v6, n->prefix6, err) < 0)
			return -1;
		n->ipv6 = v6 != NULL;
	} else if (!strcmp(driver, "host")) {
		n->driver = NET_DRIVER_HOST;
	} else if (!strcmp(driver, "null")) {
		n->driver = NET_DRIVER_NULL;
	} else {
		return tug_err_set(err, EINVAL, "Driver: unknown '%s'", driver);
	}
	cJSON_ArrayForEach(o, eps) {
		struct net_endpoint e;

		if (endpoint_from_json(o, &e, err) < 0 || net_endpoint_add(n, &e, err) < 0) {
			network_free(n);
			return tug_err_wrap(err, "Endpoints");
		}
	}
	return 0;
}

cJSON *net_inspect_json(const struct network *n)
{
	cJSON *j = cJSON_CreateObject(), *ipam, *cfgs, *ctrs, *opts;
	char buf[20], mac[18], addr[64];

	cJSON_AddStringToObject(j, "Name", n->name);
	cJSON_AddStringToObject(j, "Id", n->id);
	cJSON_AddStringToObject(j, "Created", n->created);
	cJSON_AddStringToObject(j, "Scope", "local");
	cJSON_AddStringToObject(j, "Driver", net_driver_name(n->driver));
	cJSON_AddBoolToObject(j, "EnableIPv6", n->ipv6);
	ipam = cJSON_AddObjectToObject(j, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON_AddObjectToObject(ipam, "Options");
	cfgs = cJSON_AddArrayToObject(ipam, "Config");
	if (n->driver == NET_DRIVER_BRIDGE) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "Subnet", subnet_format(&n->subnet, buf));
		cJSON_AddStringToObject(c, "Gateway", ip4_format(n->gateway, buf));
		cJSON_AddItemToArray(cfgs, c);
		if (n->ipv6) {
			char v6[50];
			uint8_t gw6[16];

			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "Subnet", subnet6_format(n->prefix6, v6));
			ip6_of(n->prefix6, 1, gw6);
			cJSON_AddStringToObject(c, "Gateway", ip6_format(gw6, v6));
			cJSON_AddItemToArray(cfgs, c);
		}
	}
	cJSON_AddBoolToObject(j, "Internal", n->internal);
	cJSON_AddBoolToObject(j, "Attachable", false);
	cJSON_AddBoolToObject(j, "Ingress", false);
	ctrs = cJSON_AddObjectToObject(j, "Containers");
	for (size_t i = 0; i < n->n_eps; i++) {
		const struct net_endpoint *e = &n->eps[i];
		cJSON *c = cJSON_AddObjectToObject(ctrs, e->container);

		cJSON_AddStringToObject(c, "Name", e->name);
		cJSON_AddStringToObject(c, "EndpointID", e->veth);
		mac_format(e->mac, mac);
		cJSON_AddStringToObject(c, "MacAddress", e->ip ? mac : "");
		snprintf(addr, sizeof(addr), "%s/%u", ip4_format(e->ip, buf), n->subnet.prefix);
		cJSON_AddStringToObject(c, "IPv4Address", e->ip ? addr : "");
		if (n->ipv6 && e->ip) {
			uint8_t a6[16];
			char v6[50];

			ip6_of(n->prefix6, e->ip, a6);
			snprintf(addr, sizeof(addr), "%s/64", ip6_format(a6, v6));
			cJSON_AddStringToObject(c, "IPv6Address", addr);
		} else {
			cJSON_AddStringToObject(c, "IPv6Address", "");
		}
	}
	opts = cJSON_AddObjectToObject(j, "Options");
	if (n->driver == NET_DRIVER_BRIDGE)
		cJSON_AddStringToObject(opts, "com.docker.network.bridge.name", n->bridge);
	cJSON_AddObjectToObject(j, "Labels");
	return j;
}

int net_endpoint_add(struct network *n, const struct net_endpoint *ep, struct tug_err *err)
{
	struct net_endpoint *v = realloc(n->eps, (n->n_eps + 1) * sizeof(*v));

	if (!v)
		return tug_err_set(err, ENOMEM, "network %s: add endpoint", n->name);
	n->eps = v;
	n->eps[n->n_eps++] = *ep;
	return 0;
}

void net_endpoint_remove(struct network *n, const char *container)
{
	for (size_t i = 0; i < n->n_eps; i++)
		if (!strcmp(n->eps[i].container, container)) {
			memmove(&n->eps[i], &n->eps[i + 1], (n->n_eps - i - 1) * sizeof(n->eps[0]));
			n->n_eps--;
			return;
		}
}

struct net_endpoint *net_endpoint_find(struct network *n, const char *container)
{
	for (size_t i = 0; i < n->n_eps; i++)
		if (!strcmp(n->eps[i].container, container) || !strcmp(n->eps[i].name, container))
			return &n->eps[i];
	return NULL;
}

int net_lease(struct network *n, const char *requested, uint32_t *ip, struct tug_err *err)
{
	_cleanup_free_ uint32_t *used = calloc(n->n_eps + 1, sizeof(*used));
	char buf[20];

	if (!used)
		return tug_err_set(err, ENOMEM, "network %s: lease", n->name);
	used[0] = n->gateway;
	for (size_t i = 0; i < n->n_eps; i++)
		used[i + 1] = n->eps[i].ip;
	if (!requested)
		return ipam_pick(&n->subnet, used, n->n_eps + 1, ip, err) < 0 ?
			       tug_err_wrap(err, "network %s", n->name) : 0;
	if (ip4_parse(requested, ip, err) < 0)
		return -1;
	if (!subnet_contains(&n->subnet, *ip) || *ip == n->subnet.net ||
	    *ip == (n->subnet.net | ~subnet_mask(n->subnet.prefix)))
		return tug_err_set(err, EINVAL, "address %s is not a host address of %s", requested,
				   subnet_format(&n->subnet, buf));
	for (size_t i = 0; i <= n->n_eps; i++)
		if (used[i] == *ip)
			return tug_err_set(err, EADDRINUSE, "address %s is already in use on %s",
					   requested, n->name);
	return 0;
}

int net_port_parse(const char *spec, struct net_port *out, struct tug_err *err)
{
	char buf[128], *parts[3], *slash, *end;
	size_t n = 0;
	long v[2];

	memset(out, 0, sizeof(*out));
	out->proto = IPPROTO_TCP;
	if (strlen(spec) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "invalid port spec '%s'", spec);
	strcpy(buf, spec);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			return tug_err_set(err, EINVAL,
					   "invalid port spec '%s': protocol must be tcp or udp",
					   spec);
	}
	parts[n++] = buf;
	for (char *p = buf; (p = strchr(p, ':'));) {
		if (n == 3)
			return tug_err_set(err, EINVAL, "invalid port spec '%s'", spec);
		*p++ = '\0';
		parts[n++] = p;
	}
	if (n == 3 && ip4_parse(parts[0], &out->host_ip, err) < 0)
		return tug_err_wrap(err, "invalid port spec '%s'", spec);
	for (size_t i = 0; i < 2; i++) {
		const char *s = parts[n == 1 ? 0 : n - 2 + i];

		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (!*s || *end || v[i] < 1 || v[i] > 65535)
			return tug_err_set(err, EINVAL,
					   "invalid port spec '%s': ports are 1 to 65535", spec);
	}
	out->host_port = v[0];
	out->ctr_port = v[1];
	return 0;
}

/*
 * none and host hold nothing durable but who they are: their endpoints (all
 * dead after a power cut) are kept in the run dir (tmpfs), the record on
 * the disk is written once, when the network is made. Two disk writes
 * fewer on every start and stop of a container on none or host.
 */
static bool endpoints_in_run_dir(const struct network *n)
{
	return n->driver != NET_DRIVER_BRIDGE;
}

static void run_endpoints_path(const struct network *n, char *out, size_t size)
{
	snprintf(out, size, "%s/networks/%s.json", tug_run_dir(), n->id);
}

/* The run dir's endpoints of none or host, over the record's (older, or none). */
static void load_run_endpoints(struct network *n)
{
	char path[4400];
	struct tug_err err;
	_cleanup_json_ cJSON *j = NULL;
	struct network r;

	run_endpoints_path(n, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return;
	j = json_parse_file(path, 4 << 20, &err);
	if (!j || net_from_json(j, &r, &err) < 0) {
		fprintf(stderr, "tug: network endpoints %s: %s; the record's kept\n", path, err.msg);
		return;
	}
	network_free(n);
	n->eps = r.eps;
	n->n_eps = r.n_eps;
}

static int net_load_one(struct net_store *s, const char *file, struct tug_err *err)
{
	struct stat st;
	char path[4400];
	_cleanup_json_ cJSON *j = NULL;
	struct network n, *v;

	snprintf(path, sizeof(path), "%s/%s", s->dir, file);
	/* Empty: none's or host's record cut by a power loss (net_save); made again. */
	if (stat(path, &st) == 0 && st.st_size == 0) {
		fprintf(stderr, "tug: network record %s was cut by a power loss; dropped\n", path);
		unlink(path);
		return 0;
	}
	j = json_parse_file(path, 4 << 20, err);
	if (!j || net_from_json(j, &n, err) < 0)
		return tug_err_wrap(err, "load network %s", path);
	if (endpoints_in_run_dir(&n))
		load_run_endpoints(&n);
	v = realloc(s->nets, (s->n + 1) * sizeof(*v));
	if (!v) {
		network_free(&n);
		return tug_err_set(err, ENOMEM, "load networks");
	}
	s->nets = v;
	s->nets[s->n++] = n;
	return 0;
}

/* The record on the disk (atomic, durable). */
static int save_record(struct net_store *s, const struct network *n, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = net_to_json(n);
	char name[80];
	_cleanup_close_ int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return tug_err_sys(err, "open %s", s->dir);
	snprintf(name, sizeof(name), "%s.json", n->id);
	return json_write_file(dfd, name, j, err) < 0 ? tug_err_wrap(err, "save network %s", n->name)
						       : 0;
}

int net_save(struct net_store *s, const struct network *n, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = NULL;
	char path[4400];
	int ret;

	if (!endpoints_in_run_dir(n))
		return save_record(s, n, err);
	/* tmpfs, and dead after a power cut anyway (net_sweep drops them at start): no fsync. */
	j = net_to_json(n);
	run_endpoints_path(n, path, sizeof(path));
	*strrchr(path, '/') = '\0';
	if (mkdir_p(path, 0700, err) < 0)
		return tug_err_wrap(err, "save network %s", n->name);
	run_endpoints_path(n, path, sizeof(path));
	fsutil_volatile_begin();
	ret = json_write_file(AT_FDCWD, path, j, err);
	fsutil_volatile_end();
	return ret < 0 ? tug_err_wrap(err, "save network %s", n->name) : 0;
}

static int add_builtin(struct net_store *s, const char *name, enum net_driver d,
		       struct tug_err *err)
{
	struct network n = { .driver = d, .builtin = true }, *v;

	if (net_find(s, name))
		return 0;
	random_hex_id(n.id);
	snprintf(n.name, sizeof(n.name), "%s", name);
	now_rfc3339(n.created);
	if (d == NET_DRIVER_BRIDGE) {
		const char *sn = getenv("TUG_BRIDGE_SUBNET");

		if (subnet_parse(sn && *sn ? sn : CONFIG_NET_BRIDGE_SUBNET, &n.subnet, err) < 0)
			return tug_err_wrap(err, "default bridge");
		n.gateway = n.subnet.net + 1;
		snprintf(n.bridge, sizeof(n.bridge), "%s", NET_DEFAULT_BRIDGE);
		if (IS_ENABLED(CONFIG_IPV6)) {
			ula_prefix_for(n.id, n.prefix6);
			n.ipv6 = true;
		}
	}
	if (save_record(s, &n, err) < 0)
		return -1;
	v = realloc(s->nets, (s->n + 1) * sizeof(*v));
	if (!v)
		return tug_err_set(err, ENOMEM, "networks");
	s->nets = v;
	s->nets[s->n++] = n;
	return 0;
}

int net_store_open(struct net_store *s, const char *state_dir, struct tug_err *err)
{
	_cleanup_close_ int lock = -1;
	DIR *d;
	struct dirent *de;
	char lockp[4200];

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s/networks", state_dir ? state_dir : tug_state_dir());
	if (mkdir_p(s->dir, 0700, err) < 0)
		return tug_err_wrap(err, "network store");
	snprintf(lockp, sizeof(lockp), "%s/.lock", s->dir);
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return tug_err_sys(err, "lock %s", lockp);
	sweep_temp_files(s->dir, err);
	{
		int fd = open_dir_noatime(AT_FDCWD, s->dir);

		d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return tug_err_sys(err, "open %s", s->dir);
		}
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (net_load_one(s, de->d_name, err) < 0) {
			closedir(d);
			net_store_close(s);
			return -1;
		}
	}
	closedir(d);
	s->lock_fd = take_fd(lock);
	if (add_builtin(s, "none", NET_DRIVER_NULL, err) < 0 ||
	    add_builtin(s, "host", NET_DRIVER_HOST, err) < 0 ||
	    (IS_ENABLED(CONFIG_NET_BRIDGE) && add_builtin(s, "bridge", NET_DRIVER_BRIDGE, err) < 0)) {
		net_store_close(s);
		return -1;
	}
	return 0;
}

void net_store_close(struct net_store *s)
{
	for (size_t i = 0; i < s->n; i++)
		network_free(&s->nets[i]);
	free(s->nets);
	s->nets = NULL;
	s->n = 0;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

struct network *net_find(struct net_store *s, const char *ref)
{
	struct network *found = NULL;
	size_t len = strlen(ref);

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->nets[i].name, ref) || !strcmp(s->nets[i].id, ref))
			return &s->nets[i];
	if (len < 3)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->nets[i].id, ref, len)) {
			if (found)
				return NULL;	/* ambiguous */
			found = &s->nets[i];
		}
	return found;
}

/* NULL when sn overlaps nothing, else a description of what it overlaps. */
static const char *overlap_with(struct net_store *s, const struct subnet *sn,
				const struct subnet *routes, size_t n_routes, char *buf,
				size_t size)
{
	char a[20];

	for (size_t i = 0; i < s->n; i++)
		if (s->nets[i].driver == NET_DRIVER_BRIDGE &&
		    subnet_overlaps(sn, &s->nets[i].subnet)) {
			snprintf(buf, size, "network %s (%s)", s->nets[i].name,
				 subnet_format(&s->nets[i].subnet, a));
			return buf;
		}
	for (size_t i = 0; i < n_routes; i++)
		if (subnet_overlaps(sn, &routes[i])) {
			snprintf(buf, size, "route %s of this host", subnet_format(&routes[i], a));
			return buf;
		}
	return NULL;
}

int net_create(struct net_store *s, const char *name, const char *subnet, const char *gateway,
	       bool internal, const struct subnet *host_routes, size_t n_routes,
	       struct network **out, struct tug_err *err)
{
	struct network n = { .driver = NET_DRIVER_BRIDGE, .internal = internal }, *v;
	char what[160], a[20];

	if (net_name_validate(name, err) < 0)
		return tug_err_wrap(err, "network create");
	if (net_find(s, name))
		return tug_err_set(err, EEXIST, "network with name %s already exists", name);
	if (subnet) {
		if (subnet_parse(subnet, &n.subnet, err) < 0)
			return -1;
		if (overlap_with(s, &n.subnet, host_routes, n_routes, what, sizeof(what)))
			return tug_err_set(err, EEXIST, "subnet %s overlaps %s", subnet, what);
	} else {
		/* Docker picks from private pools; 172.31.0.0/24 upward, /24 each. */
		bool ok = false;

		for (unsigned i = 0; i < 256 && !ok; i++) {
			n.subnet = (struct subnet){ 0xac1f0000u | (i << 8), 24 };
			ok = !overlap_with(s, &n.subnet, host_routes, n_routes, what, sizeof(what));
		}
		if (!ok)
			return tug_err_set(err, ENOSPC, "no free subnet left: give --subnet");
	}
	if (gateway) {
		if (ip4_parse(gateway, &n.gateway, err) < 0)
			return tug_err_wrap(err, "--gateway");
		if (!subnet_contains(&n.subnet, gateway ? n.gateway : 0))
			return tug_err_set(err, EINVAL, "gateway %s is not in subnet %s", gateway,
					   subnet_format(&n.subnet, a));
	} else {
		n.gateway = n.subnet.net + 1;
	}
	random_hex_id(n.id);
	snprintf(n.name, sizeof(n.name), "%s", name);
	now_rfc3339(n.created);
	snprintf(n.bridge, sizeof(n.bridge), "tug-%.11s", n.id);
	if (save_record(s, &n, err) < 0)
		return -1;
	v = realloc(s->nets, (s->n + 1) * sizeof(*v));
	if (!v)
		return tug_err_set(err, ENOMEM, "networks");
	s->nets = v;
	s->nets[s->n] = n;
	*out = &s->nets[s->n++];
	return 0;
}

int net_enable_ipv6(struct net_store *s, struct network *n, const char *subnet6,
		    struct tug_err *err)
{
	uint8_t p[8];

	if (!IS_ENABLED(CONFIG_IPV6))
		return tug_err_unsupported(err, CONFIG_IPV6);
	if (n->driver != NET_DRIVER_BRIDGE)
		return tug_err_set(err, EINVAL, "network %s: IPv6 needs a bridge network", n->name);
	if (subnet6) {
		if (subnet6_parse(subnet6, p, err) < 0)
			return -1;
	} else {
		ula_prefix_for(n->id, p);
	}
	for (size_t i = 0; i < s->n; i++)
		if (&s->nets[i] != n && s->nets[i].ipv6 && !memcmp(s->nets[i].prefix6, p, 8))
			return tug_err_set(err, EEXIST, "IPv6 subnet %s overlaps network %s",
					   subnet6 ? subnet6 : "", s->nets[i].name);
	memcpy(n->prefix6, p, 8);
	n->ipv6 = true;
	return net_save(s, n, err);
}

int net_remove(struct net_store *s, struct network *n, struct tug_err *err)
{
	char path[4200];

	if (n->builtin)
		return tug_err_set(err, EPERM, "%s is a pre-defined network and cannot be removed",
				   n->name);
	if (n->n_eps)
		return tug_err_set(err, EBUSY, "network %s has active endpoints (%s%s)", n->name,
				   n->eps[0].name[0] ? n->eps[0].name : n->eps[0].container,
				   n->n_eps > 1 ? ", ..." : "");
	snprintf(path, sizeof(path), "%s/%s.json", s->dir, n->id);
	if (unlink(path) < 0 && errno != ENOENT)
		return tug_err_sys(err, "remove %s", path);
	if (fsync_dir_of(AT_FDCWD, path, err) < 0)
		return -1;
	network_free(n);
	*n = s->nets[--s->n];
	return 0;
}
