#!/bin/sh
# Read-only containers through tugd and the tug CLI (docs/init.md): an image
# of one layer that holds every mount point runs on a read-only bind mount
# of that layer, no overlayfs; another image gets an overlay with an upper
# as before. Either way the root cannot be written, and the layer is left
# as it was.
#   bind_root        --read-only, one layer with /etc/hosts, /etc/hostname,
#                    /etc/resolv.conf: runs, / is not an overlay, writes fail
#   bind_layer_same  the layer's files are unchanged after that run
#   bind_diff_empty  tug diff of that running container: nothing
#   overlay_fallback --read-only, an image lacking /etc/hosts: runs on an
#                    overlay, writes fail
#   writable_overlay without --read-only: an overlay, / writable
SUITE=readonly_rootfs
. "$(dirname "$0")/../lib.sh"
names="bind_root bind_layer_same bind_diff_empty overlay_fallback writable_overlay"
require_root $names
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/full" "$T/bare"
ln -s "$TUG" "$T/tugd"
busybox_rootfs "$T/bare"
busybox_rootfs "$T/full"
mkdir -p "$T/full/etc" "$T/full/proc" "$T/full/sys" "$T/full/dev"
: >"$T/full/etc/hosts"
: >"$T/full/etc/hostname"
: >"$T/full/etc/resolv.conf"
/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/full" "$T/full.tar" full:1
/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/bare" "$T/bare.tar" bare:1
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run TUG_HOST=unix://$T/run/tug.sock
# A network namespace of its own: the containers use none anyway.
unshare -n sh -c "exec '$T/tugd'" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
G="timeout 20 $TUG"
$G load -q -i "$T/full.tar" >/dev/null
$G load -q -i "$T/bare.tar" >/dev/null
# What / is, and whether it takes a write.
probe='awk '\''$2 == "/" { print "fs=" $3 }'\'' /proc/mounts; if touch /x 2>/dev/null; then echo write=ok; else echo write=refused; fi'
layers() { find "$T/state/layers" -path '*/root/*' -printf '%P %s %m\n' 2>/dev/null | sort | cksum; }

before=$(layers)
out=$($G run --rm --read-only --network none full:1 sh -c "$probe" 2>&1)
case "$out" in
*fs=overlay*) fail bind_root "/ is an overlay: $out" ;;
*fs=*write=refused*) pass bind_root ;;
*) fail bind_root "$out" ;;
esac
[ "$(layers)" = "$before" ] && pass bind_layer_same || fail bind_layer_same "the layer's files changed"

$G run -d --name ro1 --read-only --network none full:1 sleep 1000 >/dev/null 2>&1
out=$($G diff ro1 2>&1)
[ $? = 0 ] && [ -z "$out" ] && pass bind_diff_empty || fail bind_diff_empty "$out"
$G rm -f ro1 >/dev/null 2>&1

out=$($G run --rm --read-only --network none bare:1 sh -c "$probe" 2>&1)
case "$out" in
*fs=overlay*write=refused*) pass overlay_fallback ;;
*) fail overlay_fallback "$out" ;;
esac

out=$($G run --rm --network none full:1 sh -c "$probe" 2>&1)
case "$out" in
*fs=overlay*write=ok*) pass writable_overlay ;;
*) fail writable_overlay "$out" ;;
esac
exit 0
