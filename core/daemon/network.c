/*
 * Containers on networks, for the daemon: the network mode and
 * NetworkingConfig of a container become a network namespace bound on
 * <run>/netns/<id>, wired (veth, address, routes, published ports, /etc
 * files) before the runtime creates the container, and unwired when its
 * process ends. The records in core/net are the truth; see
 * docs/networking.md.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon/netvol.h"
#include "core/net/etcfiles.h"
#include "core/net/net.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/netlink.h"
#include "platform/boottrace.h"
#include "platform/netns.h"

#define EPHEMERAL_PORT_FIRST 49153

static void netns_file(struct daemon *d, const char *id, char *out, size_t size)
{
	snprintf(out, size, "%s/netns/%s", d->cfg.run_dir, id);
}

static const cJSON *endpoints_config(const struct container *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->config, "__NetworkingConfig"),
				   "EndpointsConfig");
}

/* The docker CLI names the default network "default" in EndpointsConfig too. */
static const char *net_ref(const char *name)
{
	const char *def = getenv("TUG_DEFAULT_NETWORK");

	if (strcmp(name, "default"))
		return name;
	return def && *def ? def : "bridge";
}

/* docker network disconnect from the primary network: recorded, kept off until connect. */
static cJSON *disconnected_list(const struct container *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->config, "__NetworkingConfig"),
				   "Disconnected");
}

static bool is_disconnected(const struct container *c, const struct network *n)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, disconnected_list(c))
		if (cJSON_IsString(it) &&
		    (!strcmp(it->valuestring, n->name) || !strcmp(it->valuestring, n->id)))
			return true;
	return false;
}

static bool mode_is_container(const char *mode)
{
	return !strncmp(mode, "container:", 10);
}

static const char *ctr_hostname(const struct container *c, char *buf, size_t size)
{
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(c->config, "Hostname"));

	snprintf(buf, size, "%.*s", h && *h ? 63 : 12, h && *h ? h : c->id);
	return buf;
}

int ctr_net_check(struct daemon *d, struct container *c, struct tug_err *err)
{
	const char *mode = ctr_net_mode(c);
	const cJSON *it;
	struct net_store s;
	int ret = 0;

	if (mode_is_container(mode)) {
		if (!ctr_find(d, mode + 10))
			return tug_err_set(err, ENOENT, "No such container: %s", mode + 10);
		return 0;
	}
	/* Built in, always there: no store to open (a board's first container). */
	if ((!strcmp(mode, "none") || !strcmp(mode, "host")) &&
	    !cJSON_GetArraySize(endpoints_config(c)))
		return 0;
	if (net_store_open(&s, d->cfg.state_dir, err) < 0)
		return -1;
	if (!net_find(&s, mode))
		ret = tug_err_set(err, ENOENT, "network %s not found", mode);
	cJSON_ArrayForEach (it, endpoints_config(c))
		if (!ret && !net_find(&s, net_ref(it->string)))
			ret = tug_err_set(err, ENOENT, "network %s not found", it->string);
	net_store_close(&s);
	return ret;
}

static cJSON *netns_entry(cJSON *spec)
{
	cJSON *it;

	cJSON_ArrayForEach (it,
			    cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "linux"), "namespaces"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")) ?: "", "network"))
			return it;
	return NULL;
}

static void drop_netns_entry(cJSON *spec)
{
	cJSON *nss = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "linux"), "namespaces");
	cJSON *e = netns_entry(spec);

	if (e)
		cJSON_Delete(cJSON_DetachItemViaPointer(nss, e));
}

static void set_netns_path(cJSON *spec, const char *path)
{
	cJSON *e = netns_entry(spec);

	if (!e)
		return;
	cJSON_DeleteItemFromObject(e, "path");
	cJSON_AddStringToObject(e, "path", path);
}

static void etc_mounts(cJSON *mounts, const char *dir)
{
	static const char *const files[] = {"hosts", "resolv.conf", "hostname"};
	char src[700], dst[64];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(src, sizeof(src), "%s/%s", dir, files[i]);
		snprintf(dst, sizeof(dst), "/etc/%s", files[i]);
		cJSON_AddItemToArray(mounts, bundle_bind_entry(src, dst, false));
	}
}

int ctr_net_spec(struct daemon *d, struct container *c, cJSON *spec, struct tug_err *err)
{
	const char *mode = ctr_net_mode(c);
	cJSON *mounts = cJSON_GetObjectItem(spec, "mounts");
	char path[700], host[80];

	cJSON_ReplaceItemInObject(spec, "hostname",
				  cJSON_CreateString(ctr_hostname(c, host, sizeof(host))));
	if (!strcmp(mode, "host")) {
		/* Docker: the host's name and resolver files, the host's stack. */
		drop_netns_entry(spec);
		if (gethostname(host, sizeof(host)) == 0)
			cJSON_ReplaceItemInObject(spec, "hostname", cJSON_CreateString(host));
		if (access("/etc/hosts", F_OK) == 0)
			cJSON_AddItemToArray(mounts, bundle_bind_entry("/etc/hosts", "/etc/hosts", true));
		if (access("/etc/resolv.conf", F_OK) == 0)
			cJSON_AddItemToArray(
			    mounts, bundle_bind_entry("/etc/resolv.conf", "/etc/resolv.conf", true));
		return 0;
	}
	if (mode_is_container(mode)) {
		struct container *o = ctr_find(d, mode + 10);

		if (!o || !ctr_is_running(o) || o->pid <= 0)
			return tug_err_set(err, EINVAL,
					   "cannot join network of a non running container: %s",
					   mode + 10);
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)o->pid);
		set_netns_path(spec, path);
		etc_mounts(mounts, ctr_run_dir(d, o, path, sizeof(path)));
		return 0;
	}
	netns_file(d, c->id, path, sizeof(path));
	set_netns_path(spec, path);
	etc_mounts(mounts, ctr_run_dir(d, c, path, sizeof(path)));
	return 0;
}

static bool port_published(struct net_store *s, int proto, unsigned port)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t e = 0; e < s->nets[i].n_eps; e++)
			for (size_t k = 0; k < s->nets[i].eps[e].n_ports; k++)
				if (s->nets[i].eps[e].ports[k].proto == proto &&
				    s->nets[i].eps[e].ports[k].host_port == port)
					return true;
	return false;
}

/* HostConfig.PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
static int ports_from_bindings(struct net_store *s, const cJSON *pb, struct net_port *out,
			       size_t *n, struct tug_err *err)
{
	const cJSON *k, *b;

	*n = 0;
	cJSON_ArrayForEach (k, pb) {
		const char *slash = strchr(k->string, '/');
		int proto = slash && !strcmp(slash + 1, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		unsigned cport = (unsigned)strtoul(k->string, NULL, 10);

		if (slash && strcmp(slash + 1, "udp") && strcmp(slash + 1, "tcp"))
			return tug_err_set(err, EINVAL, "invalid port %s: tcp or udp only",
					   k->string);
		if (!cport || cport > 65535)
			return tug_err_set(err, EINVAL, "invalid port %s", k->string);
		cJSON_ArrayForEach (b, k) {
			const char *hip = cJSON_GetStringValue(cJSON_GetObjectItem(b, "HostIp"));
			const char *hport =
			    cJSON_GetStringValue(cJSON_GetObjectItem(b, "HostPort"));
			struct net_port *p = &out[*n];

			if (hip && strchr(hip, ':'))
				continue; /* IPv6 binding: not with CONFIG_NET_BRIDGE alone */
			if (*n == NET_MAX_PORTS)
				return tug_err_set(err, E2BIG, "more than %d published ports",
						   NET_MAX_PORTS);
			memset(p, 0, sizeof(*p));
			p->proto = proto;
			p->ctr_port = cport;
			if (hip && *hip && ip4_parse(hip, &p->host_ip, err) < 0)
				return -1;
			p->host_port = hport ? (unsigned)strtoul(hport, NULL, 10) : 0;
			if (p->host_port > 65535)
				return tug_err_set(err, EINVAL, "invalid host port %s", hport);
			/* No host port: an ephemeral one, as Docker. */
			for (unsigned port = EPHEMERAL_PORT_FIRST; !p->host_port && port <= 65535;
			     port++) {
				bool dup = port_published(s, proto, port);

				for (size_t i = 0; i < *n && !dup; i++)
					dup = out[i].proto == proto && out[i].host_port == port;
				if (!dup && net_port_free(proto, p->host_ip, port, err) == 1)
					p->host_port = port;
			}
			if (!p->host_port)
				return tug_err_set(err, EADDRINUSE, "no free host port left");
			(*n)++;
		}
	}
	return 0;
}

/* PortBindings, plus -P: every exposed port (the image's too) on an ephemeral one. */
static cJSON *port_bindings(const struct container *c)
{
	const cJSON *pb = cJSON_GetObjectItem(c->host_config, "PortBindings"), *it;
	cJSON *all = pb && cJSON_IsObject(pb) ? cJSON_Duplicate(pb, true) : cJSON_CreateObject();

	if (!cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "PublishAllPorts")))
		return all;
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *cfg = pass ? cJSON_GetObjectItem(c->config, "__ImageConfig") : c->config;

		cJSON_ArrayForEach (it, cJSON_GetObjectItem(cfg, "ExposedPorts")) {
			char key[32];
			cJSON *b;

			snprintf(key, sizeof(key), "%s%s", it->string, strchr(it->string, '/') ? "" : "/tcp");
			if (cJSON_GetObjectItem(all, key))
				continue;
			b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "HostIp", "");
			cJSON_AddStringToObject(b, "HostPort", "");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(all, key), b);
		}
	}
	return all;
}

static void aliases_of(const cJSON *epc, char *out, size_t size)
{
	const cJSON *it;
	size_t len = 0;

	out[0] = '\0';
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(epc, "Aliases"))
		if (cJSON_IsString(it) && len + strlen(it->valuestring) + 2 < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "",
						it->valuestring);
}

static const char *requested_ip(const cJSON *epc)
{
	const char *ip = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(epc, "IPAMConfig"), "IPv4Address"));

	return ip && *ip ? ip : NULL;
}

static const cJSON *endpoint_config_for(const struct container *c, const struct network *n)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, endpoints_config(c))
		if (!strcmp(net_ref(it->string), n->name) || !strcmp(it->string, n->id))
			return it;
	return NULL;
}

static int attach_one(struct daemon *d, struct net_store *s, struct container *c, struct network *n,
		      const struct net_port *ports, size_t n_ports, struct tug_err *err)
{
	const cJSON *epc = endpoint_config_for(c, n);
	char path[700], dir[700], aliases[256], host[80];

	netns_file(d, c->id, path, sizeof(path));
	aliases_of(epc, aliases, sizeof(aliases));
	return net_connect(s, n,
			   &(struct net_attach){.container = c->id,
						.name = c->name + 1,
						.hostname = ctr_hostname(c, host, sizeof(host)),
						.aliases = aliases,
						.pid = c->pid,
						.netns_path = path,
						.etc_dir = ctr_run_dir(d, c, dir, sizeof(dir)),
						.ip = requested_ip(epc),
						.ports = ports,
						.n_ports = n_ports},
			   err);
}

static void strv_lines(const cJSON *arr, const char *key, char **out, size_t *len, size_t *cap)
{
	const cJSON *it;
	bool any = false;

	cJSON_ArrayForEach (it, arr) {
		if (!cJSON_IsString(it))
			continue;
		if (*len + strlen(it->valuestring) + 32 > *cap) {
			*cap = 2 * *cap + strlen(it->valuestring) + 64;
			*out = realloc(*out, *cap);
		}
		*len += (size_t)sprintf(*out + *len, "%s%s", any ? " " : key, it->valuestring);
		any = true;
	}
	if (any)
		*len += (size_t)sprintf(*out + *len, "\n");
}

/*
 * --add-host (ExtraHosts "name:ip", "host-gateway" = the network's
 * gateway) -> <run dir>/hosts.extra; --dns, --dns-search, --dns-option ->
 * <run dir>/resolv.override (ctr_run_dir). net_refresh_etc() folds them into the files
 * on every rewrite (etc_apply_extras).
 */
static int write_etc_extras(struct daemon *d, struct container *c, const struct network *n,
			    struct tug_err *err)
{
	const cJSON *eh = cJSON_GetObjectItem(c->host_config, "ExtraHosts");
	const cJSON *dns = cJSON_GetObjectItem(c->host_config, "Dns");
	const cJSON *search = cJSON_GetObjectItem(c->host_config, "DnsSearch");
	const cJSON *opts = cJSON_GetObjectItem(c->host_config, "DnsOptions");
	char dir[600], path[700], gw[20];
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_text = NULL;
	size_t len = 0, cap = 256;
	const cJSON *it;
	struct tug_err e2;

	ctr_run_dir(d, c, dir, sizeof(dir));
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/hosts.extra", dir);
	unlink(path);
	if (cJSON_GetArraySize(eh)) {
		hosts = malloc(cap);
		cJSON_ArrayForEach (it, eh) {
			const char *v = cJSON_GetStringValue(it), *sep;
			uint32_t ip;

			sep = v ? strpbrk(v, ":=") : NULL;
			if (!sep)
				return tug_err_set(err, EINVAL, "invalid --add-host '%s': name:ip", v ? v : "");
			if (!strcmp(sep + 1, "host-gateway"))
				ip4_format(n->gateway, gw);
			else if (ip4_parse(sep + 1, &ip, err) < 0 &&
				 inet_pton(AF_INET6, sep + 1, (uint8_t[16]){ 0 }) != 1)
				return tug_err_wrap(err, "--add-host %s", v);
			if (len + strlen(v) + 32 > cap) {
				cap = 2 * cap + strlen(v) + 32;
				hosts = realloc(hosts, cap);
			}
			len += (size_t)sprintf(hosts + len, "%s\t%.*s\n",
					       strcmp(sep + 1, "host-gateway") ? sep + 1 : gw,
					       (int)(sep - v), v);
		}
		if (atomic_write_file(AT_FDCWD, path, hosts, len, 0644, err) < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/resolv.override", dir);
	unlink(path);
	if (!cJSON_GetArraySize(dns) && !cJSON_GetArraySize(search) && !cJSON_GetArraySize(opts))
		return 0;
	{
		const char *servers[8];
		size_t n_dns = 0;
		char *line, *save = NULL;

		cJSON_ArrayForEach (it, dns)
			if (cJSON_IsString(it) && n_dns < ARRAY_SIZE(servers))
				servers[n_dns++] = it->valuestring;
		if (read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &host_text, NULL, &e2) < 0)
			host_text = NULL;
		if (etc_resolv_render(host_text, servers, n_dns, &resolv, err) < 0)
			return -1;
		len = 0;
		cap = strlen(resolv) + 256;
		free(hosts);
		hosts = malloc(cap);	/* reused as the output buffer */
		for (line = strtok_r(resolv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if ((cJSON_GetArraySize(search) && !strncmp(line, "search", 6)) ||
			    (cJSON_GetArraySize(opts) && !strncmp(line, "options", 7)))
				continue;
			len += (size_t)sprintf(hosts + len, "%s\n", line);
		}
		strv_lines(search, "search ", &hosts, &len, &cap);
		strv_lines(opts, "options ", &hosts, &len, &cap);
		return atomic_write_file(AT_FDCWD, path, hosts, len, 0644, err);
	}
}

static int loopback_up(const char *path, struct tug_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct rtnl nl;
	int ret;

	if (fd < 0)
		return tug_err_sys(err, "open %s", path);
	if (rtnl_open(&nl, fd, err) < 0)
		return -1;
	ret = rtnl_link_set_up(&nl, "lo", true, err);
	rtnl_close(&nl);
	return ret;
}

static bool netns_dir_ready;

int ctr_net_up(struct daemon *d, struct container *c, struct tug_err *err)
{
	const char *mode = ctr_net_mode(c);
	struct net_port ports[NET_MAX_PORTS];
	size_t n_ports = 0;
	struct net_store s;
	struct network *n;
	struct tug_err e2;
	char path[700];
	const cJSON *it;
	bool off = false;

	if (mode_is_container(mode))
		return 0;
	if (strcmp(mode, "none") && strcmp(mode, "host"))
		netvol_sweep_due(d, true);
	if (net_store_open(&s, d->cfg.state_dir, err) < 0)
		return -1;
	net_release_container(&s, c->id, &e2); /* a crash's leftover lease */
	n = net_find(&s, mode);
	if (!n) {
		net_store_close(&s);
		return tug_err_set(err, ENOENT, "network %s not found", mode);
	}
	if (n->driver == NET_DRIVER_HOST) {
		int ret = net_connect(
		    &s, n, &(struct net_attach){.container = c->id, .name = c->name + 1}, err);

		net_store_close(&s);
		return ret;
	}
	if (n->driver == NET_DRIVER_BRIDGE && is_disconnected(c, n)) {
		/* Taken off its primary network: lo only, plus any other network. */
		off = true;
		n = net_find(&s, "none");
	}
	netns_file(d, c->id, path, sizeof(path));
	netns_remove_at(path, &e2);
	snprintf(path, sizeof(path), "%s/netns", d->cfg.run_dir);
	if (!netns_dir_ready) {
		if (netns_dir_prepare(path, err) < 0)
			goto fail_store;
		netns_dir_ready = true;
	}
	netns_file(d, c->id, path, sizeof(path));
	if (netns_create_at(path, err) < 0)
		goto fail_store;
	if (n->driver == NET_DRIVER_BRIDGE) {
		_cleanup_json_ cJSON *pb = port_bindings(c);

		if (ports_from_bindings(&s, pb, ports, &n_ports, err) < 0)
			goto fail;
	}
	if ((n->driver == NET_DRIVER_NULL && loopback_up(path, err) < 0) ||
	    write_etc_extras(d, c, n, err) < 0 || attach_one(d, &s, c, n, ports, n_ports, err) < 0)
		goto fail;
	cJSON_ArrayForEach (it, endpoints_config(c)) {
		struct network *x = net_find(&s, net_ref(it->string));

		if (!x || x == n || x->driver != NET_DRIVER_BRIDGE ||
		    (n->driver != NET_DRIVER_BRIDGE && !off) || is_disconnected(c, x) ||
		    net_endpoint_find(x, c->id))
			continue;
		if (attach_one(d, &s, c, x, NULL, 0, err) < 0)
			goto fail;
	}
	net_store_close(&s);
	return 0;
fail:
	net_release_container(&s, c->id, &e2);
	netns_remove_at(path, &e2);
fail_store:
	net_store_close(&s);
	return tug_err_wrap(err, "network of %s", c->name + 1);
}

void ctr_net_down_defer(struct daemon *d, struct container *c, char *netns, size_t size)
{
	struct net_store s;
	struct tug_err err;

	netns[0] = '\0';
	if (mode_is_container(ctr_net_mode(c)))
		return;
	if (net_store_open(&s, d->cfg.state_dir, &err) == 0) {
		if (net_release_netns_gone(&s, c->id, &err) < 0)
			tug_err_print(&err);
		net_store_close(&s);
	} else {
		tug_err_print(&err);
	}
	netns_file(d, c->id, netns, size);
}

void ctr_net_down(struct daemon *d, struct container *c)
{
	struct tug_err err;
	char path[700];

	ctr_net_down_defer(d, c, path, sizeof(path));
	if (*path && netns_remove_at(path, &err) < 0)
		tug_err_print(&err);
}

static bool endpoint_alive(const struct net_endpoint *e, void *ctx)
{
	struct container *c = ctr_find(ctx, e->container);

	return c && !strcmp(c->id, e->container) && ctr_is_running(c);
}

/*
 * On a board's boot (daemon_board_boot) the sweep waits: the kernel and
 * <run> are new, only the store can hold a past boot's endpoints, and the
 * sweep (veth dump, nft sync: 1.2 ms modelled, ~20 ms under TCG on
 * qemu-x86_64) would sit before the first container (docs/init.md). It
 * runs before anything attaches a container to a network (a start on one,
 * a connect), else at the first tick NETVOL_SWEEP_DELAY_MS after tugd's
 * start.
 */
#define NETVOL_SWEEP_DELAY_MS 1000

static bool sweep_later;
static uint64_t sweep_at_ms;

void netvol_daemon_start_later(struct daemon *d)
{
	sweep_later = true;
	sweep_at_ms = d->now_ms + NETVOL_SWEEP_DELAY_MS;
}

void netvol_sweep_due(struct daemon *d, bool now)
{
	if (!sweep_later || (!now && d->now_ms < sweep_at_ms))
		return;
	sweep_later = false;
	netvol_daemon_start(d);
	boot_trace("tugd: deferred network sweep done");
}

void netvol_daemon_start(struct daemon *d)
{
	struct net_store s;
	struct tug_err err;
	struct dirent *de;
	char dir[700], path[1000];
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/netns", d->cfg.run_dir);
	dd = opendir(dir);
	while (dd && (de = readdir(dd))) {
		struct container *c;

		if (de->d_name[0] == '.')
			continue;
		c = ctr_find(d, de->d_name);
		if (c && !strcmp(c->id, de->d_name) && ctr_is_running(c))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (netns_remove_at(path, &err) < 0)
			tug_err_print(&err);
	}
	if (dd)
		closedir(dd);
	if (net_store_open(&s, d->cfg.state_dir, &err) < 0) {
		tug_err_wrap(&err, "network sweep");
		tug_err_print(&err);
		return;
	}
	if (net_sweep(&s, endpoint_alive, d, &err) < 0) {
		tug_err_wrap(&err, "network sweep");
		tug_err_print(&err);
	}
	net_store_close(&s);
}

static const char *proto_name(int p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* IPv6Gateway, GlobalIPv6Address, GlobalIPv6PrefixLen (empty without IPv6). */
static void add_ipv6_fields(cJSON *o, const struct network *n, const struct net_endpoint *ep,
			    bool on)
{
	uint8_t a6[16];
	char buf[50] = "";

	on = on && n->ipv6;
	if (on)
		ip6_format((ip6_of(n->prefix6, 1, a6), a6), buf);
	cJSON_AddStringToObject(o, "IPv6Gateway", buf);
	if (on)
		ip6_format((ip6_of(n->prefix6, ep->ip, a6), a6), buf);
	cJSON_AddStringToObject(o, "GlobalIPv6Address", buf);
	cJSON_AddNumberToObject(o, "GlobalIPv6PrefixLen", on ? 64 : 0);
}

static cJSON *endpoint_settings(const struct network *n, const struct net_endpoint *ep,
				const cJSON *epc)
{
	cJSON *o = cJSON_CreateObject(), *al;
	char buf[20], mac[18];
	bool bridge = n->driver == NET_DRIVER_BRIDGE && ep && ep->ip;

	cJSON_AddItemToObject(o, "IPAMConfig",
			      cJSON_GetObjectItem(epc, "IPAMConfig")
				  ? cJSON_Duplicate(cJSON_GetObjectItem(epc, "IPAMConfig"), true)
				  : cJSON_CreateNull());
	cJSON_AddNullToObject(o, "Links");
	al = cJSON_GetObjectItem(epc, "Aliases");
	cJSON_AddItemToObject(o, "Aliases", al ? cJSON_Duplicate(al, true) : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "NetworkID", n->id);
	cJSON_AddStringToObject(o, "EndpointID", ep ? ep->veth : "");
	cJSON_AddStringToObject(o, "Gateway", bridge ? ip4_format(n->gateway, buf) : "");
	cJSON_AddStringToObject(o, "IPAddress", bridge ? ip4_format(ep->ip, buf) : "");
	cJSON_AddNumberToObject(o, "IPPrefixLen", bridge ? n->subnet.prefix : 0);
	add_ipv6_fields(o, n, ep, bridge);
	if (bridge)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ep->mac[0], ep->mac[1],
			 ep->mac[2], ep->mac[3], ep->mac[4], ep->mac[5]);
	cJSON_AddStringToObject(o, "MacAddress", bridge ? mac : "");
	cJSON_AddNullToObject(o, "DriverOpts");
	return o;
}

cJSON *ctr_net_inspect(struct daemon *d, struct container *c)
{
	cJSON *ns = cJSON_CreateObject(), *nets, *ports;
	const char *mode = ctr_net_mode(c);
	struct net_endpoint top_ep;
	struct network top_net;
	const struct net_endpoint *top = NULL;
	const struct network *topn = NULL;
	struct net_store s;
	struct tug_err err;
	char path[700], buf[20];

	cJSON_AddStringToObject(ns, "Bridge", "");
	cJSON_AddStringToObject(ns, "SandboxID", "");
	netns_file(d, c->id, path, sizeof(path));
	cJSON_AddStringToObject(
	    ns, "SandboxKey",
	    ctr_is_running(c) && !mode_is_container(mode) && strcmp(mode, "host") ? path : "");
	ports = cJSON_AddObjectToObject(ns, "Ports");
	nets = cJSON_AddObjectToObject(ns, "Networks");
	if (!mode_is_container(mode) && net_store_open(&s, d->cfg.state_dir, &err) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			const struct network *n = &s.nets[i];
			const struct net_endpoint *ep = net_endpoint_find(&s.nets[i], c->id);
			const cJSON *epc = endpoint_config_for(c, n);

			if (!ep && !epc && strcmp(n->name, mode) && strcmp(n->id, mode))
				continue;
			if (!ep && is_disconnected(c, n))
				continue;
			if (n->driver == NET_DRIVER_NULL && strcmp(mode, "none"))
				continue;	/* the stand-in for a disconnected primary */
			if (ep && !ctr_is_running(c))
				ep = NULL;
			cJSON_AddItemToObject(nets, n->name, endpoint_settings(n, ep, epc));
			if (ep && n->builtin && n->driver == NET_DRIVER_BRIDGE) {
				/* copies: the store is closed before they are read */
				top_ep = *ep;
				top_net = *n;
				top = &top_ep;
				topn = &top_net;
			}
			for (size_t k = 0; ep && k < ep->n_ports; k++) {
				char key[32], hp[8];
				cJSON *arr, *b = cJSON_CreateObject();

				snprintf(key, sizeof(key), "%u/%s", ep->ports[k].ctr_port,
					 proto_name(ep->ports[k].proto));
				arr = cJSON_GetObjectItem(ports, key);
				if (!arr)
					arr = cJSON_AddArrayToObject(ports, key);
				snprintf(hp, sizeof(hp), "%u", ep->ports[k].host_port);
				cJSON_AddStringToObject(b, "HostIp",
							ip4_format(ep->ports[k].host_ip, buf));
				cJSON_AddStringToObject(b, "HostPort", hp);
				cJSON_AddItemToArray(arr, b);
			}
		}
		net_store_close(&s);
	}
	/* Docker fills the top-level fields for the default bridge only. */
	cJSON_AddStringToObject(ns, "EndpointID", top ? top->veth : "");
	cJSON_AddStringToObject(ns, "Gateway", top ? ip4_format(topn->gateway, buf) : "");

	cJSON_AddStringToObject(ns, "IPAddress", top ? ip4_format(top->ip, buf) : "");
	cJSON_AddNumberToObject(ns, "IPPrefixLen", top ? topn->subnet.prefix : 0);
	if (top)
		add_ipv6_fields(ns, topn, top, true);
	else
		add_ipv6_fields(ns, NULL, NULL, false);
	if (top)
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", top->mac[0],
			 top->mac[1], top->mac[2], top->mac[3], top->mac[4], top->mac[5]);
	cJSON_AddStringToObject(ns, "MacAddress", top ? buf : "");
	return ns;
}

cJSON *ctr_net_ports_list(struct daemon *d, struct container *c)
{
	cJSON *arr = cJSON_CreateArray();
	struct net_store s;
	struct tug_err err;
	char buf[20];

	if (!ctr_is_running(c) ||
	    (!cJSON_GetArraySize(cJSON_GetObjectItem(c->host_config, "PortBindings")) &&
	     !cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "PublishAllPorts"))) ||
	    net_store_open(&s, d->cfg.state_dir, &err) < 0)
		return arr;
	for (size_t i = 0; i < s.n; i++) {
		const struct net_endpoint *ep = net_endpoint_find(&s.nets[i], c->id);

		for (size_t k = 0; ep && k < ep->n_ports; k++) {
			cJSON *p = cJSON_CreateObject();

			cJSON_AddStringToObject(p, "IP", ip4_format(ep->ports[k].host_ip, buf));
			cJSON_AddNumberToObject(p, "PrivatePort", ep->ports[k].ctr_port);
			cJSON_AddNumberToObject(p, "PublicPort", ep->ports[k].host_port);
			cJSON_AddStringToObject(p, "Type", proto_name(ep->ports[k].proto));
			cJSON_AddItemToArray(arr, p);
		}
	}
	net_store_close(&s);
	return arr;
}

/* The store, open, and network ref in it; NULL with *status 404 or 500. */
static struct network *store_open_find(struct daemon *d, struct net_store *s, const char *ref,
				       int *status, struct tug_err *err)
{
	struct network *n;

	*status = 500;
	netvol_sweep_due(d, true);
	if (net_store_open(s, d->cfg.state_dir, err) < 0)
		return NULL;
	n = net_find(s, ref);
	if (!n) {
		*status = 404;
		tug_err_set(err, ENOENT, "network %s not found", ref);
		net_store_close(s);
	}
	return n;
}

/* docker network connect: recorded for the next start, wired now if running. */
int ctr_net_connect(struct daemon *d, struct container *c, const char *ref, const cJSON *epc,
		    int *status, struct tug_err *err)
{
	const char *mode = ctr_net_mode(c);
	cJSON *nc, *eps;
	struct net_store s;
	struct network *n;
	int ret = -1;

	n = store_open_find(d, &s, ref, status, err);
	if (!n)
		return -1;
	*status = 403;
	if (n->driver != NET_DRIVER_BRIDGE || mode_is_container(mode) || !strcmp(mode, "host") ||
	    !strcmp(mode, "none")) {
		tug_err_set(err, EINVAL,
			    "container sharing network namespace with another container or host "
			    "cannot be connected to any other network");
		goto out;
	}
	if (is_disconnected(c, n)) {
		/* Back on the primary network it was taken off. */
		cJSON *dl = disconnected_list(c);
		int i = 0;
		const cJSON *it;

		cJSON_ArrayForEach (it, dl) {
			if (cJSON_IsString(it) && (!strcmp(it->valuestring, n->name) ||
						   !strcmp(it->valuestring, n->id))) {
				cJSON_DeleteItemFromArray(dl, i);
				break;
			}
			i++;
		}
		if (ctr_is_running(c) && attach_one(d, &s, c, n, NULL, 0, err) < 0) {
			*status = 500;
			goto out;
		}
		ctr_save(d, c);
		ret = 0;
		goto out;
	}
	if (endpoint_config_for(c, n) || (net_find(&s, mode) == n)) {
		tug_err_set(err, EEXIST, "endpoint with name %s already exists in network %s",
			    c->name + 1, n->name);
		goto out;
	}
	nc = cJSON_GetObjectItem(c->config, "__NetworkingConfig");
	if (!nc)
		nc = cJSON_AddObjectToObject(c->config, "__NetworkingConfig");
	eps = cJSON_GetObjectItem(nc, "EndpointsConfig");
	if (!eps || !cJSON_IsObject(eps)) {
		cJSON_DeleteItemFromObject(nc, "EndpointsConfig");
		eps = cJSON_AddObjectToObject(nc, "EndpointsConfig");
	}
	cJSON_AddItemToObject(eps, n->name,
			      epc ? cJSON_Duplicate(epc, true) : cJSON_CreateObject());
	if (ctr_is_running(c) && attach_one(d, &s, c, n, NULL, 0, err) < 0) {
		cJSON_DeleteItemFromObject(eps, n->name);
		*status = 500;
		goto out;
	}
	ctr_save(d, c);
	ret = 0;
out:
	net_store_close(&s);
	return ret;
}

int ctr_net_disconnect(struct daemon *d, struct container *c, const char *ref, int *status,
		       struct tug_err *err)
{
	cJSON *eps = (cJSON *)endpoints_config(c);
	const cJSON *epc;
	struct net_store s;
	struct network *n;
	int ret = -1;

	n = store_open_find(d, &s, ref, status, err);
	if (!n)
		return -1;
	epc = endpoint_config_for(c, n);
	if ((!epc && net_find(&s, ctr_net_mode(c)) != n) || is_disconnected(c, n)) {
		*status = 403;
		tug_err_set(err, ENOENT, "container %s is not connected to network %s", c->name + 1,
			    n->name);
		goto out;
	}
	if (net_endpoint_find(n, c->id) && net_disconnect(&s, n, c->id, err) < 0)
		goto out;
	if (epc)
		cJSON_DeleteItemFromObject(eps, epc->string);
	if (net_find(&s, ctr_net_mode(c)) == n) {
		cJSON *nc = cJSON_GetObjectItem(c->config, "__NetworkingConfig"), *dl;

		if (!nc)
			nc = cJSON_AddObjectToObject(c->config, "__NetworkingConfig");
		dl = cJSON_GetObjectItem(nc, "Disconnected");
		if (!dl)
			dl = cJSON_AddArrayToObject(nc, "Disconnected");
		cJSON_AddItemToArray(dl, cJSON_CreateString(n->name));
	}
	ctr_save(d, c);
	ret = 0;
out:
	net_store_close(&s);
	return ret;
}

/*
 * Counters of one link from /proc/net/dev (the reader's own netns; /sys
 * may belong to another). Fields: rx bytes packets errs drop ... then, 9th
 * on, tx bytes packets errs drop.
 */
static bool link_counters(const char *dev_text, const char *link, double rx[4], double tx[4])
{
	size_t n = strlen(link);

	for (const char *l = dev_text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		double v[16] = { 0 };
		const char *p = l + strspn(l, " ");

		if (strncmp(p, link, n) || p[n] != ':')
			continue;
		if (sscanf(p + n + 1, "%lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]) != 12)
			return false;
		memcpy(rx, v, 4 * sizeof(double));
		memcpy(tx, v + 8, 4 * sizeof(double));
		return true;
	}
	return false;
}

/* The host end sees the container's traffic mirrored: its tx is the container's rx. */
cJSON *ctr_net_stats(struct daemon *d, struct container *c)
{
	static const char *const names[] = { "bytes", "packets", "errors", "dropped" };
	_cleanup_free_ char *dev = NULL;
	cJSON *o = cJSON_CreateObject();
	struct net_store s;
	struct tug_err err;

	if (!ctr_is_running(c) || read_file(AT_FDCWD, "/proc/net/dev", 1 << 20, &dev, NULL, &err) < 0 ||
	    net_store_open(&s, d->cfg.state_dir, &err) < 0)
		return o;
	for (size_t i = 0; i < s.n; i++) {
		const struct net_endpoint *ep = net_endpoint_find(&s.nets[i], c->id);
		double rx[4], tx[4];
		cJSON *ifc;

		if (!ep || !ep->veth[0] || !link_counters(dev, ep->veth, rx, tx))
			continue;
		ifc = cJSON_AddObjectToObject(o, ep->ifname);
		for (size_t k = 0; k < 4; k++) {
			char key[16];

			snprintf(key, sizeof(key), "rx_%s", names[k]);
			cJSON_AddNumberToObject(ifc, key, tx[k]);
			snprintf(key, sizeof(key), "tx_%s", names[k]);
			cJSON_AddNumberToObject(ifc, key, rx[k]);
		}
	}
	net_store_close(&s);
	return o;
}
