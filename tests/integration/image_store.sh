#!/bin/sh
# The image store under concurrent use and in repair: two loads of the same
# archive at once, the temp sweep sparing live writers, `image prune` (dangling)
# and `prune -a` (all unused) with Docker's semantics, `system check` reporting
# damage, and rootfs assembly with the readonly and tmpfs-upper options.
SUITE=image_store
. "$(dirname "$0")/../lib.sh"
require_root concurrent_load concurrent_failed_load sweep_spares_live prune_dangling prune_keeps_used_dangling prune_all \
	prune_all_released check_flipped_byte \
	check_missing_layer check_damaged_refs rootfs_readonly rootfs_tmpfs_upper
MK="/usr/bin/python3 $(dirname "$0")/image_mkarchive.py"
T=$(tmpdir)
export TUG_STATE_DIR=$T/store TUG_RUN_DIR=$T/run
$MK multi "$T/multi.tar" multi:1
$MK oci "$T/oci.tar" small:1
# tiny OUT TAG TEXT: a one-layer docker archive whose image differs by TEXT.
tiny() {
	/usr/bin/python3 - "$@" <<'EOF'
import hashlib, io, json, sys, tarfile
out, tag, text = sys.argv[1:4]
def tarb(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for n, d in files:
            ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
    return b.getvalue()
layer = tarb([("etc/text", text.encode())])
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
                  "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode()
cn = hashlib.sha256(cfg).hexdigest() + ".json"
man = json.dumps([{"Config": cn, "RepoTags": [tag], "Layers": ["l/layer.tar"]}]).encode()
open(out, "wb").write(tarb([(cn, cfg), ("l/layer.tar", layer), ("manifest.json", man)]))
EOF
}
inspect() { # IMAGE PYTHON-EXPR (j is the inspect object)
	$TUG image inspect "$1" | /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin)[0]; print($2)"
}

# Two (then three) loads of the same archive at once: all succeed, the store
# checks clean and holds the image once.
bad=
for round in 1 2 3 4 5 6; do
	rm -rf "$TUG_STATE_DIR"
	n=2
	[ $round -gt 4 ] && n=3
	pids=
	for i in $(seq $n); do
		$TUG load -i "$T/multi.tar" >"$T/load.$i" 2>&1 &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || bad="$bad round $round: load $i failed: $(cat "$T/load.$i")"
	done
	chk=$($TUG system check 2>&1) || bad="$bad round $round: $chk"
	[ "$($TUG images -q | wc -l)" = 1 ] || bad="$bad round $round: $($TUG images -q | wc -l) images"
	[ -z "$(ls "$TUG_STATE_DIR/tmp")" ] || bad="$bad round $round: tmp/ not empty"
	[ -n "$bad" ] && break
done
if [ -z "$bad" ]; then pass concurrent_load; else fail concurrent_load "$bad"; fi

# A load that fails (its last layer lies about its diff ID) beside a good load
# of the same first layers: the failure takes back only what no image uses,
# so the good image stays complete.
/usr/bin/python3 - "$T/good.tar" "$T/bad.tar" <<'EOF'
import hashlib, io, json, sys, tarfile
def tarb(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for n, d in files:
            ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
    return b.getvalue()
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
layers = [tarb([("l%d/f%d" % (i, j), hashlib.sha256(b"%d%d" % (i, j)).digest() * 8192) for j in range(4)])
          for i in range(4)]
def archive(out, layers, diffs, tag):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
    cn = hashlib.sha256(cfg).hexdigest() + ".json"
    files = [(cn, cfg)] + [("%d/layer.tar" % i, l) for i, l in enumerate(layers)]
    man = [{"Config": cn, "RepoTags": [tag], "Layers": ["%d/layer.tar" % i for i in range(len(layers))]}]
    open(out, "wb").write(tarb(files + [("manifest.json", json.dumps(man).encode())]))
archive(sys.argv[1], layers, [sha(l) for l in layers], "good:1")
extra = tarb([("extra", b"x")])
archive(sys.argv[2], layers + [extra], [sha(l) for l in layers] + ["sha256:" + "ab" * 32], "bad:1")
EOF
bad=
for round in 1 2 3 4 5 6 7 8; do
	rm -rf "$TUG_STATE_DIR"
	$TUG load -q -i "$T/bad.tar" >"$T/bad.out" 2>&1 &
	pb=$!
	$TUG load -q -i "$T/good.tar" >"$T/good.out" 2>&1 || bad="$bad round $round: good load failed: $(cat "$T/good.out")"
	wait $pb && bad="$bad round $round: bad load accepted"
	grep -q "wrong digest" "$T/bad.out" || bad="$bad round $round: bad load: $(cat "$T/bad.out")"
	chk=$($TUG system check 2>&1) || bad="$bad round $round: $chk"
	$TUG image inspect good:1 >/dev/null 2>&1 || bad="$bad round $round: good:1 missing"
	[ -n "$bad" ] && break
done
if [ -z "$bad" ]; then pass concurrent_failed_load; else fail concurrent_failed_load "$bad"; fi

# A process that opens the store alone sweeps only dead processes' leftovers:
# a live writer's temp files (here: tug login's auths.json beside the store)
# stay. Dead-pid files are what a killed load leaves.
sleep 60 &
live=$!
sh -c 'exit 0' &
dead=$!
wait $dead
S=$TUG_STATE_DIR
echo x >"$S/.auths.json.tmp-$live" && echo x >"$S/tmp/blob-$live-0" && mkdir "$S/tmp/layer-$live-1"
echo x >"$S/.auths.json.tmp-$dead" && echo x >"$S/tmp/blob-$dead-0" && mkdir "$S/tmp/layer-$dead-1"
$TUG images -q >/dev/null
if [ -e "$S/.auths.json.tmp-$live" ] && [ -e "$S/tmp/blob-$live-0" ] && [ -d "$S/tmp/layer-$live-1" ] &&
	[ ! -e "$S/.auths.json.tmp-$dead" ] && [ ! -e "$S/tmp/blob-$dead-0" ] && [ ! -e "$S/tmp/layer-$dead-1" ]; then
	pass sweep_spares_live
else
	fail sweep_spares_live "left: $(ls -A "$S" "$S/tmp" | tr '\n' ' ')"
fi
kill $live 2>/dev/null
wait $live 2>/dev/null
rm -rf "$S/.auths.json.tmp-$live" "$S/tmp/blob-$live-0" "$S/tmp/layer-$live-1"

# prune: a dangling image (its tag moved to another image) goes; tagged ones
# and a dangling one a container uses (a lease) stay.
rm -rf "$TUG_STATE_DIR"
tiny "$T/a1.tar" app:1 one
$TUG load -q -i "$T/a1.tar" >/dev/null
old_id=$(inspect app:1 'j["Id"]')
old_md=$(inspect app:1 'j["ManifestDigest"]')
$MK multi "$T/a2.tar" app:1
$TUG load -q -i "$T/a2.tar" >/dev/null # app:1 moves; the old image is dangling now
$TUG load -q -i "$T/oci.tar" >/dev/null
tiny "$T/held.tar" held:1 held
$TUG load -q -i "$T/held.tar" >/dev/null 2>&1
out=$($TUG image prune -f 2>&1)
rc=$?
ids=$($TUG images -q | sort | tr '\n' ' ')
if [ $rc = 0 ] && printf '%s' "$out" | grep -qx "deleted: $old_id" &&
	printf '%s' "$out" | grep -q '^Total reclaimed space: ' &&
	[ "$($TUG images -q | wc -l)" = 3 ] && $TUG image inspect app:1 small:1 held:1 >/dev/null &&
	$TUG system check >/dev/null; then
	pass prune_dangling
else
	fail prune_dangling "rc=$rc out=$(echo "$out" | tr '\n' ' ') images=$ids"
fi
# The same, with a container's lease on the dangling image: it stays.
$TUG load -q -i "$T/a1.tar" >/dev/null # back to app:1 -> old image
$TUG load -q -i "$T/a2.tar" >/dev/null # dangling again
mkdir -p "$TUG_STATE_DIR/leases" && printf '%s' "$old_md" >"$TUG_STATE_DIR/leases/ctr1"
out=$($TUG image prune -f 2>&1)
if ! printf '%s' "$out" | grep -q "deleted:" && $TUG image inspect "$old_id" >/dev/null 2>&1; then
	pass prune_keeps_used_dangling
else
	fail prune_keeps_used_dangling "out=$(echo "$out" | tr '\n' ' ')"
fi

# prune -a: every image no container uses goes, tagged or not; the leased one stays.
blobs_before=$(ls "$TUG_STATE_DIR/blobs/sha256" | wc -l)
out=$($TUG image prune -a -f 2>&1)
rc=$?
left=$($TUG images -q | tr '\n' ' ')
if [ $rc = 0 ] && printf '%s' "$out" | grep -qx "untagged: app:1" &&
	printf '%s' "$out" | grep -qx "untagged: small:1" && [ "$left" = "$(echo "$old_id" | cut -c8-19) " ] &&
	[ "$(ls "$TUG_STATE_DIR/blobs/sha256" | wc -l)" -lt "$blobs_before" ] &&
	$TUG system check >/dev/null; then
	pass prune_all
else
	fail prune_all "rc=$rc out=$(echo "$out" | tr '\n' ' ') left=$left"
fi
rm -f "$TUG_STATE_DIR/leases/ctr1"
out=$($TUG system prune -a -f 2>&1)
if [ -z "$($TUG images -q)" ] && [ -z "$(ls -A "$TUG_STATE_DIR/blobs/sha256")" ] &&
	[ -z "$(ls -A "$TUG_STATE_DIR/layers")" ]; then
	pass prune_all_released
else
	fail prune_all_released "images=$($TUG images -q | tr '\n' ' ') left=$(ls -A "$TUG_STATE_DIR/blobs/sha256" "$TUG_STATE_DIR/layers" | tr '\n' ' ')"
fi

# system check: a flipped byte in a layer blob, then a removed layer dir.
rm -rf "$TUG_STATE_DIR"
$TUG load -q -i "$T/multi.tar" >/dev/null
blob=$(ls -S "$TUG_STATE_DIR/blobs/sha256" | head -1) # the biggest: a layer
/usr/bin/python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(1000); b=f.read(1); f.seek(1000); f.write(bytes([b[0]^0xff]))' \
	"$TUG_STATE_DIR/blobs/sha256/$blob"
out=$($TUG system check 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "damaged: blob sha256:$blob: content hashes to sha256:" &&
	printf '%s' "$out" | grep -q "1 problem found"; then
	pass check_flipped_byte
else
	fail check_flipped_byte "rc=$rc out=$(echo "$out" | tr '\n' ' ')"
fi
rm -rf "$TUG_STATE_DIR"
$TUG load -q -i "$T/multi.tar" >/dev/null
chain=$(ls "$TUG_STATE_DIR/layers" | head -1)
rm -rf "$TUG_STATE_DIR/layers/$chain"
out=$($TUG system check 2>&1)
rc=$?
if [ $rc = 1 ] && printf '%s' "$out" | grep -q "layer sha256:$chain is missing or incomplete"; then
	pass check_missing_layer
else
	fail check_missing_layer "rc=$rc out=$(echo "$out" | tr '\n' ' ')"
fi

# A damaged refs.json (flash rot; tug itself never writes this): every
# command copes, check names each bad entry, prune drops what cannot be used.
rm -rf "$TUG_STATE_DIR"
$TUG load -q -i "$T/multi.tar" >/dev/null
/usr/bin/python3 - "$TUG_STATE_DIR/refs.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["images"]["sha256:" + "0" * 64] = {"config": 7}
r["tags"]["gone:1"] = "sha256:" + "1" * 64
r["tags"]["bad:1"] = 5
open(sys.argv[1], "w").write(json.dumps(r))
EOF
out=$($TUG system check 2>&1)
rc=$?
$TUG images >/dev/null 2>&1
rc_ls=$?
if [ $rc = 1 ] && [ $rc_ls = 0 ] && printf '%s' "$out" | grep -q 'damaged: refs.json: image entry "sha256:0000' &&
	printf '%s' "$out" | grep -q 'damaged: refs.json: tag "bad:1" is malformed' &&
	printf '%s' "$out" | grep -q 'damaged: tag gone:1 points at unknown image' &&
	$TUG image prune -f | grep -qx "untagged: gone:1" && $TUG system check >/dev/null &&
	$TUG image inspect multi:1 >/dev/null; then
	pass check_damaged_refs
else
	fail check_damaged_refs "rc=$rc images rc=$rc_ls out=$(echo "$out" | tr '\n' ' ')"
fi

# rootfs assembly options, on the 4-layer image and on a 1-layer one.
rm -rf "$TUG_STATE_DIR"
$TUG load -q -i "$T/multi.tar" >/dev/null
$TUG load -q -i "$T/oci.tar" >/dev/null
bad=
for img in multi:1 small:1; do
	m=$T/ro-$img
	mkdir -p "$m"
	if ! $TUG image mount --readonly "$img" "$m" 2>"$T/err"; then
		bad="$bad $img: mount: $(cat "$T/err")"
		continue
	fi
	case $img in
	multi:1) [ -f "$m/d0/f0" ] && [ -f "$m/d3/f7" ] || bad="$bad $img: layers missing" ;;
	small:1) [ "$(cat "$m/etc/world")" = w ] && [ ! -e "$m/etc/hello" ] || bad="$bad $img: whiteout not applied" ;;
	esac
	if touch "$m/new" 2>"$T/err" || ! grep -q "Read-only file system" "$T/err"; then
		bad="$bad $img: writable ($(cat "$T/err"))"
	fi
	awk -v p="$m" '$2 == p && $4 ~ /^ro[,$]/' /proc/mounts | grep -q . || bad="$bad $img: not mounted ro"
	umount "$m"
done
if [ -z "$bad" ]; then pass rootfs_readonly; else fail rootfs_readonly "$bad"; fi

bad=
m=$T/tm
mkdir -p "$m"
layers_before=$(cd "$TUG_STATE_DIR/layers" && find . | sort | md5sum)
if $TUG image mount --tmpfs "$T/up" multi:1 "$m" 2>"$T/err"; then
	echo changed >"$m/d0/f0" && echo new >"$m/added" && rm "$m/d1/f1" || bad="$bad write failed"
	awk -v p="$T/up" '$2 == p && $3 == "tmpfs"' /proc/mounts | grep -q . || bad="$bad upper is not a tmpfs"
	[ "$(cat "$T/up/upper/added" 2>/dev/null)" = new ] || bad="$bad new file not in the tmpfs upper"
	[ "$(stat -c %t:%T "$T/up/upper/d1/f1" 2>/dev/null)" = 0:0 ] || bad="$bad no whiteout in upper"
	[ "$(cd "$TUG_STATE_DIR/layers" && find . | sort | md5sum)" = "$layers_before" ] || bad="$bad layers changed"
	umount "$m" && umount "$T/up"
	[ -z "$(ls -A "$T/up")" ] || bad="$bad upper survived unmount"
	# A second mount starts from the image again: nothing persisted.
	$TUG image mount --tmpfs "$T/up" multi:1 "$m" && [ ! -e "$m/added" ] && [ -f "$m/d1/f1" ] ||
		bad="$bad tmpfs upper persisted"
	umount "$m" 2>/dev/null
	umount "$T/up" 2>/dev/null
else
	bad="mount: $(cat "$T/err")"
fi
if [ -z "$bad" ]; then pass rootfs_tmpfs_upper; else fail rootfs_tmpfs_upper "$bad"; fi
exit 0
