#!/bin/sh
# cgroup v2 limits under a real kernel: boot the board's Debian kernel in
# QEMU with the init (PID 1 mounts a full cgroup2 tree) and a payload that
# runs workloads through tests/integration/isolation_driver.c, i.e. the
# same platform/cgroup calls `tug oci run` makes:
#   memory.max  a 48 MiB allocation under a 16 MiB limit is OOM-killed
#   pids.max    a fork loop stops at the limit (pids.events max > 0)
#   cpu.max     a busy loop at 10% is throttled (cpu.stat throttled_usec > 0)
#   freeze      cgroup.freeze reaches "frozen 1" and back
#   devices     the eBPF device program denies a block device
# Usage: tests/qemu/cgroup.sh [BOARD...] (default qemu-x86_64: the payload
# needs busybox for the board; BUSYBOX=path gives one for another arch).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=qemu-cgroup
. "$top/tests/lib.sh"
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1
names="memory_oom pids_max cpu_max freeze devices"

skip_all() { for n in $names; do skip "$1/$n" "$2"; done; }

run_board() {
	b=$1
	O=build/$b
	work=$O/qemu-cgroup
	qemu=$(board_var "$b" BOARD_QEMU_SYSTEM)
	[ -n "$qemu" ] && command -v "$qemu" >/dev/null || { skip_all "$b" "no $qemu"; return; }
	bb=${BUSYBOX:-}
	if [ -z "$bb" ] && [ "$(board_var "$b" BOARD_ARCH)" = "$(uname -m)" ]; then bb=/bin/busybox; fi
	[ -n "$bb" ] && [ -x "$bb" ] || { skip_all "$b" "no busybox for $b (set BUSYBOX=)"; return; }
	[ -f "$O/libtug.a" ] || { skip_all "$b" "$O/libtug.a not built (make BOARD=$b)"; return; }
	init=$O/tug
	[ -x "$init" ] || { skip_all "$b" "$O/tug not built"; return; }

	rm -rf "$work"
	mkdir -p "$work/staging/bin" "$work/staging/tmp"
	cp "$init" "$work/staging/init"
	cp "$bb" "$work/staging/bin/busybox"
	for app in sh dd sleep head cat echo grep; do ln -sf busybox "$work/staging/bin/$app"; done
	gcc_=$(board_var "$b" BOARD_CROSS_COMPILE)gcc
	specs=/usr/lib/$(board_var "$b" BOARD_MUSL_TRIPLET)/musl-gcc.specs
	if ! "$gcc_" -specs "$specs" -I. -I"$O/include" -isystem "$O/sysroot/kheaders" \
		-isystem "$O/sysroot/include" -include platform/kconfig.h -D_GNU_SOURCE -std=gnu11 -Os \
		-static -o "$work/staging/driver" tests/integration/isolation_driver.c "$O/libtug.a" \
		-L"$O/sysroot/lib" -lseccomp -lcjson 2>"$work/cc.log"; then
		skip_all "$b" "cannot build the driver: $(head -c 200 "$work/cc.log")"
		return
	fi
	cat >"$work/staging/payload" <<'PAYLOAD'
#!/bin/sh
echo '{"memory":{"limit":16777216,"swap":16777216}}' >/tmp/mem.json
echo '{"pids":{"limit":8}}' >/tmp/pids.json
echo '{"cpu":{"quota":10000,"period":100000}}' >/tmp/cpu.json
echo '{"devices":[{"allow":false,"access":"rwm"}]}' >/tmp/dev.json
echo "== memory_oom"
/driver --resources /tmp/mem.json -- dd if=/dev/zero of=/dev/null bs=48M count=1
echo "== pids_max"
/driver --resources /tmp/pids.json --kill-after 2000 -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 30 & done; wait'
echo "== cpu_max"
/driver --resources /tmp/cpu.json --kill-after 2000 -- sh -c 'while :; do :; done'
echo "== freeze"
/driver --freeze-check -- sleep 100
echo "== devices"
mknod /tmp/blk b 7 0 2>/dev/null || mknod /tmp/blk b 1 0
/driver --resources /tmp/dev.json -- sh -c 'head -c1 /dev/null && echo null-ok; head -c1 /tmp/blk >/dev/null 2>/tmp/e || echo blk-denied; cat /tmp/e'
echo "== end"
PAYLOAD
	chmod 755 "$work/staging/payload"
	boot_payload "$b" "$work" || return
	num() { section "$1" | sed -n "s/^$2 //p" | head -1; }

	if has memory_oom 'memory.max:16777216' && has memory_oom '^signal=9' &&
		[ "$(num memory_oom memory.events:oom_kill)" -gt 0 ] 2>/dev/null; then
		pass "$b/memory_oom"
	else fail "$b/memory_oom" "$(why memory_oom)"; fi
	if has pids_max 'pids.max:8' && [ "$(num pids_max pids.events:max)" -gt 0 ] 2>/dev/null; then
		pass "$b/pids_max"
	else fail "$b/pids_max" "$(why pids_max)"; fi
	if has cpu_max 'cpu.max:10000 100000' && [ "$(num cpu_max cpu.stat:throttled_usec)" -gt 0 ] 2>/dev/null; then
		pass "$b/cpu_max"
	else fail "$b/cpu_max" "$(why cpu_max)"; fi
	if has freeze 'cgroup.events:frozen 1' && has freeze 'cgroup.events:frozen 0' && has freeze '^destroyed=1'; then
		pass "$b/freeze"
	else fail "$b/freeze" "$(why freeze)"; fi
	if has devices null-ok && has devices blk-denied; then
		pass "$b/devices"
	else fail "$b/devices" "$(why devices)"; fi
	echo "qemu-cgroup: $b kernel $kver; console in $work/console.log" >&2
}

boards="$*"
[ -n "$boards" ] || boards=${BOARD:-qemu-x86_64}
for b in $boards; do run_board "$b"; done
exit 0
