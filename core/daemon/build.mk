# core/daemon: tugd, its keeper, supervision, logs.
obj-y += core/daemon/state.o core/daemon/restart.o core/daemon/logfile.o core/daemon/health.o
obj-$(CONFIG_DAEMON) += core/daemon/main.o core/daemon/loop.o core/daemon/container.o \
	core/daemon/lifecycle.o core/daemon/keeper.o core/daemon/keeper_client.o \
	core/daemon/bundle.o core/daemon/events.o core/daemon/exec.o \
	core/daemon/health_probe.o core/daemon/hostspec.o core/daemon/security.o
tests-y += test_daemon_state test_logfile test_health
# HostConfig limits -> linux.resources (start and docker update).
obj-y += core/daemon/resources.o
tests-y += test_resources
# Networks and volumes of containers (issue 7).
obj-$(CONFIG_DAEMON) += core/daemon/volumes.o core/daemon/netmode.o
obj-$(CONFIG_NET_BRIDGE) += core/daemon/network.o
# HostConfig -> OCI spec beyond resources (Ulimits, Devices, namespaces...); its pure checks.
obj-y += core/daemon/hostconfig_check.o
tests-y += test_hostconfig_check
fuzz-y += fuzz_hostconfig_check
fuzz_hostconfig_check-objs := core/daemon/hostconfig_check.o platform/err.o
