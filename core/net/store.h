/*
 * Network records: one JSON file per network under <state>/networks/,
 * written atomically, holding the network's settings and its endpoints
 * (the address leases). The records are the truth: bridges, veths, the
 * nftables table and the /etc files are rebuilt from them, which is what
 * makes a restart or a crash sweep possible. One flock on the directory
 * serialises the daemon and local CLI calls.
 */
#ifndef TUG_NET_STORE_H
#define TUG_NET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "core/net/ipam.h"
#include "platform/err.h"

#define NET_MAX_PORTS 32
#define NET_DEFAULT_BRIDGE "tug0"

struct net_port {
	int proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	uint32_t host_ip;	/* 0 = every local address */
	unsigned host_port;
	unsigned ctr_port;
};

struct net_endpoint {
	char container[65];	/* container id */
	char name[128];		/* container name, no leading '/' */
	char hostname[64];
	char aliases[256];	/* space separated */
	char ifname[16];	/* inside the container: eth0, eth1 ... */
	char veth[16];		/* host side */
	uint32_t ip;
	uint8_t mac[6];
	char etc_dir[512];	/* where its hosts/resolv.conf/hostname live */
	pid_t pid;		/* a process in its netns when connected (sweep) */
	struct net_port ports[NET_MAX_PORTS];
	size_t n_ports;
};

enum net_driver { NET_DRIVER_NULL, NET_DRIVER_HOST, NET_DRIVER_BRIDGE };

struct network {
	char id[65];
	char name[128];
	enum net_driver driver;
	char created[40];
	struct subnet subnet;
	uint32_t gateway;
	char bridge[16];
	bool builtin;		/* none, host, bridge: never removed */
	bool internal;		/* no outbound NAT */
	bool ipv6;		/* CONFIG_IPV6: a /64 beside the IPv4 subnet */
	uint8_t prefix6[8];
	struct net_endpoint *eps;
	size_t n_eps;
};

struct net_store {
	char dir[4096];
	int lock_fd;
	struct network *nets;
	size_t n;
};

/*
 * Lock and load every record; the built-in none, host and bridge networks
 * are created on first use (bridge with CONFIG_NET_BRIDGE_SUBNET or
 * TUG_BRIDGE_SUBNET). state_dir NULL = tug_state_dir().
 */
int net_store_open(struct net_store *s, const char *state_dir, struct tug_err *err);
void net_store_close(struct net_store *s);
/* By name, full id or unique id prefix. */
struct network *net_find(struct net_store *s, const char *ref);
struct net_endpoint *net_endpoint_find(struct network *n, const char *container);
int net_save(struct net_store *s, const struct network *n, struct tug_err *err);

/*
 * A new user-defined bridge network. subnet NULL: the first free /24
 * (172.31.N.0/24, ...) that overlaps nothing. host_routes (n_routes)
 * are the host's IPv4 routes, checked for overlaps like the other networks.
 */
int net_create(struct net_store *s, const char *name, const char *subnet, const char *gateway,
	       bool internal, const struct subnet *host_routes, size_t n_routes,
	       struct network **out, struct tug_err *err);
/*
 * Give n an IPv6 /64 (subnet6 NULL: a ULA derived from its id), refused
 * when another network has it; saved. Without CONFIG_IPV6: "not supported".
 */
int net_enable_ipv6(struct net_store *s, struct network *n, const char *subnet6,
		    struct tug_err *err);
/* Remove a user-defined network without endpoints (record only). */
int net_remove(struct net_store *s, struct network *n, struct tug_err *err);

/* Lease an address (requested, or the lowest free one). */
int net_lease(struct network *n, const char *requested, uint32_t *ip, struct tug_err *err);
/* Append an endpoint (copied); the caller saves. */
int net_endpoint_add(struct network *n, const struct net_endpoint *ep, struct tug_err *err);
void net_endpoint_remove(struct network *n, const char *container);

/* "[ip:]host:container[/tcp|udp]" or "container[/proto]" (host port = same). */
int net_port_parse(const char *spec, struct net_port *out, struct tug_err *err);
/* Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int net_name_validate(const char *name, struct tug_err *err);

/* Record <-> JSON (the file format), and Docker's inspect shape. */
cJSON *net_to_json(const struct network *n);
int net_from_json(const cJSON *j, struct network *n, struct tug_err *err);
cJSON *net_inspect_json(const struct network *n);
const char *net_driver_name(enum net_driver d);
void network_free(struct network *n);

#endif
