#!/bin/sh
# Benchmark (not a test): container start with a bridge network against
# --network none, through tugd and through a private dockerd (its own
# docker0 bridge and iptables rules), same docker CLI, same busybox image,
# `docker run --rm IMAGE /bin/true`. Everything runs inside a network
# namespace made here: the host's interfaces and firewall are not touched.
#   tools/bench-net.sh [path/to/tug]      RUNS=N WARMUP=N to change hyperfine's counts
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TUG=$(realpath "${1:-$top/build/qemu-x86_64/tug}")
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
ns=tugbench$$
W=$(mktemp -d /tmp/bench-net.XXXXXX)
N="nsenter --net=/run/netns/$ns"
DK="/usr/bin/docker -H unix://$W/d/sock"
DT="/usr/bin/docker -H unix://$W/t/run/tug.sock"
stop_all() {
	$DK rm -f $($DK ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	kill "$(cat "$W/d/pid" 2>/dev/null)" 2>/dev/null || true
	# tugd before its keeper (tests/lib.sh): a tugd that sees the keeper go starts another.
	(. "$top/tests/lib.sh" && tugd_stop "$W/t/run") || true
	sleep 1
	awk -v t="$W/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$W"
}
trap 'rc=$?; [ $rc = 0 ] || tail -n 3 "$W/t/tugd.log" "$W/d/log" >&2; stop_all' EXIT
ip netns add "$ns"
$N ip link set lo up
mkdir -p "$W/rootfs" "$W/t/state" "$W/t/run" "$W/d"
(. "$top/tests/lib.sh" && busybox_rootfs "$W/rootfs")
/usr/bin/python3 "$top/tests/integration/mkbusybox_tar.py" "$W/rootfs" "$W/busybox.tar" bench/busybox:1
ln -s "$TUG" "$W/tugd"
TUG_STATE_DIR=$W/t/state TUG_RUN_DIR=$W/t/run TUG_DEFAULT_NETWORK=bridge $N "$W/tugd" >"$W/t/tugd.log" 2>&1 &
$N dockerd --data-root "$W/d/data" --exec-root "$W/d/exec" --host "unix://$W/d/sock" \
	--pidfile "$W/d/pid" --storage-driver overlay2 --log-level warn >"$W/d/log" 2>&1 &
for _ in $(seq 150); do $DK version >/dev/null 2>&1 && $DT version >/dev/null 2>&1 && break; sleep 0.2; done
$DK load -q -i "$W/busybox.tar" >/dev/null
$DT load -q -i "$W/busybox.tar" >/dev/null
for c in "$DT run --rm --network bridge bench/busybox:1 /bin/true" "$DK run --rm --network bridge bench/busybox:1 /bin/true"; do
	$c >/dev/null 2>"$W/probe" || { echo "probe failed: $c: $(tail -1 "$W/probe")"; exit 1; }
done
echo "hyperfine: $WARMUP warm-up + $RUNS runs each; $(nproc) cores, $(uname -r)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/h.json" \
	-n "docker run --network none -> tugd" "$DT run --rm --network none bench/busybox:1 /bin/true" \
	-n "docker run --network bridge -> tugd" "$DT run --rm --network bridge bench/busybox:1 /bin/true" \
	-n "docker run --network none -> dockerd" "$DK run --rm --network none bench/busybox:1 /bin/true" \
	-n "docker run --network bridge -> dockerd" "$DK run --rm --network bridge bench/busybox:1 /bin/true" \
	>"$W/h.out" 2>&1 || { cat "$W/h.out"; exit 1; }
/usr/bin/python3 - "$W/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("%-40s %10s %10s %9s %9s" % ("command", "median ms", "mean ms", "sd ms", "min ms"))
for x in r:
    print("%-40s %10.2f %10.2f %9.2f %9.2f" % (x["command"], x["median"] * 1e3, x["mean"] * 1e3,
                                              x["stddev"] * 1e3, x["min"] * 1e3))
print("bridge cost (medians): tugd %+.2f ms, dockerd %+.2f ms"
      % ((r[1]["median"] - r[0]["median"]) * 1e3, (r[3]["median"] - r[2]["median"]) * 1e3))
PY
