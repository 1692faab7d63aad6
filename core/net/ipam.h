/*
 * IPv4 subnets and address allocation, pure logic (no system calls): parse
 * and print CIDRs, detect overlaps, pick the lowest free host address of a
 * subnet. The leases themselves live in the network records (store.h).
 */
#ifndef TUG_NET_IPAM_H
#define TUG_NET_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/err.h"

struct subnet {
	uint32_t net;		/* host order, host bits zero */
	unsigned prefix;
};

/* "a.b.c.d" -> host order. */
int ip4_parse(const char *s, uint32_t *out, struct tug_err *err);
/* buf of at least 16 bytes. */
const char *ip4_format(uint32_t ip, char *buf);
/* "a.b.c.d/n"; host bits set is an error (Docker says the same). */
int subnet_parse(const char *s, struct subnet *out, struct tug_err *err);
/* buf of at least 20 bytes. */
const char *subnet_format(const struct subnet *s, char *buf);
bool subnet_contains(const struct subnet *s, uint32_t ip);
bool subnet_overlaps(const struct subnet *a, const struct subnet *b);
uint32_t subnet_mask(unsigned prefix);

/*
 * Lowest address of s that is neither the network, the broadcast, nor in
 * used[]. -1 with ENOSPC when the subnet is full.
 */
int ipam_pick(const struct subnet *s, const uint32_t *used, size_t n_used, uint32_t *out,
	      struct tug_err *err);
/* Docker's MAC for an address: 02:42 then the four address bytes. */
void ipam_mac_for(uint32_t ip, uint8_t mac[6]);

/*
 * IPv6 (CONFIG_IPV6): every network gets one /64. A container's address is
 * the prefix plus its IPv4 address in the low 32 bits, so the IPv4 lease
 * is the only allocation (unique per network, nothing more to persist);
 * the gateway is prefix::1.
 */
/* "xxxx:...::/64" -> the 8 prefix bytes; other lengths are refused. */
int subnet6_parse(const char *s, uint8_t prefix[8], struct tug_err *err);
/* buf of at least 50 bytes: "fd12:3456:789a::/64" */
const char *subnet6_format(const uint8_t prefix[8], char *buf);
void ip6_of(const uint8_t prefix[8], uint32_t host, uint8_t out[16]);
/* buf of at least 46 bytes. */
const char *ip6_format(const uint8_t a[16], char *buf);
/* A unique local /64 (fd00::/8, RFC 4193) with the 40-bit global ID from hex id. */
void ula_prefix_for(const char *hex_id, uint8_t prefix[8]);

#endif
