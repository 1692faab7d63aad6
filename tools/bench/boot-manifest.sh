#!/bin/sh
# boot-manifest.sh WORKDIR: boot qemu-x86_64 from the same boot image as
# `make demo` (tools/mkimage.sh: tug as /init, modules, preloaded busybox, the
# demo boot manifest) and print the console lines in which PID 1 times the
# engine's API and the first container after /init, and the first
# container's exec by its own clock (tools/boot-times.sh: its /bin/stamp line
# against /init's start).
# Needs build/qemu-x86_64/tug.
set -eu
work=$1
b=qemu-x86_64
extra=$work/extra
rm -rf "$extra"
mkdir -p "$extra/etc/tug"
printf '#!/bin/sh\nsleep 1\n' >"$extra/etc/tug/bench.sh"
chmod 755 "$extra/etc/tug/bench.sh"
tools/mkimage.sh --board $b --extra "$extra" --out "$work/image" >"$work/mkimage.log" 2>&1 ||
	{ echo "mkimage failed: $(tail -1 "$work/mkimage.log")"; exit 1; }
tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/image/vmlinuz" \
	--initrd "$work/image/initramfs.cpio.gz" --timeout 120 --log "$work/boot.log" \
	--append tug.test=/etc/tug/bench.sh 2>"$work/qemu-run.err" || true
tr -d '\r' <"$work/boot.log" | grep -E 'boot: (images ready|engine API up|first container|.* containers started|kernel hand-off|some of the manifest failed)|power off' || true
tools/boot-times.sh "$work/boot.log" || true
tail -1 "$work/qemu-run.err"
