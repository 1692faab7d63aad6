/*
 * rtnetlink from tug itself: no `ip` binary on the device. Bridges, veth
 * pairs, moving a link into a container's network namespace, link state,
 * MTU, MAC, addresses and routes.
 *
 * Messages are built in a struct nlbuf by pure functions (nlbuf_*, and the
 * rtnl_build_* ones), so their byte layout is unit-tested without root; the
 * rtnl_* calls send them on a NETLINK_ROUTE socket and wait for the ack.
 * The same builder serves nf_tables (platform/nft.c).
 */
#ifndef TUG_NETLINK_H
#define TUG_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/err.h"

/* nft batches of every published port: ~900 bytes a port, so ~140 ports. */
#define NLBUF_SIZE (128 * 1024)

struct nlbuf {
	size_t len;		/* bytes used (all messages) */
	size_t msg;		/* offset of the message being built */
	bool overflow;		/* an append did not fit: the send refuses */
	unsigned char data[NLBUF_SIZE] __attribute__((aligned(4)));
};

/* Start a message at the end of the buffer (batches hold several). */
void nlbuf_msg_start(struct nlbuf *b, uint16_t type, uint16_t flags, uint32_t seq);
/* Raw bytes (family header), padded to 4. */
void *nlbuf_put(struct nlbuf *b, const void *data, size_t len);
void nlbuf_attr(struct nlbuf *b, uint16_t type, const void *data, size_t len);
void nlbuf_attr_str(struct nlbuf *b, uint16_t type, const char *s);
void nlbuf_attr_u8(struct nlbuf *b, uint16_t type, uint8_t v);
void nlbuf_attr_u32(struct nlbuf *b, uint16_t type, uint32_t v);
void nlbuf_attr_be32(struct nlbuf *b, uint16_t type, uint32_t v);
/* Nested attribute: start returns its offset, end fixes its length. */
size_t nlbuf_nest_start(struct nlbuf *b, uint16_t type);
void nlbuf_nest_end(struct nlbuf *b, size_t nest);
/* Fix the current message's nlmsg_len. */
void nlbuf_msg_end(struct nlbuf *b);

/* A NETLINK_ROUTE socket, bound to the network namespace it was opened in. */
struct rtnl {
	int fd;
	uint32_t seq;
};

/* Open in our namespace (netns_fd < 0) or in the one netns_fd names. */
int rtnl_open(struct rtnl *nl, int netns_fd, struct tug_err *err);
void rtnl_close(struct rtnl *nl);

/* Builders (exposed for the layout tests). ifindex 0 = by IFLA_IFNAME. */
void rtnl_build_bridge(struct nlbuf *b, uint32_t seq, const char *name, unsigned mtu);
void rtnl_build_veth(struct nlbuf *b, uint32_t seq, const char *name, const char *peer,
		     unsigned mtu);
/* The same with the peer born in another namespace (no move: no synchronize_net). */
void rtnl_build_veth_ns(struct nlbuf *b, uint32_t seq, const char *name, const char *peer,
			unsigned mtu, int peer_netns_fd);
void rtnl_build_addr(struct nlbuf *b, uint32_t seq, int family, int ifindex,
		     const void *addr, unsigned prefix);
/* dst NULL = default route; gw NULL = on-link through oif. */
void rtnl_build_route(struct nlbuf *b, uint32_t seq, int family, const void *dst,
		      unsigned dst_len, const void *gw, int oif);

/* Link index by name; -1 with ENODEV when absent. */
int rtnl_link_index(struct rtnl *nl, const char *name, struct tug_err *err);
int rtnl_bridge_create(struct rtnl *nl, const char *name, unsigned mtu, struct tug_err *err);
int rtnl_veth_create(struct rtnl *nl, const char *name, const char *peer, unsigned mtu,
		     struct tug_err *err);
int rtnl_veth_create_ns(struct rtnl *nl, const char *name, const char *peer, unsigned mtu,
			int peer_netns_fd, struct tug_err *err);
/* Move a link into the namespace of pid (netns_fd < 0) or netns_fd. */
int rtnl_link_set_netns(struct rtnl *nl, const char *name, pid_t pid, int netns_fd,
			struct tug_err *err);
int rtnl_link_set_up(struct rtnl *nl, const char *name, bool up, struct tug_err *err);
int rtnl_link_set_mtu(struct rtnl *nl, const char *name, unsigned mtu, struct tug_err *err);
int rtnl_link_set_mac(struct rtnl *nl, const char *name, const uint8_t mac[6],
		      struct tug_err *err);
int rtnl_link_set_master(struct rtnl *nl, const char *name, const char *master,
			 struct tug_err *err);
int rtnl_link_rename(struct rtnl *nl, const char *name, const char *newname,
		     struct tug_err *err);
/* Delete a link (a veth takes its peer with it). Absent: -1 with ENODEV. */
int rtnl_link_del(struct rtnl *nl, const char *name, struct tug_err *err);
int rtnl_addr_add(struct rtnl *nl, const char *ifname, int family, const void *addr,
		  unsigned prefix, struct tug_err *err);
int rtnl_route_add(struct rtnl *nl, int family, const void *dst, unsigned dst_len,
		   const void *gw, const char *oif, struct tug_err *err);

/* IPv4 routes of the main table: cb(dst, dst_len, ctx) for each (not default). */
int rtnl_route_dump_v4(struct rtnl *nl, void (*cb)(uint32_t dst, unsigned len, void *ctx),
		       void *ctx, struct tug_err *err);
/* Names of links whose name starts with prefix: cb(name, ctx) for each. */
int rtnl_link_dump(struct rtnl *nl, const char *prefix,
		   void (*cb)(const char *name, void *ctx), void *ctx, struct tug_err *err);

/* Send b (one message or a batch) and wait for n_acks acks; first error wins. */
int nl_send_and_ack(int fd, struct nlbuf *b, unsigned n_acks, const char *what,
		    struct tug_err *err);

/* /proc/sys/net/... = value (e.g. "ipv4/ip_forward", "1"). */
int net_sysctl_set(const char *key, const char *value, struct tug_err *err);
/* True when proto (IPPROTO_TCP/UDP) port on ip (host order, 0 = any) can be bound now. */
int net_port_free(int proto, uint32_t ip, unsigned port, struct tug_err *err);

#endif
