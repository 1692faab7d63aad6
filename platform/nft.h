/*
 * Outbound NAT and port publishing through nf_tables, spoken over
 * NETLINK_NETFILTER by hand (no libnftnl, no nft binary on the device).
 *
 * tug owns one table, `ip tug`, and nothing else: every change rebuilds
 * that table in one nf_tables transaction (add table; delete table; add
 * table, chains and every rule; commit). The kernel applies the batch
 * whole or not at all, so a crash or an error never leaves half a rule
 * set, and the start-up sweep is the same call with the persisted state.
 *
 *   postrouting (nat, prio 100):
 *     ip saddr SUBNET oifname != BRIDGE masquerade      (outbound NAT)
 *     ip saddr 127.0.0.0/8 oifname BRIDGE masquerade     (published ports
 *                                                         reached from lo)
 *   prerouting (nat, -100) and output (nat, -100):
 *     fib daddr type local | ip daddr HOSTIP
 *       meta l4proto tcp|udp th dport HOSTPORT dnat to CTRIP:CTRPORT
 */
#ifndef TUG_NFT_H
#define TUG_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "platform/err.h"
#include "platform/netlink.h"

#define NFT_TUG_TABLE "tug"

struct nft_masq {
	uint32_t subnet;	/* host order */
	unsigned prefix;
	char bridge[16];
};

struct nft_dnat {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;	/* host order, 0 = any local address */
	unsigned host_port;
	uint32_t ctr_ip;	/* host order */
	unsigned ctr_port;
};

struct nft_ruleset {
	const struct nft_masq *masq;
	size_t n_masq;
	const struct nft_dnat *dnat;
	size_t n_dnat;
};

/*
 * The whole transaction into b (exposed for the layout tests); *n_acks
 * gets how many messages ask for an ack. Empty rule set = delete the table.
 */
void nft_build_ruleset(struct nlbuf *b, uint32_t seq, const struct nft_ruleset *rs,
		       unsigned *n_acks);
/* Build and commit in our network namespace. */
int nft_apply(const struct nft_ruleset *rs, struct tug_err *err);

#endif
