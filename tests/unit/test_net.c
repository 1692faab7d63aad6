/* core/net: IPAM, overlaps, port specs, names, /etc files, record round trip. */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "core/net/etcfiles.h"
#include "core/net/ipam.h"
#include "core/net/store.h"
#include "platform/fsutil.h"
#include "test.h"

TEST(subnet_parse_and_format)
{
	struct tug_err err;
	struct subnet s;
	char buf[20];

	CHECK(subnet_parse("172.30.0.0/16", &s, &err) == 0);
	CHECK(s.net == 0xac1e0000 && s.prefix == 16);
	CHECK_STR(subnet_format(&s, buf), "172.30.0.0/16");
	CHECK(subnet_parse("172.30.0.1/16", &s, &err) < 0);	/* host bits */
	CHECK(strstr(err.msg, "host bits"));
	CHECK(subnet_parse("172.30.0.0", &s, &err) < 0);
	CHECK(subnet_parse("172.30.0.0/33", &s, &err) < 0);
	CHECK(subnet_parse("300.1.0.0/16", &s, &err) < 0);
}

TEST(ipv6_prefix_and_addresses)
{
	struct tug_err err;
	uint8_t p[8], a[16];
	char buf[50];

	CHECK(subnet6_parse("fd12:3456:789a::/64", p, &err) == 0);
	CHECK_STR(subnet6_format(p, buf), "fd12:3456:789a::/64");
	ip6_of(p, 0xac1e0002, a);	/* 172.30.0.2 in the low 32 bits */
	CHECK_STR(ip6_format(a, buf), "fd12:3456:789a::ac1e:2");
	ip6_of(p, 1, a);
	CHECK_STR(ip6_format(a, buf), "fd12:3456:789a::1");
	CHECK(subnet6_parse("fd12:3456:789a::/48", p, &err) < 0);
	CHECK(strstr(err.msg, "/64"));
	CHECK(subnet6_parse("fd12:3456:789a::1/64", p, &err) < 0);
	CHECK(strstr(err.msg, "host bits"));
	CHECK(subnet6_parse("172.30.0.0/64", p, &err) < 0);
	ula_prefix_for("0a1b2c3d4e5f", p);
	CHECK_STR(subnet6_format(p, buf), "fd0a:1b2c:3d4e::/64");
}

TEST(subnet_overlap_detection)
{
	struct tug_err err;
	struct subnet a, b, c, d;

	CHECK(subnet_parse("10.0.0.0/8", &a, &err) == 0);
	CHECK(subnet_parse("10.20.0.0/16", &b, &err) == 0);
	CHECK(subnet_parse("10.21.0.0/16", &c, &err) == 0);
	CHECK(subnet_parse("192.168.1.0/24", &d, &err) == 0);
	CHECK(subnet_overlaps(&a, &b) && subnet_overlaps(&b, &a));
	CHECK(!subnet_overlaps(&b, &c));
	CHECK(!subnet_overlaps(&a, &d));
	CHECK(subnet_overlaps(&d, &d));
}

TEST(ipam_picks_lowest_free_and_reports_full)
{
	struct tug_err err;
	struct subnet s;
	uint32_t used[3] = { 0x0a000001, 0x0a000002, 0x0a000004 }, ip, all[2];

	CHECK(subnet_parse("10.0.0.0/29", &s, &err) == 0);
	CHECK(ipam_pick(&s, used, 3, &ip, &err) == 0 && ip == 0x0a000003);
	/* /30: two host addresses, .1 and .2; .0 and .3 are never handed out */
	CHECK(subnet_parse("10.0.0.0/30", &s, &err) == 0);
	all[0] = 0x0a000001;
	all[1] = 0x0a000002;
	CHECK(ipam_pick(&s, all, 2, &ip, &err) < 0 && err.code == ENOSPC);
}

TEST(mac_from_address)
{
	uint8_t m[6];

	ipam_mac_for(0xac1e0002, m);
	CHECK(m[0] == 2 && m[1] == 0x42 && m[2] == 172 && m[3] == 30 && m[4] == 0 && m[5] == 2);
}

TEST(port_specs)
{
	struct tug_err err;
	struct net_port p;

	CHECK(net_port_parse("8080:80", &p, &err) == 0);
	CHECK(p.proto == IPPROTO_TCP && p.host_port == 8080 && p.ctr_port == 80 && !p.host_ip);
	CHECK(net_port_parse("127.0.0.1:53:5353/udp", &p, &err) == 0);
	CHECK(p.proto == IPPROTO_UDP && p.host_ip == 0x7f000001 && p.host_port == 53 &&
	      p.ctr_port == 5353);
	CHECK(net_port_parse("443", &p, &err) == 0 && p.host_port == 443 && p.ctr_port == 443);
	CHECK(net_port_parse("80:0", &p, &err) < 0);
	CHECK(net_port_parse("80:70000", &p, &err) < 0);
	CHECK(net_port_parse("80:80/sctp", &p, &err) < 0);
	CHECK(net_port_parse("1:2:3:4", &p, &err) < 0);
	CHECK(net_port_parse("x.y:80:80", &p, &err) < 0);
}

TEST(network_names)
{
	struct tug_err err;

	CHECK(net_name_validate("app-net_1.x", &err) == 0);
	CHECK(net_name_validate("a/b", &err) < 0);
	CHECK(net_name_validate("-x", &err) < 0);
	CHECK(net_name_validate("x", &err) < 0);
}

TEST(hosts_lists_self_and_peers)
{
	struct hosts_entry peers[] = { { 0x0a000003, "db" }, { 0x0a000004, "cache redis" } };
	uint32_t self = 0x0a000002;
	struct tug_err err;
	char *out = NULL;

	CHECK(etc_hosts_render("web", &self, 1, peers, 2, &out, &err) == 0);
	CHECK(strstr(out, "127.0.0.1\tlocalhost\n"));
	CHECK(strstr(out, "10.0.0.2\tweb\n"));
	CHECK(strstr(out, "10.0.0.3\tdb\n"));
	CHECK(strstr(out, "10.0.0.4\tcache redis\n"));
	free(out);
}

TEST(resolv_drops_loopback_servers)
{
	const char *host = "# comment\nnameserver 127.0.0.53\nnameserver 192.168.1.1\n"
			   "search lan\noptions ndots:2\n";
	const char *dns[] = { "9.9.9.9" };
	struct tug_err err;
	char *out = NULL;

	CHECK(etc_resolv_render(host, NULL, 0, &out, &err) == 0);
	CHECK(!strstr(out, "127.0.0.53") && strstr(out, "nameserver 192.168.1.1\n"));
	CHECK(strstr(out, "search lan\n") && strstr(out, "options ndots:2\n"));
	free(out);
	CHECK(etc_resolv_render("nameserver 127.0.0.1\n", NULL, 0, &out, &err) == 0);
	CHECK_STR(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	free(out);
	CHECK(etc_resolv_render(host, dns, 1, &out, &err) == 0);
	CHECK(strstr(out, "nameserver 9.9.9.9\n") && !strstr(out, "192.168.1.1"));
	free(out);
}

TEST(leases_persist_across_reopen)
{
	char dir[] = "/tmp/tug-test-net-XXXXXX";
	struct net_store s;
	struct network *n;
	struct net_endpoint ep = { .container = "c1", .name = "web", .n_ports = 1 };
	struct tug_err err;
	uint32_t ip;

	CHECK(mkdtemp(dir));
	CHECK(net_store_open(&s, dir, &err) == 0);
	CHECK(net_find(&s, "none") && net_find(&s, "host") && net_find(&s, "bridge"));
	CHECK(net_create(&s, "app", "10.7.0.0/24", NULL, false, NULL, 0, &n, &err) == 0);
	CHECK(net_lease(n, NULL, &ip, &err) == 0 && ip == 0x0a070002);	/* .1 = gateway */
	ep.ip = ip;
	ep.ports[0] = (struct net_port){ IPPROTO_UDP, 0, 5353, 53 };
	CHECK(net_endpoint_add(n, &ep, &err) == 0 && net_save(&s, n, &err) == 0);
	CHECK(net_lease(n, "10.7.0.2", &ip, &err) < 0 && err.code == EADDRINUSE);
	CHECK(net_lease(n, "10.8.0.2", &ip, &err) < 0);
	/* overlapping a network or a host route is refused, nothing written */
	CHECK(net_create(&s, "app2", "10.7.0.0/16", NULL, false, NULL, 0, &n, &err) < 0);
	struct subnet route = { 0xc0a80000, 16 };
	CHECK(net_create(&s, "lan", "192.168.5.0/24", NULL, false, &route, 1, &n, &err) < 0);
	CHECK(strstr(err.msg, "route 192.168.0.0/16"));
	net_store_close(&s);

	CHECK(net_store_open(&s, dir, &err) == 0);
	CHECK(s.n == 4);
	n = net_find(&s, "app");
	CHECK(n && n->n_eps == 1 && n->eps[0].ip == 0x0a070002);
	CHECK(n->eps[0].n_ports == 1 && n->eps[0].ports[0].proto == IPPROTO_UDP &&
	      n->eps[0].ports[0].host_port == 5353);
	CHECK(net_remove(&s, n, &err) < 0 && err.code == EBUSY);
	net_endpoint_remove(n, "c1");	/* release */
	CHECK(net_save(&s, n, &err) == 0);
	CHECK(net_lease(n, NULL, &ip, &err) == 0 && ip == 0x0a070002);
	CHECK(net_remove(&s, n, &err) == 0);
	CHECK(net_remove(&s, net_find(&s, "bridge"), &err) < 0);
	net_store_close(&s);
	CHECK(net_store_open(&s, dir, &err) == 0 && s.n == 3 && !net_find(&s, "app"));
	net_store_close(&s);
	remove_tree(AT_FDCWD, dir, &err);
}

int main(void)
{
	RUN(subnet_parse_and_format);
	RUN(ipv6_prefix_and_addresses);
	RUN(subnet_overlap_detection);
	RUN(ipam_picks_lowest_free_and_reports_full);
	RUN(mac_from_address);
	RUN(port_specs);
	RUN(network_names);
	RUN(hosts_lists_self_and_peers);
	RUN(resolv_drops_loopback_servers);
	RUN(leases_persist_across_reopen);
	return test_done();
}
