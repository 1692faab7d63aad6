/* rtnetlink: message building, send-and-ack, and the link/addr/route calls. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/netlink.h"

#define NL_ALIGN(n) (((n) + 3u) & ~3u)

static void *nlbuf_reserve(struct nlbuf *b, size_t len)
{
	size_t al = NL_ALIGN(len);
	void *p;

	if (b->overflow || b->len + al > sizeof(b->data)) {
		b->overflow = true;
		return NULL;
	}
	p = b->data + b->len;
	memset(p, 0, al);
	b->len += al;
	return p;
}

void nlbuf_msg_start(struct nlbuf *b, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *h;

	b->msg = b->len;
	h = nlbuf_reserve(b, sizeof(*h));
	if (!h)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_len = sizeof(*h);
}

void nlbuf_msg_end(struct nlbuf *b)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->msg);

	if (!b->overflow)
		h->nlmsg_len = b->len - b->msg;
}

void *nlbuf_put(struct nlbuf *b, const void *data, size_t len)
{
	void *p = nlbuf_reserve(b, len);

	if (p && data)
		memcpy(p, data, len);
	return p;
}

void nlbuf_attr(struct nlbuf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = nlbuf_reserve(b, NLA_HDRLEN + len);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

void nlbuf_attr_str(struct nlbuf *b, uint16_t type, const char *s)
{
	nlbuf_attr(b, type, s, strlen(s) + 1);
}

void nlbuf_attr_u8(struct nlbuf *b, uint16_t type, uint8_t v)
{
	nlbuf_attr(b, type, &v, 1);
}

void nlbuf_attr_u32(struct nlbuf *b, uint16_t type, uint32_t v)
{
	nlbuf_attr(b, type, &v, 4);
}

void nlbuf_attr_be32(struct nlbuf *b, uint16_t type, uint32_t v)
{
	v = htonl(v);
	nlbuf_attr(b, type, &v, 4);
}

size_t nlbuf_nest_start(struct nlbuf *b, uint16_t type)
{
	size_t off = b->len;

	nlbuf_attr(b, type | NLA_F_NESTED, NULL, 0);
	return off;
}

void nlbuf_nest_end(struct nlbuf *b, size_t nest)
{
	if (!b->overflow)
		((struct nlattr *)(b->data + nest))->nla_len = b->len - nest;
}

/* Walk the acks (and errors) of what was sent: n_acks NLMSG_ERROR replies. */
static int nl_read_acks(int fd, unsigned n_acks, const char *what, struct tug_err *err)
{
	_cleanup_free_ char *buf = malloc(65536);
	int first_err = 0;
	unsigned got = 0;

	if (!buf)
		return tug_err_set(err, ENOMEM, "%s", what);
	while (got < n_acks) {
		ssize_t n = recv(fd, buf, 65536, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if ((errno == EAGAIN || errno == EWOULDBLOCK) && first_err)
				break;
			return tug_err_sys(err, "%s: netlink receive", what);
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			got++;
			int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

			if (e && !first_err)
				first_err = -e;
		}
		if (first_err)
			break;
	}
	if (first_err)
		return tug_err_set(err, first_err, "%s", what);
	return 0;
}

int nl_send_and_ack(int fd, struct nlbuf *b, unsigned n_acks, const char *what,
		    struct tug_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (b->overflow)
		return tug_err_set(err, EMSGSIZE, "%s: netlink message too large", what);
	if (sendto(fd, b->data, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return tug_err_sys(err, "%s: netlink send", what);
	return nl_read_acks(fd, n_acks, what, err);
}

int rtnl_open(struct rtnl *nl, int netns_fd, struct tug_err *err)
{
	_cleanup_close_ int self = -1;
	struct timeval tv = { .tv_sec = 5 };
	int fd, saved;

	nl->fd = -1;
	nl->seq = (uint32_t)time(NULL);
	/* A netlink socket stays bound to the namespace it was created in. */
	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return tug_err_sys(err, "open our network namespace");
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			return tug_err_sys(err, "enter network namespace");
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	saved = errno;
	if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0) {
		/* Staying in the container's namespace would be far worse. */
		perror("tug: return to our network namespace");
		abort();
	}
	if (fd < 0) {
		errno = saved;
		return tug_err_sys(err, "netlink socket");
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl->fd = fd;
	return 0;
}

void rtnl_close(struct rtnl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static struct ifinfomsg *link_msg(struct nlbuf *b, uint16_t type, uint16_t flags, uint32_t seq,
				  int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };

	memset(b, 0, offsetof(struct nlbuf, data));
	nlbuf_msg_start(b, type, NLM_F_REQUEST | NLM_F_ACK | flags, seq);
	return nlbuf_put(b, &ifi, sizeof(ifi));
}

void rtnl_build_bridge(struct nlbuf *b, uint32_t seq, const char *name, unsigned mtu)
{
	size_t li;

	link_msg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	nlbuf_attr_str(b, IFLA_IFNAME, name);
	if (mtu)
		nlbuf_attr_u32(b, IFLA_MTU, mtu);
	li = nlbuf_nest_start(b, IFLA_LINKINFO);
	nlbuf_attr_str(b, IFLA_INFO_KIND, "bridge");
	nlbuf_nest_end(b, li);
	nlbuf_msg_end(b);
}

void rtnl_build_veth(struct nlbuf *b, uint32_t seq, const char *name, const char *peer,
		     unsigned mtu)
{
	rtnl_build_veth_ns(b, seq, name, peer, mtu, -1);
}

void rtnl_build_veth_ns(struct nlbuf *b, uint32_t seq, const char *name, const char *peer,
			unsigned mtu, int peer_netns_fd)
{
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC };
	size_t li, data, p;

	link_msg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	nlbuf_attr_str(b, IFLA_IFNAME, name);
	if (mtu)
		nlbuf_attr_u32(b, IFLA_MTU, mtu);
	li = nlbuf_nest_start(b, IFLA_LINKINFO);
	nlbuf_attr_str(b, IFLA_INFO_KIND, "veth");
	data = nlbuf_nest_start(b, IFLA_INFO_DATA);
	/* The peer is an ifinfomsg followed by its own attributes. */
	p = nlbuf_nest_start(b, VETH_INFO_PEER);
	nlbuf_put(b, &pifi, sizeof(pifi));
	nlbuf_attr_str(b, IFLA_IFNAME, peer);
	if (mtu)
		nlbuf_attr_u32(b, IFLA_MTU, mtu);
	if (peer_netns_fd >= 0)
		nlbuf_attr_u32(b, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	nlbuf_nest_end(b, p);
	nlbuf_nest_end(b, data);
	nlbuf_nest_end(b, li);
	nlbuf_msg_end(b);
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

void rtnl_build_addr(struct nlbuf *b, uint32_t seq, int family, int ifindex,
		     const void *addr, unsigned prefix)
{
	struct ifaddrmsg ifa = { .ifa_family = family, .ifa_prefixlen = prefix,
				 .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = ifindex };

	memset(b, 0, offsetof(struct nlbuf, data));
	nlbuf_msg_start(b, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			seq);
	nlbuf_put(b, &ifa, sizeof(ifa));
	nlbuf_attr(b, IFA_LOCAL, addr, addr_len(family));
	nlbuf_attr(b, IFA_ADDRESS, addr, addr_len(family));
	/* No duplicate address detection: the address is ours alone and usable at once. */
	if (family == AF_INET6)
		nlbuf_attr_u32(b, IFA_FLAGS, IFA_F_NODAD);
	nlbuf_msg_end(b);
}

void rtnl_build_route(struct nlbuf *b, uint32_t seq, int family, const void *dst,
		      unsigned dst_len, const void *gw, int oif)
{
	struct rtmsg rt = { .rtm_family = family, .rtm_dst_len = dst ? dst_len : 0,
			    .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
			    .rtm_type = RTN_UNICAST };

	memset(b, 0, offsetof(struct nlbuf, data));
	nlbuf_msg_start(b, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
			seq);
	nlbuf_put(b, &rt, sizeof(rt));
	if (dst)
		nlbuf_attr(b, RTA_DST, dst, addr_len(family));
	if (gw)
		nlbuf_attr(b, RTA_GATEWAY, gw, addr_len(family));
	if (oif)
		nlbuf_attr_u32(b, RTA_OIF, oif);
	nlbuf_msg_end(b);
}

static int rtnl_do(struct rtnl *nl, struct nlbuf *b, const char *what, struct tug_err *err)
{
	return nl_send_and_ack(nl->fd, b, 1, what, err);
}

int rtnl_link_index(struct rtnl *nl, const char *name, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char reply[8192];
	ssize_t n;

	if (!b)
		return tug_err_set(err, ENOMEM, "link %s", name);
	link_msg(b, RTM_GETLINK, 0, ++nl->seq, 0);
	((struct nlmsghdr *)b->data)->nlmsg_flags = NLM_F_REQUEST;
	nlbuf_attr_str(b, IFLA_IFNAME, name);
	nlbuf_msg_end(b);
	if (sendto(nl->fd, b->data, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return tug_err_sys(err, "link %s: netlink send", name);
	do
		n = recv(nl->fd, reply, sizeof(reply), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tug_err_sys(err, "link %s: netlink receive", name);
	if (n > (ssize_t)sizeof(reply))
		n = sizeof(reply);
	for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			int e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;

			return tug_err_set(err, e == ENODEV || !e ? ENODEV : e, "link %s", name);
		}
		if (h->nlmsg_type == RTM_NEWLINK)
			return ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	}
	return tug_err_set(err, ENODEV, "link %s", name);
}

int rtnl_bridge_create(struct rtnl *nl, const char *name, unsigned mtu, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));

	if (!b)
		return tug_err_set(err, ENOMEM, "create bridge %s", name);
	rtnl_build_bridge(b, ++nl->seq, name, mtu);
	return rtnl_do(nl, b, "create bridge", err) < 0 ?
		       tug_err_wrap(err, "%s", name) : 0;
}

int rtnl_veth_create(struct rtnl *nl, const char *name, const char *peer, unsigned mtu,
		     struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	char what[64];

	if (!b)
		return tug_err_set(err, ENOMEM, "create veth %s", name);
	snprintf(what, sizeof(what), "create veth %s/%s", name, peer);
	rtnl_build_veth(b, ++nl->seq, name, peer, mtu);
	return rtnl_do(nl, b, what, err);
}

int rtnl_veth_create_ns(struct rtnl *nl, const char *name, const char *peer, unsigned mtu,
			int peer_netns_fd, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	char what[64];

	if (!b)
		return tug_err_set(err, ENOMEM, "create veth %s", name);
	snprintf(what, sizeof(what), "create veth %s/%s", name, peer);
	rtnl_build_veth_ns(b, ++nl->seq, name, peer, mtu, peer_netns_fd);
	return rtnl_do(nl, b, what, err);
}

/* RTM_NEWLINK on an existing link by index, with one attribute (or none). */
static int link_change(struct rtnl *nl, const char *name, const char *what, unsigned flags,
		       unsigned change, uint16_t attr, const void *data, size_t len,
		       struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	struct ifinfomsg *ifi;
	char ctx[64];
	int index;

	snprintf(ctx, sizeof(ctx), "%s %s", what, name);
	if (!b)
		return tug_err_set(err, ENOMEM, "%s", ctx);
	index = rtnl_link_index(nl, name, err);
	if (index < 0)
		return tug_err_wrap(err, "%s", what);
	ifi = link_msg(b, RTM_NEWLINK, 0, ++nl->seq, index);
	if (ifi) {
		ifi->ifi_flags = flags;
		ifi->ifi_change = change;
	}
	if (attr)
		nlbuf_attr(b, attr, data, len);
	nlbuf_msg_end(b);
	return rtnl_do(nl, b, ctx, err);
}

int rtnl_link_set_netns(struct rtnl *nl, const char *name, pid_t pid, int netns_fd,
			struct tug_err *err)
{
	uint32_t v = netns_fd >= 0 ? (uint32_t)netns_fd : (uint32_t)pid;

	return link_change(nl, name, "move link", 0, 0,
			   netns_fd >= 0 ? IFLA_NET_NS_FD : IFLA_NET_NS_PID, &v, 4, err);
}

int rtnl_link_set_up(struct rtnl *nl, const char *name, bool up, struct tug_err *err)
{
	return link_change(nl, name, up ? "set up" : "set down", up ? IFF_UP : 0, IFF_UP, 0,
			   NULL, 0, err);
}

int rtnl_link_set_mtu(struct rtnl *nl, const char *name, unsigned mtu, struct tug_err *err)
{
	uint32_t v = mtu;

	return link_change(nl, name, "set mtu", 0, 0, IFLA_MTU, &v, 4, err);
}

int rtnl_link_set_mac(struct rtnl *nl, const char *name, const uint8_t mac[6],
		      struct tug_err *err)
{
	return link_change(nl, name, "set mac", 0, 0, IFLA_ADDRESS, mac, 6, err);
}

int rtnl_link_set_master(struct rtnl *nl, const char *name, const char *master,
			 struct tug_err *err)
{
	int m = rtnl_link_index(nl, master, err);
	uint32_t v;

	if (m < 0)
		return tug_err_wrap(err, "attach %s", name);
	v = m;
	return link_change(nl, name, "attach to bridge", 0, 0, IFLA_MASTER, &v, 4, err);
}

int rtnl_link_rename(struct rtnl *nl, const char *name, const char *newname,
		     struct tug_err *err)
{
	return link_change(nl, name, "rename", 0, 0, IFLA_IFNAME, newname, strlen(newname) + 1,
			   err);
}

int rtnl_link_del(struct rtnl *nl, const char *name, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	int index;

	if (!b)
		return tug_err_set(err, ENOMEM, "delete link %s", name);
	index = rtnl_link_index(nl, name, err);
	if (index < 0)
		return tug_err_wrap(err, "delete");
	link_msg(b, RTM_DELLINK, 0, ++nl->seq, index);
	nlbuf_msg_end(b);
	return rtnl_do(nl, b, "delete link", err) < 0 ? tug_err_wrap(err, "%s", name) : 0;
}

int rtnl_addr_add(struct rtnl *nl, const char *ifname, int family, const void *addr,
		  unsigned prefix, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	char a[INET6_ADDRSTRLEN] = "?", what[128];
	int index;

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(what, sizeof(what), "add address %s/%u to %s", a, prefix, ifname);
	if (!b)
		return tug_err_set(err, ENOMEM, "%s", what);
	index = rtnl_link_index(nl, ifname, err);
	if (index < 0)
		return tug_err_wrap(err, "%s", what);
	rtnl_build_addr(b, ++nl->seq, family, index, addr, prefix);
	return rtnl_do(nl, b, what, err);
}

int rtnl_route_add(struct rtnl *nl, int family, const void *dst, unsigned dst_len,
		   const void *gw, const char *oif, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	char d[INET6_ADDRSTRLEN] = "default", g[INET6_ADDRSTRLEN] = "-", what[160];
	int index = 0;

	if (dst)
		inet_ntop(family, dst, d, sizeof(d));
	if (gw)
		inet_ntop(family, gw, g, sizeof(g));
	snprintf(what, sizeof(what), "add route %s/%u via %s dev %s", d, dst ? dst_len : 0, g,
		 oif ? oif : "-");
	if (!b)
		return tug_err_set(err, ENOMEM, "%s", what);
	if (oif) {
		index = rtnl_link_index(nl, oif, err);
		if (index < 0)
			return tug_err_wrap(err, "%s", what);
	}
	rtnl_build_route(b, ++nl->seq, family, dst, dst_len, gw, index);
	return rtnl_do(nl, b, what, err);
}

/* Send a dump request and hand each reply message to fn until NLMSG_DONE. */
static int rtnl_dump(struct rtnl *nl, uint16_t type, const void *hdr, size_t hdr_len,
		     void (*fn)(struct nlmsghdr *h, void *ctx), void *ctx, const char *what,
		     struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	_cleanup_free_ char *buf = malloc(65536);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (!b || !buf)
		return tug_err_set(err, ENOMEM, "%s", what);
	memset(b, 0, offsetof(struct nlbuf, data));
	nlbuf_msg_start(b, type, NLM_F_REQUEST | NLM_F_DUMP, ++nl->seq);
	nlbuf_put(b, hdr, hdr_len);
	nlbuf_msg_end(b);
	if (sendto(nl->fd, b->data, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return tug_err_sys(err, "%s: netlink send", what);
	for (;;) {
		ssize_t n = recv(nl->fd, buf, 65536, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tug_err_sys(err, "%s: netlink receive", what);
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;

				if (e)
					return tug_err_set(err, e, "%s", what);
				continue;
			}
			fn(h, ctx);
		}
	}
}

struct route_cb {
	void (*cb)(uint32_t dst, unsigned len, void *ctx);
	void *ctx;
};

static void route_one(struct nlmsghdr *h, void *ctx)
{
	struct route_cb *rc = ctx;
	struct rtmsg *rt = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);
	uint32_t table = rt->rtm_table;
	uint32_t dst = 0;

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET || !rt->rtm_dst_len)
		return;
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_DST)
			memcpy(&dst, RTA_DATA(a), 4);
	}
	if (table == RT_TABLE_MAIN && rt->rtm_type == RTN_UNICAST)
		rc->cb(ntohl(dst), rt->rtm_dst_len, rc->ctx);
}

int rtnl_route_dump_v4(struct rtnl *nl, void (*cb)(uint32_t dst, unsigned len, void *ctx),
		       void *ctx, struct tug_err *err)
{
	struct rtmsg rt = { .rtm_family = AF_INET };
	struct route_cb rc = { cb, ctx };

	return rtnl_dump(nl, RTM_GETROUTE, &rt, sizeof(rt), route_one, &rc, "list routes", err);
}

struct link_cb {
	const char *prefix;
	void (*cb)(const char *name, void *ctx);
	void *ctx;
};

static void link_one(struct nlmsghdr *h, void *ctx)
{
	struct link_cb *lc = ctx;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME &&
		    !strncmp(RTA_DATA(a), lc->prefix, strlen(lc->prefix)))
			lc->cb(RTA_DATA(a), lc->ctx);
}

int rtnl_link_dump(struct rtnl *nl, const char *prefix,
		   void (*cb)(const char *name, void *ctx), void *ctx, struct tug_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct link_cb lc = { prefix, cb, ctx };

	return rtnl_dump(nl, RTM_GETLINK, &ifi, sizeof(ifi), link_one, &lc, "list links", err);
}

int net_sysctl_set(const char *key, const char *value, struct tug_err *err)
{
	char path[256];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/%s", key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, value, strlen(value)) < 0)
		return tug_err_sys(err, "sysctl net.%s=%s", key, value);
	return 0;
}

int net_port_free(int proto, uint32_t ip, unsigned port, struct tug_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	_cleanup_close_ int fd = socket(AF_INET,
					(proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) |
						SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return tug_err_sys(err, "probe port %u", port);
	/* A socket in TIME_WAIT does not make the port taken. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 1;
	if (errno == EADDRINUSE)
		return 0;
	return tug_err_sys(err, "probe port %u", port);
}
