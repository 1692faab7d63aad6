# core/api: the Docker Engine API subset served by tugd.
obj-$(CONFIG_DAEMON) += core/api/router.o core/api/conn.o core/api/system.o \
	core/api/containers.o core/api/streams.o core/api/exec.o core/api/images.o \
	core/api/registry.o
obj-$(CONFIG_DAEMON) += core/api/volumes.o core/api/networks.o
# docker cp (archive API), docker diff, and their container-root lookups.
obj-$(CONFIG_DAEMON) += core/api/archive.o core/api/changes.o platform/ctrfs.o
# docker stats: two samples a second apart; CPU time from cgroup or /proc.
obj-$(CONFIG_DAEMON) += core/api/stats.o platform/procstat.o
# docker update, export, commit, system df (and the empty build cache's prune).
obj-$(CONFIG_DAEMON) += core/api/ctr_update.o core/api/export.o core/api/system_df.o \
	core/api/commit.o
tests-$(CONFIG_DAEMON) += test_api_router test_procstat
