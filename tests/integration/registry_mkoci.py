#!/usr/bin/python3
"""Write an OCI image layout for the registry tests and benchmark.

registry_mkoci.py OUT TAG PLATFORM=ROOTFS [PLATFORM=ROOTFS ...] [--random N:BYTES] [--plain]

One PLATFORM (linux/amd64, linux/arm64/v8, linux/arm/v7) gives a plain image
manifest; several give an image index. --random adds N layers of BYTES random
bytes each (gzip level 1) after the rootfs layer, for large pulls. --plain
stores every layer uncompressed (application/vnd.oci.image.layer.v1.tar).
Then: skopeo copy --all oci:OUT:TAG docker://...
"""
import gzip, hashlib, io, json, os, sys, tarfile


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    path = os.path.join(out, "blobs", "sha256", d)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + d


def gz(data, level=6):
    b = io.BytesIO()
    with gzip.GzipFile(fileobj=b, mode="wb", mtime=0, compresslevel=level) as g:
        g.write(data)
    return b.getvalue()


def rootfs_tar(rootfs):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        def reset(ti):
            ti.mtime = 0
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            return ti
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name, filter=reset)
    return b.getvalue()


def random_tar(i, size):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        ti = tarfile.TarInfo("data/layer%d.bin" % i)
        ti.size = size
        t.addfile(ti, io.BytesIO(os.urandom(size)))
    return b.getvalue()


def main():
    args = sys.argv[1:]
    rnd = None
    plain = "--plain" in args
    if plain:
        args.remove("--plain")
    if "--random" in args:
        i = args.index("--random")
        n, size = args[i + 1].split(":")
        rnd = (int(n), int(size))
        del args[i:i + 2]
    out, tag, plats = args[0], args[1], args[2:]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    extra = []
    if rnd:
        for i in range(rnd[0]):
            raw = random_tar(i, rnd[1])
            extra.append((raw, raw if plain else gz(raw, 1)))
    descs = []
    for p in plats:
        plat, rootfs = p.split("=", 1)
        parts = plat.split("/")
        raw = rootfs_tar(rootfs)
        layers = [(raw, raw if plain else gz(raw))] + extra
        platform = {"os": parts[0], "architecture": parts[1]}
        if len(parts) > 2:
            platform["variant"] = parts[2]
        config = dict(platform)
        config.update({
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers",
                       "diff_ids": ["sha256:" + hashlib.sha256(r).hexdigest() for r, _ in layers]},
        })
        cdata = json.dumps(config).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": blob(out, cdata), "size": len(cdata)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar" +
                        ("" if plain else "+gzip"),
                        "digest": blob(out, z), "size": len(z)} for _, z in layers],
        }
        mdata = json.dumps(manifest).encode()
        descs.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "digest": blob(out, mdata), "size": len(mdata), "platform": platform})
    if len(descs) == 1:
        top = dict(descs[0])
        del top["platform"]
    else:
        idx = json.dumps({"schemaVersion": 2,
                          "mediaType": "application/vnd.oci.image.index.v1+json",
                          "manifests": descs}).encode()
        top = {"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": blob(out, idx), "size": len(idx)}
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    ipath = os.path.join(out, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(ipath):
        with open(ipath) as f:
            index = json.load(f)
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    index["manifests"].append(top)
    with open(ipath, "w") as f:
        json.dump(index, f)
    # For the tests: the per-platform manifest digests, one "platform digest" a line.
    for d in descs:
        p = d["platform"]
        print("%s/%s%s %s" % (p["os"], p["architecture"],
                              "/" + p["variant"] if "variant" in p else "", d["digest"]))


main()
