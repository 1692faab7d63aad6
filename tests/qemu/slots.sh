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
# On a second disk (ext4: the containers must survive the reboots), with
# revision N applied (keep, web, old) and slot a active:
#   trial_apply_held  the trial binary of slot b applies revision N+1 (keep
#                    unchanged, web changed, old dropped, new added): the
#                    apply commits, the old containers are kept (held)
#   trial_signals_unblocked  what the slot's PID 1 starts (the payload) has
#                    no signal blocked (PID 1 blocks all for itself; the
#                    mask survives the exec into the slot)
#   trial_apply_rolls_back  the trial is never committed and runs out of
#                    tries: the next boot on slot a runs revision N's
#                    containers with their ids, none of N+1's, no
#                    NAME.tug-old, `tug revisions` shows N current and
#                    `tug system check` is clean
#   cut_tries_counted  a trial of 4 tries whose boots lose power at random
#                    instants around PID 1's try count (the QEMU monitor's
#                    `quit`; SLOTS_CUTS boots, default 5, SLOTS_SEED): each
#                    boot that said "try K" was followed by one that says
#                    "try K+1" (or falls back after the fourth), one that was
#                    cut before saying it by "try K+1" or "try K+2", never
#                    fewer; the record stays readable; after the tries the
#                    boot is back on slot a with the failed trial recorded
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
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1
b=qemu-x86_64
names="good_trial_boot good_stays bad_tries bad_rolls_back deadline healthy_commit unhealthy_no_commit
	trial_apply_held trial_signals_unblocked trial_apply_rolls_back cut_tries_counted"
tug=${TUG_BUILD:-build}/$b/tug
work=${TUG_BUILD:-build}/$b/qemu-slots

skip_all() { for n in $names; do skip "$b/$n" "$1"; done; exit 0; }
log() { echo "qemu-slots: $*" >&2; }

qemu=$(board_var $b BOARD_QEMU_SYSTEM)
command -v "$qemu" >/dev/null || skip_all "no $qemu"
[ -x "$tug" ] || skip_all "$tug not built (make BOARD=$b)"
command -v mkfs.minix >/dev/null || skip_all "no mkfs.minix (util-linux)"
command -v gcc >/dev/null || skip_all "no gcc for the bad binary"
command -v mkfs.ext4 >/dev/null || skip_all "no mkfs.ext4 (e2fsprogs)"
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3 (image writer, monitor client)"
CUTS=${SLOTS_CUTS:-5}
seed=${SLOTS_SEED:-$$}

rm -rf "$work"
mkdir -p "$work/extra/etc/tug" "$work/extra/usr/lib/tug" "$work/extra/var/lib/tug"
# The kernel tree that mkimage uses; minix.ko comes from the same .deb.
if ! tools/mkimage.sh --board $b --out "$work/img" --manifest /dev/null --no-preload \
	--no-watchdog >/dev/null 2>"$work/mkimage.log"; then
	skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
fi
kver=$(ls "$work/img/staging/lib/modules" | head -n 1)
deb=$(kernel_deb $b "$kver")
[ -n "$deb" ] || skip_all "no kernel .deb for $kver in build/kernels/$b"
deb_module "$deb" "$kver" fs/minix/minix "$work/extra" || skip_all "minix.ko not in $deb"
# ext4 and what it needs, for the disk whose containers survive reboots.
EXT4_MODS="lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4"
for m in $EXT4_MODS; do
	deb_module "$deb" "$kver" "$m" "$work/extra" || skip_all "$m.ko not in $deb"
done

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
if /bin/busybox grep -q tug.ext4 /proc/cmdline; then
	# The whole store on the disk: containers live on across the boots.
	for k in $EXT4_MODS fs/overlayfs/overlay; do /bin/busybox insmod \$m/\$k.ko; done
	/bin/busybox mount -t ext4 /dev/vda /var/lib/tug || echo "preinit: mount /dev/vda failed"
	# A mark the host can see before PID 1 counts a try (for the cut boots).
	echo "preinit: exec /init in 0.3 s"
	/bin/busybox sleep 0.3
	exec /init
fi
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
python3 - "build/busybox/$(board_var $b BOARD_DEBARCH)/busybox-image.tar" "$work/extra/etc/tug/hc.tar" <<'PY' ||
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
# The ext4 disk: revision N (built-in binary), slot a made active, slot b
# installed for one try, a manifest that fails (the trial never commits).
cat >"$work/extra/etc/tug/revN.json" <<'J'
{"containers": [
 {"name": "keep", "image": "hc:plain", "restart": "always", "networks": ["none"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name": "web", "image": "hc:ok", "restart": "always", "networks": ["none"], "after": ["keep"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name": "old", "image": "hc:plain", "restart": "always", "networks": ["none"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]}
], "deadline": 60, "stable": 1}
J
# N+1: keep unchanged, web changed, old dropped, new added.
sed 's/"name": "old"/"name": "new"/; s/"image": "hc:ok",/"image": "hc:ok", "env": ["V=2"],/' \
	"$work/extra/etc/tug/revN.json" >"$work/extra/etc/tug/revN1.json"
cat >"$work/extra/etc/tug/r-lib.sh" <<'SH'
S=/var/lib/tug
i=0
while ! tug info >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ctrs() { tug ps -a --no-trunc --format '{{.Names}}={{.ID}} {{.State}}' | sort | tr '\n' ' '; }
revs() { tug revisions | awk 'NR>1{print $1, $2}' | tr '\n' ' '; }
SH
cat >"$work/extra/etc/tug/r1.sh" <<'SH'
#!/bin/sh
. /etc/tug/r-lib.sh
tug apply /etc/tug/revN.json >/dev/null 2>&1
echo "applyN=$?"
echo "ctrsN: $(ctrs)"
tug slot install --tries 1 --deadline 300 /usr/lib/tug/good >/dev/null
tug slot commit
tug slot install --tries 1 --deadline 300 /usr/lib/tug/good
echo '{ "containers": [ { "name": "broken", "image": "nosuch:latest", "cmd": ["true"] } ] }' >$S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/r2.sh" <<'SH'
#!/bin/sh
. /etc/tug/r-lib.sh
echo "exe=$(busybox readlink /proc/1/exe)"
echo "sigblk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/self/status)"
tug apply /etc/tug/revN1.json >/dev/null 2>&1
echo "applyN1=$?"
echo "held: $(ctrs)"
echo "revs: $(revs)"
rm -f $S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/r3.sh" <<'SH'
#!/bin/sh
. /etc/tug/r-lib.sh
echo "exe=$(busybox readlink /proc/1/exe)"
echo "ctrs3: $(ctrs)"
echo "revs: $(revs)"
tug system check >/dev/null 2>&1
echo "check=$?"
echo "journal=$(ls $S/update/journal.json 2>/dev/null)"
# Next: a trial of four tries that never commits, its boots cut.
tug slot install --tries 4 --deadline 300 /usr/lib/tug/good
echo '{ "containers": [ { "name": "broken", "image": "nosuch:latest", "cmd": ["true"] } ] }' >$S/manifest.json
kill -INT 1; sleep 60
SH
cat >"$work/extra/etc/tug/r4.sh" <<'SH'
#!/bin/sh
echo "exe=$(busybox readlink /proc/1/exe)"
tug slot status | sed 's/^/status: /'
kill -INT 1; sleep 60
SH
chmod 755 "$work/extra/preinit" "$work"/extra/etc/tug/p*.sh "$work"/extra/etc/tug/r*.sh
tools/mkimage.sh --board $b --out "$work/img" --manifest "$work/extra/etc/tug/manifest.json" \
	--extra "$work/extra" --no-preload --no-watchdog >/dev/null 2>"$work/mkimage.log" ||
	skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
truncate -s 32M "$work/state.img"
mkfs.minix -3 "$work/state.img" >/dev/null || skip_all "mkfs.minix failed"
# The images are in the ext4 disk from the start (loaded on the host).
mkdir -p "$work/seed"
TUG_STATE_DIR=$work/seed "$tug" load -q -i "$work/extra/etc/tug/hc.tar" >/dev/null 2>"$work/load.log" ||
	skip_all "tug load hc.tar failed: $(tail -n 1 "$work/load.log")"
truncate -s 128M "$work/rev.img"
mkfs.ext4 -q -F -d "$work/seed" "$work/rev.img" >/dev/null 2>"$work/mkfs.log" ||
	skip_all "mkfs.ext4 -d failed: $(tail -n 1 "$work/mkfs.log")"
kfile=$(board_var $b BOARD_KERNEL_FILE)

# boot N PAYLOAD [TIMEOUT] [DISK] [APPEND]: one qemu run on the state disk
# (or DISK.img); sets rc and con.
boot() {
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img/$kfile" \
		--initrd "$work/img/initramfs.cpio.gz" --timeout "${3:-${QEMU_TIMEOUT:-120}}" \
		--log "$work/console-$1.log" --append "rdinit=/preinit tug.test=/etc/tug/$2.sh ${5:-}" \
		-- -drive "file=$work/${4:-state}.img,format=raw,if=virtio" 2>"$work/qemu-run-$1.err"
	rc=$?
	log "boot $1 ($2): $(cat "$work/qemu-run-$1.err")"
	con=$(tr -d '\r' <"$work/console-$1.log")
}
has() { printf '%s\n' "$con" | grep -q "$1"; }
why() { printf '%s\n' "$con" | grep -E 'tug-init|preinit|status:|exe=|marker=|apply|ctrs|held:|revs:|check=|journal=' | grep -v 'shutdown' | tail -n 8 | tr '\n' ' '; }
val() { printf '%s\n' "$con" | sed -n "s/^$1//p" | tail -n 1; }
# cut_boot N PAYLOAD DELAY_MS: a boot of the ext4 disk whose power is cut
# (monitor `quit`: what the guest had not written is lost) DELAY_MS after
# the preinit said it execs tug in 0.3 s (PID 1 counts the try a little
# after that); sets con.
cut_boot() {
	rm -f "$work/console-$1.log"
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img/$kfile" \
		--initrd "$work/img/initramfs.cpio.gz" --timeout 120 --log "$work/console-$1.log" \
		--monitor "$work/mon" --append "rdinit=/preinit tug.test=/etc/tug/$2.sh tug.ext4" \
		-- -drive "file=$work/rev.img,format=raw,if=virtio" 2>"$work/qemu-run-$1.err" &
	_pid=$!
	_i=0
	while [ $_i -lt 3000 ] && kill -0 $_pid 2>/dev/null &&
		! tr -d '\r' 2>/dev/null <"$work/console-$1.log" | grep -q 'preinit: exec /init in'; do
		sleep 0.02
		_i=$((_i + 1))
	done
	sleep "$(awk -v m="$3" 'BEGIN { print m / 1000 }')"
	qemu_quit "$work/mon" 2>/dev/null
	wait $_pid
	con=$(tr -d '\r' <"$work/console-$1.log")
	log "boot $1 ($2): cut $3 ms after the preinit's exec: $(printf '%s\n' "$con" | grep -o 'try [0-9] of 4\|back to slot a' | tr '\n' ' ')"
}

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

# The ext4 disk: revision N, then slot b's trial applies N+1 and fails.
boot 11 r1 120 rev tug.ext4
ctrsN=$(val 'ctrsN: ')
if [ "$rc" -ne 4 ] || ! has 'applyN=0' || ! has 'installed /usr/lib/tug/good in slot b' ||
	[ "$(printf '%s' "$ctrsN" | grep -o ' running' | wc -l)" != 3 ]; then
	for n in trial_apply_held trial_signals_unblocked trial_apply_rolls_back cut_tries_counted; do
		fail "$b/$n" "set-up boot: qemu-run exit $rc: $(why)"
	done
	exit 0
fi
boot 12 r2 150 rev tug.ext4
held=$(val 'held: ')
if [ "$rc" -eq 4 ] && has 'slots: trial boot of slot b, try 1 of 1' && has 'exe=/var/lib/tug/slots/b' &&
	has 'applyN1=0' && ! has 'slot b committed' && has 'revs: 2 current 1 committed' &&
	case "$held" in *' new='*running*'old.tug-old='*exited*'web.tug-old='*exited*) true ;; *) false ;; esac; then
	pass "$b/trial_apply_held"
else fail "$b/trial_apply_held" "qemu-run exit $rc: $(why)"; fi
if has 'exe=/var/lib/tug/slots/b' && has 'sigblk=0000000000000000$'; then
	pass "$b/trial_signals_unblocked"
else fail "$b/trial_signals_unblocked" "the payload's blocked signals: $(val 'sigblk=')"; fi
boot 13 r3 120 rev tug.ext4
after=$(val 'ctrs3: ')
if [ "$rc" -eq 4 ] && has 'slot b not committed after 1 tries: back to slot a' &&
	has 'exe=/var/lib/tug/slots/a' && [ "$after" = "$ctrsN" ] && has 'revs: 2 rolled 1 current' &&
	has 'check=0' && has 'journal=$'; then
	pass "$b/trial_apply_rolls_back"
else fail "$b/trial_apply_rolls_back" "qemu-run exit $rc: revision N was: $ctrsN; $(why)"; fi

# Power cuts while a trial boot counts its try. The try is what each boot
# says ("try K of 4"), after it is on disk; a boot cut before saying it may
# or may not have counted. Known: the count on disk is from low to high.
log "$CUTS cut boots, SLOTS_SEED=$seed"
low=0 high=0 bad='' done=0
# judge N CUT: what boot N said, against what was known.
judge() {
	k=$(printf '%s\n' "$con" | sed -n 's/.*slots: trial boot of slot b, try \([0-9]\) of 4.*/\1/p' | head -n 1)
	if has 'tug-init: slots: .*\(slots\.json\|count the try\|exec \)'; then
		bad="$bad boot $1: $(printf '%s\n' "$con" | grep 'tug-init: slots: ' | head -n 1);"
	elif has 'slot b not committed after 4 tries'; then
		[ "$high" -ge 4 ] || bad="$bad boot $1 fell back after at most $high tries;"
		done=1 low=4 high=4
	elif [ -n "$k" ]; then
		[ "$k" -ge $((low + 1)) ] && [ "$k" -le $((high + 1)) ] ||
			bad="$bad boot $1: try $k, expected $((low + 1))..$((high + 1));"
		low=$k high=$k
	elif [ "${2:-}" = cut ]; then
		[ "$high" -lt 4 ] && high=$((high + 1))
	else
		# No trial any more: a cut boot fell back before it said so.
		[ "$high" -ge 4 ] || bad="$bad boot $1: no trial after at most $high tries;"
		done=1
	fi
}
n=14
while [ $n -lt $((14 + CUTS)) ]; do
	cut_boot $n r4 "$(awk -v s="$seed" -v r="$n" 'BEGIN { srand(s * 100 + r); printf "%d", 150 + rand() * 450 }')"
	judge $n cut
	n=$((n + 1))
done
# Boot until the trial is over (four tries at most), then the record.
last=$((n + 4))
while [ $n -le $last ]; do
	boot $n r4 120 rev tug.ext4
	judge $n
	[ $done = 1 ] && break
	n=$((n + 1))
done
if [ -z "$bad" ] && [ $done = 1 ] && [ "$rc" -eq 4 ] && has 'exe=/var/lib/tug/slots/a' &&
	has 'status: active: a' && has 'status: last failed trial: slot b after 4 tries' &&
	! has 'status: trial'; then
	pass "$b/cut_tries_counted"
else fail "$b/cut_tries_counted" "${bad:-} last boot $n: qemu-run exit $rc: $(why)"; fi
exit 0
