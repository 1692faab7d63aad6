#!/bin/bash
# make bench: tug side by side with crun, runc and Docker's engine, measured
# in one run on this machine, written to docs/BENCHMARKS.md.
#
#   BENCH_QUICK=1   fast smoke run (few runs, fewer containers); the report
#                   goes to build/bench/BENCHMARKS.md unless BENCH_OUT is set
#   BENCH_CPU=N     core the timed commands and daemons are pinned to
#                   (default 1; empty: no pinning)
#   BENCH_OUT=FILE  where the report goes
#   BENCH_DIR=DIR   scratch directory (default build/bench)
#   BENCH_PEERS=0|1 also run the areas' tools/bench-<area>.sh as an appendix
#                   (default 1, 0 with BENCH_QUICK)
#
# Each run also keeps its figures in build/bench/results-<time>.tsv;
# tools/bench/compare.sh A.tsv B.tsv checks two runs agree within 25%.
# Needs root: containers, a private dockerd, mount namespaces.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BENCH_QUICK=${BENCH_QUICK:-0}
BENCH_CPU=${BENCH_CPU-1}
BENCH_DIR=${BENCH_DIR:-$top/build/bench}
if [ "$BENCH_QUICK" = 1 ]; then
	RUNS=5 WARMUP=1 SEQ_N=10 SEQ_RUNS=2 MEM_N=10 LOAD_RUNS=1 BOOT_BOARDS=qemu-x86_64
	BENCH_OUT=${BENCH_OUT:-$BENCH_DIR/BENCHMARKS.md}
	BENCH_PEERS=${BENCH_PEERS:-0}
else
	RUNS=30 WARMUP=5 SEQ_N=100 SEQ_RUNS=3 MEM_N=50 LOAD_RUNS=3
	BOOT_BOARDS="qemu-x86_64 qemu-aarch64 qemu-armv7 qemu-mipsel"
	BENCH_OUT=${BENCH_OUT:-docs/BENCHMARKS.md}
	BENCH_PEERS=${BENCH_PEERS:-1}
fi
LOAD_MB=50 LOAD_LAYERS=5 PULL_MB=100 PULL_LAYERS=5
LOAD_REF=bench/load:1
DOCKER_IMAGE=bench/busybox:1
TUG_IMAGE=bench/busybox:1
TUG=$top/build/qemu-x86_64/tug
RESULTS=$BENCH_DIR/results.tsv
META=$BENCH_DIR/meta.tsv
BUNDLE=$BENCH_DIR/bundle
IMAGES=$BENCH_DIR/images
DOCKER_WHY=
AMBIENT_WHY=

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (containers, a private dockerd, mount namespaces)" >&2
	exit 1
fi

# A previous run's engines must be gone before its directory is reused.
mkdir -p "$BENCH_DIR"
. tools/bench/lib.sh
. tools/bench/dockerd.sh
. tools/bench/tugd.sh
. tools/bench/size.sh
. tools/bench/start.sh
. tools/bench/memory.sh
. tools/bench/load.sh
. tools/bench/pull.sh
. tools/bench/boot.sh
. tools/bench/peers.sh
dockerd_stop
unmount_under "$BENCH_DIR"
rm -rf "$BENCH_DIR/docker" "$BENCH_DIR/tugd" "$BENCH_DIR/bundle"
: >"$RESULTS"
: >"$META"
: >"$BENCH_LOG"

cleanup() {
	trap - EXIT INT TERM
	tug_rm_all 2>/dev/null
	tugd_stop
	dockerd_stop
	registry_stop
	for _id in bench-tug bench-runc; do
		runc delete -f "$_id" >/dev/null 2>&1
	done
	unmount_under "$BENCH_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

meta() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$META"; }
first_line() { "$@" 2>&1 | head -1; }
crun_version() { crun --version | sed -n 's/^crun version //p'; }
runc_version() { runc --version | sed -n 's/^runc version //p'; }

say "installing what is missing (build, cross, peers)"
tools/host-deps.sh build cross peers qemu || say "warning: host-deps failed; peers missing below are reported as not run"

# Machine and versions, first: the figures mean nothing without them.
meta Machine "CPU" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
meta Machine "cores (nproc)" "$(nproc)"
meta Machine "memory" "$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)"
meta Machine "kernel" "$(uname -r) ($(uname -m))"
meta Machine "Debian" "$(cat /etc/debian_version)"
meta Machine "cgroups" "$(awk '$3 == "cgroup" {v1 = 1} $3 == "cgroup2" {v2 = $2} END {print (v1 ? "hybrid: v1 controllers, v2 at " v2 : "v2 only")}' /proc/self/mounts)"
meta Machine "filesystem of $BENCH_DIR" "$(df -T "$BENCH_DIR" | awk 'NR == 2 {print $2}')"
meta Run "date" "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta Run "mode" "$([ "$BENCH_QUICK" = 1 ] && echo 'BENCH_QUICK=1 (smoke run, not for quoting)' || echo full)"
meta Run "hyperfine" "$WARMUP warm-up + $RUNS runs per start figure; $SEQ_RUNS runs of $SEQ_N in sequence"
meta Run "pinning" "$([ -n "$BENCH_CPU" ] && echo "taskset -c $BENCH_CPU (timed commands and both daemons)" || echo none)"
meta Run "tug commit" "$(git describe --always --dirty 2>/dev/null)"
meta Versions "compiler" "$(first_line gcc --version) with musl $(dpkg-query -W -f='${Version}' musl-dev:amd64 2>/dev/null)"
meta Versions "crun" "$(crun_version)"
meta Versions "runc" "$(runc_version)"
meta Versions "dockerd" "$(first_line dockerd --version)"
meta Versions "containerd" "$(containerd --version | awk '{print $3}')"
meta Versions "docker CLI" "$(first_line /usr/bin/docker --version)"
meta Versions "hyperfine" "$(first_line hyperfine --version)"
meta Versions "skopeo" "$(first_line skopeo --version)"
meta Versions "docker-registry" "$(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null)"
meta Versions "busybox (rootfs)" "$(busybox 2>&1 | head -1 | cut -d' ' -f1-2)"

say "1/6 size: building every board"
measure_size
# After the build: the binary measured, not the one a previous build left.
meta Versions "tug" "$(first_line "$TUG" version) (build/qemu-x86_64)"

say "preparing the rootfs, the OCI bundle and the images"
mkdir -p "$IMAGES" "$BUNDLE"
rootfs=$BENCH_DIR/rootfs
rm -rf "$rootfs"
# In a subshell: tests/lib.sh sets an EXIT trap of its own.
(. tests/lib.sh && busybox_rootfs "$rootfs")
tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
	-C "$rootfs" -cf "$IMAGES/busybox-rootfs.tar" .
cp -a "$rootfs" "$BUNDLE/rootfs"
(cd "$BUNDLE" && runc spec)
$PY - "$BUNDLE/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
# The same busybox image for both engines, as one docker-save archive.
$PY tools/bench/mkimage.py "$IMAGES/busybox.tar" "$DOCKER_IMAGE" 0 0 0 "$IMAGES/busybox-rootfs.tar"
[ -f "$IMAGES/load.tar" ] || $PY tools/bench/mkimage.py "$IMAGES/load.tar" "$LOAD_REF" "$LOAD_MB" "$LOAD_LAYERS" 1
[ -f "$IMAGES/pull.tar" ] || $PY tools/bench/mkimage.py "$IMAGES/pull.tar" bench/pull:1 "$PULL_MB" "$PULL_LAYERS" 2

say "starting the private dockerd"
if dockerd_start; then
	measure_memory_docker_idle
	# `docker import` of the busybox-static rootfs: no network pull.
	docker_cli import "$IMAGES/busybox-rootfs.tar" "$DOCKER_IMAGE" >>"$BENCH_LOG" 2>&1 ||
		{ DOCKER_WHY="docker import failed"; say "$DOCKER_WHY"; }
else
	say "$DOCKER_WHY"
	measure_memory_docker_idle
fi
say "starting tugd"
if tugd_start "$IMAGES/busybox.tar"; then
	measure_memory_tugd_idle
else
	say "$TUGD_WHY"
	measure_memory_tugd_idle
fi

say "3/6 start latency"
measure_start
say "2/6 memory with $MEM_N containers"
measure_memory_tugd_per
measure_memory_docker_per
say "4/6 image load"
measure_load "$IMAGES/load.tar"
say "5/6 pull"
measure_pull "$IMAGES/pull.tar"

tugd_stop
dockerd_stop
left=$(docker_leftovers)
meta Run "dockerd leftovers after stop" "${left:-none (no bridge, no iptables rule, no process, no mount)}"

say "6/6 QEMU boot"
measure_boot

notes=$BENCH_DIR/notes.md
cp tools/bench/notes.md "$notes"
# Run-to-run check against the previous run of the same mode, if any.
mode=
if [ "$BENCH_QUICK" = 1 ]; then mode=quick-; fi
prev=$(find "$BENCH_DIR" -maxdepth 1 -name "results-${mode}2*.tsv" | sort | tail -1)
if [ -n "$prev" ]; then
	cmp_rc=0
	tools/bench/compare.sh "$prev" "$RESULTS" >"$BENCH_DIR/compare.out" 2>&1 || cmp_rc=$?
	{
		echo
		echo "## Run-to-run check"
		echo
		echo "This run (B) against the previous $([ -n "$mode" ] && echo quick || echo full) run on this machine (A,"
		echo "\`$(basename "$prev")\`), by \`tools/bench/compare.sh\`: every ratio must agree within"
		echo "25%. $([ "$cmp_rc" = 0 ] && echo "All ratios agree." || echo "**Some ratios moved more than 25%**: see NOISY below.")"
		echo "Figures without a ratio are shown for their spread only."
		echo
		echo '```'
		cat "$BENCH_DIR/compare.out"
		echo '```'
	} >>"$notes"
fi
if [ "$BENCH_PEERS" = 1 ]; then
	peer_scripts "$BENCH_DIR/appendix.md"
	{ echo; cat "$BENCH_DIR/appendix.md"; } >>"$notes"
fi
mkdir -p "$(dirname "$BENCH_OUT")"
$PY tools/bench/report.py "$RESULTS" "$META" "$notes" "$BENCH_OUT"
stamp=$(date -u +%Y%m%d-%H%M%S)
cp "$RESULTS" "$BENCH_DIR/results-$([ "$BENCH_QUICK" = 1 ] && echo quick- )$stamp.tsv"
say "wrote $BENCH_OUT (figures: $BENCH_DIR/results-*$stamp.tsv)"
cat "$BENCH_OUT"
