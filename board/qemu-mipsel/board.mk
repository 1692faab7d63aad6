# qemu-mipsel: MIPS Malta, 24Kf (Debian's 4kc-malta kernel is built for MIPS32r2).
BOARD_ARCH := mipsel
BOARD_DEBARCH := mipsel
BOARD_GNU_TRIPLET := mipsel-linux-gnu
BOARD_MUSL_TRIPLET := mipsel-linux-musl
BOARD_CROSS_COMPILE := mipsel-linux-gnu-
BOARD_QEMU_USER := qemu-mipsel-static
# Non-PIC abicalls code (direct jal, no $gp set-up per function); calls into
# Debian's PIC libc.a go through linker stubs. ~15% smaller (docs/size.md).
BOARD_CFLAGS := -mplt
BOARD_QEMU_SYSTEM := qemu-system-mipsel
BOARD_QEMU_ARGS := -M malta -cpu 24Kf -m 256
# No emulated watchdog this kernel drives (no i6300esb module): guests use softdog.
BOARD_QEMU_WATCHDOG :=
BOARD_KERNEL_PKG := linux-image-4kc-malta
BOARD_KERNEL_FILE := vmlinuz
BOARD_CONSOLE := ttyS0
