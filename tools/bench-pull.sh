#!/bin/sh
# Benchmark (not a test): pull a ~100 MB, 6-layer image from docker-registry
# on loopback over TLS: `tug pull` (download, verify, unpack) against
# `skopeo copy` to an OCI layout (download, verify, no unpack) and
# `docker pull` into a private dockerd (download, verify, unpack).
# Wall time and peak RSS, 3 runs each, fresh store every run.
#   tools/bench-pull.sh [path/to/tug]
top=$(cd "$(dirname "$0")/.." && pwd)
TUG=${1:-$top/build/qemu-x86_64/tug}
SUITE=bench-pull
. "$top/tests/lib.sh"
. "$top/tests/integration/registry_lib.sh"
reg_setup
reg_start || { echo "registry did not start"; exit 1; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$top/tests/integration/registry_mkoci.py" "$WORK/oci" big "linux/amd64=$WORK/rootfs" \
	--random 5:20000000 >/dev/null
reg_skopeo_push "$WORK/oci" big big:1 || { cat "$WORK/skopeo.log"; exit 1; }
echo "image: $(du -sh "$WORK/storage" | cut -f1) in the registry, 6 layers (busybox + 5 x 20 MB)"
peak() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
for run in 1 2 3; do
	rm -rf "$WORK/state"
	sync
	/usr/bin/time -v "$TUG" pull -q "$REG/big:1" 2>"$WORK/tug.time" >/dev/null ||
		{ cat "$WORK/tug.time"; exit 1; }
	echo "tug pull          run $run: $(wall "$WORK/tug.time") wall, peak RSS $(peak "$WORK/tug.time") KB"
done
for run in 1 2 3; do
	rm -rf "$WORK/skopeo-out"
	sync
	/usr/bin/time -v skopeo copy -q --src-cert-dir "$WORK/certs.d/$REG" "docker://$REG/big:1" \
		"oci:$WORK/skopeo-out:big" 2>"$WORK/sk.time" >/dev/null || { cat "$WORK/sk.time"; exit 1; }
	echo "skopeo copy (oci) run $run: $(wall "$WORK/sk.time") wall, peak RSS $(peak "$WORK/sk.time") KB"
done
# The same over plain HTTP (an insecure registry): the transport's share.
reg_start_http >/dev/null
skopeo copy -q --all --dest-tls-verify=false "oci:$WORK/oci:big" "docker://$HREG/big:1" >/dev/null
for run in 1 2 3; do
	rm -rf "$WORK/state"
	sync
	/usr/bin/time -v "$TUG" pull -q --insecure "$HREG/big:1" 2>"$WORK/tug.time" >/dev/null ||
		{ cat "$WORK/tug.time"; exit 1; }
	echo "tug pull    (http) run $run: $(wall "$WORK/tug.time") wall, peak RSS $(peak "$WORK/tug.time") KB"
done
for run in 1 2 3; do
	rm -rf "$WORK/skopeo-out"
	sync
	/usr/bin/time -v skopeo copy -q --src-tls-verify=false "docker://$HREG/big:1" \
		"oci:$WORK/skopeo-out:big" 2>"$WORK/sk.time" >/dev/null || { cat "$WORK/sk.time"; exit 1; }
	echo "skopeo copy (http) run $run: $(wall "$WORK/sk.time") wall, peak RSS $(peak "$WORK/sk.time") KB"
done
# tug's download alone (layers left unpacked from the run before, blobs removed).
rm -rf "$WORK/state/blobs/sha256" "$WORK/state/refs.json"
/usr/bin/time -v "$TUG" pull -q "$REG/big:1" 2>"$WORK/tug.time" >/dev/null
echo "tug pull, download+verify only (tls): $(wall "$WORK/tug.time") wall, peak RSS $(peak "$WORK/tug.time") KB"
command -v dockerd >/dev/null || exit 0
D="$WORK/d"
mkdir -p "$D"
dockerd --data-root "$D/data" --exec-root "$D/exec" --host "unix://$D/sock" \
	--pidfile "$D/pid" --bridge none --iptables=false --ip6tables=false \
	--insecure-registry "$REG" >"$D/log" 2>&1 &
for _ in $(seq 50); do docker -H "unix://$D/sock" info >/dev/null 2>&1 && break; sleep 0.2; done
REG_PIDS="$REG_PIDS $(cat "$D/pid" 2>/dev/null)"
for run in 1 2 3; do
	docker -H "unix://$D/sock" rmi -f "$REG/big:1" >/dev/null 2>&1
	docker -H "unix://$D/sock" image prune -af >/dev/null 2>&1
	sync
	/usr/bin/time -v docker -H "unix://$D/sock" pull -q "$REG/big:1" 2>"$WORK/dk.time" >/dev/null ||
		{ tail -3 "$WORK/dk.time"; break; }
	echo "docker pull       run $run: $(wall "$WORK/dk.time") wall, client peak RSS" \
		"$(peak "$WORK/dk.time") KB, dockerd RSS high-water" \
		"$(awk '/VmHWM/ {print $2}' "/proc/$(cat "$D/pid")/status") KB"
done
kill "$(cat "$D/pid")" 2>/dev/null
sleep 1
