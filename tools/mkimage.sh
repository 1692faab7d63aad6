#!/bin/sh
# Build a board's boot image: an initramfs whose /init is tug, with the
# board's kernel modules, a boot manifest and a demo image (Debian's
# busybox-static for the board's arch, as a docker-save archive).
# Usage: tools/mkimage.sh --board B [--manifest FILE] [--extra DIR]
#            [--out DIR] [--no-preload] [--no-watchdog] [--unsigned-modules]
#
#   --manifest FILE  boot manifest to ship as /etc/tug/manifest.json
#                    (default: a demo one, written to OUT/manifest.json)
#   --extra DIR      copy DIR's contents over the staging tree (test payloads)
#   --out DIR        output directory (default build/<board>/image): the
#                    kernel image, initramfs.cpio.gz, manifest.json
#   --no-preload     do not load the demo image into the initramfs'
#                    /var/lib/tug at build time: the board then unpacks the
#                    archive at every boot (the manifest's images entry).
#                    By default it is preloaded with the host's
#                    build/qemu-x86_64/tug (skipped with a warning when that is
#                    not built), so the first container starts without it
#   --no-watchdog    leave the watchdog out of the demo manifest
#   --unsigned-modules  strip the appended signatures from the modules in the
#                    initramfs. The kernel then skips verifying them (RSA in
#                    software: 43 of overlay.ko's 54 ms load on qemu-x86_64),
#                    taints itself 'E', and refuses them if it enforces module
#                    signatures (module.sig_enforce=1, lockdown). Only for an
#                    initramfs whose own integrity the bootloader checks
# The busybox .deb is fetched once into build/busybox/<debarch>/.
# TUG_BUILD=DIR takes tug from DIR/<board>/tug instead of build/<board>/tug.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() { echo "mkimage: $*" >&2; exit 1; }
say() { echo "mkimage: $*" >&2; }
usage() { sed -n '2,/^set /s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 2; }

board='' manifest='' extra='' out='' preload=1 watchdog=1 unsigned=''
while [ $# -gt 0 ]; do
	case "$1" in
	--board) board=${2:?}; shift 2 ;;
	--manifest) manifest=${2:?}; shift 2 ;;
	--extra) extra=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--preload) preload=1; shift ;;
	--no-preload) preload=''; shift ;;
	--no-watchdog) watchdog=''; shift ;;
	--unsigned-modules) unsigned=1; shift ;;
	-h | --help) usage ;;
	*) echo "mkimage: unknown argument: $1" >&2; usage ;;
	esac
done
[ -n "$board" ] || usage
bdir=board/$board
[ -f "$bdir/board.mk" ] || die "$bdir/board.mk: no such board"
board_var() { sed -n "s/^$1[[:space:]]*:\{0,1\}=[[:space:]]*//p" "$bdir/board.mk" | tail -n 1; }
debarch=$(board_var BOARD_DEBARCH)
cross=$(board_var BOARD_CROSS_COMPILE)
musl=$(board_var BOARD_MUSL_TRIPLET)
kfile=$(board_var BOARD_KERNEL_FILE)
wdt_dev=$(board_var BOARD_QEMU_WATCHDOG)
out=${out:-build/$board/image}
tug=${TUG_BUILD:-build}/$board/tug
[ -x "$tug" ] || die "$tug not built (make BOARD=$board)"

# 1. Kernel and modules (tools/qemu-kernel.sh caches them).
kver=$(tools/qemu-kernel.sh "$bdir" "$out/kernel") || die "no kernel for $board"
cp "$out/kernel/$kfile" "$out/$kfile"

# 2. busybox-static for the board's arch, once.
bbdir=build/busybox/$debarch
if [ ! -x "$bbdir/root/bin/busybox" ]; then
	mkdir -p "$bbdir"
	if ! ls "$bbdir"/busybox-static_*.deb >/dev/null 2>&1; then
		say "downloading busybox-static:$debarch"
		(cd "$bbdir" && apt-get download -q "busybox-static:$debarch" >/dev/null 2>&1) || {
			dpkg --print-foreign-architectures | grep -qx "$debarch" ||
				[ "$debarch" = "$(dpkg --print-architecture)" ] || dpkg --add-architecture "$debarch"
			apt-get update -qq || say "warning: apt-get update failed; continuing"
			(cd "$bbdir" && apt-get download -q "busybox-static:$debarch" >&2)
		} || die "apt-get download busybox-static:$debarch failed"
	fi
	rm -rf "$bbdir/root"
	dpkg-deb -x "$(ls "$bbdir"/busybox-static_*.deb | tail -n 1)" "$bbdir/root"
	[ -x "$bbdir/root/bin/busybox" ] || die "busybox-static:$debarch has no bin/busybox"
fi
busybox=$bbdir/root/bin/busybox

# The applets the demo, the tests and a technician use (no need to run a
# foreign binary for --list).
APPLETS="sh ash cat cp cut date dd dmesg echo env false grep head hostname id kill
ls mkdir mknod mount mv ps pidof pkill rm sed seq sleep sort tail tee test top
touch tr true umount uname uptime wc which yes free vi less nc wget ip ifconfig"

# 3. The demo image: a docker-save archive with one layer: busybox, and
# /bin/stamp (tools/stamp.c: prints its CLOCK_MONOTONIC, then execs its
# arguments) with which a container shows when it started. Every mount
# point the engine uses exists in the layer (/etc/hosts, /etc/hostname and
# /etc/resolv.conf too), so a read-only container of this image runs on a
# read-only bind mount of the layer, without overlayfs (docs/init.md).
archive=build/busybox/$debarch/busybox-image.tar
if [ ! -f "$archive" ] || [ "$busybox" -nt "$archive" ] || [ "$0" -nt "$archive" ] ||
	[ tools/stamp.c -nt "$archive" ]; then
	say "making the demo image busybox:latest ($debarch)"
	w=$(mktemp -d)
	mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/tmp" "$w/rootfs/proc" "$w/rootfs/sys" \
		"$w/rootfs/dev" "$w/rootfs/root" "$w/out"
	cp "$busybox" "$w/rootfs/bin/busybox"
	for a in $APPLETS; do ln -s busybox "$w/rootfs/bin/$a"; done
	"${cross}gcc" -specs "/usr/lib/$musl/musl-gcc.specs" -static -Os -s -Wall \
		-o "$w/rootfs/bin/stamp" tools/stamp.c || die "cannot build tools/stamp.c for $board"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$w/rootfs/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$w/rootfs/etc/group"
	: >"$w/rootfs/etc/hosts"
	: >"$w/rootfs/etc/hostname"
	: >"$w/rootfs/etc/resolv.conf"
	chmod 1777 "$w/rootfs/tmp"
	tar -C "$w/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$w/layer.tar" .
	diff=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
	mkdir -p "$w/out/$diff"
	mv "$w/layer.tar" "$w/out/$diff/layer.tar"
	case "$debarch" in
	amd64) arch=amd64 variant= ;; arm64) arch=arm64 variant=v8 ;;
	armhf) arch=arm variant=v7 ;; *) arch=$debarch variant= ;;
	esac
	printf '{"architecture":"%s",%s"os":"linux","created":"1970-01-01T00:00:00Z","config":{"Cmd":["sh"],"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$arch" "${variant:+\"variant\":\"$variant\",}" "$diff" >"$w/config.json"
	cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1)
	mv "$w/config.json" "$w/out/$cfg.json"
	printf '[{"Config":"%s.json","RepoTags":["busybox:latest"],"Layers":["%s/layer.tar"]}]\n' \
		"$cfg" "$diff" >"$w/out/manifest.json"
	# A name of our own: two boards of one arch may build it at once.
	tar -C "$w/out" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$archive.tmp.$$" .
	mv "$archive.tmp.$$" "$archive"
	rm -rf "$w"
fi

# 4. The boot manifest.
mkdir -p "$out"
if [ -z "$manifest" ]; then
	manifest=$out/manifest.json
	wdmod= wd=
	if [ -n "$watchdog" ]; then
		if [ -n "$wdt_dev" ]; then wdmod=', "i6300esb"'; else wdmod=', "softdog"'; fi
		wd='"watchdog": { "device": "/dev/watchdog", "timeout": 10 },'
	fi
	cat >"$manifest" <<JSON
{
  "hostname": "tug-$board",
  "modules": ["overlay", "squashfs", "loop", "veth", "bridge"$wdmod],
  $wd
  "stop_timeout": 5,
  "images": [ { "archive": "/usr/share/tug/images/busybox.tar", "ref": "busybox:latest" } ],
  "containers": [
    { "name": "hello", "image": "busybox:latest", "console": true, "network": "none",
      "read_only": true,
      "cmd": ["stamp", "sh", "-c", "echo \"hello from a tug container on \$(uname -m) (\$(hostname)), up \$(cut -d' ' -f1 /proc/uptime) s\""] },
    { "name": "ticker", "image": "busybox:latest", "restart": "always", "network": "none",
      "memory": "32m", "pids": 32, "depends_on": ["hello"],
      "cmd": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 60 & wait \$!; done"] }
  ]
}
JSON
fi

# 5. Staging tree, then the cpio.
stage=$out/staging
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/etc/tug" "$stage/usr/share/tug/images" \
	"$stage/var/lib/tug" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/run" "$stage/tmp" "$stage/root"
cp "$tug" "$stage/init"
ln -s ../init "$stage/bin/tug"
ln -s ../init "$stage/sbin/initctl"
cp "$busybox" "$stage/bin/busybox"
for a in $APPLETS; do [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"; done
cp "$archive" "$stage/usr/share/tug/images/busybox.tar"
cp "$manifest" "$stage/etc/tug/manifest.json"
cp -a "$out/kernel/modules/." "$stage/"
if [ -n "$unsigned" ]; then
	find "$stage/lib/modules" -name '*.ko' -exec python3 "$root/tools/strip-module-signatures.py" {} + ||
		die "stripping module signatures failed"
fi
echo "tug-$board" >"$stage/etc/hostname"
if [ -n "$preload" ]; then
	host_tug=${TUG_BUILD:-build}/qemu-x86_64/tug
	if [ -x "$host_tug" ]; then
		TUG_STATE_DIR=$stage/var/lib/tug "$host_tug" load -q -i "$archive" >&2 ||
			die "preloading $archive failed"
	else
		say "warning: $host_tug not built (make BOARD=qemu-x86_64): the board unpacks its image at boot"
	fi
fi
[ -z "$extra" ] || cp -a "$extra/." "$stage/"
tools/mkinitramfs.sh "$out/initramfs.cpio.gz" "$stage"
say "$board: $out/initramfs.cpio.gz ($(stat -c %s "$out/initramfs.cpio.gz") bytes), kernel $kver, $out/$kfile"
