/* nf_tables messages for tug's NAT table, built by hand and sent as one batch. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "platform/cleanup.h"
#include "platform/nft.h"

#define NFT_TYPE(msg) ((NFNL_SUBSYS_NFTABLES << 8) | (msg))

static void nft_msg(struct nlbuf *b, uint16_t msg, uint16_t flags, uint32_t seq,
		    uint8_t family, uint16_t res_id)
{
	struct nfgenmsg g = { .nfgen_family = family, .version = NFNETLINK_V0,
			      .res_id = htons(res_id) };

	nlbuf_msg_start(b, msg, NLM_F_REQUEST | flags, seq);
	nlbuf_put(b, &g, sizeof(g));
}

static void table_msg(struct nlbuf *b, uint16_t msg, uint16_t flags, uint32_t seq)
{
	nft_msg(b, NFT_TYPE(msg), NLM_F_ACK | flags, seq, NFPROTO_IPV4, 0);
	nlbuf_attr_str(b, NFTA_TABLE_NAME, NFT_TUG_TABLE);
	nlbuf_msg_end(b);
}

static void chain_msg(struct nlbuf *b, uint32_t seq, const char *name, uint32_t hook,
		      int32_t prio)
{
	size_t h;

	nft_msg(b, NFT_TYPE(NFT_MSG_NEWCHAIN), NLM_F_ACK | NLM_F_CREATE, seq, NFPROTO_IPV4, 0);
	nlbuf_attr_str(b, NFTA_CHAIN_TABLE, NFT_TUG_TABLE);
	nlbuf_attr_str(b, NFTA_CHAIN_NAME, name);
	h = nlbuf_nest_start(b, NFTA_CHAIN_HOOK);
	nlbuf_attr_be32(b, NFTA_HOOK_HOOKNUM, hook);
	nlbuf_attr_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nlbuf_nest_end(b, h);
	nlbuf_attr_str(b, NFTA_CHAIN_TYPE, "nat");
	nlbuf_msg_end(b);
}

/* One expression: NFTA_LIST_ELEM { NAME, DATA { ... } }; returns the DATA nest. */
static size_t expr_start(struct nlbuf *b, const char *name, size_t *elem)
{
	*elem = nlbuf_nest_start(b, NFTA_LIST_ELEM);
	nlbuf_attr_str(b, NFTA_EXPR_NAME, name);
	return nlbuf_nest_start(b, NFTA_EXPR_DATA);
}

static void expr_end(struct nlbuf *b, size_t data, size_t elem)
{
	nlbuf_nest_end(b, data);
	nlbuf_nest_end(b, elem);
}

static void data_value(struct nlbuf *b, uint16_t type, const void *v, size_t len)
{
	size_t d = nlbuf_nest_start(b, type);

	nlbuf_attr(b, NFTA_DATA_VALUE, v, len);
	nlbuf_nest_end(b, d);
}

static void expr_payload(struct nlbuf *b, uint32_t base, uint32_t off, uint32_t len)
{
	size_t e, d = expr_start(b, "payload", &e);

	nlbuf_attr_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_PAYLOAD_BASE, base);
	nlbuf_attr_be32(b, NFTA_PAYLOAD_OFFSET, off);
	nlbuf_attr_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, d, e);
}

static void expr_cmp(struct nlbuf *b, uint32_t op, const void *v, size_t len)
{
	size_t e, d = expr_start(b, "cmp", &e);

	nlbuf_attr_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_CMP_OP, op);
	data_value(b, NFTA_CMP_DATA, v, len);
	expr_end(b, d, e);
}

static void expr_bitwise_mask(struct nlbuf *b, uint32_t mask_be)
{
	size_t e, d = expr_start(b, "bitwise", &e);
	uint32_t zero = 0;

	nlbuf_attr_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_BITWISE_LEN, 4);
	data_value(b, NFTA_BITWISE_MASK, &mask_be, 4);
	data_value(b, NFTA_BITWISE_XOR, &zero, 4);
	expr_end(b, d, e);
}

static void expr_meta(struct nlbuf *b, uint32_t key)
{
	size_t e, d = expr_start(b, "meta", &e);

	nlbuf_attr_be32(b, NFTA_META_DREG, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_META_KEY, key);
	expr_end(b, d, e);
}

static void expr_immediate(struct nlbuf *b, uint32_t reg, const void *v, size_t len)
{
	size_t e, d = expr_start(b, "immediate", &e);

	nlbuf_attr_be32(b, NFTA_IMMEDIATE_DREG, reg);
	data_value(b, NFTA_IMMEDIATE_DATA, v, len);
	expr_end(b, d, e);
}

static void rule_start(struct nlbuf *b, uint32_t seq, const char *chain, size_t *exprs)
{
	nft_msg(b, NFT_TYPE(NFT_MSG_NEWRULE), NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, seq,
		NFPROTO_IPV4, 0);
	nlbuf_attr_str(b, NFTA_RULE_TABLE, NFT_TUG_TABLE);
	nlbuf_attr_str(b, NFTA_RULE_CHAIN, chain);
	*exprs = nlbuf_nest_start(b, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct nlbuf *b, size_t exprs)
{
	nlbuf_nest_end(b, exprs);
	nlbuf_msg_end(b);
}

/* ip saddr NET/PREFIX oifname ==|!= BRIDGE masquerade */
static void masq_rule(struct nlbuf *b, uint32_t seq, uint32_t net, unsigned prefix,
		      const char *bridge, uint32_t oif_op)
{
	uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	uint32_t net_be = htonl(net) & mask;
	char ifname[16] = { 0 };
	size_t x, e, d;

	strncpy(ifname, bridge, sizeof(ifname) - 1);
	rule_start(b, seq, "postrouting", &x);
	expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	expr_bitwise_mask(b, mask);
	expr_cmp(b, NFT_CMP_EQ, &net_be, 4);
	expr_meta(b, NFT_META_OIFNAME);
	expr_cmp(b, oif_op, ifname, sizeof(ifname));
	d = expr_start(b, "masq", &e);
	expr_end(b, d, e);
	rule_end(b, x);
}

static void dnat_rule(struct nlbuf *b, uint32_t seq, const char *chain, const struct nft_dnat *r)
{
	uint32_t host_be = htonl(r->host_ip), ctr_be = htonl(r->ctr_ip);
	uint16_t hport = htons(r->host_port), cport = htons(r->ctr_port);
	uint32_t local = RTN_LOCAL;
	uint8_t proto = r->proto;
	size_t x, e, d;

	rule_start(b, seq, chain, &x);
	if (r->host_ip) {
		expr_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		expr_cmp(b, NFT_CMP_EQ, &host_be, 4);
	} else {
		d = expr_start(b, "fib", &e);
		nlbuf_attr_be32(b, NFTA_FIB_DREG, NFT_REG_1);
		nlbuf_attr_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nlbuf_attr_be32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
		expr_end(b, d, e);
		expr_cmp(b, NFT_CMP_EQ, &local, 4);
	}
	expr_meta(b, NFT_META_L4PROTO);
	expr_cmp(b, NFT_CMP_EQ, &proto, 1);
	expr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	expr_cmp(b, NFT_CMP_EQ, &hport, 2);
	expr_immediate(b, NFT_REG_1, &ctr_be, 4);
	expr_immediate(b, NFT_REG_2, &cport, 2);
	d = expr_start(b, "nat", &e);
	nlbuf_attr_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nlbuf_attr_be32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	nlbuf_attr_be32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	nlbuf_attr_be32(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	expr_end(b, d, e);
	rule_end(b, x);
}

void nft_build_ruleset(struct nlbuf *b, uint32_t seq, const struct nft_ruleset *rs,
		       unsigned *n_acks)
{
	unsigned n = 0;

	memset(b, 0, offsetof(struct nlbuf, data));
	nft_msg(b, NFNL_MSG_BATCH_BEGIN, 0, seq++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nlbuf_msg_end(b);
	/* "add" first so that "delete" never fails on a fresh system. */
	table_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq++), n++;
	table_msg(b, NFT_MSG_DELTABLE, 0, seq++), n++;
	if (rs->n_masq || rs->n_dnat) {
		table_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq++), n++;
		chain_msg(b, seq++, "prerouting", NF_INET_PRE_ROUTING, -100), n++;
		chain_msg(b, seq++, "output", NF_INET_LOCAL_OUT, -100), n++;
		chain_msg(b, seq++, "postrouting", NF_INET_POST_ROUTING, 100), n++;
	}
	for (size_t i = 0; i < rs->n_masq; i++) {
		const struct nft_masq *m = &rs->masq[i];

		masq_rule(b, seq++, m->subnet, m->prefix, m->bridge, NFT_CMP_NEQ), n++;
		masq_rule(b, seq++, 0x7f000000, 8, m->bridge, NFT_CMP_EQ), n++;
	}
	for (size_t i = 0; i < rs->n_dnat; i++) {
		dnat_rule(b, seq++, "prerouting", &rs->dnat[i]), n++;
		dnat_rule(b, seq++, "output", &rs->dnat[i]), n++;
	}
	nft_msg(b, NFNL_MSG_BATCH_END, 0, seq++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nlbuf_msg_end(b);
	*n_acks = n;
}

int nft_apply(const struct nft_ruleset *rs, struct tug_err *err)
{
	_cleanup_free_ struct nlbuf *b = malloc(sizeof(*b));
	_cleanup_close_ int fd = -1;
	struct timeval tv = { .tv_sec = 5 };
	unsigned n_acks;

	if (!b)
		return tug_err_set(err, ENOMEM, "nftables");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return tug_err_sys(err, "nftables: netlink socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* The whole batch goes in one datagram: make room for it. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ NLBUF_SIZE }, sizeof(int));
	nft_build_ruleset(b, (uint32_t)time(NULL), rs, &n_acks);
	return nl_send_and_ack(fd, b, n_acks, "nftables: update table ip " NFT_TUG_TABLE, err);
}
