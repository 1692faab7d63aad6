# qemu-aarch64: virt machine, Cortex-A57, Debian arm64 kernel.
BOARD_ARCH := aarch64
BOARD_DEBARCH := arm64
BOARD_GNU_TRIPLET := aarch64-linux-gnu
BOARD_MUSL_TRIPLET := aarch64-linux-musl
BOARD_CROSS_COMPILE := aarch64-linux-gnu-
BOARD_QEMU_USER := qemu-aarch64-static
BOARD_QEMU_SYSTEM := qemu-system-aarch64
BOARD_QEMU_ARGS := -M virt -cpu cortex-a57 -m 256
BOARD_QEMU_WATCHDOG := -device i6300esb
BOARD_KERNEL_PKG := linux-image-arm64
BOARD_KERNEL_FILE := vmlinuz
BOARD_CONSOLE := ttyAMA0
