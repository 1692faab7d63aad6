# qemu-x86_64: PC under qemu-system-x86_64, Debian amd64 kernel.
BOARD_ARCH := x86_64
BOARD_DEBARCH := amd64
BOARD_GNU_TRIPLET := x86_64-linux-gnu
BOARD_MUSL_TRIPLET := x86_64-linux-musl
BOARD_CROSS_COMPILE :=
BOARD_QEMU_USER :=
BOARD_QEMU_SYSTEM := qemu-system-x86_64
BOARD_QEMU_ARGS := -M pc -cpu max -m 256
BOARD_QEMU_WATCHDOG := -device i6300esb
BOARD_KERNEL_PKG := linux-image-amd64
BOARD_KERNEL_FILE := vmlinuz
BOARD_CONSOLE := ttyS0
