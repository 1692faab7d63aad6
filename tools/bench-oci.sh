#!/bin/sh
# Benchmark (not a test): `tug oci run` of a /bin/true bundle against crun
# and runc in one hyperfine run. Every command runs the same way: in a
# private mount namespace with the cgroup v2 tree bound over /sys/fs/cgroup
# (crun needs it on hybrid hosts), crun with --cgroup-manager=disabled.
# Usage: tools/bench-oci.sh [path/to/tug] [hyperfine args...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TUG=${1:-$top/build/qemu-x86_64/tug}
[ $# -gt 0 ] && shift
[ "$(id -u)" = 0 ] || { echo "bench-oci: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-oci: hyperfine not installed" >&2; exit 1; }
. "$top/tests/lib.sh"
work=$(mktemp -d /tmp/tug-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
busybox_rootfs "$work/bundle/rootfs"
"$TUG" oci spec --bundle "$work/bundle"
/usr/bin/python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"))
PY
v2=$(findmnt -n -o TARGET -t cgroup2 | head -1)
cat >"$work/wrap.sh" <<EOF2
#!/bin/sh
# wrap.sh RUNTIME-COMMAND...: private mount namespace, v2 tree on /sys/fs/cgroup.
exec unshare -m sh -c 'mount --make-rprivate /; [ -n "$v2" ] && [ "$v2" != /sys/fs/cgroup ] && mount --bind "$v2" /sys/fs/cgroup; exec "\$@"' sh "\$@"
EOF2
chmod +x "$work/wrap.sh"
b=$work/bundle
hyperfine --warmup 5 -N "$@" \
	--command-name "tug oci run" "$work/wrap.sh $TUG oci --root $work/tug run -b $b t" \
	--command-name "crun run" "$work/wrap.sh crun --root $work/crun --cgroup-manager=disabled run -b $b c" \
	--command-name "runc run" "$work/wrap.sh runc --root $work/runc run -b $b r" \
	--export-json "$work/bench.json"
/usr/bin/python3 - "$work/bench.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
t, c, u = r["tug oci run"], r["crun run"], r["runc run"]
print("means: tug %.2f ms, crun %.2f ms, runc %.2f ms" % (t * 1e3, c * 1e3, u * 1e3))
print("ratio tug/crun %.2f, tug/runc %.2f" % (t / c, t / u))
PY
