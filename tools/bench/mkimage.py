#!/usr/bin/python3
"""Write a reproducible multi-layer image as a `docker save` archive.

Usage: mkimage.py OUT.tar REPO:TAG TOTAL_MB LAYERS SEED [BASE_ROOTFS_TAR]

Each layer holds files of seeded random bytes (incompressible, like the
binaries an update ships), so the same arguments give the same bytes and
the same digests on every machine. BASE_ROOTFS_TAR, when given, becomes the
first layer (a busybox rootfs makes the image runnable).
"""
import hashlib
import io
import json
import random
import sys
import tarfile

MTIME = 1700000000


def add_bytes(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = MTIME
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def layer_tar(rng, index, nbytes):
    """One layer: a directory of files between 4 KB and 1 MB."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        d = tarfile.TarInfo("data/layer%d" % index)
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        d.mtime = MTIME
        tar.addfile(d)
        left, n = nbytes, 0
        while left > 0:
            size = min(left, rng.randint(4096, 1 << 20))
            add_bytes(tar, "data/layer%d/f%04d.bin" % (index, n), rng.randbytes(size))
            left -= size
            n += 1
    return buf.getvalue()


def main():
    out, ref, total_mb, layers, seed = sys.argv[1:6]
    base = sys.argv[6] if len(sys.argv) > 6 else None
    rng = random.Random(int(seed))
    blobs = []
    if base:
        with open(base, "rb") as f:
            blobs.append(f.read())
    per_layer = int(float(total_mb) * 1024 * 1024) // max(int(layers), 1)
    for i in range(int(layers)):
        blobs.append(layer_tar(rng, i, per_layer))

    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "tools/bench/mkimage.py"}
                    for _ in blobs],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_names = [d.split(":")[1] + "/layer.tar" for d in diff_ids]
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": layer_names}]

    with tarfile.open(out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, config_name, config_bytes)
        for name, blob in zip(layer_names, blobs):
            add_bytes(tar, name, blob)
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())


if __name__ == "__main__":
    main()
