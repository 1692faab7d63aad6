#!/usr/bin/python3
"""Make test image archives (docker-save or OCI layout), honest or hostile.

  image_mkarchive.py KIND OUT [TAG]
KIND: multi (4 layers, ~MB of data, docker format), big:<MB>, and the
hostile ones: dotdot, absolute, symlink-write, hardlink-out, huge-size,
truncated-gzip, wrong-digest, wrong-diffid.
"""
import gzip, hashlib, io, json, os, sys, tarfile

def tar_bytes(entries):
    """entries: list of (TarInfo, data or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()

def reg(name, data, mode=0o644):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; ti.mtime = 1700000000
    return ti, data

def dirent(name):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 1700000000
    return ti, None

def sym(name, target):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = target
    return ti, None

def hard(name, target):
    ti = tarfile.TarInfo(name); ti.type = tarfile.LNKTYPE; ti.linkname = target
    return ti, None

def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()

def docker_archive(out, layers, tag="test:1", diff_override=None, gz=False):
    """layers: list of layer tar bytes (uncompressed)."""
    config = {"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
              "config": {"Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": diff_override or [sha(l) for l in layers]}}
    cb = json.dumps(config).encode()
    files = [(hashlib.sha256(cb).hexdigest() + ".json", cb)]
    names = []
    for i, l in enumerate(layers):
        d = "%064x" % (i + 1)
        names.append(d + "/layer.tar")
        files.append((d + "/layer.tar", l))
        files.append((d + "/VERSION", b"1.0"))
    files.append(("manifest.json", json.dumps([{"Config": files[0][0], "RepoTags": [tag], "Layers": names}]).encode()))
    data = tar_bytes([reg(n, b) for n, b in files])
    if gz:
        data = gzip.compress(data)
    open(out, "wb").write(data)

def oci_archive(out, layers, tag="test:1", lie_about=None):
    blobs = []
    descs = []
    for l in layers:
        gzl = gzip.compress(l, mtime=0)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(gzl), "size": len(gzl)})
        blobs.append(gzl)
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]}}
    cb = json.dumps(config).encode(); blobs.append(cb)
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cb), "size": len(cb)},
           "layers": descs}
    mb = json.dumps(man).encode(); blobs.append(mb)
    index = {"schemaVersion": 2, "manifests": [{"mediaType": man["mediaType"], "digest": sha(mb), "size": len(mb),
                                                 "annotations": {"io.containerd.image.name": tag}}]}
    entries = [reg("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), reg("index.json", json.dumps(index).encode())]
    for b in blobs:
        name = "blobs/sha256/" + hashlib.sha256(b).hexdigest()
        if lie_about is not None and b is blobs[lie_about]:
            b = b[:-1] + bytes([b[-1] ^ 1])  # content no longer matches its name
        entries.append(reg(name, b))
    open(out, "wb").write(tar_bytes(entries))

def main():
    kind, out = sys.argv[1], sys.argv[2]
    tag = sys.argv[3] if len(sys.argv) > 3 else "test:1"
    ok = tar_bytes([dirent("etc"), reg("etc/hello", b"hi\n")])
    if kind == "multi":
        rnd = lambda n, seed: hashlib.sha256(seed).digest() * (n // 32)
        layers = [tar_bytes([dirent("d%d" % i)] + [reg("d%d/f%d" % (i, j), rnd(256 * 1024, b"%d-%d" % (i, j))) for j in range(8)])
                  for i in range(4)]
        docker_archive(out, layers, tag)
    elif kind.startswith("big:"):
        mb = int(kind[4:])
        layers = [tar_bytes([reg("big%d" % i, os.urandom(1 << 20) * 1) for i in range(k, k + mb // 4)]) for k in range(0, mb, mb // 4)]
        docker_archive(out, layers, tag)
    elif kind == "dotdot":
        docker_archive(out, [ok, tar_bytes([reg("../../evil", b"x")])], tag)
    elif kind == "absolute":
        docker_archive(out, [tar_bytes([reg("/tmp/tug-evil-abs", b"x")])], tag)
    elif kind == "symlink-write":
        docker_archive(out, [tar_bytes([sym("escape", "/"), reg("escape/tmp/tug-evil-sym", b"x")])], tag)
    elif kind == "hardlink-out":
        docker_archive(out, [tar_bytes([hard("passwd", "/etc/passwd")])], tag)
    elif kind == "hardlink-dotdot":
        docker_archive(out, [tar_bytes([hard("passwd", "../../../../etc/passwd")])], tag)
    elif kind == "huge-size":
        ti = tarfile.TarInfo("huge"); ti.size = 1 << 40
        layer = ti.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 4096
        docker_archive(out, [layer], tag)
    elif kind == "truncated-gzip":
        docker_archive(out, [ok], tag, gz=True)
        data = open(out, "rb").read()
        open(out, "wb").write(data[: len(data) * 2 // 3])
    elif kind == "wrong-digest":
        oci_archive(out, [ok], tag, lie_about=0)
    elif kind == "wrong-diffid":
        docker_archive(out, [ok], tag, diff_override=["sha256:" + "ab" * 32])
    elif kind == "oci":
        oci_archive(out, [ok, tar_bytes([reg("etc/.wh.hello", b""), reg("etc/world", b"w\n")])], tag)
    else:
        sys.exit("unknown kind " + kind)

main()
