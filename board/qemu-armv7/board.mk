# qemu-armv7: virt machine, Cortex-A15, Debian armmp (LPAE-less) kernel.
BOARD_ARCH := armv7
BOARD_DEBARCH := armhf
BOARD_GNU_TRIPLET := arm-linux-gnueabihf
BOARD_MUSL_TRIPLET := arm-linux-musleabihf
BOARD_CROSS_COMPILE := arm-linux-gnueabihf-
BOARD_QEMU_USER := qemu-arm-static
BOARD_QEMU_SYSTEM := qemu-system-arm
BOARD_QEMU_ARGS := -M virt -cpu cortex-a15 -m 256
# No emulated watchdog this kernel drives (no i6300esb module): guests use softdog.
BOARD_QEMU_WATCHDOG :=
BOARD_KERNEL_PKG := linux-image-armmp
BOARD_KERNEL_FILE := vmlinuz
BOARD_CONSOLE := ttyAMA0
