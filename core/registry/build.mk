# core/registry: OCI distribution client (pull, push, login), TCP and TLS transport.
obj-$(CONFIG_REGISTRY) += platform/tcp.o
obj-$(CONFIG_REGISTRY_TLS) += platform/tls.o
obj-$(CONFIG_REGISTRY) += core/registry/reference.o core/registry/platform.o
obj-$(CONFIG_REGISTRY) += core/registry/manifest.o core/registry/auth.o
obj-$(CONFIG_REGISTRY) += core/registry/httpmsg.o core/registry/client.o
obj-$(CONFIG_REGISTRY) += core/registry/config.o core/registry/session.o
obj-$(CONFIG_REGISTRY) += core/registry/progress.o core/registry/blob.o \
	core/registry/parallel.o
obj-$(CONFIG_REGISTRY) += core/registry/pull.o core/registry/push.o core/registry/cmd.o
tests-$(CONFIG_REGISTRY) += test_registry
tests-$(CONFIG_REGISTRY_TLS) += test_tls_gcm test_tls_pem
fuzz-$(CONFIG_REGISTRY) += fuzz_registry_manifest
fuzz_registry_manifest-objs := core/registry/manifest.o core/registry/platform.o \
	core/registry/auth.o core/registry/httpmsg.o core/http/util.o \
	core/image/ref.o platform/json.o platform/err.o platform/fsutil.o
