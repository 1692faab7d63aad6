#!/bin/sh
# Benchmark (not a test): pull a ~100 MB, 6-layer image from docker-registry
# on loopback over TLS and over plain HTTP: `tug pull` (download, verify,
# unpack, sync) against `skopeo copy` to an OCI layout (download, verify, no
# unpack) and `docker pull` into a private dockerd (download, verify, unpack).
# Wall time, CPU time (user + sys, of the process and its children: steadier
# than wall on a shared machine) and peak RSS; a fresh store every run.
#   tools/bench-pull.sh [path/to/tug [path/to/other/tug]]
# BENCH_PULL_RUNS rounds (default 5). A round runs each contender once over
# TLS, then each over HTTP, one after the other, so a change of load hits all
# of them alike; the medians and ranges per contender come at the end. A
# second tug (a build to compare with) runs as "tug-b" in the same rounds.
top=$(cd "$(dirname "$0")/.." && pwd)
TUG=${1:-$top/build/qemu-x86_64/tug}
TUG_B=${2:-}
RUNS=${BENCH_PULL_RUNS:-5}
SUITE=bench-pull
. "$top/tests/lib.sh"
. "$top/tests/integration/registry_lib.sh"
reg_setup
reg_start || { echo "registry did not start"; exit 1; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$top/tests/integration/registry_mkoci.py" "$WORK/oci" big "linux/amd64=$WORK/rootfs" \
	--random 5:20000000 >/dev/null
reg_skopeo_push "$WORK/oci" big big:1 || { cat "$WORK/skopeo.log"; exit 1; }
reg_start_http >/dev/null
skopeo copy -q --all --dest-tls-verify=false "oci:$WORK/oci:big" "docker://$HREG/big:1" >/dev/null
echo "image: $(du -sh "$WORK/storage" | cut -f1) in the registry, 6 layers (busybox + 5 x 20 MB)," \
	"$RUNS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
RES=$WORK/results
: >"$RES"

# run NAME TRANSPORT CMD...: one timed run, a line now and a row for the summary.
run() {
	_name=$1
	_tr=$2
	shift 2
	/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" ||
		{ echo "$_name ($_tr) failed:"; cat "$WORK/err"; exit 1; }
	read -r _w _u _s _m <"$WORK/time"
	_c=$(echo "$_u $_s" | awk '{printf "%.2f", $1 + $2}')
	printf '%-18s %-4s run %d: %s s wall, %s s CPU, peak RSS %s KB\n' "$_name" "$_tr" "$round" \
		"$_w" "$_c" "$_m"
	echo "$_name $_tr $_w $_c $_m" >>"$RES"
}

tug_pull() {
	rm -rf "$WORK/state"
	sync
	run "$1" "$2" "$3" pull -q $4 "$5/big:1"
}

skopeo_copy() {
	rm -rf "$WORK/skopeo-out"
	sync
	run "skopeo copy (oci)" "$1" skopeo copy -q "$2" "docker://$3/big:1" "oci:$WORK/skopeo-out:big"
}

for round in $(seq "$RUNS"); do
	tug_pull "tug pull" tls "$TUG" "" "$REG"
	[ -n "$TUG_B" ] && tug_pull "tug-b pull" tls "$TUG_B" "" "$REG"
	skopeo_copy tls "--src-cert-dir=$WORK/certs.d/$REG" "$REG"
	tug_pull "tug pull" http "$TUG" --insecure "$HREG"
	[ -n "$TUG_B" ] && tug_pull "tug-b pull" http "$TUG_B" --insecure "$HREG"
	skopeo_copy http --src-tls-verify=false "$HREG"
done
echo "medians of $RUNS (range), wall s / CPU s / peak RSS KB:"
awk '
function median(s,   a, n, t, i, j) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
		t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
	}
	lo[0] = a[1]; hi[0] = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	nf = split($0, f, " ")
	k = ""
	for (i = 1; i <= nf - 4; i++) k = k (i > 1 ? " " : "") f[i]
	k = k " (" f[nf - 3] ")"
	if (!(k in w)) order[++n] = k
	w[k] = w[k] " " f[nf - 2]; c[k] = c[k] " " f[nf - 1]
	if (f[nf] + 0 > m[k] + 0) m[k] = f[nf]
}
END {
	for (i = 1; i <= n; i++) {
		k = order[i]
		mw = median(w[k]); wl = lo[0]; wh = hi[0]
		mc = median(c[k]); cl = lo[0]; ch = hi[0]
		printf "%-30s %.3f (%s-%s) / %.2f (%s-%s) / %d\n", k, mw, wl, wh, mc, cl, ch, m[k]
		med[k] = mw
		if (k ~ /^skopeo/) sk[k ~ /[(]tls[)]/ ? "tls" : "http"] = mw
	}
	for (i = 1; i <= n; i++) {
		k = order[i]
		tr = k ~ /[(]tls[)]/ ? "tls" : "http"
		if (k !~ /^skopeo/ && sk[tr] > 0)
			printf "%-30s %.2fx skopeo (median wall)\n", k, med[k] / sk[tr]
	}
}' "$RES"

# tug's download alone (layers left unpacked from the run before, blobs removed).
rm -rf "$WORK/state"
"$TUG" pull -q "$REG/big:1" >/dev/null
rm -rf "$WORK/state/blobs/sha256" "$WORK/state/refs.json"
round=1
run "tug pull, download+verify only" tls "$TUG" pull -q "$REG/big:1"
command -v dockerd >/dev/null || exit 0
D="$WORK/d"
mkdir -p "$D"
dockerd --data-root "$D/data" --exec-root "$D/exec" --host "unix://$D/sock" \
	--pidfile "$D/pid" --bridge none --iptables=false --ip6tables=false \
	--insecure-registry "$REG" >"$D/log" 2>&1 &
for _ in $(seq 50); do docker -H "unix://$D/sock" info >/dev/null 2>&1 && break; sleep 0.2; done
REG_PIDS="$REG_PIDS $(cat "$D/pid" 2>/dev/null)"
peak() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
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
