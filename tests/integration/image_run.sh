#!/bin/sh
# A container runs from a squashfs-layer image end to end:
# tools/mksquashfs-image.sh -> tug load -> rootfs assembled by the image store
# (squashfs blob on a read-only loop device, stacked under overlayfs) -> a
# process runs in it, once through `tug oci run` on a `tug image mount`ed
# bundle and once through tugd (the docker CLI), which assembles its bundles
# the same way (core/daemon/bundle.c -> image_rootfs_mount).
SUITE=image_run
. "$(dirname "$0")/../lib.sh"
require_root squashfs_oci_run squashfs_tugd_run
command -v mksquashfs >/dev/null || {
	skip squashfs_oci_run "mksquashfs not installed (squashfs-tools)"
	skip squashfs_tugd_run "mksquashfs not installed (squashfs-tools)"
	exit 0
}
T=$(tmpdir)
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run
OCI_ROOT=$T/oci-root
SRC=$T/src
busybox_rootfs "$SRC"
echo "from squashfs" >"$SRC/etc/marker"
"$(dirname "$0")/../../tools/mksquashfs-image.sh" -t sq:1 -d "$SRC" -o "$T/sq.tar" >/dev/null ||
	{ fail squashfs_oci_run "mksquashfs-image.sh failed"; exit 0; }
out=$($TUG load -i "$T/sq.tar" 2>&1)
[ "$out" = "Loaded image: sq:1" ] || { fail squashfs_oci_run "load: $out"; exit 0; }
chain=$($TUG image inspect sq:1 | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)[0]["RootFS"]["Layers"][0][7:])')

# mounted: the layer's mount point is a squashfs on a loop device, read-only
squashfs_mounted() {
	awk -v p="$TUG_RUN_DIR/layers/$chain" '$2 == p && $3 == "squashfs" && $1 ~ /^\/dev\/loop/ && $4 ~ /^ro/' \
		/proc/mounts | grep -q .
}

# (a) tug image mount + tug oci run
B=$T/bundle
mkdir -p "$B/rootfs"
if $TUG image mount --upper "$T/upper" --work "$T/work" sq:1 "$B/rootfs" 2>"$T/err" &&
	$TUG oci spec --bundle "$B" && /usr/bin/python3 - "$B/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c", "cat /etc/marker; echo written >/new; cat /new"]
c["root"] = {"path": "rootfs", "readonly": False}
json.dump(c, open(sys.argv[1], "w"))
EOF
then
	out=$(timeout 20 $TUG oci --root "$OCI_ROOT" run -b "$B" sqrun 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "from squashfs
written" ] && squashfs_mounted && [ -f "$T/upper/new" ] && [ ! -e "$SRC/new" ]; then
		pass squashfs_oci_run
	else
		fail squashfs_oci_run "rc=$rc out=$(echo "$out" | tr '\n' ' ') mounts=$(grep -c squashfs /proc/mounts)"
	fi
	$TUG oci --root "$OCI_ROOT" delete -f sqrun >/dev/null 2>&1
	umount "$B/rootfs" 2>/dev/null
	umount "$TUG_RUN_DIR/layers/$chain" 2>/dev/null # (b) mounts it again itself
else
	fail squashfs_oci_run "mount/spec: $(cat "$T/err")"
fi

# (b) through tugd, driven by the docker CLI
if command -v docker >/dev/null; then
	ln -s "$TUG" "$T/tugd"
	"$T/tugd" >"$T/tugd.log" 2>&1 &
	for _ in $(seq 50); do [ -S "$TUG_RUN_DIR/tug.sock" ] && break; sleep 0.1; done
	D="timeout 20 docker -H unix://$TUG_RUN_DIR/tug.sock"
	out=$($D run --rm sq:1 sh -c 'cat /etc/marker; echo x >/etc/marker; cat /etc/marker' 2>&1)
	if [ "$out" = "from squashfs
x" ] && squashfs_mounted && [ "$(cat "$SRC/etc/marker")" = "from squashfs" ]; then
		pass squashfs_tugd_run
	else
		fail squashfs_tugd_run "out=$(echo "$out" | tr '\n' ' ') log=$(tail -2 "$T/tugd.log" | tr '\n' ' ')"
	fi
	tugd_stop "$TUG_RUN_DIR"
else
	skip squashfs_tugd_run "docker CLI not installed"
fi
umount "$TUG_RUN_DIR"/layers/* 2>/dev/null
exit 0
