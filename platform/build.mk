# platform/: the kernel and the libraries behind small interfaces.
obj-y += platform/err.o
obj-y += platform/fsutil.o
obj-y += platform/json.o
obj-y += platform/libversions.o
obj-y += platform/boottrace.o
obj-y += platform/pidfd.o
obj-y += platform/random.o

tests-y += test_err
tests-y += test_fsutil
tests-y += test_json
tests-y += test_pidfd
tests-y += test_random

# Isolation: capabilities, seccomp, cgroup v2.
obj-$(CONFIG_OCI_RUNTIME) += platform/caps.o
obj-$(CONFIG_SECCOMP) += platform/seccomp.o
obj-y += platform/cgroup.o
tests-$(CONFIG_OCI_RUNTIME) += test_caps
tests-$(CONFIG_OCI_RUNTIME) += test_seccomp

fuzz-y += fuzz_json
fuzz_json-objs := platform/json.o platform/err.o platform/fsutil.o
obj-y += platform/cgroup_resources.o
obj-y += platform/cgroup_devices.o
tests-y += test_cgroup
# The CLI's terminal (raw mode, window size).
obj-$(CONFIG_CLI) += platform/term.o
