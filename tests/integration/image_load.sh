#!/bin/sh
# Image store, as a user meets it: archives from Docker's engine and from
# skopeo load file for file; hostile archives are refused and leave the
# store as it was; a full disk fails cleanly; squashfs layers mount.
SUITE=image_load
. "$(dirname "$0")/../lib.sh"
MK="/usr/bin/python3 $(dirname "$0")/image_mkarchive.py"
require_root docker_save oci_skopeo hostile hostile_no_openat2 no_openat2_fallback_taken full_disk \
	squashfs save_roundtrip

T=$(tmpdir)
export TUG_STATE_DIR=$T/store TUG_RUN_DIR=$T/run

# listing SRC: path, mode, owner, type, link target, size, content hash
listing() {
	(cd "$1" && find . -printf '%p %m %U:%G %y %l %s\n' | sort)
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k2)
}
same_tree() { listing "$1" >"$T/want"; listing "$2" >"$T/got"; diff "$T/want" "$T/got"; }
layer_root() { # the unpacked dir of the image's single layer
	_c=$($TUG image inspect "$1" | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin)[0]["RootFS"]["Layers"][0][7:])')
	echo "$TUG_STATE_DIR/layers/$_c/root"
}
store_state() { (cd "$TUG_STATE_DIR" && find . ! -name lock ! -name refs.lock | sort && cat refs.json 2>/dev/null); }

# A source tree with the cases that matter: owners, setuid, links, devices.
SRC=$T/src
busybox_rootfs "$SRC"
echo data >"$SRC/etc/owned" && chown 1000:1001 "$SRC/etc/owned"
chmod 4755 "$SRC/bin/busybox"
ln "$SRC/etc/passwd" "$SRC/etc/passwd.hard"
mknod "$SRC/dev/null" c 1 3 && mkfifo "$SRC/tmp/fifo"
tar -C "$SRC" -cf "$T/src.tar" .

# (a) docker save from a private dockerd
if command -v dockerd >/dev/null; then
	D=$T/docker
	mkdir -p "$D"
	dockerd --data-root "$D/data" --exec-root "$D/exec" --host "unix://$D/sock" \
		--pidfile "$D/pid" --bridge none --iptables=false --ip6tables=false >"$D/log" 2>&1 &
	for _ in $(seq 50); do docker -H "unix://$D/sock" info >/dev/null 2>&1 && break; sleep 0.2; done
	DK="docker -H unix://$D/sock"
	if $DK import "$T/src.tar" bb:docker >/dev/null && $DK save -o "$T/docker.tar" bb:docker; then
		if out=$($TUG load -i "$T/docker.tar" 2>&1) && [ "$out" = "Loaded image: bb:docker" ]; then
			if same_tree "$SRC" "$(layer_root bb:docker)" >"$T/diff" 2>&1; then
				pass docker_save
			else
				fail docker_save "rootfs differs: $(head -3 "$T/diff" | tr '\n' ' ')"
			fi
		else
			fail docker_save "load: $out"
		fi
	else
		fail docker_save "docker import/save failed: $(tail -2 "$D/log")"
	fi
	kill "$(cat "$D/pid")" 2>/dev/null
	for _ in $(seq 50); do [ -e "$D/pid" ] || break; sleep 0.2; done
	umount -R -l "$D/exec" "$D/data" 2>/dev/null
else
	skip docker_save "dockerd not installed"
fi

# (b) OCI archive by skopeo, from the docker archive
if command -v skopeo >/dev/null && [ -f "$T/docker.tar" ]; then
	if skopeo copy -q "docker-archive:$T/docker.tar" "oci-archive:$T/oci.tar:bb:oci" >/dev/null 2>&1; then
		id=$($TUG load -i "$T/oci.tar" 2>&1)
		$TUG tag "$(echo "$id" | sed -n 's/.*ID: sha256:\(.\{12\}\).*/\1/p;s/^Loaded image: //p' | head -1)" bb:oci 2>/dev/null
		if same_tree "$SRC" "$(layer_root bb:oci)" >"$T/diff" 2>&1; then
			pass oci_skopeo
		else
			fail oci_skopeo "$id; rootfs differs: $(head -3 "$T/diff" | tr '\n' ' ')"
		fi
	else
		fail oci_skopeo "skopeo copy failed"
	fi
else
	skip oci_skopeo "skopeo or docker archive missing"
fi

# (c) hostile archives: refused with a clear error, store unchanged. Run once
# through openat2 RESOLVE_IN_ROOT and once through the component walk kept
# for kernels before 5.6 (TUG_UNPACK_NO_OPENAT2=1 forces it).
hostile_set() { # NAME: runs every case, passes or fails NAME
	before=$(store_state)
	bad=
	for k in dotdot:leaves absolute:absolute symlink-write:symlink hardlink-out:absolute \
		hardlink-dotdot:leaves huge-size:"No space" truncated-gzip:truncated \
		wrong-digest:"wrong digest" wrong-diffid:"wrong digest"; do
		kind=${k%%:*} want=${k#*:}
		$MK "$kind" "$T/h.tar" evil:1
		if out=$($TUG load -i "$T/h.tar" 2>&1); then
			bad="$bad $kind(accepted)"
		elif ! printf '%s' "$out" | grep -qi "$want"; then
			bad="$bad $kind(unclear: $out)"
		fi
		[ "$(store_state)" = "$before" ] || bad="$bad $kind(store changed)"
	done
	[ ! -e /tmp/tug-evil-abs ] && [ ! -e /tmp/tug-evil-sym ] || bad="$bad (file written outside)"
	if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$bad"; fi
}
hostile_set hostile
TUG_UNPACK_NO_OPENAT2=1 hostile_set hostile_no_openat2
# ... and the variable really takes the fallback: no openat2 call at all.
if command -v strace >/dev/null; then
	$MK oci "$T/o.tar" walk:1
	n_on=$(TUG_STATE_DIR=$T/st-on strace -f -e trace=openat2 $TUG load -q -i "$T/o.tar" 2>&1 | grep -c '^openat2\|] openat2')
	n_off=$(TUG_STATE_DIR=$T/st-off TUG_UNPACK_NO_OPENAT2=1 strace -f -e trace=openat2 $TUG load -q -i "$T/o.tar" 2>&1 | grep -c '^openat2\|] openat2')
	if [ "$n_on" -gt 0 ] && [ "$n_off" = 0 ] && same_tree "$T/st-on/layers" "$T/st-off/layers" >/dev/null 2>&1; then
		pass no_openat2_fallback_taken
	else
		fail no_openat2_fallback_taken "openat2 calls: $n_on normally, $n_off with TUG_UNPACK_NO_OPENAT2=1"
	fi
else
	skip no_openat2_fallback_taken "strace not installed"
fi

# (e) full disk: a 32 MB filesystem, a 48 MB image
mkdir -p "$T/small"
truncate -s 32M "$T/small.img" && mkfs.ext4 -q "$T/small.img" && mount -o loop "$T/small.img" "$T/small"
$MK big:48 "$T/big.tar" big:1
out=$(TUG_STATE_DIR=$T/small/store $TUG load -i "$T/big.tar" 2>&1)
rc=$?
imgs=$(TUG_STATE_DIR=$T/small/store $TUG images -q)
chk=$(TUG_STATE_DIR=$T/small/store $TUG system check 2>&1)
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "No space left on device" && [ -z "$imgs" ] &&
	[ -z "$(ls "$T/small/store/tmp")" ] && printf '%s' "$chk" | grep -q '^ok'; then
	pass full_disk
else
	fail full_disk "rc=$rc out=$out images=$imgs check=$chk"
fi
umount "$T/small"

# (f) squashfs layer built by the host tool, mounted through a loop device
if command -v mksquashfs >/dev/null; then
	"$(dirname "$0")/../../tools/mksquashfs-image.sh" -t sq:1 -d "$SRC" -o "$T/sq.tar" >/dev/null &&
		$TUG load -i "$T/sq.tar" >/dev/null && mkdir -p "$T/mnt" &&
		$TUG image mount --tmpfs "$T/upper" sq:1 "$T/mnt"
	if [ -x "$T/mnt/bin/busybox" ] && grep -q "squashfs" /proc/mounts && echo x >"$T/mnt/new" &&
		[ -f "$T/upper/upper/new" ] && { (cd "$SRC" && ls -R) >"$T/l1"; (cd "$T/mnt" && ls -R | grep -v '^new$') >"$T/l2"; diff "$T/l1" "$T/l2" >/dev/null; }; then
		pass squashfs
	else
		fail squashfs "rootfs not mounted or incomplete"
	fi
	umount "$T/mnt" "$T/upper" 2>/dev/null
	umount "$TUG_RUN_DIR"/layers/* 2>/dev/null
else
	skip squashfs "mksquashfs not installed"
fi

# save, then load into a fresh store: same image ID
if $TUG save -o "$T/saved.tar" bb:docker 2>/dev/null; then
	id1=$($TUG images -q | head -1)
	id2=$(TUG_STATE_DIR=$T/store2 $TUG load -i "$T/saved.tar" >/dev/null && TUG_STATE_DIR=$T/store2 $TUG images -q)
	[ -n "$id2" ] && $TUG image inspect bb:docker | grep -q "\"Id\":.*$id2" && pass save_roundtrip ||
		fail save_roundtrip "ids $id1 / $id2"
else
	fail save_roundtrip "save failed"
fi
