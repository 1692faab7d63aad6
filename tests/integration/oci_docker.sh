#!/bin/sh
# Docker's own engine with tug as its OCI runtime: dockerd (Debian
# docker.io) in a private directory with --add-runtime tug=<wrapper>, a
# busybox image made here by hand (docker-save layout) and `docker load`ed.
SUITE=oci_docker
. "$(dirname "$0")/../lib.sh"
require_root run_echo
for c in dockerd docker containerd; do
	if ! command -v $c >/dev/null; then
		skip run_echo "$c not installed"
		exit 0
	fi
done
D=$(mktemp -d /tmp/tug-docker.XXXXXX)
chmod 755 "$D"
SOCK=$D/docker.sock
# Every docker call has a deadline: a runtime bug must fail the case, not hang the suite.
dk() { timeout 60 docker -H "unix://$SOCK" "$@"; }
cleanup() {
	for c in $(dk ps -aq 2>/dev/null); do dk rm -f "$c" >/dev/null 2>&1; done
	if [ -f "$D/dockerd.pid" ]; then
		kill "$(cat "$D/dockerd.pid")" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			[ -e "$D/dockerd.pid" ] || break
			sleep 0.5
		done
	fi
	umount -R -l "$D/exec" "$D/data" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

printf '#!/bin/sh\nexec "%s" oci "$@"\n' "$TUG" >"$D/tug-runc"
chmod +x "$D/tug-runc"

# A docker-save archive: one layer (the busybox rootfs), a config, a manifest.
busybox_rootfs "$D/img/rootfs"
/usr/bin/python3 - "$D/img" <<'PYEOF'
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

dockerd --data-root "$D/data" --exec-root "$D/exec" -H "unix://$SOCK" -p "$D/dockerd.pid" \
	--bridge=none --iptables=false --ip6tables=false --storage-driver=vfs \
	--add-runtime "tug=$D/tug-runc" >"$D/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do
	dk version >/dev/null 2>&1 && break
	sleep 0.5
done
if ! dk version >/dev/null 2>&1; then
	fail run_echo "dockerd did not start: $(tail -3 "$D/dockerd.log" | tr '\n' ' ')"
	exit 0
fi
if ! out=$(dk load -i "$D/img/busybox.tar" 2>&1); then
	fail run_echo "docker load failed: $out"
	exit 0
fi

out=$(dk run --runtime tug --rm --network none busybox echo hi 2>&1)
[ "$out" = hi ] && pass run_echo || fail run_echo "$(echo "$out" | tail -3 | tr '\n' ' ')"

out=$(dk run --runtime tug --rm --network none busybox sh -c 'exit 42' 2>&1)
rc=$?
[ $rc = 42 ] && pass run_exit_code || fail run_exit_code "rc $rc: $out"

cid=$(dk run --runtime tug -d --network none busybox sleep 1000 2>&1)
out=$(dk exec "$cid" sh -c 'echo in-$(hostname | cut -c1-4)' 2>&1)
[ "$out" = "in-$(echo "$cid" | cut -c1-4)" ] && pass detach_exec || fail detach_exec "$out"
dk stop -t 2 "$cid" >/dev/null 2>&1
st=$(dk inspect -f '{{.State.Status}}' "$cid" 2>&1)
[ "$st" = exited ] && pass stop || fail stop "$st"
dk rm "$cid" >/dev/null 2>&1

out=$(timeout 60 script -qec "docker -H unix://$SOCK run --runtime tug --rm -it --network none busybox sh -c 'test -t 0 && echo tty-yes'" /dev/null 2>&1 </dev/null | tr -d '\r')
case "$out" in
*tty-yes*) pass run_it_pty ;;
*) fail run_it_pty "$(echo "$out" | tail -3 | tr '\n' ' ')" ;;
esac
[ -n "${KEEP:-}" ] && cp "$D/dockerd.log" /tmp/oci_docker.dockerd.log
exit 0
