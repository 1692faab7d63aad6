/*
 * What the daemon calls to put a container on a network and take it off.
 * Everything is derived from the records in core/net/store.h: the bridge
 * (created on first use), the veth pair, the nftables table (rebuilt whole
 * on every change) and the /etc files of every member of the network.
 *
 *   net_store_open(&s, NULL, &err);
 *   net_connect(&s, net_find(&s, "bridge"), &(struct net_attach){ ... }, &err);
 *   ... container runs; its runtime bind-mounts etc_dir/{hosts,resolv.conf,hostname}
 *   net_release_container(&s, id, &err);    (container removed)
 *   net_store_close(&s);
 *
 * At daemon start, net_sweep() drops the leases of containers that are gone
 * and deletes veths and rules nobody owns (a crashed daemon's leftovers).
 */
#ifndef TUG_NET_NET_H
#define TUG_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/net/store.h"
#include "platform/err.h"

struct net_attach {
	const char *container;	/* id */
	const char *name;	/* container name, resolvable by peers */
	const char *hostname;	/* NULL = first 12 characters of the id */
	const char *aliases;	/* extra names, space separated, or NULL */
	pid_t pid;		/* a process already in the container's netns */
	const char *netns_path;	/* or the netns bound on a file (pid ignored) */
	const char *etc_dir;	/* directory for hosts, resolv.conf, hostname */
	const char *ip;		/* requested address or NULL */
	const struct net_port *ports;
	size_t n_ports;
};

/*
 * none and host only record the endpoint (the runtime gives the container
 * a fresh netns with lo, or none); bridge networks do the full set-up. On
 * error nothing stays behind: no lease, no veth, no rule.
 */
int net_connect(struct net_store *s, struct network *n, const struct net_attach *a,
		struct tug_err *err);
int net_disconnect(struct net_store *s, struct network *n, const char *container,
		   struct tug_err *err);
/* Disconnect from every network (container removal). */
int net_release_container(struct net_store *s, const char *container, struct tug_err *err);
/*
 * The same when the container's netns is about to be freed: the kernel
 * deletes the veth pairs with it, off the caller's path (deleting one by
 * hand waits for a synchronize_net, ~30 ms).
 */
int net_release_netns_gone(struct net_store *s, const char *container, struct tug_err *err);
/* alive NULL = the recorded pid still exists. */
int net_sweep(struct net_store *s, bool (*alive)(const struct net_endpoint *e, void *ctx),
	      void *ctx, struct tug_err *err);
/* Rebuild tug's nftables table from the records. */
int net_firewall_sync(struct net_store *s, struct tug_err *err);
/* Rewrite hosts/resolv.conf/hostname of one container from the records. */
int net_refresh_etc(struct net_store *s, const char *container, struct tug_err *err);
/* A user network created, checked against the host's routes. */
int net_create_checked(struct net_store *s, const char *name, const char *subnet,
		       const char *gateway, bool internal, struct network **out,
		       struct tug_err *err);
/* Remove the record and its bridge. */
int net_remove_with_bridge(struct net_store *s, struct network *n, struct tug_err *err);
/* Does this network mode need a fresh network namespace? (none, bridge: yes) */
static inline bool net_needs_netns(const struct network *n)
{
	return n->driver != NET_DRIVER_HOST;
}

#endif
