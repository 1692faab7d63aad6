# core/oci: the OCI runtime (spec -> isolated process) and `tug oci`.
# Its platform pieces (namespaces, rootfs, process, pty) are listed here too.
obj-$(CONFIG_OCI_RUNTIME) += core/oci/spec.o
obj-$(CONFIG_OCI_RUNTIME) += platform/ns.o
obj-$(CONFIG_OCI_RUNTIME) += platform/mount.o
tests-$(CONFIG_OCI_RUNTIME) += test_oci_spec
obj-$(CONFIG_OCI_RUNTIME) += core/oci/state.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/hooks.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/sync.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/init.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/create.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/exec.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/runtime.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/defaults.o
obj-$(CONFIG_OCI_RUNTIME) += core/oci/cli.o
obj-$(CONFIG_OCI_RUNTIME) += platform/process.o
obj-$(CONFIG_OCI_RUNTIME) += platform/pty.o
tests-$(CONFIG_OCI_RUNTIME) += test_oci_runtime
fuzz-$(CONFIG_OCI_RUNTIME) += fuzz_oci_spec
fuzz_oci_spec-objs := core/oci/spec.o platform/json.o platform/err.o platform/fsutil.o
