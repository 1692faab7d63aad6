# qemu-mipsel: MIPS Malta, 4Kc, Debian 4kc-malta kernel.
BOARD_ARCH := mipsel
BOARD_DEBARCH := mipsel
BOARD_GNU_TRIPLET := mipsel-linux-gnu
BOARD_MUSL_TRIPLET := mipsel-linux-musl
BOARD_CROSS_COMPILE := mipsel-linux-gnu-
BOARD_QEMU_USER := qemu-mipsel-static
BOARD_QEMU_SYSTEM := qemu-system-mipsel
BOARD_QEMU_ARGS := -M malta -cpu 4Kc -m 256
BOARD_KERNEL_PKG := linux-image-4kc-malta
BOARD_KERNEL_FILE := vmlinuz
BOARD_CONSOLE := ttyS0
