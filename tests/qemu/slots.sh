#!/bin/sh
# A/B slots of the tug binary with tug as PID 1 (docs/updates.md, "Slots at
# boot"), on qemu-x86_64. The state dir (/var/lib/tug) is a small minix
# disk on virtio-blk that survives the VM's reboots: a tiny /preinit
# (rdinit=) loads virtio_blk and minix, mounts it and execs /init (tug), as a
# board's initramfs mounts its data partition. qemu runs with -no-reboot,
# so every guest reboot (or panic) ends a qemu run and the next run boots
# the same disk.
#   good_trial_boot  a new binary installed with `tug slot install --tries 2`
#                    is exec'ed by PID 1 at the next boot (try 1 of 2, counted
#                    on disk) and commits once the boot is up
#   good_stays       the boot after the commit runs the committed slot again
#                    without a trial
#   bad_tries        a binary that exits at once (PID 1 dies: kernel panic,
#                    reboot) is tried exactly twice
#   bad_rolls_back   the boot after that is back on the old slot, the failed
#                    trial is recorded, and the revision marker
#                    (update/current.json) is the one from before the install
#   deadline         a trial whose boot manifest fails does not commit; PID 1
#                    reboots at the trial's deadline and the next boot is back
#                    on the old slot
#   healthy_commit   a trial whose manifest runs a container with a health
#                    check and one without commits only after the first is
#                    healthy and the second ran its stable period
#   unhealthy_no_commit  a trial whose container turns unhealthy is not
#                    committed (the runner says why) and PID 1 reboots at
#                    once, not at the deadline
# The containers' store (blobs, layers, leases, tmp, containers, networks,
# volumes) is not on the minix disk (names are at most 60 characters there):
# symlinks to the initramfs' own root, one filesystem so that the store's
# renames work. Every boot loads the images again; the containers are
# read-only (a bind mount of the image's one layer, no overlayfs).
# Usage: tests/qemu/slots.sh. TUG_BUILD=DIR tests DIR/qemu-x86_64/tug.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=qemu-slots
. "$top/tests/lib.sh"
cd "$top" || exit 1
b=qemu-x86_64
names="good_trial_boot good_stays bad_tries bad_rolls_back deadline healthy_commit unhealthy_no_commit"
tug=${TUG_BUILD:-build}/$b/tug
work=${TUG_BUILD:-build}/$b/qemu-slots

board_var() { sed -n "s/^$1[[:space:]]*:\{0,1\}=[[:space:]]*//p" "board/$b/board.mk" | tail -n 1; }
skip_all() { for n in $names; do skip "$b/$n" "$1"; done; exit 0; }
log() { echo "qemu-slots: $*" >&2; }

qemu=$(board_var BOARD_QEMU_SYSTEM)
command -v "$qemu" >/dev/null || skip_all "no $qemu"
[ -x "$tug" ] || skip_all "$tug not built (make BOARD=$b)"
command -v mkfs.minix >/dev/null || skip_all "no mkfs.minix (util-linux)"
command -v gcc >/dev/null || skip_all "no gcc for the bad binary"

rm -rf "$work"
mkdir -p "$work/extra/etc/tug" "$work/extra/usr/lib/tug" "$work/extra/var/lib/tug"
# The kernel tree that mkimage uses; minix.ko comes from the same .deb.
if ! tools/mkimage.sh --board $b --out "$work/img" --manifest /dev/null --no-preload \
	--no-watchdog >/dev/null 2>"$work/mkimage.log"; then
	skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
fi
kver=$(ls "$work/img/staging/lib/modules" | head -n 1)
deb=$(ls build/kernels/$b/linux-image-*"$kver"*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || skip_all "no kernel .deb for $kver in build/kernels/$b"
mdir=$work/extra/lib/modules/$kver/kernel/fs/minix
mkdir -p "$mdir"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./lib/modules/$kver/kernel/fs/minix/minix.ko" \
	>"$mdir/minix.ko" || skip_all "minix.ko not in $deb"

cp "$tug" "$work/extra/usr/lib/tug/good"
printf 'int main(void) { return 1; }\n' >"$work/bad.c"
gcc -static -Os -o "$work/extra/usr/lib/tug/bad" "$work/bad.c" || skip_all "gcc -static failed"
# An empty manifest: no containers to prove, so a trial commits when the boot is up.
echo '{ "hostname": "slots-test" }' >"$work/extra/etc/tug/manifest.json"

cat >"$work/extra/preinit" <<SH
#!/bin/sh
# Mount the state disk, then become tug (still PID 1).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
m=/lib/modules/$kver/kernel
for k in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \\
	drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk fs/minix/minix; do
	/bin/busybox insmod \$m/\$k.ko
done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; /bin/busybox sleep 0.2; done
/bin/busybox mount -t minix /dev/vda /var/lib/tug || echo "preinit: mount /dev/vda failed"
for d in blobs layers leases tmp containers networks volumes; do
	/bin/busybox mkdir -p /store/\$d
	[ -L /var/lib/tug/\$d ] || { /bin/busybox rm -rf /var/lib/tug/\$d; /bin/busybox ln -s /store/\$d /var/lib/tug/\$d; }
done
/bin/busybox rm -f /var/lib/tug/refs.json
exec /init
SH
S=/var/lib/tug
# One payload (tug.test=) per boot that reaches it.
cat >"$work/extra/etc/tug/p1.sh" <<SH
#!/bin/sh
mkdir -p $S/update && echo '{"Revision": 1}' >$S/update/current.json
tug slot install --tries 2 --deadline 120 /usr/lib/tug/good
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/p2.sh" <<'SH'
#!/bin/sh
echo "exe=$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/p3.sh" <<SH
#!/bin/sh
echo "exe=\$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
echo '{"Revision": 2}' >$S/update/current.json
tug slot install --tries 2 --deadline 120 /usr/lib/tug/bad
# The revision that came with the new binary.
echo '{"Revision": 3}' >$S/update/current.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/p6.sh" <<SH
#!/bin/sh
echo "exe=\$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
echo "marker=\$(cat $S/update/current.json)"
# Next: a trial whose boot manifest cannot come up, with a short deadline.
tug slot install --tries 1 --deadline 5 /usr/lib/tug/good
echo '{ "containers": [ { "name": "broken", "image": "nosuch:latest", "cmd": ["true"] } ] }' >$S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/p7.sh" <<'SH'
#!/bin/sh
sleep 120
SH
cat >"$work/extra/etc/tug/p8.sh" <<SH
#!/bin/sh
echo "exe=\$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
# Next: a trial whose containers must prove healthy before it commits.
tug slot install --tries 1 --deadline 90 /usr/lib/tug/good
cp /etc/tug/hc-manifest.json $S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/p9.sh" <<SH
#!/bin/sh
echo "exe=\$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
tug ps --format '{{.Names}} {{.Status}}' | sed 's/^/ps: /'
# Next: a trial whose container turns unhealthy.
tug slot install --tries 1 --deadline 40 /usr/lib/tug/good
sed 's/hc:ok/hc:bad/' /etc/tug/hc-manifest.json >$S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/hc-manifest.json" <<'J'
{ "hostname": "slots-test",
  "images": [ { "archive": "/etc/tug/hc.tar" } ],
  "containers": [
    { "name": "checked", "image": "hc:ok", "network": "none", "read_only": true,
      "cmd": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"] },
    { "name": "plain", "image": "hc:plain", "network": "none", "read_only": true,
      "cmd": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"] } ] }
J
# From mkimage's busybox image: hc:ok has a HEALTHCHECK that passes (its
# first probe runs 1 s after the start, so the runner has to wait), hc:bad
# one that always fails, hc:plain none.
python3 - "build/busybox/$(board_var BOARD_DEBARCH)/busybox-image.tar" "$work/extra/etc/tug/hc.tar" <<'PY' ||
import hashlib, io, json, sys, tarfile
src, out = sys.argv[1:3]
files = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        if m.isfile():
            files[m.name.lstrip("./")] = t.extractfile(m).read()
man = json.loads(files["manifest.json"])[0]
base = json.loads(files[man["Config"]])
entries = []
for tag, test in (("hc:ok", ["CMD", "true"]),
                  ("hc:bad", ["CMD-SHELL", "echo not today; exit 1"]), ("hc:plain", None)):
    cfg = json.loads(json.dumps(base))
    if test:
        cfg["config"]["Healthcheck"] = {"Test": test, "Interval": 1000000000,
                                        "Timeout": 5000000000, "Retries": 2}
    data = json.dumps(cfg).encode()
    name = hashlib.sha256(data).hexdigest() + ".json"
    files[name] = data
    entries.append({"Config": name, "RepoTags": [tag], "Layers": man["Layers"]})
files["manifest.json"] = json.dumps(entries).encode()
with tarfile.open(out, "w") as t:
    for name in sorted(files):
        ti = tarfile.TarInfo(name)
        ti.size = len(files[name])
        t.addfile(ti, io.BytesIO(files[name]))
PY
	skip_all "cannot make the health check images"
chmod 755 "$work/extra/preinit" "$work"/extra/etc/tug/p*.sh
tools/mkimage.sh --board $b --out "$work/img" --manifest "$work/extra/etc/tug/manifest.json" \
	--extra "$work/extra" --no-preload --no-watchdog >/dev/null 2>"$work/mkimage.log" ||
	skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
truncate -s 32M "$work/state.img"
mkfs.minix -3 "$work/state.img" >/dev/null || skip_all "mkfs.minix failed"
kfile=$(board_var BOARD_KERNEL_FILE)

# boot N PAYLOAD [TIMEOUT]: one qemu run on the state disk; sets rc and con.
boot() {
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img/$kfile" \
		--initrd "$work/img/initramfs.cpio.gz" --timeout "${3:-${QEMU_TIMEOUT:-120}}" \
		--log "$work/console-$1.log" --append "rdinit=/preinit tug.test=/etc/tug/$2.sh" \
		-- -drive "file=$work/state.img,format=raw,if=virtio" 2>"$work/qemu-run-$1.err"
	rc=$?
	log "boot $1 ($2): $(cat "$work/qemu-run-$1.err")"
	con=$(tr -d '\r' <"$work/console-$1.log")
}
has() { printf '%s\n' "$con" | grep -q "$1"; }
why() { printf '%s\n' "$con" | grep -E 'tug-init|preinit|status:|exe=|marker=' | tail -n 6 | tr '\n' ' '; }

boot 1 p1
if [ "$rc" -ne 4 ] || ! has 'installed /usr/lib/tug/good in slot a'; then
	skip_all "the first boot did not install and reboot (qemu-run exit $rc): $(why)"
fi
boot 2 p2
if [ "$rc" -eq 4 ] && has 'slots: trial boot of slot a, try 1 of 2' &&
	has 'slots: slot a committed' && has 'exe=/var/lib/tug/slots/a' && has 'status: active: a'; then
	pass "$b/good_trial_boot"
else fail "$b/good_trial_boot" "qemu-run exit $rc: $(why)"; fi
boot 3 p3
if [ "$rc" -eq 4 ] && has 'exe=/var/lib/tug/slots/a' && has 'status: active: a' &&
	! has 'status: trial' && ! has 'slots: trial boot'; then
	pass "$b/good_stays"
else fail "$b/good_stays" "qemu-run exit $rc: $(why)"; fi
tries=''
for n in 4 5; do
	boot $n p7 60
	[ "$rc" -eq 3 ] && has "slots: trial boot of slot b, try $((n - 3)) of 2" && tries="$tries $n"
done
if [ "$tries" = " 4 5" ]; then
	pass "$b/bad_tries"
else fail "$b/bad_tries" "boots that tried slot b and panicked:${tries:- none} (see $work/console-4.log, -5.log)"; fi
boot 6 p6
if [ "$rc" -eq 4 ] && has 'slot b not committed after 2 tries: back to slot a' &&
	has 'revision marker restored' && has 'exe=/var/lib/tug/slots/a' &&
	has 'status: last failed trial: slot b after 2 tries' && has 'marker={"Revision": 2}'; then
	pass "$b/bad_rolls_back"
else fail "$b/bad_rolls_back" "qemu-run exit $rc: $(why)"; fi
boot 7 p7
rc7=$rc dl=$(printf '%s\n' "$con" | grep -c 'slot b not committed in time: rebooting')
tb=$(printf '%s\n' "$con" | grep -c 'trial boot of slot b, try 1 of 1')
boot 8 p8
if [ "$rc7" -eq 4 ] && [ "$dl" = 1 ] && [ "$tb" = 1 ] && [ "$rc" -eq 4 ] &&
	has 'slot b not committed after 1 tries: back to slot a' && has 'exe=/var/lib/tug/slots/a'; then
	pass "$b/deadline"
else fail "$b/deadline" "boot 7: qemu-run exit $rc7, trial boots $tb, deadline reboots $dl; boot 8: exit $rc: $(why)"; fi
boot 9 p9
# The wait comes before the commit, and it saw the health check pass.
order=$(printf '%s\n' "$con" | grep -o 'waiting for the containers to prove healthy\|2 containers proved themselves\|slot b committed' | tr '\n' '|')
if [ "$rc" -eq 4 ] && [ "$order" = 'waiting for the containers to prove healthy|2 containers proved themselves|slot b committed|' ] &&
	has 'status: active: b' && has 'ps: checked Up .*(healthy)'; then
	pass "$b/healthy_commit"
else fail "$b/healthy_commit" "qemu-run exit $rc, order '$order': $(why)"; fi
boot 10 p7 150
if [ "$rc" -eq 4 ] && has 'slots: trial boot of slot a, try 1 of 1' &&
	has 'trial of slot a: not committing: checked: unhealthy' && ! has 'slot a committed' &&
	has 'slot a did not prove healthy: rebooting' && ! has 'not committed in time'; then
	pass "$b/unhealthy_no_commit"
else fail "$b/unhealthy_no_commit" "qemu-run exit $rc: $(why)"; fi
exit 0
