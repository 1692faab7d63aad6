/* IPv4 CIDR arithmetic and lowest-free-address allocation. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net/ipam.h"

int ip4_parse(const char *s, uint32_t *out, struct tug_err *err)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return tug_err_set(err, EINVAL, "invalid IPv4 address '%s'", s ? s : "");
	*out = ntohl(a.s_addr);
	return 0;
}

const char *ip4_format(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

uint32_t subnet_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

int subnet_parse(const char *s, struct subnet *out, struct tug_err *err)
{
	char addr[32];
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	long p;
	uint32_t ip;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return tug_err_set(err, EINVAL, "invalid subnet '%s': expected a.b.c.d/n",
				   s ? s : "");
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || p < 8 || p > 30)
		return tug_err_set(err, EINVAL,
				   "invalid subnet '%s': prefix length must be 8 to 30", s);
	if (ip4_parse(addr, &ip, err) < 0)
		return tug_err_wrap(err, "invalid subnet '%s'", s);
	if (ip & ~subnet_mask(p))
		return tug_err_set(err, EINVAL,
				   "invalid subnet '%s': host bits are set (network address?)", s);
	out->net = ip;
	out->prefix = p;
	return 0;
}

const char *subnet_format(const struct subnet *s, char *buf)
{
	char ip[16];

	snprintf(buf, 20, "%s/%u", ip4_format(s->net, ip), s->prefix);
	return buf;
}

bool subnet_contains(const struct subnet *s, uint32_t ip)
{
	return (ip & subnet_mask(s->prefix)) == s->net;
}

bool subnet_overlaps(const struct subnet *a, const struct subnet *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

	return ((a->net ^ b->net) & subnet_mask(p)) == 0;
}

static bool in_list(uint32_t ip, const uint32_t *used, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (used[i] == ip)
			return true;
	return false;
}

int ipam_pick(const struct subnet *s, const uint32_t *used, size_t n_used, uint32_t *out,
	      struct tug_err *err)
{
	uint32_t last = s->net | ~subnet_mask(s->prefix);
	char buf[20];

	for (uint32_t ip = s->net + 1; ip < last; ip++)
		if (!in_list(ip, used, n_used)) {
			*out = ip;
			return 0;
		}
	return tug_err_set(err, ENOSPC, "no free address left in %s", subnet_format(s, buf));
}

void ipam_mac_for(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = ip >> 24;
	mac[3] = ip >> 16;
	mac[4] = ip >> 8;
	mac[5] = ip;
}

int subnet6_parse(const char *s, uint8_t prefix[8], struct tug_err *err)
{
	char buf[64], *slash;
	uint8_t a[16];

	if (!s || strlen(s) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "invalid IPv6 subnet '%s'", s ? s : "");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || strcmp(slash + 1, "64"))
		return tug_err_set(err, EINVAL, "invalid IPv6 subnet '%s': tug uses /64 subnets", s);
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return tug_err_set(err, EINVAL, "invalid IPv6 subnet '%s'", s);
	for (int i = 8; i < 16; i++)
		if (a[i])
			return tug_err_set(err, EINVAL, "invalid IPv6 subnet '%s': host bits set", s);
	memcpy(prefix, a, 8);
	return 0;
}

const char *ip6_format(const uint8_t a[16], char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, 46))
		buf[0] = '\0';
	return buf;
}

const char *subnet6_format(const uint8_t prefix[8], char *buf)
{
	uint8_t a[16] = { 0 };

	memcpy(a, prefix, 8);
	ip6_format(a, buf);
	strcat(buf, "/64");
	return buf;
}

void ip6_of(const uint8_t prefix[8], uint32_t host, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, prefix, 8);
	out[12] = (uint8_t)(host >> 24);
	out[13] = (uint8_t)(host >> 16);
	out[14] = (uint8_t)(host >> 8);
	out[15] = (uint8_t)host;
}

void ula_prefix_for(const char *hex_id, uint8_t prefix[8])
{
	memset(prefix, 0, 8);
	prefix[0] = 0xfd;
	for (int i = 0; i < 5 && hex_id[2 * i] && hex_id[2 * i + 1]; i++) {
		char byte[3] = { hex_id[2 * i], hex_id[2 * i + 1], 0 };

		prefix[1 + i] = (uint8_t)strtoul(byte, NULL, 16);
	}
}
