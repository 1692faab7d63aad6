#!/bin/sh
# make demo: a qemu-x86_64 board boots straight into tug (PID 1), which loads
# its modules, arms the watchdog, starts the engine and the containers of its
# boot manifest (one prints to the console), shows `tug ps` on the serial
# console, and powers off cleanly (SIGTERM to PID 1: containers stopped
# through the engine). The image is preloaded at build time (tools/mkimage.sh).
# See docs/init.md.
set -eu
cd "$(dirname "$0")/.."
tools/host-deps.sh build qemu
board=qemu-x86_64
# TUG_BUILD=DIR: boot DIR/<board>/tug as built there (no make).
if [ -n "${TUG_BUILD:-}" ]; then
	echo "== the boot image for $board with $TUG_BUILD/$board/tug"
else
	echo "== building tug and the boot image for $board"
	make --no-print-directory BOARD=$board
fi
extra=build/$board/demo-extra
rm -rf "$extra"
mkdir -p "$extra/etc/tug"
# Runs on the board once the manifest is up (tug.test=): what a technician
# would type on the serial console.
cat >"$extra/etc/tug/demo.sh" <<'SH'
#!/bin/sh
sleep 1
echo
echo "board\$ tug ps -a"
tug ps -a
echo "board\$ poweroff   # init stops every container, disarms the watchdog"
SH
chmod 755 "$extra/etc/tug/demo.sh"
out=${TUG_BUILD:-build}/$board/image
tools/mkimage.sh --board $board --extra "$extra" --out "$out"
echo
echo "== booting $board under QEMU (TCG): console below"
rc=0
tools/qemu-run.sh --board-dir board/$board --kernel "$out/vmlinuz" \
	--initrd "$out/initramfs.cpio.gz" --watchdog --timeout 120 --log "$out/console.log" \
	--append tug.test=/etc/tug/demo.sh || rc=$?
echo
# The first container's own clock against /init's (docs/init.md).
tools/boot-times.sh "$out/console.log" | sed 's/^/== /' || true
if [ "$rc" -eq 0 ]; then
	echo "== demo: the board powered off cleanly"
else
	echo "== demo: qemu-run exit $rc (see tools/qemu-run.sh --help)"
fi
exit "$rc"
