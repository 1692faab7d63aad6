#!/usr/bin/python3
"""Write a docker-save archive for the update tests:
update_mkimage.py ROOTFS OUT.tar TAG VERSION [HEALTHCHECK-SHELL-CMD]

Two layers: the busybox rootfs (shared by every version, so the store keeps
it once) and a small one holding /version. The image's Cmd writes nothing
and sleeps; its HEALTHCHECK (when given) probes every 200 ms, 2 retries."""
import hashlib, io, json, os, sys, tarfile

rootfs, out, tag, version = sys.argv[1:5]
health = sys.argv[5] if len(sys.argv) > 5 else None


def tar_of(add):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        add(t)
    return buf.getvalue()


def add_rootfs(t):
    for name in sorted(os.listdir(rootfs)):
        t.add(os.path.join(rootfs, name), arcname=name)


def add_version(t):
    data = (version + "\n").encode()
    ti = tarfile.TarInfo("version")
    ti.size = len(data)
    ti.mtime = 1700000000
    t.addfile(ti, io.BytesIO(data))


layers = [tar_of(add_rootfs), tar_of(add_version)]
diffs = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
       "Cmd": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]}
if health:
    cfg["Healthcheck"] = {"Test": ["CMD-SHELL", health], "Interval": 200000000,
                          "Timeout": 2000000000, "Retries": 2}
config = json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": cfg, "rootfs": {"type": "layers", "diff_ids": diffs},
}).encode()
cid = hashlib.sha256(config).hexdigest()
manifest = json.dumps([{"Config": cid + ".json", "RepoTags": [tag],
                        "Layers": [d[7:] + "/layer.tar" for d in diffs]}]).encode()
with tarfile.open(out, "w") as t:
    files = [(cid + ".json", config), ("manifest.json", manifest)]
    files += [(d[7:] + "/layer.tar", l) for d, l in zip(diffs, layers)]
    for name, data in files:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
