# Images: content-addressed store, tar and squashfs layers, load/save, rootfs assembly.
obj-y += platform/sha256.o
obj-$(CONFIG_TLS_MBEDTLS) += platform/sha256_mbedtls.o
obj-y += core/image/ref.o
obj-y += core/image/store.o
obj-y += core/image/image.o
obj-y += core/image/layers.o
obj-y += core/image/gc.o
obj-y += core/image/cmd.o
obj-$(CONFIG_IMAGE_ARCHIVE) += platform/archive.o
obj-$(CONFIG_IMAGE_ARCHIVE) += platform/unpack.o
obj-$(CONFIG_IMAGE_ARCHIVE) += core/image/load.o
obj-$(CONFIG_IMAGE_ARCHIVE) += core/image/save.o
# docker commit: an upper dir as a layer, --change lines, the new image.
obj-$(CONFIG_IMAGE_ARCHIVE) += platform/layer_tar.o
obj-y += core/image/commit.o
tests-y += test_image_commit
fuzz-y += fuzz_commit_change
fuzz_commit_change-objs := core/image/commit.o core/image/image.o core/image/layers.o \
	core/image/store.o core/image/ref.o core/image/gc.o core/paths.o platform/archive.o \
	platform/unpack.o platform/sha256.o $(if $(CONFIG_TLS_MBEDTLS),platform/sha256_mbedtls.o) \
	platform/json.o platform/err.o platform/fsutil.o
tests-y += test_sha256
tests-y += test_image_ref
tests-$(CONFIG_IMAGE_ARCHIVE) += test_image_unpack
obj-y += platform/overlay.o
tests-y += test_overlay
obj-y += core/image/rootfs.o
obj-$(CONFIG_SQUASHFS) += platform/loop.o
fuzz-$(CONFIG_IMAGE_ARCHIVE) += fuzz_image_manifest fuzz_archive
fuzz_image_manifest-objs := core/image/load.o core/image/image.o core/image/layers.o \
	core/image/store.o core/image/ref.o core/image/gc.o core/paths.o platform/archive.o \
	platform/unpack.o platform/sha256.o $(if $(CONFIG_TLS_MBEDTLS),platform/sha256_mbedtls.o) \
	platform/json.o platform/err.o platform/fsutil.o
fuzz_archive-objs := platform/archive.o platform/unpack.o platform/sha256.o \
	$(if $(CONFIG_TLS_MBEDTLS),platform/sha256_mbedtls.o) platform/err.o platform/fsutil.o
