#!/bin/sh
# boot-manifest.sh WORKDIR IMAGE_TAR: boot qemu-x86_64 with tug as /init and
# a boot manifest holding one busybox container; print the console lines in
# which PID 1 times the engine's API and the first container after /init.
# Needs build/qemu-x86_64/tug and the kernel tests/qemu/boot.sh fetched.
set -eu
work=$1 image=$2
b=qemu-x86_64
kdir=build/$b/qemu/kernel
[ -f "$kdir/vmlinuz" ] || { echo "no kernel in $kdir (tests/qemu/boot.sh fetches it)"; exit 1; }
stage=$work/staging
rm -rf "$stage"
mkdir -p "$stage/etc/tug" "$stage/images"
cp "build/$b/tug" "$stage/init"
cp "$image" "$stage/images/busybox.tar"
cat >"$stage/etc/tug/manifest.json" <<EOM
{"images": [{"archive": "/images/busybox.tar", "ref": "bench/busybox:1"}],
 "containers": [{"name": "first", "image": "bench/busybox:1", "cmd": ["/bin/true"]}]}
EOM
musl-gcc -static -Os -o "$stage/payload" tests/qemu/payload_exit.c
tools/mkinitramfs.sh "$work/initramfs.cpio.gz" "$stage"
tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$kdir/vmlinuz" \
	--initrd "$work/initramfs.cpio.gz" --timeout 120 --log "$work/boot.log" \
	--append tug.test=/payload 2>"$work/qemu-run.err" || true
tr -d '\r' <"$work/boot.log" | grep -E 'boot: (engine API up|first container|.* containers started|some of the manifest failed)|power off' || true
tail -1 "$work/qemu-run.err"
