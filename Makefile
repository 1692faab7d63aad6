# tug: one static musl binary; features from Kconfig; out-of-tree in build/<board>.
#   make [BOARD=b] [O=dir]    build O/tug (O defaults to build/<board>)
#   make <board>_defconfig    menuconfig defconfig olddefconfig savedefconfig
#   make deps                 static libraries from Debian sources into O/sysroot
#   make tests | check-unit   unit tests (under qemu-user for cross boards)
#   make check                unit, integration and QEMU tests, every board
#   make size                 stripped size of every board against the goal (docs/size.md)
#   make install              DESTDIR= PREFIX=/usr: bin/tug, bin/tugd, /sbin/init.tug, /sbin/initctl
#   make demo | bench | image | qemu | fuzz | check-fuzz | help
BOARD ?= qemu-x86_64
ifeq ($(wildcard board/$(BOARD)/board.mk),)
$(error unknown BOARD '$(BOARD)': pick one of $(notdir $(wildcard board/*)))
endif
include board/$(BOARD)/board.mk

# Whether O came from the user (make size puts its boards under it then).
O_GIVEN := $(filter-out undefined default,$(origin O))
O ?= build/$(BOARD)
override O := $(patsubst %/,%,$(O))
# Debian's interpreter has python3-kconfiglib; the PATH one may be another.
PYTHON ?= /usr/bin/python3
VERSION := 0.1.0+$(shell git describe --always --dirty 2>/dev/null || echo unknown)
PREFIX ?= /usr
DESTDIR ?=

CROSS_COMPILE ?= $(BOARD_CROSS_COMPILE)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc -specs /usr/lib/$(BOARD_MUSL_TRIPLET)/musl-gcc.specs
TOOLCHAIN := debian-musl
endif
AR := $(CROSS_COMPILE)ar
STRIP ?= $(CROSS_COMPILE)strip

# Libraries: our own sysroot from Debian sources, or the one Buildroot/Yocto gives.
ifneq ($(TUG_EXTERNAL_SYSROOT),)
SYSROOT := $(TUG_EXTERNAL_SYSROOT)
# Another board dir's sysroot built by tools/deps.sh has its own .pc files.
ifneq ($(wildcard $(SYSROOT)/lib/pkgconfig/libcjson.pc),)
PKG_CONFIG ?= env PKG_CONFIG_LIBDIR=$(abspath $(SYSROOT))/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR= pkg-config
endif
PKG_CONFIG ?= pkg-config
else
SYSROOT := $(O)/sysroot
PKG_CONFIG := PKG_CONFIG_LIBDIR=$(abspath $(SYSROOT))/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR= pkg-config
endif

KCONFIG_ENV := KCONFIG_CONFIG=$(O)/.config srctree=$(CURDIR)
CONFIG := $(O)/.config
AUTOCONF := $(O)/include/generated/autoconf.h
AUTOCONF_MK := $(O)/auto.conf

# help, size (it runs make per board) and distclean need no .config here.
ifneq ($(filter-out help size distclean,$(or $(MAKECMDGOALS),all)),)
-include $(AUTOCONF_MK)
endif

main-y :=
obj-y :=
tests-y :=
fuzz-y :=
deps-y := cjson
deps-$(CONFIG_IMAGE_ARCHIVE) += zlib libarchive
deps-$(CONFIG_SECCOMP) += libseccomp
deps-$(CONFIG_TLS_MBEDTLS) += mbedtls
pc-y := libcjson
pc-$(CONFIG_IMAGE_ARCHIVE) += libarchive zlib
pc-$(CONFIG_SECCOMP) += libseccomp
pc-$(CONFIG_TLS_MBEDTLS) += mbedtls

# Each area lists its objects and tests, one Kconfig symbol a line.
include $(sort $(wildcard */build.mk */*/build.mk))

CFLAGS ?= -Os -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-format-truncation -fno-common
# Size (docs/size.md): sections for --gc-sections, no unwind tables (gdb reads
# .debug_frame from tug.debug), no PIE code in a -static binary, the board's
# BOARD_CFLAGS. tools/deps.sh builds the libraries with the same flags.
# `override`: CFLAGS=/LDFLAGS= on the command line (Buildroot) keep these.
override CFLAGS += -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-pie $(BOARD_CFLAGS)
TUG_CPPFLAGS := -I. -I$(O)/include -include platform/kconfig.h -D_GNU_SOURCE \
	-DTUG_ARCH='"$(BOARD_ARCH)"' -DTUG_BOARD='"$(BOARD)"'
override CPPFLAGS += $(TUG_CPPFLAGS) -isystem $(SYSROOT)/kheaders -isystem $(SYSROOT)/include
override LDFLAGS += -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro
LDLIBS = $(shell $(PKG_CONFIG) --static --libs $(pc-y) 2>/dev/null || echo -L$(SYSROOT)/lib -lcjson)

OBJS := $(addprefix $(O)/obj/,$(obj-y))
MAIN_OBJS := $(addprefix $(O)/obj/,$(main-y))
LIB := $(O)/libtug.a
TESTS := $(addprefix $(O)/tests/,$(tests-y))
# An external sysroot is only checked, never built: its stamp lives in O, so
# a build against another board dir's sysroot does not mark that sysroot as
# current and stop its own rebuild when tools/deps.sh changes.
DEPS_STAMP := $(if $(TUG_EXTERNAL_SYSROOT),$(O)/.deps-external,$(SYSROOT)/.deps)-$(subst $(eval) ,-,$(sort $(deps-y)))

.PHONY: all tug deps tests check check-unit fuzz check-fuzz demo size bench install clean distclean help \
	defconfig olddefconfig savedefconfig menuconfig image qemu host-deps FORCE
.DEFAULT_GOAL := all

all: $(O)/tug

$(CONFIG):
	@mkdir -p $(O)
	@echo "config: $(BOARD) defconfig -> $(CONFIG)"
	@$(KCONFIG_ENV) $(PYTHON) -m defconfig --kconfig Kconfig board/$(BOARD)/defconfig >/dev/null

$(AUTOCONF) $(AUTOCONF_MK): $(CONFIG) Kconfig $(wildcard */Kconfig */*/Kconfig)
	@mkdir -p $(O)/include/generated
	@$(KCONFIG_ENV) $(PYTHON) -m olddefconfig Kconfig >/dev/null
	@$(KCONFIG_ENV) $(PYTHON) -m genconfig --header-path $(AUTOCONF) --config-out $(AUTOCONF_MK) Kconfig

defconfig:
	@mkdir -p $(O)
	$(KCONFIG_ENV) $(PYTHON) -m defconfig --kconfig Kconfig board/$(BOARD)/defconfig
%_defconfig:
	@$(MAKE) --no-print-directory BOARD=$* defconfig
olddefconfig:
	@mkdir -p $(O)
	$(KCONFIG_ENV) $(PYTHON) -m olddefconfig Kconfig
savedefconfig: $(CONFIG)
	$(KCONFIG_ENV) $(PYTHON) -m savedefconfig --kconfig Kconfig --out $(O)/defconfig
	@echo "saved $(O)/defconfig (copy it to board/$(BOARD)/defconfig to keep it)"
menuconfig:
	@mkdir -p $(O)
	$(KCONFIG_ENV) MENUCONFIG_STYLE=monochrome $(PYTHON) -m menuconfig Kconfig

host-deps:
	@tools/host-deps.sh build $(if $(BOARD_CROSS_COMPILE),cross)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): $(AUTOCONF_MK) tools/deps.sh $(wildcard tools/mbedtls_*)
	@PKG_CONFIG="$(PKG_CONFIG)" tools/deps.sh --board-dir board/$(BOARD) --sysroot $(SYSROOT) --libs "$(deps-y)"
	@touch $@

$(O)/obj/%.o: %.c $(AUTOCONF) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The version string changes with every commit: only version.o sees it.
$(O)/include/generated/version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define TUG_VERSION "$(VERSION)"' >$@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@
$(O)/obj/core/version.o: $(O)/include/generated/version.h

$(LIB): $(OBJS)
	@rm -f $@
	@$(AR) rcs $@ $^

$(O)/tug.debug: $(MAIN_OBJS) $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(OBJS) $(LDLIBS)

$(O)/tug: $(O)/tug.debug
	@$(STRIP) -o $@ $<
	@echo "  BUILT   $@ ($$(stat -c %s $@) bytes, $(BOARD))"

$(O)/tests/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST-CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Test helpers the integration suites run beside $(TUG): O/helpers/<name>.
HELPERS := $(O)/helpers/nopidfd $(O)/helpers/noentropy
$(O)/helpers/%: tests/helpers/%.c tests/helpers/seccomp_launch.h
	@mkdir -p $(dir $@)
	@echo "  HELP-CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

tests: $(O)/tug $(TESTS) $(HELPERS)

# Unit tests of this board, under qemu-user when cross-built.
check-unit: tests
	@tests/unit/run.sh "$(BOARD)" "$(BOARD_QEMU_USER)" $(TESTS)

# libFuzzer targets: the parsers rebuilt with clang against the host's glibc
# libraries (Debian -dev packages); each lists its objects as fuzz_X-objs.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZERS := $(addprefix $(O)/fuzz/,$(fuzz-y))
FUZZ_SECONDS ?= 10
FUZZ_LIBS := -lcjson $(if $(CONFIG_IMAGE_ARCHIVE),-larchive -lz) $(if $(CONFIG_SECCOMP),-lseccomp) \
	$(if $(CONFIG_TLS_MBEDTLS),-lmbedtls -lmbedx509 -lmbedcrypto)

$(O)/fuzz/obj/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	@echo "  FUZZ-CC $<"
	@$(FUZZ_CC) $(TUG_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

.SECONDEXPANSION:
$(O)/fuzz/%: tests/fuzz/%.c $$(addprefix $(O)/fuzz/obj/,$$($$*-objs))
	@mkdir -p $(dir $@)
	@echo "  FUZZ-LD $@"
	@$(FUZZ_CC) $(TUG_CPPFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

.SECONDARY:
fuzz: $(FUZZERS)

# Each fuzzer runs FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/<name>).
check-fuzz: fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

check:
	@tests/run.sh $(if $(filter command line,$(origin BOARD)),--board $(BOARD))

demo:
	@tools/demo.sh

# Board boot image (tug as /init) and booting it under QEMU (docs/init.md).
image: $(O)/tug
	@tools/mkimage.sh --board $(BOARD) $(IMAGE_FLAGS)
qemu: image
	@tools/qemu-run.sh --board-dir board/$(BOARD) --kernel $(O)/image/$(BOARD_KERNEL_FILE) \
		--initrd $(O)/image/initramfs.cpio.gz --timeout 36000 $(if $(BOARD_QEMU_WATCHDOG),--watchdog) \
		--append "tug.shell $(QEMU_APPEND)"

# Every board (or SIZE_BOARDS), each in build/<board> or, with O= given, O/<board>.
size:
	@tools/size.sh $(if $(O_GIVEN),--out $(O)) $(SIZE_BOARDS)

bench:
	@tools/bench.sh

# The binary and the names main() dispatches on: tugd (engine), and for PID 1
# /sbin/init.tug (boot with init=/sbin/init.tug) and initctl.
install: $(O)/tug
	install -D -m 0755 $(O)/tug $(DESTDIR)$(PREFIX)/bin/tug
	$(if $(CONFIG_DAEMON),ln -sf tug $(DESTDIR)$(PREFIX)/bin/tugd)
	$(if $(CONFIG_INIT),install -d $(DESTDIR)/sbin)
	$(if $(CONFIG_INIT),ln -sf ..$(PREFIX)/bin/tug $(DESTDIR)/sbin/init.tug)
	$(if $(CONFIG_INIT),ln -sf ..$(PREFIX)/bin/tug $(DESTDIR)/sbin/initctl)

help:
	@sed -n '2,/^[^#]/s/^#   //p' Makefile

clean:
	rm -rf $(O)/obj $(O)/tests $(O)/helpers $(O)/tug $(O)/tug.debug $(LIB)
distclean:
	rm -rf build

-include $(OBJS:.o=.d) $(MAIN_OBJS:.o=.d)
