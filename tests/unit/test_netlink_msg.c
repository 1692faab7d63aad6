/* Byte layout of the rtnetlink and nf_tables messages tug builds. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "platform/netlink.h"
#include "platform/nft.h"
#include "test.h"

static struct nlbuf b;

/* The attribute of type in [p, p+len), or NULL. */
static struct nlattr *attr_find(void *p, size_t len, uint16_t type)
{
	for (size_t off = 0; off + NLA_HDRLEN <= len;) {
		struct nlattr *a = (struct nlattr *)((char *)p + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

#define ADATA(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define ALEN(a) ((size_t)(a)->nla_len - NLA_HDRLEN)

TEST(veth_pair_layout)
{
	struct nlmsghdr *h = (struct nlmsghdr *)b.data;
	struct nlattr *name, *li, *kind, *data, *peer, *pname;
	size_t hl = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg));

	rtnl_build_veth(&b, 7, "tv1", "tp1", 1400);
	CHECK(!b.overflow && h->nlmsg_len == b.len && b.len % 4 == 0);
	CHECK(h->nlmsg_type == RTM_NEWLINK && h->nlmsg_seq == 7);
	CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
	name = attr_find(b.data + hl, b.len - hl, IFLA_IFNAME);
	CHECK(name && name->nla_len == NLA_HDRLEN + 4 && !strcmp(ADATA(name), "tv1"));
	li = attr_find(b.data + hl, b.len - hl, IFLA_LINKINFO);
	CHECK(li && (li->nla_type & NLA_F_NESTED));
	kind = attr_find(ADATA(li), ALEN(li), IFLA_INFO_KIND);
	CHECK(kind && !strcmp(ADATA(kind), "veth"));
	data = attr_find(ADATA(li), ALEN(li), IFLA_INFO_DATA);
	CHECK(data);
	peer = attr_find(ADATA(data), ALEN(data), VETH_INFO_PEER);
	CHECK(peer);
	/* the peer: an ifinfomsg, then its own IFLA_IFNAME */
	pname = attr_find((char *)ADATA(peer) + sizeof(struct ifinfomsg),
			  ALEN(peer) - sizeof(struct ifinfomsg), IFLA_IFNAME);
	CHECK(pname && !strcmp(ADATA(pname), "tp1"));
}

TEST(address_layout)
{
	struct nlmsghdr *h = (struct nlmsghdr *)b.data;
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	uint8_t ip[4] = { 172, 30, 0, 2 };
	size_t hl = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ifa));
	struct nlattr *local;

	rtnl_build_addr(&b, 1, AF_INET, 5, ip, 16);
	CHECK(h->nlmsg_type == RTM_NEWADDR && h->nlmsg_len == b.len);
	CHECK(ifa->ifa_family == AF_INET && ifa->ifa_prefixlen == 16 && ifa->ifa_index == 5);
	local = attr_find(b.data + hl, b.len - hl, IFA_LOCAL);
	CHECK(local && ALEN(local) == 4 && !memcmp(ADATA(local), ip, 4));
	CHECK(attr_find(b.data + hl, b.len - hl, IFA_ADDRESS));
}

TEST(default_route_layout)
{
	struct nlmsghdr *h = (struct nlmsghdr *)b.data;
	struct rtmsg *rt = NLMSG_DATA(h);
	uint8_t gw[4] = { 10, 0, 0, 1 };
	size_t hl = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*rt));
	struct nlattr *g, *oif;

	rtnl_build_route(&b, 1, AF_INET, NULL, 0, gw, 3);
	CHECK(h->nlmsg_type == RTM_NEWROUTE && rt->rtm_dst_len == 0);
	CHECK(rt->rtm_table == RT_TABLE_MAIN && rt->rtm_scope == RT_SCOPE_UNIVERSE &&
	      rt->rtm_type == RTN_UNICAST);
	CHECK(!attr_find(b.data + hl, b.len - hl, RTA_DST));
	g = attr_find(b.data + hl, b.len - hl, RTA_GATEWAY);
	CHECK(g && !memcmp(ADATA(g), gw, 4));
	oif = attr_find(b.data + hl, b.len - hl, RTA_OIF);
	CHECK(oif && *(uint32_t *)ADATA(oif) == 3);
}

TEST(overflow_is_caught)
{
	static char big[NLBUF_SIZE];

	memset(big, 'x', sizeof(big) - 1);
	rtnl_build_bridge(&b, 1, big, 0);
	CHECK(b.overflow);
	CHECK(nl_send_and_ack(-1, &b, 1, "test", &(struct tug_err){ 0 }) < 0);
}

/* The n-th message of the batch. */
static struct nlmsghdr *msg_at(unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n && off < b.len; i++)
		off += NLMSG_ALIGN(((struct nlmsghdr *)(b.data + off))->nlmsg_len);
	return off < b.len ? (struct nlmsghdr *)(b.data + off) : NULL;
}

/* Names of the expressions of a rule message, joined by ','. */
static void rule_exprs(struct nlmsghdr *h, char *out, size_t size)
{
	size_t hl = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	struct nlattr *list = attr_find((char *)h + hl, h->nlmsg_len - hl, NFTA_RULE_EXPRESSIONS);

	out[0] = '\0';
	for (size_t off = 0; list && off < ALEN(list);) {
		struct nlattr *el = (struct nlattr *)((char *)ADATA(list) + off);
		struct nlattr *name = attr_find(ADATA(el), ALEN(el), NFTA_EXPR_NAME);

		snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "," : "",
			 name ? (char *)ADATA(name) : "?");
		off += NLA_ALIGN(el->nla_len);
	}
}

TEST(nft_batch_layout)
{
	struct nft_masq m = { 0xac1e0000, 16, "tug0" };
	struct nft_dnat d = { IPPROTO_TCP, 0, 8080, 0xac1e0002, 80 };
	struct nft_ruleset rs = { &m, 1, &d, 1 };
	struct nlmsghdr *h;
	struct nfgenmsg *g;
	unsigned acks;
	char exprs[256];

	nft_build_ruleset(&b, 100, &rs, &acks);
	CHECK(!b.overflow && acks == 10);
	h = msg_at(0);
	g = NLMSG_DATA(h);
	CHECK(h->nlmsg_type == NFNL_MSG_BATCH_BEGIN && g->res_id == htons(NFNL_SUBSYS_NFTABLES));
	h = msg_at(1);
	g = NLMSG_DATA(h);
	CHECK(h->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE));
	CHECK(g->nfgen_family == NFPROTO_IPV4 && (h->nlmsg_flags & NLM_F_ACK));
	CHECK(msg_at(2)->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE));
	CHECK(msg_at(4)->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN));
	rule_exprs(msg_at(7), exprs, sizeof(exprs));
	CHECK_STR(exprs, "payload,bitwise,cmp,meta,cmp,masq");
	rule_exprs(msg_at(9), exprs, sizeof(exprs));
	CHECK_STR(exprs, "fib,cmp,meta,cmp,payload,cmp,immediate,immediate,nat");
	CHECK(msg_at(11)->nlmsg_type == NFNL_MSG_BATCH_END && !msg_at(12));
	/* sequence numbers rise through the batch */
	CHECK(msg_at(0)->nlmsg_seq == 100 && msg_at(11)->nlmsg_seq == 111);
}

TEST(nft_empty_ruleset_deletes_table)
{
	struct nft_ruleset rs = { 0 };
	unsigned acks;

	nft_build_ruleset(&b, 1, &rs, &acks);
	CHECK(acks == 2);
	CHECK(msg_at(2)->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE));
	CHECK(msg_at(3)->nlmsg_type == NFNL_MSG_BATCH_END);
}

TEST(nft_dnat_to_host_ip_matches_daddr)
{
	struct nft_dnat d = { IPPROTO_UDP, 0x7f000001, 53, 0x0a000002, 5353 };
	struct nft_ruleset rs = { NULL, 0, &d, 1 };
	unsigned acks;
	char exprs[256];

	nft_build_ruleset(&b, 1, &rs, &acks);
	rule_exprs(msg_at(7), exprs, sizeof(exprs));
	CHECK_STR(exprs, "payload,cmp,meta,cmp,payload,cmp,immediate,immediate,nat");
}

int main(void)
{
	RUN(veth_pair_layout);
	RUN(address_layout);
	RUN(default_route_layout);
	RUN(overflow_is_caught);
	RUN(nft_batch_layout);
	RUN(nft_empty_ruleset_deletes_table);
	RUN(nft_dnat_to_host_ip_matches_daddr);
	return test_done();
}
