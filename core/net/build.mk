# core/net: networks (none, host, bridges), IPAM, NAT and published ports,
# per-container /etc files; platform/netlink and platform/nft under them.
obj-$(CONFIG_NET_BRIDGE) += platform/netlink.o
obj-$(CONFIG_NET_BRIDGE) += platform/nft.o
obj-$(CONFIG_NET_BRIDGE) += platform/netns.o
obj-$(CONFIG_NET_BRIDGE) += core/net/ipam.o
obj-$(CONFIG_NET_BRIDGE) += core/net/etcfiles.o
obj-$(CONFIG_NET_BRIDGE) += core/net/store.o
obj-$(CONFIG_NET_BRIDGE) += core/net/attach.o
obj-$(CONFIG_NET_BRIDGE) += core/net/cmd.o
tests-$(CONFIG_NET_BRIDGE) += test_net
tests-$(CONFIG_NET_BRIDGE) += test_netlink_msg
fuzz-$(CONFIG_NET_BRIDGE) += fuzz_net
fuzz_net-objs := core/net/store.o core/net/ipam.o core/net/etcfiles.o core/volume/mounts.o \
	core/volume/volume.o core/paths.o core/names.o platform/json.o platform/err.o platform/fsutil.o \
	platform/random.o
