#!/bin/sh
# Power cuts in the middle of updates (docs/updates.md, "Power cuts in
# QEMU"), on qemu-x86_64 with tug as PID 1. The state dir (/var/lib/tug) is
# an ext4 disk on virtio-blk that survives the VM's restarts: a small
# /preinit (rdinit=) loads virtio_blk and ext4, mounts the disk and execs
# tug, as a board's initramfs mounts its data partition.
#
# Boot 0 sets up revision 1 (`tug apply`: db and web on app:v1, worker on
# app:nohc) and a container `solo` (app:v1), and times one transaction of
# each kind. Every later boot first checks what the previous cut left, then
# starts one transaction (the kind rotates: `tug apply` to the other
# revision, `tug update solo` to the other image, an apply whose worker
# never turns healthy and must roll back), and the host cuts the power
# through the QEMU monitor (`quit`) at a random instant between the
# transaction's start marker and a little past its measured length. After
# each cut the next boot checks, from inside:
#   - the device is in exactly the old or the new state: the revision in
#     update/current.json and the image of every running container are
#     those from before the transaction or those it was going to;
#   - every container of the current revision (update/revisions/N.json) is
#     running with that id, every container is either one of them or solo
#     (nothing of the losing side, no NAME.tug-old), no journal is left;
#   - the keeper has exactly as many children as tug shows running
#     containers (no process of a losing container lives on unseen);
#   - `tug system check` is clean.
# Cases: setup, cuts (PASS when POWERCUT_N cuts, default 50, all ended old
# or new with a clean check), consistent_after_cuts (no stray, every check
# clean), final_boot.
# The counts are printed on stderr: old, new, mixed, unclean, and where in
# the transaction the cuts landed.
# Usage: tests/qemu/powercut.sh. TUG_BUILD=DIR tests DIR/qemu-x86_64/tug;
# POWERCUT_N=cuts, POWERCUT_SEED=seed (printed, to repeat a run),
# POWERCUT_LANES=VMs cut in parallel (default 2, each its own disk and
# its own share of the cuts).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=qemu-powercut
. "$top/tests/lib.sh"
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1
b=qemu-x86_64
names="setup cuts consistent_after_cuts final_boot"
tug=${TUG_BUILD:-build}/$b/tug
work=${TUG_BUILD:-build}/$b/qemu-powercut
N=${POWERCUT_N:-50}
seed=${POWERCUT_SEED:-$$}
# Independent VMs (own disk each) cut in parallel: a boot is mostly one
# host CPU, so two lanes halve the wall time on a 2-CPU machine.
LANES=${POWERCUT_LANES:-2}

skip_all() { for n in $names; do skip "$b/$n" "$1"; done; exit 0; }
log() { echo "qemu-powercut: $*" >&2; }

qemu=$(board_var $b BOARD_QEMU_SYSTEM)
command -v "$qemu" >/dev/null || skip_all "no $qemu"
[ -x "$tug" ] || skip_all "$tug not built (make BOARD=$b)"
command -v mkfs.ext4 >/dev/null || skip_all "no mkfs.ext4 (e2fsprogs)"
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3 (monitor client, image writer)"

rm -rf "$work"
mkdir -p "$work/extra/etc/tug" "$work/extra/var/lib/tug" "$work/seed"
kfile=$(board_var $b BOARD_KERNEL_FILE)
kver=$(tools/qemu-kernel.sh "board/$b" "$work/kernel" 2>"$work/kernel.log") ||
	skip_all "no kernel: $(tail -n 1 "$work/kernel.log")"
deb=$(kernel_deb $b "$kver")
[ -n "$deb" ] || skip_all "no kernel .deb for $kver in build/kernels/$b"
# ext4 and what it needs: the kernel has them as modules only.
EXT4_MODS="lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4"
for m in $EXT4_MODS; do
	deb_module "$deb" "$kver" "$m" "$work/extra" || skip_all "$m.ko not in $deb"
done

# The images: app:v1, app:v2 (healthy when /version exists), app:bad (never
# healthy), app:nohc (no health check), on Debian's static busybox.
bb=build/busybox/amd64/root/bin/busybox
if [ ! -x "$bb" ]; then
	tools/mkimage.sh --board $b --out "$work/img" --manifest /dev/null --no-preload \
		--no-watchdog >/dev/null 2>"$work/mkimage.log" ||
		skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
fi
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" \
	"$work/rootfs/dev" "$work/rootfs/sys"
cp "$bb" "$work/rootfs/bin/busybox"
for a in sh sleep test cat true; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/:/bin/sh' >"$work/rootfs/etc/passwd"
MK="/usr/bin/python3 tests/integration/update_mkimage.py $work/rootfs"
$MK "$work/v1.tar" app:v1 v1 'test -f /version' &&
	$MK "$work/v2.tar" app:v2 v2 'test -f /version' &&
	$MK "$work/bad.tar" app:bad bad 'exit 1' &&
	$MK "$work/nohc.tar" app:nohc nohc || skip_all "update_mkimage.py failed"
# Loaded on the host into the disk's first contents (mkfs.ext4 -d): the
# boots unpack nothing.
for i in v1 v2 bad nohc; do
	TUG_STATE_DIR=$work/seed "$tug" load -q -i "$work/$i.tar" >/dev/null 2>>"$work/load.log" ||
		skip_all "tug load $i.tar failed: $(tail -n 1 "$work/load.log")"
done

cat >"$work/manifest.json" <<'JSON'
{ "hostname": "powercut", "modules": ["overlay"], "stop_timeout": 3 }
JSON
cat >"$work/extra/preinit" <<SH
#!/bin/sh
# Mount the state disk (ext4), then become tug (still PID 1).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
m=/lib/modules/$kver/kernel
for k in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \\
	drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \\
	$EXT4_MODS; do
	/bin/busybox insmod \$m/\$k.ko
done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; /bin/busybox sleep 0.2; done
/bin/busybox mount -t ext4 /dev/vda /var/lib/tug || echo "preinit: mount /dev/vda failed"
exec /init
SH
# Revision A and B of the device, and a B whose worker never gets healthy.
cat >"$work/extra/etc/tug/A.json" <<'J'
{"containers": [{"name": "db", "image": "app:v1", "restart": "always", "networks": ["none"]},
 {"name": "web", "image": "app:v1", "after": ["db"], "restart": "always", "networks": ["none"]},
 {"name": "worker", "image": "app:nohc", "after": ["web"], "restart": "always", "networks": ["none"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]}],
 "deadline": 30, "stable": 0.5}
J
sed 's/"app:v1"/"app:v2"/g' "$work/extra/etc/tug/A.json" >"$work/extra/etc/tug/B.json"
sed 's/"image": "app:nohc"/"image": "app:bad"/' "$work/extra/etc/tug/A.json" >"$work/extra/etc/tug/bad.json"

# The guest's side: check what the last cut left, then one transaction.
cat >"$work/extra/etc/tug/pc.sh" <<'SH'
#!/bin/sh
S=/var/lib/tug
P=$S/powercut
mkdir -p $P
up() { cut -d' ' -f1 /proc/uptime; }
rev_now() { grep Revision $S/update/current.json 2>/dev/null | tr -cd 0-9; }
images_now() { tug ps --format '{{.Names}}={{.Image}}' | sort | tr '\n' ' '; }
# How many children the keeper has (every container is one).
keeper_children() {
	k=$(cat /run/tug/keeper.pid 2>/dev/null)
	[ -n "$k" ] && [ -d /proc/$k ] || { echo none; return; }
	cat /proc/$k/task/*/children 2>/dev/null | wc -w
}
# Why the device is not consistent, or nothing. One ps for everything:
# "ID NAME IMAGE STATE" of every container.
inconsistent() {
	r=$(rev_now)
	[ -n "$r" ] || { echo "no current revision"; return; }
	want=$(sed -n '/"Containers"/,/}/p' $S/update/revisions/$r.json 2>/dev/null |
		grep -o '[0-9a-f]\{64\}' | sort)
	[ -n "$want" ] || { echo "revision $r has no containers"; return; }
	all=$(tug ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Image}} {{.State}}')
	for id in $want; do
		echo "$all" | grep -q "^$id .* running\$" || { echo "revision $r container ${id%${id#????????????}} not running"; return; }
	done
	echo "$all" | grep -q "^[0-9a-f]* solo .* running\$" || { echo "solo not running"; return; }
	for id in $(echo "$all" | grep -v "^[0-9a-f]* solo " | cut -d' ' -f1); do
		echo "$want" | grep -qx "$id" || { echo "container $(echo "$all" | grep "^$id" | cut -d' ' -f2) is not of revision $r"; return; }
	done
	[ ! -e $S/update/journal.json ] || { echo "journal left"; return; }
	k=$(keeper_children) n=$(echo "$all" | grep -c ' running$')
	[ "$k" = "$n" ] || { echo "the keeper has $k children, $n containers run"; return; }
}
settle() {
	i=0
	while [ $i -lt 100 ]; do
		why=$(inconsistent)
		[ -z "$why" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# Wait for the engine (the replay of a cut-off transaction is over when it answers).
i=0
while ! tug info >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo "PC-UP $(up)"
if [ ! -f $P/setup ]; then
	t0=$(up)
	tug apply /etc/tug/A.json >/dev/null || echo "PC-SETUP-FAIL apply"
	tug run -d --name solo --network none --restart always app:v1 >/dev/null || echo "PC-SETUP-FAIL run"
	settle || echo "PC-SETUP-FAIL $why"
	# One of each, to time them: the host cuts within these lengths.
	for k in B.json A.json; do
		a=$(up); tug apply /etc/tug/$k >/dev/null; echo "PC-TIME apply $a $(up)"
	done
	for k in v2 v1; do
		a=$(up); tug update solo app:$k >/dev/null; echo "PC-TIME update $a $(up)"
	done
	a=$(up); tug apply /etc/tug/bad.json >/dev/null; echo "PC-TIME bad $a $(up)"
	settle || echo "PC-SETUP-FAIL $why"
	touch $P/setup
	sync
	echo "PC-SETUP-DONE rev=$(rev_now) $(images_now)"
	exit 0
fi
# The check of what the last cut left.
if settle; then why=; fi
r=$(rev_now) img=$(images_now)
class=none
if [ -f $P/expect ]; then
	. $P/expect
	if [ "$img" = "$old_img" ] && [ "$r" = "$old_rev" ]; then
		class=old
	elif [ "$img" = "$new_img" ] && [ $kind = update ] && [ "$r" = "$old_rev" ]; then
		class=new
	elif [ "$img" = "$new_img" ] && [ $kind = apply ] && [ "$r" != "$old_rev" ]; then
		class=new
	else
		class=mixed
	fi
fi
echo "PC-T settled $(up)"
clean=yes
tug system check >$P/check.out 2>&1 || clean="no: $(tail -n 2 $P/check.out | tr '\n' ' ')"
replay=$(grep -o "was cut off in phase '[a-z]*'" /run/tug/tugd.log 2>/dev/null | head -n 1 | cut -d"'" -f2)
echo "PC-T checked $(up)"
echo "PC-CHECK class=$class replay=${replay:-none} consistent=${why:-yes} clean=$clean rev=$r $img"
[ -n "$why" ] && echo "PC-WHY $why" && tug ps -a && grep . /run/tug/tugd.log | tail -n 40
grep -q pc.final /proc/cmdline && exit 0

# The next transaction; its kind rotates with the boots.
n=$(cat $P/count 2>/dev/null || echo 0)
echo $((n + 1)) >$P/count
case $((n % 3)) in
0)	kind=apply
	if echo "$img" | grep -q 'db=app:v1'; then f=B new=$(echo "$img" | sed 's/db=app:v1/db=app:v2/; s/web=app:v1/web=app:v2/')
	else f=A new=$(echo "$img" | sed 's/db=app:v2/db=app:v1/; s/web=app:v2/web=app:v1/'); fi
	cmd="tug apply /etc/tug/$f.json" ;;
1)	kind=update
	if echo "$img" | grep -q 'solo=app:v1'; then v=v2; else v=v1; fi
	new=$(echo "$img" | sed "s/solo=app:v[12]/solo=app:$v/")
	cmd="tug update solo app:$v" ;;
2)	kind=bad
	new=$img
	cmd="tug apply /etc/tug/bad.json" ;;
esac
printf 'kind=%s\nold_rev=%s\nold_img="%s"\nnew_img="%s"\n' $kind "$r" "$img" "$new" >$P/expect.tmp
sync
mv $P/expect.tmp $P/expect
sync
tug events --filter type=tug 2>/dev/null | while read -r l; do echo "PC-EV $l"; done &
sleep 0.3
echo "PC-BEGIN $kind $(up)"
$cmd >/dev/null 2>&1
echo "PC-END $kind $? $(up)"
sleep 600
SH
chmod 755 "$work/extra/preinit" "$work/extra/etc/tug/pc.sh"
tools/mkimage.sh --board $b --out "$work/img" --manifest "$work/manifest.json" \
	--extra "$work/extra" --no-preload --no-watchdog >/dev/null 2>"$work/mkimage.log" ||
	skip_all "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
# A small initramfs: only the modules this test loads, no demo image.
st=$work/img/staging
rm -rf "$st/usr/share/tug/images"
find "$st/lib/modules" -name '*.ko' | while read -r f; do
	case "$f" in */virtio* | */overlay* | */ext4* | */jbd2* | */mbcache* | */crc16* | */crc32c*) ;;
	*) rm -f "$f" ;; esac
done
# Modules without their signatures (mkimage --unsigned-modules does the
# same): the kernel's check is most of a module's load time under TCG.
find "$st/lib/modules" -name '*.ko' -exec /usr/bin/python3 tools/strip-module-signatures.py {} + ||
	skip_all "stripping module signatures failed"
tools/mkinitramfs.sh "$work/img/initramfs.cpio.gz" "$st" || skip_all "mkinitramfs failed"
# One disk per lane: the lanes are independent devices cut in parallel.
for l in $(seq "$LANES"); do
	truncate -s 128M "$work/state-$l.img"
	mkfs.ext4 -q -F -d "$work/seed" "$work/state-$l.img" >/dev/null 2>"$work/mkfs.log" ||
		skip_all "mkfs.ext4 -d failed: $(tail -n 1 "$work/mkfs.log")"
done

# boot LANE N [APPEND]: one qemu run on the lane's disk in the background; sets pid.
boot() {
	rm -f "$work/console-$1-$2.log"
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img/$kfile" \
		--initrd "$work/img/initramfs.cpio.gz" --timeout "${QEMU_TIMEOUT:-120}" \
		--log "$work/console-$1-$2.log" --monitor "$work/mon-$1" \
		--append "rdinit=/preinit no_timer_check tug.engine tug.test=/etc/tug/pc.sh ${3:-}" \
		-- -drive "file=$work/state-$1.img,format=raw,if=virtio" -nic none \
		2>"$work/qemu-run-$1-$2.err" &
	pid=$!
}
con() { cat "$work/console-$1-$2.log" 2>/dev/null | tr -d '\r'; }
# wait_for LANE N PATTERN SECONDS: until the console shows PATTERN (0) or qemu ends (1).
wait_for() {
	_i=0
	while [ $_i -lt $(($4 * 20)) ]; do
		con "$1" "$2" | grep -q "$3" && return 0
		kill -0 $pid 2>/dev/null || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
# cut_power LANE: `quit` on the monitor: qemu stops at once, the guest's
# page cache and the virtio queue are gone, what reached the disk file stays.
cut_power() { qemu_quit "$work/mon-$1"; }
# ms between two uptime stamps
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# lane L CUTS: setup boot, CUTS boots each cut once, a last boot that checks;
# results in $work/lane-L.res (shell assignments), cut phases in lane-L.phases.
lane() {
	L=$1 n=$2
	res=$work/lane-$L.res
	: >"$work/lane-$L.phases"
	boot "$L" 0
	wait $pid
	rc=$?
	c=$(con "$L" 0)
	if [ $rc -ne 0 ] || ! printf '%s\n' "$c" | grep -q '^PC-SETUP-DONE' || printf '%s\n' "$c" | grep -q PC-SETUP-FAIL; then
		echo "setup_fail='qemu-run exit $rc: $(printf '%s\n' "$c" | grep -E 'PC-|preinit|tug-init' | tail -n 4 | tr '\n' ' ' | tr -d "'")'" >"$res"
		return
	fi
	for k in apply update bad; do
		l=$(printf '%s\n' "$c" | grep "^PC-TIME $k " | tail -n 1)
		d=$(ms "$(echo "$l" | cut -d' ' -f3)" "$(echo "$l" | cut -d' ' -f4)")
		eval "len_$k=$d"
		log "lane $L setup: one $k takes $d ms"
	done
	oldn=0 newn=0 mixed=0 unclean=0 incons=0 none=0 noready=0 rc=0 retry=0
	i=1
	while [ $i -le $((n + 1)) ]; do
		final=
		[ $i -gt "$n" ] && final=pc.final
		boot "$L" $i $final
		if [ -n "$final" ]; then
			wait $pid
			rc=$?
		elif wait_for "$L" $i '^PC-BEGIN' 90; then
			kind=$(con "$L" $i | sed -n 's/^PC-BEGIN \([a-z]*\) .*/\1/p')
			eval "len=\$len_$kind"
			# Anywhere from the start marker to 20% past the window.
			delay=$(awk -v s="$seed" -v r="$((L * 1000 + i))" -v l="$len" \
				'BEGIN { srand(s * 10000 + r); printf "%d", rand() * l * 1.2 }')
			sleep "$(awk -v m="$delay" 'BEGIN { print m / 1000 }')"
			cut_power "$L"
			wait $pid
			# Where it landed: the last engine event before the cut.
			at=$(con "$L" $i | sed -n 's/^PC-EV .* tug [a-z]*: \([a-z]*\) .*/\1/p; s/^\(PC-END\).*/done/p' | tail -n 1)
			echo "$kind:${at:-begin}" >>"$work/lane-$L.phases"
			# A transaction that ended before the cut: its length is the
			# window of the next cut of this kind (the host's load changes).
			e=$(con "$L" $i | sed -n "s/^PC-END $kind [0-9]* //p")
			bgn=$(con "$L" $i | sed -n "s/^PC-BEGIN $kind //p")
			# One cut before the end: the window grows a little, so that
			# cuts still reach the commit when the host slows down.
			if [ -n "$e" ] && [ -n "$bgn" ]; then
				eval "len_$kind=$(ms "$bgn" "$e")"
			else
				eval "len_$kind=$((len * 11 / 10))"
			fi
			log "lane $L boot $i: $kind cut after $delay ms (at ${at:-begin})"
		else
			cut_power "$L" 2>/dev/null
			wait $pid
			log "lane $L boot $i: no transaction started: $(con "$L" $i | grep -E 'PC-|preinit|tug-init' | tail -n 3 | tr '\n' ' ')"
			con "$L" $i | grep -q '^PC-CHECK' && noready=$((noready + 1))
		fi
		chk=$(con "$L" $i | grep '^PC-CHECK' | tail -n 1)
		# A boot that died before its check (a TCG timer panic on a loaded
		# host, say) changed nothing on the disk: boot again.
		if [ -z "$chk" ] && [ "$retry" -lt 2 ]; then
			retry=$((retry + 1))
			log "lane $L boot $i: no check ($(cat "$work/qemu-run-$L-$i.err" | tr '\n' ' ')): booting again"
			continue
		fi
		retry=0
		case "$chk" in *consistent=yes*clean=yes*) ;; *)
			log "lane $L boot $i: ${chk:-no check}; $(con "$L" $i | grep PC-WHY)" ;; esac
		if [ $i = 1 ]; then
			# Boot 1 checks what the clean setup left, not a cut.
			case "$chk" in *consistent=yes*clean=yes*) ;; *) incons=$((incons + 1)) ;; esac
			i=2
			continue
		fi
		case "$chk" in
		*class=old*) oldn=$((oldn + 1)) ;;
		*class=new*) newn=$((newn + 1)) ;;
		*class=mixed*) mixed=$((mixed + 1)) ;;
		*) none=$((none + 1)) ;;
		esac
		case "$chk" in *clean=yes*) ;; *) unclean=$((unclean + 1)) ;; esac
		case "$chk" in *consistent=yes*) ;; *) incons=$((incons + 1)) ;; esac
		i=$((i + 1))
	done
	con "$L" $((n + 1)) | grep -q '^PC-CHECK' || rc="$rc, no check"
	echo "oldn=$oldn newn=$newn mixed=$mixed unclean=$unclean incons=$incons none=$none noready=$noready final='$rc'" >"$res"
}

log "$N cuts on $LANES lanes, POWERCUT_SEED=$seed"
start=$(date +%s)
per=$((N / LANES))
for l in $(seq "$LANES"); do
	k=$per
	[ "$l" -le $((N - per * LANES)) ] && k=$((per + 1))
	lane "$l" "$k" &
done
wait
secs=$(($(date +%s) - start))
tot_old=0 tot_new=0 tot_mixed=0 tot_unclean=0 tot_incons=0 tot_none=0 tot_noready=0 setup= finals=
for l in $(seq "$LANES"); do
	setup_fail= oldn=0 newn=0 mixed=0 unclean=0 incons=0 none=0 noready=0 final=
	[ -f "$work/lane-$l.res" ] && . "$work/lane-$l.res"
	[ -n "$setup_fail" ] && setup="$setup lane $l: $setup_fail"
	tot_old=$((tot_old + oldn)) tot_new=$((tot_new + newn)) tot_mixed=$((tot_mixed + mixed))
	tot_unclean=$((tot_unclean + unclean)) tot_incons=$((tot_incons + incons))
	tot_none=$((tot_none + none)) tot_noready=$((tot_noready + noready))
	[ "$final" = 0 ] || finals="$finals lane $l: qemu-run exit ${final:-?};"
done
if [ -n "$setup" ]; then
	fail "$b/setup" "$setup"
	for n in cuts consistent_after_cuts final_boot; do skip "$b/$n" "no setup"; done
	exit 0
fi
pass "$b/setup"
cuts=$((N - tot_noready))
log "$cuts power cuts on $LANES lanes in $secs s: $tot_old ended old, $tot_new ended new, $tot_mixed mixed, $tot_none not checked, $tot_incons inconsistent, $tot_unclean unclean (tug system check)"
log "where the cuts landed (kind:last engine step before the cut): $(cat "$work"/lane-*.phases | sort | uniq -c | awk '{printf "%s %d, ", $2, $1}')"
if [ $tot_mixed = 0 ] && [ $tot_none = 0 ] && [ $((tot_old + tot_new)) = "$N" ] && [ $tot_noready = 0 ]; then
	pass "$b/cuts"
else
	fail "$b/cuts" "$cuts cuts: $tot_old old, $tot_new new, $tot_mixed mixed, $tot_none not checked (see $work/console-*.log)"
fi
if [ $tot_incons = 0 ] && [ $tot_unclean = 0 ]; then
	pass "$b/consistent_after_cuts"
else
	fail "$b/consistent_after_cuts" "$tot_incons inconsistent, $tot_unclean unclean after $cuts cuts (see $work/console-*.log)"
fi
if [ -z "$finals" ]; then
	pass "$b/final_boot"
else
	fail "$b/final_boot" "$finals"
fi
exit 0
