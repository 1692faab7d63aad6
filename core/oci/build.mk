# core/oci: the OCI runtime (spec -> isolated process) and `tug oci`.
# Its platform pieces (namespaces, rootfs, process, pty) are listed here too.
obj-$(CONFIG_OCI_RUNTIME) += core/oci/spec.o
obj-$(CONFIG_OCI_RUNTIME) += platform/ns.o
obj-$(CONFIG_OCI_RUNTIME) += platform/mount.o
tests-$(CONFIG_OCI_RUNTIME) += test_oci_spec
