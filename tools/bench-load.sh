#!/bin/sh
# Benchmark (not a test): load time and peak RSS of a ~50 MB 4-layer image,
# `tug load` against `docker load` into a private dockerd, same archive.
#   tools/bench-load.sh [path/to/tug]
set -eu
TUG=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/qemu-x86_64/tug}
W=$(mktemp -d /tmp/bench-load.XXXXXX)
trap 'kill $(cat $W/d/pid 2>/dev/null) 2>/dev/null; sleep 1; rm -rf $W' EXIT
/usr/bin/python3 "$(dirname "$0")/../tests/integration/image_mkarchive.py" big:48 "$W/big.tar" bench:1
echo "archive: $(du -h "$W/big.tar" | cut -f1), 4 layers"
peak() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
for run in 1 2 3; do
	rm -rf "$W/store"
	sync
	TUG_STATE_DIR=$W/store /usr/bin/time -v "$TUG" load -q -i "$W/big.tar" 2>"$W/tug.time" >/dev/null
	echo "tug load    run $run: $(wall "$W/tug.time") wall, peak RSS $(peak "$W/tug.time") KB"
done
mkdir -p "$W/d"
dockerd --data-root "$W/d/data" --exec-root "$W/d/exec" --host "unix://$W/d/sock" \
	--pidfile "$W/d/pid" --bridge none --iptables=false --ip6tables=false >"$W/d/log" 2>&1 &
for _ in $(seq 50); do docker -H "unix://$W/d/sock" info >/dev/null 2>&1 && break; sleep 0.2; done
for run in 1 2 3; do
	docker -H "unix://$W/d/sock" rmi -f bench:1 >/dev/null 2>&1 || true
	sync
	/usr/bin/time -v docker -H "unix://$W/d/sock" load -q -i "$W/big.tar" 2>"$W/dk.time" >/dev/null
	echo "docker load run $run: $(wall "$W/dk.time") wall, client peak RSS $(peak "$W/dk.time") KB," \
		"dockerd RSS $(awk '/VmHWM/ {print $2}' /proc/$(cat "$W/d/pid")/status) KB (high-water)"
done
