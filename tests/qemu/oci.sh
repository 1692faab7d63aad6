#!/bin/sh
# `tug oci run` under a real kernel: the board's Debian kernel in QEMU with
# tug as PID 1 (a full cgroup v2 tree), the initramfs as the host root (so
# pivot_root is refused and the MS_MOVE + chroot fallback must work), and
# bundles asking for cgroup v2 limits:
#   initramfs_root  a container runs from an initramfs root
#   memory_oom      a 48 MiB allocation under memory.max 16 MiB is OOM-killed (137)
#   pids_max        a fork loop stops at pids.max (pids.events max > 0)
#   cpu_max         a busy loop at 10% is throttled (throttled_usec > 0)
#   pause_resume    pause/resume through cgroup.freeze
#   fallback_root_options  on the initramfs root: readonly root, masked
#                   paths, rootfsPropagation, seccomp without noNewPrivileges
#   fallback_userns a user namespace on the initramfs root
#   resources_devices  cpu shares/cpus, io weight, unified, device rules
#                   (eBPF) and linux.devices: files as written, a node the
#                   rules deny refused, one they allow (w) and a default one work
# Usage: tests/qemu/oci.sh [BOARD...] (default qemu-x86_64; BUSYBOX=path for another arch;
# QEMU_TUG=path for a binary other than build/BOARD/tug)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=qemu-oci
. "$top/tests/lib.sh"
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1
names="initramfs_root memory_oom pids_max cpu_max pause_resume fallback_root_options fallback_userns resources_devices"

skip_all() { for n in $names; do skip "$1/$n" "$2"; done; }

# bundle DIR PYTHON...: config.json from `tug oci spec`, rootfs /c/rootfs in the guest.
bundle() {
	_d=$1
	shift
	mkdir -p "$_d"
	"$HOST_TUG" oci spec --bundle "$_d"
	/usr/bin/python3 - "$_d/config.json" "$@" <<'PYEOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["root"]["path"] = "/c/rootfs"
c["root"]["readonly"] = False
for stmt in sys.argv[2:]:
    exec(stmt)
json.dump(c, open(p, "w"))
PYEOF
}

run_board() {
	b=$1
	O=build/$b
	# QEMU_TUG=path: test that binary (e.g. an engineer's own O= build) instead of $O/tug.
	tug_bin=${QEMU_TUG:-$O/tug}
	work=$O/qemu-oci
	[ -n "${QEMU_TUG:-}" ] && work=$(dirname "$QEMU_TUG")/qemu-oci-$b
	qemu=$(board_var "$b" BOARD_QEMU_SYSTEM)
	[ -n "$qemu" ] && command -v "$qemu" >/dev/null || { skip_all "$b" "no $qemu"; return; }
	bb=${BUSYBOX:-}
	if [ -z "$bb" ] && [ "$(board_var "$b" BOARD_ARCH)" = "$(uname -m)" ]; then bb=/bin/busybox; fi
	[ -n "$bb" ] && [ -x "$bb" ] || { skip_all "$b" "no busybox for $b (set BUSYBOX=)"; return; }
	[ -x "$tug_bin" ] || { skip_all "$b" "$tug_bin not built"; return; }
	HOST_TUG=build/qemu-x86_64/tug
	[ -x "$HOST_TUG" ] || HOST_TUG=$tug_bin

	rm -rf "$work"
	mkdir -p "$work/staging/bin" "$work/staging/tmp" "$work/staging/c/rootfs/bin"
	cp "$tug_bin" "$work/staging/init"
	cp "$tug_bin" "$work/staging/bin/tug"
	cp "$bb" "$work/staging/bin/busybox"
	for app in sh cat echo grep sleep seq; do ln -sf busybox "$work/staging/bin/$app"; done
	cp "$bb" "$work/staging/c/rootfs/bin/busybox"
	for app in sh cat echo grep sleep dd seq kill true touch mkdir tr head; do ln -sf busybox "$work/staging/c/rootfs/bin/$app"; done
	mkdir -p "$work/staging/c/rootfs/proc" "$work/staging/c/rootfs/sys" "$work/staging/c/rootfs/dev" \
		"$work/staging/c/rootfs/tmp"
	s=$work/staging
	bundle "$s/b/root" 'c["process"]["args"]=["sh","-c","echo container-ok $$"]'
	bundle "$s/b/mem" 'c["process"]["args"]=["sh","-c","echo memory.max:$(cat /sys/fs/cgroup/memory.max); exec dd if=/dev/zero of=/dev/null bs=48M count=1"]' \
		'c["linux"]["resources"]["memory"]={"limit":16777216,"swap":16777216}'
	bundle "$s/b/pids" 'c["process"]["args"]=["sh","-c","echo pids.max:$(cat /sys/fs/cgroup/pids.max); (for i in $(seq 1 16); do sleep 30 & done) 2>/dev/null; echo pids.events:$(cat /sys/fs/cgroup/pids.events)"]' \
		'c["linux"]["resources"]["pids"]={"limit":8}'
	bundle "$s/b/cpu" 'c["process"]["args"]=["sh","-c","echo cpu.max:$(cat /sys/fs/cgroup/cpu.max); (while :; do :; done) & sleep 2; kill $!; echo cpu.stat:$(grep throttled_usec /sys/fs/cgroup/cpu.stat)"]' \
		'c["linux"]["resources"]["cpu"]={"quota":10000,"period":100000}'
	bundle "$s/b/pause" 'c["process"]["args"]=["sleep","100"]'
	bundle "$s/b/ro" 'c["process"]["args"]=["sh","-c","touch /x 2>/dev/null && echo root-rw || echo root-ro; cat /proc/kcore 2>/dev/null | dd bs=1 count=1 2>/dev/null | grep -q . && echo kcore-open || echo kcore-masked; grep -E \"^(NoNewPrivs|Seccomp):\" /proc/self/status | tr -d \"\\t\" | tr \"\\n\" \" \"; mkdir /tmp/d 2>/dev/null || echo mkdir-denied"]' \
		'c["root"]["readonly"]=True' 'c["linux"]["rootfsPropagation"]="slave"' 'c["process"]["noNewPrivileges"]=False' \
		'c["mounts"].append({"destination":"/tmp","type":"tmpfs","source":"tmpfs"})' \
		'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}'
	# cpu.weight 59 for 512 shares: the curve crun uses (1024 -> 100), not runc's line (20).
	bundle "$s/b/res" 'c["process"]["args"]=["sh","-c","cd /sys/fs/cgroup; echo weight:$(cat cpu.weight) cpus:$(cat cpuset.cpus) high:$(cat memory.high) io:$(head -1 io.weight 2>/dev/null); (head -c1 /dev/mem2 >/dev/null) 2>&1 | grep -q \"not permitted\" && echo mem2-denied; (echo tug-test > /dev/kmsg2) && echo kmsg2-write-ok; (echo x > /dev/myfull) 2>&1 | grep -q \"No space\" && echo myfull-enospc; echo x > /dev/null && echo null-ok"]' \
		'c["linux"]["resources"]={"cpu":{"shares":512,"cpus":"0","mems":"0"},"blockIO":{"weight":500},"unified":{"memory.high":"33554432"},"devices":[{"allow":False,"access":"rwm"},{"allow":True,"type":"c","major":1,"minor":11,"access":"w"}]}' \
		'c["linux"]["devices"]=[{"path":"/dev/myfull","type":"c","major":1,"minor":7,"fileMode":438},{"path":"/dev/mem2","type":"c","major":1,"minor":1,"fileMode":384},{"path":"/dev/kmsg2","type":"c","major":1,"minor":11,"fileMode":384}]'
	bundle "$s/b/userns" 'c["process"]["args"]=["sh","-c","echo uid_map:$(cat /proc/self/uid_map)"]' \
		'c["linux"]["namespaces"].append({"type":"user"})' \
		'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]' \
		'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]'
	cat >"$s/payload" <<'PAYLOAD'
#!/bin/sh
for t in root mem pids cpu ro userns res; do
	echo "== $t"
	/bin/tug oci --root /tmp/oci run -b /b/$t $t 2>&1
	echo "rc=$?"
done
echo "== pause"
/bin/tug oci --root /tmp/oci run -d -b /b/pause p1 </dev/null 2>&1
/bin/tug oci --root /tmp/oci pause p1 2>&1
/bin/tug oci --root /tmp/oci state p1 | grep status
/bin/tug oci --root /tmp/oci resume p1 2>&1
/bin/tug oci --root /tmp/oci state p1 | grep status
/bin/tug oci --root /tmp/oci delete -f p1 2>&1 && echo deleted
echo "== end"
PAYLOAD
	chmod 755 "$s/payload"
	boot_payload "$b" "$work" || return

	if has root 'container-ok 1' && has root '^rc=0'; then pass "$b/initramfs_root"; else fail "$b/initramfs_root" "$(why root)"; fi
	if has mem 'memory.max:16777216' && has mem '^rc=137'; then pass "$b/memory_oom"; else fail "$b/memory_oom" "$(why mem)"; fi
	if has pids 'pids.max:8' && has pids 'pids.events:max [1-9]'; then pass "$b/pids_max"; else fail "$b/pids_max" "$(why pids)"; fi
	if has cpu 'cpu.max:10000 100000' && has cpu 'throttled_usec [1-9]'; then pass "$b/cpu_max"; else fail "$b/cpu_max" "$(why cpu)"; fi
	if has pause '"paused"' && has pause '"running"' && has pause '^deleted'; then
		pass "$b/pause_resume"
	else fail "$b/pause_resume" "$(why pause)"; fi
	if has ro 'root-ro' && has ro 'kcore-masked' && has ro 'NoNewPrivs:0 Seccomp:2' && has ro 'mkdir-denied' && has ro '^rc=0'; then
		pass "$b/fallback_root_options"
	else fail "$b/fallback_root_options" "$(why ro)"; fi
	if has userns 'uid_map: *0 *100000 *65536' && has userns '^rc=0'; then pass "$b/fallback_userns"; else fail "$b/fallback_userns" "$(why userns)"; fi
	if has res 'weight:59 cpus:0 high:33554432 io:default 4950' && has res 'mem2-denied' && has res 'kmsg2-write-ok' &&
		has res 'myfull-enospc' && has res 'null-ok' && has res '^rc=0'; then
		pass "$b/resources_devices"
	else fail "$b/resources_devices" "$(why res)"; fi
	echo "qemu-oci: $b kernel $kver; console in $work/console.log" >&2
}

boards="$*"
[ -n "$boards" ] || boards=${BOARD:-qemu-x86_64}
for b in $boards; do run_board "$b"; done
exit 0
