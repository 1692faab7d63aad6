#!/bin/sh
# Build a tug image whose single layer is a squashfs blob (media type
# application/vnd.tug.image.layer.v1.squashfs, see docs/images.md), from a
# directory or from a docker-save archive. The output is an OCI image-layout
# tar (with a docker manifest.json too) that `tug load -i` reads.
#
#   tools/mksquashfs-image.sh -t NAME:TAG [-a ARCH] [-c CMD] (-d DIR | -i ARCHIVE) -o OUT.tar
#
# Needs mksquashfs (Debian's squashfs-tools) and /usr/bin/python3. Run as root
# to keep file owners and device nodes from a docker archive.
set -eu
PY=/usr/bin/python3
tag= arch=amd64 dir= input= out= cmd=/bin/sh
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts t:a:d:i:o:c:h o; do
	case $o in
	t) tag=$OPTARG ;; a) arch=$OPTARG ;; d) dir=$OPTARG ;; i) input=$OPTARG ;;
	o) out=$OPTARG ;; c) cmd=$OPTARG ;; *) usage ;;
	esac
done
[ -n "$tag" ] && [ -n "$out" ] && { [ -n "$dir" ] || [ -n "$input" ]; } || usage
command -v mksquashfs >/dev/null || { echo "mksquashfs not found (apt-get install squashfs-tools)" >&2; exit 1; }

work=$(mktemp -d /tmp/mksquashfs-image.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

if [ -n "$input" ]; then
	# Flatten the docker archive's layers in order, applying whiteouts.
	mkdir "$work/in" "$work/root"
	tar -C "$work/in" -xf "$input"
	for layer in $($PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$work/in/manifest.json"); do
		tar -tf "$work/in/$layer" | grep '\.wh\.' | while IFS= read -r wh; do
			d=$(dirname "$wh"); b=$(basename "$wh")
			if [ "$b" = .wh..wh..opq ]; then
				find "$work/root/$d" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
			else
				rm -rf "$work/root/$d/${b#.wh.}"
			fi
		done
		tar -C "$work/root" --numeric-owner --xattrs --xattrs-include='*' \
			--exclude='.wh.*' -xpf "$work/in/$layer"
	done
	dir=$work/root
fi

mkdir -p "$work/oci/blobs/sha256"
mksquashfs "$dir" "$work/layer.sqfs" -noappend -quiet -no-progress >/dev/null
$PY - "$work" "$tag" "$arch" "$cmd" <<'PYEOF'
import hashlib, json, os, sys, datetime
work, tag, arch, cmd = sys.argv[1:5]
blobs = os.path.join(work, "oci", "blobs", "sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d, len(data)
layer = open(os.path.join(work, "layer.sqfs"), "rb").read()
ld, ls = put(layer)
config = {
    "architecture": arch, "os": "linux",
    "created": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "config": {"Cmd": [cmd], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    "rootfs": {"type": "layers", "diff_ids": [ld]},
}
cd, cs = put(json.dumps(config, separators=(",", ":")).encode())
manifest = {
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
    "layers": [{"mediaType": "application/vnd.tug.image.layer.v1.squashfs", "digest": ld, "size": ls}],
}
md, ms = put(json.dumps(manifest, separators=(",", ":")).encode())
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
         "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
                        "annotations": {"io.containerd.image.name": tag,
                                        "org.opencontainers.image.ref.name": tag.rsplit(":", 1)[-1]}}]}
oci = os.path.join(work, "oci")
json.dump(index, open(os.path.join(oci, "index.json"), "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(oci, "oci-layout"), "w"))
json.dump([{"Config": "blobs/sha256/" + cd[7:], "RepoTags": [tag], "Layers": ["blobs/sha256/" + ld[7:]]}],
          open(os.path.join(oci, "manifest.json"), "w"))
PYEOF
tar -C "$work/oci" -cf "$out" oci-layout index.json blobs manifest.json
echo "wrote $out ($tag, squashfs layer $(stat -c %s "$work/layer.sqfs") bytes)"
