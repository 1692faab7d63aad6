# core/client: the tug CLI as a client of tugd (run, ps, logs, exec, ...).
obj-$(CONFIG_CLI) += core/client/api.o core/client/util.o core/client/opts.o \
	core/client/stream.o core/client/run.o core/client/ctr.o core/client/ps.o \
	core/client/logs.o core/client/exec.o
# cp, port, diff; path stat parser fuzzed (tests/fuzz/fuzz_cp_stat.c).
obj-$(CONFIG_CLI) += core/client/cp.o core/client/pathstat.o core/client/port.o core/client/diff.o
# commit, export, system df, docker's update.
obj-$(CONFIG_CLI) += core/client/extras.o
tests-$(CONFIG_CLI) += test_client
fuzz-$(CONFIG_CLI) += fuzz_cp_stat
fuzz_cp_stat-objs := core/client/pathstat.o core/http/util.o platform/json.o platform/err.o \
	platform/fsutil.o
