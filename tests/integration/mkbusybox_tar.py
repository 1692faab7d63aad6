#!/usr/bin/python3
"""Write a docker-save archive of a busybox rootfs: mkbusybox_tar.py ROOTFS OUT.tar [TAG]."""
import hashlib, io, json, os, sys, tarfile

rootfs, out = sys.argv[1], sys.argv[2]
tag = sys.argv[3] if len(sys.argv) > 3 else "busybox:latest"
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    for name in sorted(os.listdir(rootfs)):
        t.add(os.path.join(rootfs, name), arcname=name)
layer = layer.getvalue()
diff = "sha256:" + hashlib.sha256(layer).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [diff]},
}).encode()
cid = hashlib.sha256(config).hexdigest()
manifest = json.dumps([{"Config": cid + ".json", "RepoTags": [tag],
                        "Layers": [diff[7:] + "/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in ((cid + ".json", config), (diff[7:] + "/layer.tar", layer),
                       ("manifest.json", manifest)):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
