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

# busybox_docker_archive DIR: DIR/busybox.tar, a docker-save archive
# (busybox:latest: one layer with the busybox rootfs, a config, a manifest)
# for `docker load` and `podman load`.
busybox_docker_archive() {
	busybox_rootfs "$1/rootfs"
	$PY - "$1" <<'PYEOF'
import hashlib, io, json, os, sys, tarfile
d = sys.argv[1]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    t.add(os.path.join(d, "rootfs"), arcname=".")
data = layer.getvalue()
diff = "sha256:" + hashlib.sha256(data).hexdigest()
cfg = {"architecture": "amd64", "os": "linux",
       "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
       "rootfs": {"type": "layers", "diff_ids": [diff]}, "history": [{"created_by": "tug test"}]}
cfgb = json.dumps(cfg).encode()
cfgname = hashlib.sha256(cfgb).hexdigest() + ".json"
with tarfile.open(os.path.join(d, "busybox.tar"), "w") as out:
    def add(name, b):
        ti = tarfile.TarInfo(name)
        ti.size = len(b)
        out.addfile(ti, io.BytesIO(b))
    add("layer0/layer.tar", data)
    add(cfgname, cfgb)
    add("manifest.json", json.dumps([{"Config": cfgname, "RepoTags": ["busybox:latest"],
                                      "Layers": ["layer0/layer.tar"]}]).encode())
PYEOF
}
