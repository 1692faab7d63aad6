#!/bin/sh
# tug as PID 1 on each board (docs/init.md): boot the board image made by
# tools/mkimage.sh with a test manifest, and check on the way to a clean
# power off:
#   boot        the manifest's containers start, the first one read-only
#               (it runs without overlayfs, before the modules are in);
#               boot times printed (kernel hand-off to /init, /init to the
#               first container's exec by its own clock: /bin/stamp)
#   memory_oom  a 48 MiB allocation under memory "16m" is OOM-killed: exit
#               137, `tug inspect` says State.OOMKilled=true, and a second
#               run brings Docker's oom event to `tug events`
#   pids_max    a fork loop under pids 8 stops at the limit
#   bridge      a container on the default bridge network (the manifest
#               lists no nf_tables module: init adds what the engine's NAT
#               needs) starts at boot; on the console it shows its eth0
#               with the address inspect reports, and a default route
#   exec        `tug exec` in a running container prints its output and
#               returns its exit code; the exec process is reaped (no zombie;
#               on MIPS a pidfd_open by x86's number once left it hanging)
#   restart     on-failure:2 restarts an exiting container twice
#   orphan      an orphaned grandchild of PID 1 is reaped (no zombies)
#   update_limits `tug update --memory 64m --pids-limit 20` of a running
#               container (docker update's call) writes its memory.max and
#               pids.max at once, and inspect shows the new limit; `tug
#               commit` of it (frozen meanwhile) thaws it after
#   sigterm     SIGTERM to PID 1 stops every running container through the
#               engine (tugd's stop: signal, SIGKILL at stop_timeout), each
#               reported on the console, and powers off in time
#               (with the watchdog armed: a clean shutdown does not reset)
#   watchdog_kill (boards with BOARD_QEMU_WATCHDOG) killing the feeder
#               resets the board; this boot uses a store pre-loaded at build
#               time and modules without signatures (mkimage
#               --unsigned-modules: they must load) and reports that boot
#               time too
#   ro_layers   (same boot) a read-only first container whose image has two
#               layers (so it needs overlayfs, which no one loaded yet)
#               starts the first time: the kernel asks for overlay through
#               the boot runner's modprobe helper
# Usage: tests/qemu/pid1.sh [BOARD...] (default: the four QEMU boards)
# TUG_BUILD=DIR tests DIR/<board>/tug instead of build/<board>/tug.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=qemu-pid1
. "$top/tests/lib.sh"
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1
names="boot bridge exec devices memory_oom pids_max restart orphan update_limits sigterm"
STOP_TIMEOUT=3

skip_all() { for n in $names; do skip "$1/$n" "$2"; done; }
log() { echo "qemu-pid1: $*" >&2; }

# manifest FILE WATCHDOG_MODULE WATCHDOG_TIMEOUT [FIRST_IMAGE]
manifest() {
	first_image=${4:-busybox:latest} more=
	[ "$first_image" = busybox:latest ] ||
		more=', { "archive": "/usr/share/tug/images/busybox2.tar", "ref": "busybox2:latest" }'
	cat >"$1" <<JSON
{ "hostname": "pid1-test",
  "modules": ["overlay", "loop", "squashfs", "veth", "bridge", "$2"],
  "watchdog": { "timeout": $3 },
  "stop_timeout": $STOP_TIMEOUT,
  "images": [ { "archive": "/usr/share/tug/images/busybox.tar", "ref": "busybox:latest" }$more ],
  "containers": [
    { "name": "first", "image": "$first_image", "network": "none", "console": true,
      "read_only": true,
      "cmd": ["stamp", "sh", "-c", "cat /proc/uptime /etc/layer2 2>/dev/null; touch /x 2>/dev/null && echo rootfs=writable || echo rootfs=read-only"] },
    { "name": "hog", "image": "busybox:latest", "network": "none", "memory": "16m",
      "cmd": ["dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1"] },
    { "name": "forker", "image": "busybox:latest", "network": "none", "pids": 8,
      "cmd": ["sh", "-c", "(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 60 & done); exec sleep 60"] },
    { "name": "flaky", "image": "busybox:latest", "network": "none", "restart": "on-failure:2",
      "cmd": ["sh", "-c", "echo flaky run; exit 3"] },
    { "name": "steady", "image": "busybox:latest", "network": "none", "restart": "always",
      "depends_on": ["first"], "cmd": ["sleep", "3600"] },
    { "name": "web", "image": "busybox:latest", "network": "bridge", "console": true,
      "cmd": ["sh", "-c", "ip -4 addr show dev eth0; ip route; exec sleep 3600"] }
  ] }
JSON
}

payload() {
	mkdir -p "$1/etc/tug"
	cat >"$1/etc/tug/pid1-test.sh" <<'SH'
#!/bin/sh
# Give the hog, the fork loop and the restarts time to happen.
sleep 3
# Docker-style inspect through the API (tug inspect -f).
field() { tug inspect -f "{{$2}}" "$1"; }
echo "== memory_oom"
echo "exit=$(field hog .State.ExitCode) oomkilled=$(field hog .State.OOMKilled) status=$(field hog .State.Status)"
echo "kernel_oom=$(dmesg | grep -c 'Memory cgroup out of memory')"
# Once more with an events follower: Docker's oom event, then die.
tug events >/tmp/events 2>&1 &
ev=$!
sleep 1
tug start hog >/dev/null
tug wait hog >/dev/null
sleep 1
kill $ev
echo "oom_event=$(grep ' oom ' /tmp/events | grep -c 'name=hog') again_oomkilled=$(field hog .State.OOMKilled)"
echo "== pids_max"
id=$(field forker .Id)
echo "pids.max=$(cat /sys/fs/cgroup/tug/$id/pids.max 2>/dev/null)"
echo "pids.current=$(cat /sys/fs/cgroup/tug/$id/pids.current 2>/dev/null)"
echo "events.max=$(sed -n 's/^max //p' /sys/fs/cgroup/tug/$id/pids.events 2>/dev/null)"
echo "== restart"
echo "restarts=$(field flaky .RestartCount) exit=$(field flaky .State.ExitCode) status=$(field flaky .State.Status)"
echo "== orphan"
sh -c 'sleep 1 & echo $! >/tmp/orphan'
sleep 2
o=$(cat /tmp/orphan)
if [ -d /proc/$o ]; then echo "orphan=$o still there: $(cat /proc/$o/stat)"; else echo "orphan=reaped"; fi
echo "zombies=$(initctl zombies)"
echo "== update_limits"
# docker update / tug update of a running container: its cgroup files change at once.
id=$(field steady .Id)
echo "before=$(cat /sys/fs/cgroup/tug/$id/memory.max 2>/dev/null)"
tug update --memory 64m --pids-limit 20 steady >/dev/null 2>/tmp/upd.err
echo "rc=$? warnings=$(wc -l </tmp/upd.err)"
echo "memory.max=$(cat /sys/fs/cgroup/tug/$id/memory.max 2>/dev/null) pids.max=$(cat /sys/fs/cgroup/tug/$id/pids.max 2>/dev/null) inspect=$(field steady .HostConfig.Memory)"
# docker commit freezes a running container while its layer is written, then thaws it.
tug commit steady snap:1 >/dev/null 2>/tmp/commit.err
echo "commit=$? freeze=$(cat /sys/fs/cgroup/tug/$id/cgroup.freeze 2>/dev/null) snap=$(tug images | grep -c '^snap ')"
echo "== exec"
out=$(timeout 30 tug exec steady sh -c 'echo exec-ok; exit 3')
echo "rc=$? out=$out"
sleep 1
echo "zombies=$(initctl zombies)"
echo "== devices"
# dockerd's device policy in cgroup v2 alone: mknod is allowed, opening
# /dev/kmsg's node (no capability needed to write it) is not; /dev/null still works.
out=$(tug run --rm --network none busybox sh -c 'mknod /dev/m c 1 11 && echo made; echo tug-devtest 2>/dev/null >/dev/m && echo WROTE; echo x >/dev/null && echo nullok' 2>&1 | tr '\n' '-')
echo "devices=$out"
echo "== bridge"
# On the default bridge: the manifest lists no nf_tables module, init adds them.
# What the container sees (eth0, its routes) it prints on the console.
echo "status=$(field web .State.Status) inspect_ip=$(field web .NetworkSettings.IPAddress)"
echo "== ps"
tug ps -a
echo "running=$(tug ps -q | wc -l)"
echo "== sigterm"
kill -TERM 1
sleep 60
SH
	cat >"$1/etc/tug/wdt-test.sh" <<'SH'
#!/bin/sh
sleep 1
echo "== watchdog_kill"
for p in /proc/[0-9]*; do
	[ "$(cat $p/comm 2>/dev/null)" = tug-watchdog ] && kill -KILL "${p#/proc/}" && echo "feeder killed"
done
sleep 120
SH
	chmod 755 "$1/etc/tug/pid1-test.sh" "$1/etc/tug/wdt-test.sh"
}

# two_layers SRC DST: SRC (a docker-save archive of one layer) with a second
# layer holding /etc/layer2, as busybox2:latest.
two_layers() {
	python3 - "$1" "$2" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
t = tarfile.open(src)
files = {m.name.lstrip("./"): t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
man = json.loads(files["manifest.json"])[0]
cfg = json.loads(files[man["Config"]])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as lt:
    data = b"second layer\n"
    ti = tarfile.TarInfo("etc/layer2")
    ti.size = len(data)
    lt.addfile(ti, io.BytesIO(data))
layer = buf.getvalue()
diff = hashlib.sha256(layer).hexdigest()
cfg["rootfs"]["diff_ids"].append("sha256:" + diff)
cfg_bytes = json.dumps(cfg).encode()
cfg_name = hashlib.sha256(cfg_bytes).hexdigest() + ".json"
layers = man["Layers"] + [diff + "/layer.tar"]
out = {man["Layers"][0]: files[man["Layers"][0]], layers[1]: layer, cfg_name: cfg_bytes,
       "manifest.json": json.dumps([{"Config": cfg_name, "RepoTags": ["busybox2:latest"],
                                     "Layers": layers}]).encode()}
with tarfile.open(dst, "w") as o:
    for name, data in out.items():
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        o.addfile(ti, io.BytesIO(data))
PY
}

boot_times() { # CONSOLE_LOG LABEL
	echo "qemu-pid1: $b ($2) $(tools/boot-times.sh "$1" || echo "boot: no times on the console")" >&2
}

run_board() {
	b=$1
	O=${TUG_BUILD:-build}/$b
	work=$O/qemu-pid1
	qemu=$(board_var "$b" BOARD_QEMU_SYSTEM)
	[ -n "$qemu" ] && command -v "$qemu" >/dev/null || { skip_all "$b" "no $qemu"; return; }
	[ -x "$O/tug" ] || { skip_all "$b" "$O/tug not built (make BOARD=$b)"; return; }
	wdt=$(board_var "$b" BOARD_QEMU_WATCHDOG)
	kfile=$(board_var "$b" BOARD_KERNEL_FILE)
	if [ -n "$wdt" ]; then wmod=i6300esb; wflag=--watchdog; else wmod=softdog; wflag=; fi
	rm -rf "$work"
	mkdir -p "$work/extra"
	manifest "$work/manifest.json" "$wmod" 10
	payload "$work/extra"
	if ! tools/mkimage.sh --board "$b" --out "$work/img" --manifest "$work/manifest.json" \
		--extra "$work/extra" --no-preload 2>"$work/mkimage.log"; then
		skip_all "$b" "mkimage failed: $(tail -n 1 "$work/mkimage.log")"
		return
	fi
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img/$kfile" \
		--initrd "$work/img/initramfs.cpio.gz" --timeout "${QEMU_TIMEOUT:-150}" $wflag \
		--log "$work/console.log" --append tug.test=/etc/tug/pid1-test.sh 2>"$work/qemu-run.err"
	rc=$?
	cat "$work/qemu-run.err" >&2
	con=$(tr -d '\r' <"$work/console.log")
	val() { section "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

	if printf '%s\n' "$con" | grep -q 'boot: 6 of 6 containers started' &&
		printf '%s\n' "$con" | grep -q '^\[first\] [0-9]' &&
		printf '%s\n' "$con" | grep -q '^\[first\] rootfs=read-only'; then
		pass "$b/boot"
		boot_times "$work/console.log" "image loaded at boot"
	else
		fail "$b/boot" "$(printf '%s\n' "$con" | grep 'tug-init:' | tail -n 3 | tr '\n' ' ')"
	fi
	e=$(val memory_oom exit) o=$(val memory_oom oomkilled) ko=$(val memory_oom kernel_oom)
	oe=$(val memory_oom oom_event) o2=$(val memory_oom again_oomkilled)
	if [ "$e" = 137 ] && [ "$o" = true ] && [ "${ko:-0}" -gt 0 ] 2>/dev/null &&
		[ "${oe:-0}" -ge 1 ] 2>/dev/null && [ "$o2" = true ]; then
		pass "$b/memory_oom"
	else fail "$b/memory_oom" "exit=$e OOMKilled=$o kernel_oom=$ko oom_event=$oe OOMKilled(2nd run)=$o2"; fi
	# A container on the bridge network started at boot: its eth0 has the
	# address inspect reports, and a default route through the bridge.
	ip=$(printf '%s\n' "$con" | sed -n 's/^\[web\] *inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
	if [ "$(val bridge status)" = running ] && [ -n "$ip" ] &&
		[ "$ip" = "$(val bridge inspect_ip)" ] &&
		printf '%s\n' "$con" | grep -q '^\[web\] default via '; then
		pass "$b/bridge"
		log "$b: bridge container web has eth0 $ip"
	else fail "$b/bridge" "$(why bridge) $(printf '%s\n' "$con" | grep -E 'tug-init: .*web|^\[web\]' | head -n 4 | tr '\n' ' ')"; fi
	if [ "$(val exec rc)" = 3 ] && [ "$(val exec out)" = exec-ok ] && [ "$(val exec zombies)" = 0 ]; then
		pass "$b/exec"
	else fail "$b/exec" "$(section exec | tr '\n' ' ')"; fi
	if [ "$(val devices devices)" = made-nullok- ]; then
		pass "$b/devices"
	else fail "$b/devices" "$(section devices | tr '\n' ' ')"; fi
	if [ "$(val pids_max pids.max)" = 8 ] && [ "$(val pids_max events.max)" -gt 0 ] 2>/dev/null; then
		pass "$b/pids_max"
	else fail "$b/pids_max" "$(section pids_max | tr '\n' ' ')"; fi
	if [ "$(val restart restarts)" = 2 ] && [ "$(val restart exit)" = 3 ]; then
		pass "$b/restart"
	else fail "$b/restart" "$(section restart | tr '\n' ' ')"; fi
	if [ "$(val orphan orphan)" = reaped ] && [ "$(val orphan zombies)" = 0 ]; then
		pass "$b/orphan"
	else fail "$b/orphan" "$(section orphan | tr '\n' ' ')"; fi
	if [ "$(val update_limits before)" = max ] && [ "$(val update_limits rc)" = 0 ] &&
		[ "$(val update_limits warnings)" = 0 ] && [ "$(val update_limits memory.max)" = 67108864 ] &&
		[ "$(val update_limits pids.max)" = 20 ] && [ "$(val update_limits inspect)" = 67108864 ] &&
		[ "$(val update_limits commit)" = 0 ] && [ "$(val update_limits freeze)" = 0 ] &&
		[ "$(val update_limits snap)" = 1 ]; then
		pass "$b/update_limits"
	else fail "$b/update_limits" "$(section update_limits | tr '\n' ' ')"; fi
	# Every running container stopped by the engine (tugd's stop: SIGTERM,
	# SIGKILL at the deadline), then a clean power off within the deadline.
	off=$(printf '%s\n' "$con" | sed -n 's/.*shutdown: power off after \([0-9]*\) ms.*/\1/p' | tail -n 1)
	running=$(val ps running)
	stopped=$(printf '%s\n' "$con" | sed -n 's/.*shutdown: \([0-9]*\) of \([0-9]*\) running containers stopped through the engine.*/\1 \2/p' | tail -n 1)
	if [ "$rc" -eq 0 ] && printf '%s\n' "$con" | grep -q 'shutdown (power off)' &&
		[ "${running:-0}" -ge 2 ] 2>/dev/null && [ "$stopped" = "$running $running" ] &&
		printf '%s\n' "$con" | grep -q 'shutdown: container steady stopped' &&
		printf '%s\n' "$con" | grep -q 'shutdown: container forker stopped' &&
		[ -n "$off" ] && [ "$off" -le $(((STOP_TIMEOUT + 3) * 1000)) ] &&
		! printf '%s\n' "$con" | grep -q 'watchdog did not stop'; then
		pass "$b/sigterm"
		log "$b: SIGTERM -> $running containers stopped by the engine, power off in $off ms (deadline ${STOP_TIMEOUT} s + 3 s)"
	else fail "$b/sigterm" "qemu-run exit $rc, $running running, stopped by the engine: ${stopped:-none}, power off after ${off:-?} ms (see $work/console.log)"; fi

	[ -n "$wdt" ] || return 0
	# Watchdog expiry: kill the feeder; a pre-loaded store and unsigned
	# modules for the boot time. The first container's image has two layers.
	debarch=$(board_var "$b" BOARD_DEBARCH)
	cp -a "$work/extra" "$work/extra-wdt"
	mkdir -p "$work/extra-wdt/usr/share/tug/images"
	two_layers "build/busybox/$debarch/busybox-image.tar" \
		"$work/extra-wdt/usr/share/tug/images/busybox2.tar" ||
		{ fail "$b/ro_layers" "cannot make a two-layer image"; return; }
	manifest "$work/manifest-wdt.json" "$wmod" 4 busybox2:latest
	tools/mkimage.sh --board "$b" --out "$work/img-wdt" --manifest "$work/manifest-wdt.json" \
		--extra "$work/extra-wdt" --preload --unsigned-modules 2>"$work/mkimage-wdt.log" ||
		{ fail "$b/watchdog_kill" "mkimage --preload failed: $(tail -n 1 "$work/mkimage-wdt.log")"; return; }
	tools/qemu-run.sh --quiet --board-dir "board/$b" --kernel "$work/img-wdt/$kfile" \
		--initrd "$work/img-wdt/initramfs.cpio.gz" --timeout 90 --watchdog \
		--log "$work/console-wdt.log" --append tug.test=/etc/tug/wdt-test.sh 2>"$work/qemu-run-wdt.err"
	rc=$?
	cat "$work/qemu-run-wdt.err" >&2
	con=$(tr -d '\r' <"$work/console-wdt.log")
	boot_times "$work/console-wdt.log" "store pre-loaded at build time, unsigned modules"
	if [ "$rc" -eq 5 ] && printf '%s\n' "$con" | grep -q 'feeder killed'; then
		pass "$b/watchdog_kill"
	else fail "$b/watchdog_kill" "qemu-run exit $rc, want 5 (reset) (see $work/console-wdt.log)"; fi
	# Started the first time: no failed start reported, then retried.
	if printf '%s\n' "$con" | grep -q '^\[first\] second layer' &&
		printf '%s\n' "$con" | grep -q '^\[first\] rootfs=read-only' &&
		! printf '%s\n' "$con" | grep -q 'tug-init: container first:'; then
		pass "$b/ro_layers"
	else fail "$b/ro_layers" "$(printf '%s\n' "$con" | grep -E 'tug-init: (container first|boot:)|^\[first\]' | head -n 4 | tr '\n' ' ')"; fi
}

boards="$*"
[ -n "$boards" ] || boards=${BOARD:-"qemu-x86_64 qemu-aarch64 qemu-armv7 qemu-mipsel"}
for b in $boards; do run_board "$b"; done
exit 0
