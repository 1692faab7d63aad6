#!/bin/sh
# Benchmark (not a test): start latency end to end through the engines,
# client -> daemon -> container -> exit, for one busybox /bin/true:
#   tug run --rm (tug CLI -> tugd), docker run --rm -> tugd (same engine,
#   Docker's client), docker run --rm -> a private dockerd (same client).
# Same docker-save image in both engines, --network none everywhere, the
# daemons and the timed commands pinned to one core (RUN_CPU, default 1).
# crun runs the same rootfs as an OCI bundle in the same hyperfine run, for
# the ratio to a bare runtime (in a private mount namespace with the cgroup
# v2 tree bound over /sys/fs/cgroup, as tools/bench.sh does; hyperfine runs
# inside it, so making it is not timed).
# Runtime state lives on a tmpfs, as on a device (/run): tug's run dir,
# crun's --root and dockerd's --exec-root; images and containers (tug's
# state dir, dockerd's data root) on the disk under /tmp.
#   tools/bench-run.sh [path/to/tug]      RUNS=N WARMUP=N to change hyperfine's counts
#   TUG_BEFORE=path/to/other/tug: one more row, that binary's tug run --rm
#   against its own tugd (before/after a change in the same hyperfine run)
set -eu
# make bench exports its own engine's socket: this script talks to its own.
unset DOCKER_HOST TUG_HOST
top=$(cd "$(dirname "$0")/.." && pwd)
TUG=${1:-$top/build/qemu-x86_64/tug}
BEFORE=${TUG_BEFORE:-}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
CPU=${RUN_CPU-1}
[ "$(nproc)" -gt 1 ] || CPU=
pin() { if [ -n "$CPU" ]; then taskset -c "$CPU" "$@"; else "$@"; fi; }
W=$(mktemp -d /tmp/bench-run.XXXXXX)
DK="/usr/bin/docker -H unix://$W/d/sock"
stop_all() {
	$DK rm -f $($DK ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	kill "$(cat "$W/d/pid" 2>/dev/null)" 2>/dev/null || true
	# tugd first, and only once it is gone its keeper: a tugd that sees its
	# keeper go starts a new one (tests/lib.sh tugd_stop does the same).
	for r in tug before; do
		p=$(cat "$W/run/$r/tugd.pid" 2>/dev/null)
		if [ -n "$p" ] && kill "$p" 2>/dev/null; then
			for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		fi
		kill "$(cat "$W/run/$r/keeper.pid" 2>/dev/null)" 2>/dev/null || true
	done
	sleep 1
	awk -v t="$W/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
	rm -rf "$W"
}
trap stop_all EXIT
mkdir -p "$W/rootfs" "$W/t/state" "$W/run" "$W/d"
mount -t tmpfs -o mode=0755 tug-bench-run "$W/run"
mkdir -p "$W/run/tug"
(. "$top/tests/lib.sh" && busybox_rootfs "$W/rootfs")
/usr/bin/python3 "$top/tests/integration/mkbusybox_tar.py" "$W/rootfs" "$W/busybox.tar" bench/busybox:1

mkdir -p "$W/bundle"
cp -a "$W/rootfs" "$W/bundle/rootfs"
(cd "$W/bundle" && runc spec)
/usr/bin/python3 - "$W/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"))
PY

export TUG_STATE_DIR=$W/t/state TUG_RUN_DIR=$W/run/tug
"$TUG" load -q -i "$W/busybox.tar"
ln -s "$TUG" "$W/tugd"
pin "$W/tugd" >"$W/t/tugd.log" 2>&1 &
if [ -n "$BEFORE" ]; then
	mkdir -p "$W/b/state" "$W/run/before"
	ln -s "$BEFORE" "$W/b/tugd"
	(
		export TUG_STATE_DIR=$W/b/state TUG_RUN_DIR=$W/run/before
		"$BEFORE" load -q -i "$W/busybox.tar"
		pin "$W/b/tugd" >"$W/b/tugd.log" 2>&1
	) &
fi
pin dockerd --data-root "$W/d/data" --exec-root "$W/run/docker" --host "unix://$W/d/sock" \
	--pidfile "$W/d/pid" --bridge none --iptables=false --ip6tables=false \
	--storage-driver overlay2 --log-level warn >"$W/d/log" 2>&1 &
for _ in $(seq 150); do $DK version >/dev/null 2>&1 && [ -S "$W/run/tug/tug.sock" ] &&
	{ [ -z "$BEFORE" ] || [ -S "$W/run/before/tug.sock" ]; } && break; sleep 0.2; done
$DK load -q -i "$W/busybox.tar" >/dev/null

tug_run="$TUG run --rm --network none bench/busybox:1 /bin/true"
crun_run="crun --root $W/run/crun --cgroup-manager=disabled run -b $W/bundle bench-crun"
dk_tug="/usr/bin/docker -H unix://$W/run/tug/tug.sock run --rm --network none bench/busybox:1 /bin/true"
dk_dk="$DK run --rm --network none bench/busybox:1 /bin/true"
before_run="$BEFORE -H unix://$W/run/before/tug.sock run --rm --network none bench/busybox:1 /bin/true"
[ -n "$BEFORE" ] || before_run=
for c in "$tug_run" "$dk_tug" "$dk_dk" $([ -n "$before_run" ] && echo before); do
	[ "$c" = before ] && c=$before_run
	$c >/dev/null 2>"$W/probe" || { echo "probe failed: $c: $(tail -1 "$W/probe")"; exit 1; }
done
"$top/tools/bench/cgroup2ns.sh" $crun_run >/dev/null 2>"$W/probe" ||
	{ echo "probe failed: $crun_run: $(tail -1 "$W/probe")"; exit 1; }
echo "hyperfine: $WARMUP warm-up + $RUNS runs each, pinned to core ${CPU:-none}; $(nproc) cores, $(uname -r)"
pin "$top/tools/bench/cgroup2ns.sh" hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/h.json" \
	-n "tug run --rm (tug CLI -> tugd)" "$tug_run" \
	-n "crun run (same rootfs, bundle)" "$crun_run" \
	-n "docker run --rm -> tugd" "$dk_tug" \
	-n "docker run --rm -> dockerd" "$dk_dk" \
	${before_run:+-n "tug run --rm, TUG_BEFORE"} ${before_run:+"$before_run"} \
	>"$W/h.out" 2>&1 || { cat "$W/h.out"; exit 1; }
/usr/bin/python3 - "$W/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
crun = r[1]["mean"]
print("%-34s %10s %9s %9s %8s %8s" % ("command", "mean ms", "sd ms", "min ms", "x tug", "x crun"))
for x in r:
    print("%-34s %10.2f %9.2f %9.2f %8.1f %8.2f" % (x["command"], x["mean"] * 1e3, x["stddev"] * 1e3,
                                                  x["min"] * 1e3, x["mean"] / base, x["mean"] / crun))
PY
