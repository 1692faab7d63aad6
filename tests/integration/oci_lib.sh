# Helpers for the oci_* suites (sourced after tests/lib.sh).
PY=/usr/bin/python3
OCI_ROOT=${OCI_ROOT:-/run/tug-test-oci.$$}
oci() { "$TUG" oci --root "$OCI_ROOT" "$@"; }

# A shared busybox rootfs; bundles point at it read-only (root.readonly) or copy it.
oci_setup() {
	WORK=$(tmpdir)
	export WORK
	busybox_rootfs "$WORK/rootfs"
	trap 'for id in $(oci list -q 2>/dev/null); do oci delete -f "$id" >/dev/null 2>&1; done; rm -rf "$OCI_ROOT"; tug_cleanup_tmp' EXIT
}

# bundle NAME PYTHON... : a bundle dir from `tug oci spec`, args set by the
# python statements (c is the config dict), terminal off. Prints its path.
bundle() {
	_b=$WORK/$1
	shift
	mkdir -p "$_b"
	rm -f "$_b/config.json"
	"$TUG" oci spec --bundle "$_b" || return 1
	$PY - "$_b/config.json" "$@" <<'PYEOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
import os
c["root"]["path"] = os.environ["WORK"] + "/rootfs"
for stmt in sys.argv[2:]:
    exec(stmt)
json.dump(c, open(p, "w"), indent=1)
PYEOF
	echo "$_b"
}
