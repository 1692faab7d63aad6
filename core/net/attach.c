/* Connect and disconnect containers: bridge, veth, addresses, NAT, /etc files. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net/etcfiles.h"
#include "core/net/net.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/netlink.h"
#include "platform/nft.h"

struct routes {
	struct subnet *v;
	size_t n, cap;
	const struct net_store *skip;	/* our own bridges are not "the host's" */
};

static void route_add(uint32_t dst, unsigned len, void *ctx)
{
	struct routes *r = ctx;
	struct subnet sn = { dst & subnet_mask(len), len };

	for (size_t i = 0; i < r->skip->n; i++)
		if (r->skip->nets[i].driver == NET_DRIVER_BRIDGE &&
		    r->skip->nets[i].subnet.net == sn.net && r->skip->nets[i].subnet.prefix == len)
			return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct subnet *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = sn;
}

static int host_routes(const struct net_store *s, struct routes *r, struct tug_err *err)
{
	struct rtnl nl;
	int ret;

	memset(r, 0, sizeof(*r));
	r->skip = s;
	if (rtnl_open(&nl, -1, err) < 0)
		return -1;
	ret = rtnl_route_dump_v4(&nl, route_add, r, err);
	rtnl_close(&nl);
	return ret;
}

int net_create_checked(struct net_store *s, const char *name, const char *subnet,
		       const char *gateway, bool internal, struct network **out,
		       struct tug_err *err)
{
	struct routes r;
	int ret;

	if (host_routes(s, &r, err) < 0)
		return tug_err_wrap(err, "network create");
	ret = net_create(s, name, subnet, gateway, internal, r.v, r.n, out, err);
	free(r.v);
	return ret;
}

/* CONFIG_IPV6: the gateway prefix::1/64 on the bridge. */
static int bridge_ipv6(struct rtnl *nl, const struct network *n, struct tug_err *err)
{
	uint8_t gw6[16];
	char key[64];

	if (!IS_ENABLED(CONFIG_IPV6) || !n->ipv6)
		return 0;
	snprintf(key, sizeof(key), "ipv6/conf/%s/disable_ipv6", n->bridge);
	/*
	 * No ipv6/conf/all/forwarding: containers of one network talk over the
	 * bridge (layer 2), and a ULA goes nowhere else without NAT66 (not
	 * done); turning forwarding on would stop the host accepting router
	 * advertisements on its uplink.
	 */
	if (net_sysctl_set(key, "0", err) < 0)
		return tug_err_wrap(err, "IPv6 on %s", n->bridge);
	ip6_of(n->prefix6, 1, gw6);
	return rtnl_addr_add(nl, n->bridge, AF_INET6, gw6, 64, err);
}

/* The bridge of n up with its gateway address; created on first use. */
static int bridge_ensure(struct net_store *s, struct network *n, struct tug_err *err)
{
	struct rtnl nl;
	struct routes r;
	uint32_t gw = htonl(n->gateway);
	char key[64], a[20];
	int ret = -1;

	if (rtnl_open(&nl, -1, err) < 0)
		return -1;
	if (rtnl_link_index(&nl, n->bridge, err) >= 0) {
		ret = rtnl_link_set_up(&nl, n->bridge, true, err);
		goto out;
	}
	if (err->code != ENODEV)
		goto out;
	/* The default subnet comes from Kconfig: make sure the host is not using it. */
	if (host_routes(s, &r, err) < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++)
		if (subnet_overlaps(&n->subnet, &r.v[i])) {
			tug_err_set(err, EEXIST,
				    "network %s: subnet %s overlaps route %s of this host%s",
				    n->name, subnet_format(&n->subnet, a),
				    subnet_format(&r.v[i], key),
				    n->builtin ? " (set TUG_BRIDGE_SUBNET or CONFIG_NET_BRIDGE_SUBNET)"
					       : "");
			free(r.v);
			goto out;
		}
	free(r.v);
	if (rtnl_bridge_create(&nl, n->bridge, 0, err) < 0)
		goto out;
	if (rtnl_addr_add(&nl, n->bridge, AF_INET, &gw, n->subnet.prefix, err) < 0 ||
	    bridge_ipv6(&nl, n, err) < 0 || rtnl_link_set_up(&nl, n->bridge, true, err) < 0) {
		struct tug_err e2;

		rtnl_link_del(&nl, n->bridge, &e2);
		goto out;
	}
	/* Published ports reached from 127.0.0.1 are DNATed out of this bridge. */
	snprintf(key, sizeof(key), "ipv4/conf/%s/route_localnet", n->bridge);
	if (net_sysctl_set(key, "1", err) < 0 || net_sysctl_set("ipv4/ip_forward", "1", err) < 0)
		goto out;
	ret = 0;
out:
	rtnl_close(&nl);
	return ret < 0 ? tug_err_wrap(err, "bridge %s", n->bridge) : 0;
}

static uint32_t fnv1a(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (const char *p = a; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = b; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static bool ports_clash(const struct net_port *a, const struct net_port *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       (!a->host_ip || !b->host_ip || a->host_ip == b->host_ip);
}

static int ports_check(struct net_store *s, const struct net_attach *a, struct tug_err *err)
{
	char ip[16];

	for (size_t i = 0; i < a->n_ports; i++) {
		const struct net_port *p = &a->ports[i];
		const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";

		for (size_t k = 0; k < i; k++)
			if (ports_clash(p, &a->ports[k]))
				return tug_err_set(err, EADDRINUSE, "port %s/%u is published twice",
						   proto, p->host_port);
		for (size_t n = 0; n < s->n; n++)
			for (size_t e = 0; e < s->nets[n].n_eps; e++) {
				const struct net_endpoint *ep = &s->nets[n].eps[e];

				for (size_t k = 0; k < ep->n_ports; k++)
					if (ports_clash(p, &ep->ports[k]))
						return tug_err_set(
							err, EADDRINUSE,
							"port %s/%u is already published by container %s",
							proto, p->host_port,
							ep->name[0] ? ep->name : ep->container);
			}
		int free_now = net_port_free(p->proto, p->host_ip, p->host_port, err);

		if (free_now < 0)
			return -1;
		if (!free_now)
			return tug_err_set(err, EADDRINUSE,
					   "port %s %s:%u is already in use on this host", proto,
					   ip4_format(p->host_ip, ip), p->host_port);
	}
	return 0;
}

static unsigned count_networks_of(struct net_store *s, const char *container)
{
	unsigned k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->nets[i].driver == NET_DRIVER_BRIDGE && net_endpoint_find(&s->nets[i], container))
			k++;
	return k;
}

/* Inside the container's namespace: name, MAC, address, up, default route. */
static int configure_inside(const struct network *n, const struct net_endpoint *ep,
			    const char *tmpname, bool default_route, int nsfd,
			    struct tug_err *err)
{
	struct rtnl in;
	uint32_t ip = htonl(ep->ip), gw = htonl(n->gateway);
	int ret = -1;

	if (rtnl_open(&in, nsfd, err) < 0)
		return -1;
	if (rtnl_link_rename(&in, tmpname, ep->ifname, err) < 0 ||
	    rtnl_link_set_mac(&in, ep->ifname, ep->mac, err) < 0 ||
	    rtnl_link_set_up(&in, "lo", true, err) < 0 ||
	    rtnl_addr_add(&in, ep->ifname, AF_INET, &ip, n->subnet.prefix, err) < 0 ||
	    rtnl_link_set_up(&in, ep->ifname, true, err) < 0)
		goto out;
	if (default_route && rtnl_route_add(&in, AF_INET, NULL, 0, &gw, ep->ifname, err) < 0 &&
	    err->code != EEXIST)
		goto out;
	if (IS_ENABLED(CONFIG_IPV6) && n->ipv6) {
		uint8_t a6[16], gw6[16];

		ip6_of(n->prefix6, ep->ip, a6);
		ip6_of(n->prefix6, 1, gw6);
		if (rtnl_addr_add(&in, ep->ifname, AF_INET6, a6, 64, err) < 0)
			goto out;
		if (default_route &&
		    rtnl_route_add(&in, AF_INET6, NULL, 0, gw6, ep->ifname, err) < 0 &&
		    err->code != EEXIST)
			goto out;
	}
	ret = 0;
out:
	rtnl_close(&in);
	return ret;
}

static void veth_delete(const char *veth)
{
	struct tug_err e;
	struct rtnl nl;

	if (rtnl_open(&nl, -1, &e) < 0)
		return;
	rtnl_link_del(&nl, veth, &e);
	rtnl_close(&nl);
}

static int bridge_connect(struct net_store *s, struct network *n, const struct net_attach *a,
			  struct net_endpoint *ep, struct tug_err *err)
{
	char peer[16], path[64];
	_cleanup_close_ int nsfd = -1;
	struct rtnl nl;
	uint32_t h = fnv1a(a->container, n->id);
	unsigned idx = count_networks_of(s, a->container);
	int ret = -1;

	if (!a->netns_path && a->pid <= 0)
		return tug_err_set(err, EINVAL, "no process in the container's network namespace");
	if (!a->netns_path)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)a->pid);
	nsfd = open(a->netns_path ? a->netns_path : path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return tug_err_sys(err, "open %s", a->netns_path ? a->netns_path : path);
	if (ports_check(s, a, err) < 0 || net_lease(n, a->ip, &ep->ip, err) < 0 ||
	    bridge_ensure(s, n, err) < 0)
		return -1;
	ipam_mac_for(ep->ip, ep->mac);
	snprintf(ep->veth, sizeof(ep->veth), "tv%08x", h);
	snprintf(peer, sizeof(peer), "tp%08x", h);
	snprintf(ep->ifname, sizeof(ep->ifname), "eth%u", idx);
	if (rtnl_open(&nl, -1, err) < 0)
		return -1;
	/*
	 * The peer is born in the container's namespace (moving it costs a
	 * synchronize_net, ~10 ms), under a temporary name: its eth<N> may
	 * exist there already if a stale record made us count wrong.
	 */
	if (rtnl_veth_create_ns(&nl, ep->veth, peer, 0, nsfd, err) < 0) {
		struct tug_err e2;

		/*
		 * The same container on the same network a moment ago (a
		 * restart): its old pair goes with its old netns, but the
		 * kernel does that asynchronously. The name is ours: take it.
		 */
		if (err->code != EEXIST || rtnl_link_del(&nl, ep->veth, &e2) < 0 ||
		    rtnl_veth_create_ns(&nl, ep->veth, peer, 0, nsfd, err) < 0)
			goto out;
	}
	if (rtnl_link_set_master(&nl, ep->veth, n->bridge, err) < 0 ||
	    rtnl_link_set_up(&nl, ep->veth, true, err) < 0 ||
	    configure_inside(n, ep, peer, idx == 0, nsfd, err) < 0) {
		struct tug_err e2;

		rtnl_link_del(&nl, ep->veth, &e2);
		goto out;
	}
	ret = 0;
out:
	rtnl_close(&nl);
	return ret;
}

int net_connect(struct net_store *s, struct network *n, const struct net_attach *a,
		struct tug_err *err)
{
	struct net_endpoint ep = { .pid = a->pid };

	if (net_endpoint_find(n, a->container))
		return tug_err_set(err, EEXIST, "container %s is already connected to network %s",
				   a->name ? a->name : a->container, n->name);
	if (strlen(a->container) >= sizeof(ep.container) ||
	    (a->name && strlen(a->name) >= sizeof(ep.name)) || a->n_ports > NET_MAX_PORTS ||
	    (a->etc_dir && strlen(a->etc_dir) >= sizeof(ep.etc_dir)))
		return tug_err_set(err, EINVAL, "connect %s: argument too long", a->container);
	if (n->driver != NET_DRIVER_BRIDGE && count_networks_of(s, a->container))
		return tug_err_set(err, EINVAL,
				   "container cannot be disconnected from its bridge networks and put on %s",
				   n->name);
	snprintf(ep.container, sizeof(ep.container), "%s", a->container);
	snprintf(ep.name, sizeof(ep.name), "%s", a->name ? a->name : "");
	snprintf(ep.hostname, sizeof(ep.hostname), "%.*s", a->hostname ? 63 : 12,
		 a->hostname ? a->hostname : a->container);
	snprintf(ep.aliases, sizeof(ep.aliases), "%s", a->aliases ? a->aliases : "");
	snprintf(ep.etc_dir, sizeof(ep.etc_dir), "%s", a->etc_dir ? a->etc_dir : "");
	if (n->driver == NET_DRIVER_BRIDGE) {
		memcpy(ep.ports, a->ports, a->n_ports * sizeof(*a->ports));
		ep.n_ports = a->n_ports;
		if (bridge_connect(s, n, a, &ep, err) < 0)
			return tug_err_wrap(err, "connect %s to %s", a->name ? a->name : a->container,
					    n->name);
	}
	/* The rules change with published ports, or the network's first endpoint (masquerade). */
	if (net_endpoint_add(n, &ep, err) < 0 || net_save(s, n, err) < 0 ||
	    (n->driver == NET_DRIVER_BRIDGE && (ep.n_ports || n->n_eps == 1) &&
	     net_firewall_sync(s, err) < 0)) {
		struct tug_err e2;

		net_endpoint_remove(n, ep.container);
		net_save(s, n, &e2);
		if (ep.veth[0])
			veth_delete(ep.veth);
		net_firewall_sync(s, &e2);
		return tug_err_wrap(err, "connect %s to %s", a->name ? a->name : a->container, n->name);
	}
	for (size_t i = 0; i < n->n_eps; i++)
		if (n->eps[i].etc_dir[0] && net_refresh_etc(s, n->eps[i].container, err) < 0)
			return -1;
	return 0;
}

static int disconnect(struct net_store *s, struct network *n, const char *container,
		      bool delete_veth, struct tug_err *err);

int net_disconnect(struct net_store *s, struct network *n, const char *container,
		   struct tug_err *err)
{
	return disconnect(s, n, container, true, err);
}

static int disconnect(struct net_store *s, struct network *n, const char *container,
		      bool delete_veth, struct tug_err *err)
{
	struct net_endpoint *found = net_endpoint_find(n, container);
	struct net_endpoint ep;

	if (!found)
		return tug_err_set(err, ENOENT, "container %s is not connected to network %s",
				   container, n->name);
	ep = *found;
	net_endpoint_remove(n, ep.container);
	if (net_save(s, n, err) < 0)
		return -1;
	/* A container already gone took its veth pair with its namespace. */
	if (ep.veth[0] && delete_veth)
		veth_delete(ep.veth);
	if (n->driver == NET_DRIVER_BRIDGE && (ep.n_ports || !n->n_eps) &&
	    net_firewall_sync(s, err) < 0)
		return -1;
	for (size_t i = 0; i < n->n_eps; i++)
		if (n->eps[i].etc_dir[0] && net_refresh_etc(s, n->eps[i].container, err) < 0)
			return -1;
	if (ep.etc_dir[0] && access(ep.etc_dir, F_OK) == 0 && count_networks_of(s, ep.container))
		return net_refresh_etc(s, ep.container, err);
	return 0;
}

static int release(struct net_store *s, const char *container, bool delete_veths,
		   struct tug_err *err)
{
	for (size_t i = 0; i < s->n; i++)
		if (net_endpoint_find(&s->nets[i], container) &&
		    disconnect(s, &s->nets[i], container, delete_veths, err) < 0)
			return -1;
	return 0;
}

int net_release_container(struct net_store *s, const char *container, struct tug_err *err)
{
	return release(s, container, true, err);
}

int net_release_netns_gone(struct net_store *s, const char *container, struct tug_err *err)
{
	return release(s, container, false, err);
}

int net_firewall_sync(struct net_store *s, struct tug_err *err)
{
	_cleanup_free_ struct nft_masq *masq = calloc(s->n + 1, sizeof(*masq));
	_cleanup_free_ struct nft_dnat *dnat = NULL;
	struct nft_ruleset rs = { .masq = masq };
	size_t n_ports = 0;

	if (!masq)
		return tug_err_set(err, ENOMEM, "firewall");
	for (size_t i = 0; i < s->n; i++)
		for (size_t e = 0; e < s->nets[i].n_eps; e++)
			n_ports += s->nets[i].eps[e].n_ports;
	dnat = calloc(n_ports + 1, sizeof(*dnat));
	if (!dnat)
		return tug_err_set(err, ENOMEM, "firewall");
	rs.dnat = dnat;
	for (size_t i = 0; i < s->n; i++) {
		const struct network *n = &s->nets[i];

		if (n->driver != NET_DRIVER_BRIDGE || !n->n_eps)
			continue;
		if (!n->internal) {
			masq[rs.n_masq] = (struct nft_masq){ n->subnet.net, n->subnet.prefix };
			snprintf(masq[rs.n_masq++].bridge, sizeof(masq->bridge), "%s", n->bridge);
		}
		for (size_t e = 0; e < n->n_eps; e++)
			for (size_t k = 0; k < n->eps[e].n_ports; k++) {
				const struct net_port *p = &n->eps[e].ports[k];

				dnat[rs.n_dnat++] = (struct nft_dnat){ p->proto, p->host_ip,
								       p->host_port, n->eps[e].ip,
								       p->ctr_port };
			}
	}
	return nft_apply(&rs, err);
}

static int hosts_append(char **hosts, const uint8_t prefix[8], uint32_t ip, const char *names,
			struct tug_err *err)
{
	uint8_t a6[16];
	char buf[50], *joined;

	ip6_of(prefix, ip, a6);
	if (asprintf(&joined, "%s%s\t%s\n", *hosts, ip6_format(a6, buf), names) < 0)
		return tug_err_set(err, ENOMEM, "hosts");
	free(*hosts);
	*hosts = joined;
	return 0;
}

/* CONFIG_IPV6: the container's own IPv6 addresses, then its peers' (user networks). */
static int hosts_add_ipv6(struct net_store *s, const char *container, const char *hostname,
			  char **hosts, struct tug_err *err)
{
	for (size_t i = 0; IS_ENABLED(CONFIG_IPV6) && i < s->n; i++) {
		const struct network *n = &s->nets[i];
		const struct net_endpoint *ep = net_endpoint_find(&s->nets[i], container);

		if (!ep || !n->ipv6 || !ep->ip)
			continue;
		if (hosts_append(hosts, n->prefix6, ep->ip, hostname, err) < 0)
			return -1;
		for (size_t k = 0; !n->builtin && k < n->n_eps; k++) {
			const struct net_endpoint *p = &n->eps[k];
			char names[512];

			if (p == ep || !p->ip)
				continue;
			snprintf(names, sizeof(names), "%s%s%s%s%s", p->name,
				 strcmp(p->hostname, p->name) ? " " : "",
				 strcmp(p->hostname, p->name) ? p->hostname : "",
				 p->aliases[0] ? " " : "", p->aliases);
			if (hosts_append(hosts, n->prefix6, p->ip, names, err) < 0)
				return -1;
		}
	}
	return 0;
}

int net_refresh_etc(struct net_store *s, const char *container, struct tug_err *err)
{
	_cleanup_free_ struct hosts_entry *peers = NULL;
	_cleanup_free_ uint32_t *self = calloc(s->n + 1, sizeof(*self));
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
	_cleanup_free_ char **names = NULL;
	const struct net_endpoint *me = NULL;
	size_t n_self = 0, n_peers = 0, total = 0;
	char hostname[80];
	struct tug_err e2;
	int ret = -1;

	for (size_t i = 0; i < s->n; i++)
		total += s->nets[i].n_eps;
	peers = calloc(total + 1, sizeof(*peers));
	names = calloc(total + 1, sizeof(*names));
	if (!self || !peers || !names)
		return tug_err_set(err, ENOMEM, "hosts of %s", container);
	for (size_t i = 0; i < s->n; i++) {
		struct network *n = &s->nets[i];
		struct net_endpoint *ep = net_endpoint_find(n, container);

		if (!ep)
			continue;
		if (!me)
			me = ep;
		if (ep->ip)
			self[n_self++] = ep->ip;
		/* Like Docker: names resolve on user-defined networks only. */
		if (n->builtin)
			continue;
		for (size_t k = 0; k < n->n_eps; k++) {
			const struct net_endpoint *p = &n->eps[k];

			if (p == ep || !p->ip)
				continue;
			/* name, then hostname and aliases when they add something */
			if (asprintf(&names[n_peers], "%s%s%s%s%s", p->name,
				     strcmp(p->hostname, p->name) ? " " : "",
				     strcmp(p->hostname, p->name) ? p->hostname : "",
				     p->aliases[0] ? " " : "", p->aliases) < 0) {
				names[n_peers] = NULL;
				goto out;
			}
			peers[n_peers].ip = p->ip;
			peers[n_peers].names = names[n_peers];
			n_peers++;
		}
	}
	if (!me || !me->etc_dir[0]) {
		ret = 0;
		goto out;
	}
	if (read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &host_resolv, NULL, &e2) < 0)
		host_resolv = NULL;
	snprintf(hostname, sizeof(hostname), "%s\n", me->hostname);
	if (etc_hosts_render(me->hostname, self, n_self, peers, n_peers, &hosts, err) < 0 ||
	    etc_resolv_render(host_resolv, NULL, 0, &resolv, err) < 0 ||
	    hosts_add_ipv6(s, container, me->hostname, &hosts, err) < 0 ||
	    etc_apply_extras(me->etc_dir, &hosts, &resolv, err) < 0 ||
	    etc_write_in_place(me->etc_dir, "hosts", hosts, err) < 0 ||
	    etc_write_in_place(me->etc_dir, "resolv.conf", resolv, err) < 0 ||
	    etc_write_in_place(me->etc_dir, "hostname", hostname, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < n_peers; i++)
		free(names[i]);
	return ret;
}

/* A zombie (state Z in /proc/<pid>/stat) has already lost its namespaces. */
static bool pid_alive(const struct net_endpoint *e, void *ctx)
{
	char path[64], *stat = NULL, *paren;
	struct tug_err err;
	bool alive;

	if (e->pid <= 0) {
		/* tugd's containers: alive while their netns is bound on <run>/netns/<id>. */
		char ns[4200];

		snprintf(ns, sizeof(ns), "%s/netns/%s", tug_run_dir(), e->container);
		return access(ns, F_OK) == 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)e->pid);
	if (read_file(AT_FDCWD, path, 4096, &stat, NULL, &err) < 0)
		return false;
	paren = strrchr(stat, ')');
	alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	free(stat);
	return alive;
}

struct owned {
	struct net_store *s;
	char (*stale)[16];
	size_t n;
};

static void collect_stale(const char *name, void *ctx)
{
	struct owned *o = ctx;
	char (*v)[16];

	for (size_t i = 0; i < o->s->n; i++)
		for (size_t e = 0; e < o->s->nets[i].n_eps; e++)
			if (!strcmp(o->s->nets[i].eps[e].veth, name))
				return;
	v = realloc(o->stale, (o->n + 1) * sizeof(*v));
	if (!v)
		return;
	o->stale = v;
	snprintf(v[o->n++], 16, "%s", name);
}

int net_sweep(struct net_store *s, bool (*alive)(const struct net_endpoint *e, void *ctx),
	      void *ctx, struct tug_err *err)
{
	struct owned o = { .s = s };
	struct rtnl nl;
	int ret;

	if (!alive)
		alive = pid_alive;
	for (size_t i = 0; i < s->n; i++) {
		struct network *n = &s->nets[i];
		bool changed = false;

		for (size_t e = 0; e < n->n_eps;) {
			if (alive(&n->eps[e], ctx)) {
				e++;
				continue;
			}
			net_endpoint_remove(n, n->eps[e].container);
			changed = true;
		}
		if (changed && net_save(s, n, err) < 0)
			return -1;
	}
	if (!IS_ENABLED(CONFIG_NET_BRIDGE))
		return 0;
	/* Host-side veths that no record owns ("tv" + hash) are leftovers. */
	if (rtnl_open(&nl, -1, err) < 0)
		return -1;
	ret = rtnl_link_dump(&nl, "tv", collect_stale, &o, err);
	for (size_t i = 0; ret == 0 && i < o.n; i++) {
		struct tug_err e2;

		rtnl_link_del(&nl, o.stale[i], &e2);
	}
	rtnl_close(&nl);
	free(o.stale);
	if (ret < 0)
		return tug_err_wrap(err, "sweep");
	return net_firewall_sync(s, err);
}

int net_remove_with_bridge(struct net_store *s, struct network *n, struct tug_err *err)
{
	char bridge[16];

	snprintf(bridge, sizeof(bridge), "%s", n->bridge);
	if (net_remove(s, n, err) < 0)
		return -1;
	if (bridge[0])
		veth_delete(bridge);
	return 0;
}
