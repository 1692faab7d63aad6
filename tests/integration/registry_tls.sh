#!/bin/sh
# tug pull/push against Debian's docker-registry over TLS from a CA made here:
# single and multi-arch images (pushed in with skopeo), platform choice, a
# wrong CA, a corrupted blob, a proxy that cuts the connection mid-blob, push
# (monolithic, chunked, cross-repo mount) seen by skopeo inspect.
SUITE=registry_tls
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="pull_single pull_again_up_to_date multiarch_default_amd64 multiarch_arm64 multiarch_armv7
arm64_runs_under_qemu wrong_ca_refused corrupt_blob_refused resume_after_cuts push_seen_by_skopeo
push_chunked"
require_root $NAMES
for t in docker-registry skopeo openssl; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy

reg_setup || { for n in $NAMES; do fail $n "setup (openssl)"; done; exit 0; }
reg_start || { for n in $NAMES; do fail $n "registry did not start: $(tail -3 "$WORK/registry.log")"; done; exit 0; }

# Images: busybox for three arches, one index; a plain amd64 one.
ok=1
for a in amd64 arm64 armhf; do
	reg_rootfs $a "$WORK/rootfs-$a" || ok=0
done
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" bb "linux/amd64=$WORK/rootfs-amd64" \
	>"$WORK/single.txt" &&
	$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" multi \
		"linux/amd64=$WORK/rootfs-amd64" "linux/arm64/v8=$WORK/rootfs-arm64" \
		"linux/arm/v7=$WORK/rootfs-armhf" >"$WORK/multi.txt" &&
	reg_skopeo_push "$WORK/oci" bb busybox:1 &&
	reg_skopeo_push "$WORK/oci" multi multi:1 || ok=0
[ $ok = 1 ] || { for n in $NAMES; do fail $n "could not build or push test images: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
digest_of() { awk -v p="$1" '$1 == p { print $2 }' "$2"; }

# pull_single: the image lands under its name, with the manifest digest pushed.
if out=$("$TUG" pull "$REG/busybox:1" 2>&1) &&
	[ "$(refs_tag "$REG/busybox:1")" = "$(digest_of linux/amd64 "$WORK/single.txt")" ]; then
	pass pull_single
else
	fail pull_single "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
out=$("$TUG" pull "$REG/busybox:1" 2>&1)
case "$out" in
*"Image is up to date"*) pass pull_again_up_to_date ;;
*) fail pull_again_up_to_date "$(echo "$out" | tail -1)" ;;
esac

# Multi-arch: the device's platform by default, --platform overrides.
check_platform() {
	_name=$1
	_plat=$2
	shift 2
	if out=$("$TUG" pull "$@" "$REG/multi:1" 2>&1) &&
		[ "$(refs_tag "$REG/multi:1")" = "$(digest_of "$_plat" "$WORK/multi.txt")" ]; then
		pass "$_name"
	else
		fail "$_name" "got $(refs_tag "$REG/multi:1"), want $_plat $(echo "$out" | tail -1)"
	fi
}
check_platform multiarch_default_amd64 linux/amd64
check_platform multiarch_arm64 linux/arm64/v8 --platform linux/arm64
# The unpacked arm64 layer holds an aarch64 busybox: run it under qemu-user.
chain=$($PY -c 'import json,sys,hashlib
st=sys.argv[1]; refs=json.load(open(st+"/refs.json"))
m=json.load(open(st+"/blobs/sha256/"+refs["tags"][sys.argv[2]][7:]))
c=json.load(open(st+"/blobs/sha256/"+m["config"]["digest"][7:]))
print(c["rootfs"]["diff_ids"][0][7:])' "$TUG_STATE_DIR" "$REG/multi:1")
bb="$TUG_STATE_DIR/layers/$chain/root/bin/busybox"
if ! command -v qemu-aarch64-static >/dev/null; then
	skip arm64_runs_under_qemu "qemu-aarch64-static missing"
elif [ -f "$bb" ] && [ "$(qemu-aarch64-static "$bb" uname -m 2>&1)" = aarch64 ]; then
	pass arm64_runs_under_qemu
else
	fail arm64_runs_under_qemu "no aarch64 busybox at $bb: $(file "$bb" 2>&1)"
fi
check_platform multiarch_armv7 linux/arm/v7 --platform linux/arm/v7

# A CA that did not sign the registry's certificate: a clear error, nothing stored.
reg_ca "$WORK" other
mkdir -p "$WORK/other.d/$REG"
cp "$WORK/other-ca.crt" "$WORK/other.d/$REG/ca.crt"
out=$(TUG_CERTS_DIR="$WORK/other.d" TUG_STATE_DIR="$WORK/state-ca" "$TUG" pull "$REG/busybox:1" 2>&1)
case "$out" in
*"certificate verification failed"*) pass wrong_ca_refused ;;
*) fail wrong_ca_refused "$out" ;;
esac

# A corrupted blob in the registry's storage: digest mismatch, store as it was.
mkdir -p "$WORK/rnd"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" rnd "linux/amd64=$WORK/rootfs-amd64" \
	--random 1:3000000 >"$WORK/rnd.txt" && reg_skopeo_push "$WORK/oci" rnd big:1
big=$($PY -c 'import json,sys
m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))
print(m["layers"][-1]["digest"][7:])' "$WORK/oci" "$(digest_of linux/amd64 "$WORK/rnd.txt")")
data="$WORK/storage/docker/registry/v2/blobs/sha256/$(echo "$big" | cut -c1-2)/$big/data"
cp "$data" "$WORK/big.good"
printf 'CORRUPT' | dd of="$data" bs=1 seek=1000000 conv=notrunc 2>/dev/null
before=$(cat "$TUG_STATE_DIR/refs.json" | sha256sum)
out=$("$TUG" pull "$REG/big:1" 2>&1)
after=$(cat "$TUG_STATE_DIR/refs.json" | sha256sum)
case "$out" in
*"digest mismatch"*)
	if [ "$before" != "$after" ]; then
		fail corrupt_blob_refused "refs.json changed"
	elif [ -e "$TUG_STATE_DIR/blobs/sha256/$big" ]; then
		fail corrupt_blob_refused "the bad blob is in the store"
	elif [ -n "$(ls -A "$TUG_STATE_DIR/tmp")" ]; then
		fail corrupt_blob_refused "leftovers in tmp/: $(ls "$TUG_STATE_DIR/tmp")"
	else
		pass corrupt_blob_refused
	fi
	;;
*) fail corrupt_blob_refused "$out" ;;
esac
cp "$WORK/big.good" "$data"

# A CONNECT proxy that cuts the tunnel 3 times mid-blob: the pull resumes with
# Range (bytes through the proxy stay near one copy of the blob) and completes.
PPORT=$(free_port)
$PY "$(dirname "$0")/registry_cutproxy.py" "$PPORT" 700000 3 "$WORK/proxy.log" &
REG_PIDS="$REG_PIDS $!"
wait_port "$PPORT"
mark=$(wc -l <"$WORK/registry.log")
out=$(HTTPS_PROXY="http://127.0.0.1:$PPORT" TUG_STATE_DIR="$WORK/state-resume" \
	"$TUG" pull "$REG/big:1" 2>&1)
rc=$?
cuts=$(grep -c ' cut$' "$WORK/proxy.log" 2>/dev/null)
# The registry's access log: ranged GETs (206) of the big blob, bytes sent for it.
tail -n +$((mark + 1)) "$WORK/registry.log" | grep 'GET /v2/big/blobs' >"$WORK/resume.log"
ranged=$(grep -c '" 206 ' "$WORK/resume.log")
if [ $rc = 0 ] && [ "$cuts" = 3 ] && [ "$ranged" -ge 2 ] &&
	[ -n "$(TUG_STATE_DIR="$WORK/state-resume" refs_tag "$REG/big:1")" ]; then
	pass resume_after_cuts
	[ -n "${V:-}" ] && { echo "$out"; cat "$WORK/proxy.log" "$WORK/resume.log"; }
else
	fail resume_after_cuts "rc=$rc cuts=$cuts ranged=$ranged: $(echo "$out" | tail -2 | tr '\n' ' ')"
fi

# Push under a new name (blobs mounted from busybox), then skopeo sees it.
"$TUG" tag "$REG/busybox:1" "$REG/pushed:1" >/dev/null 2>&1
out=$("$TUG" push "$REG/pushed:1" 2>&1)
seen=$(skopeo inspect --cert-dir "$WORK/certs.d/$REG" "docker://$REG/pushed:1" 2>&1)
if echo "$seen" | grep -q "$(refs_tag "$REG/busybox:1")"; then
	pass push_seen_by_skopeo
else
	fail push_seen_by_skopeo "$(echo "$out" | tail -2 | tr '\n' ' ') / $(echo "$seen" | tail -1)"
fi
"$TUG" pull -q "$REG/big:1" >/dev/null 2>&1
# Through the name "localhost" (DNS name check, no mount source there): PATCH chunks.
LREG="localhost:$REG_PORT"
mkdir -p "$WORK/certs.d/$LREG"
cp "$WORK/test-ca.crt" "$WORK/certs.d/$LREG/ca.crt"
"$TUG" tag "$REG/big:1" "$LREG/chunked:1" >/dev/null 2>&1
out=$(TUG_PUSH_CHUNK_SIZE=1000000 "$TUG" push "$LREG/chunked:1" 2>&1)
seen=$(skopeo inspect --cert-dir "$WORK/certs.d/$REG" "docker://$REG/chunked:1" 2>&1)
if echo "$seen" | grep -q "$(refs_tag "$REG/big:1")" &&
	grep -q 'PATCH /v2/chunked/blobs/uploads' "$WORK/registry.log"; then
	pass push_chunked
else
	fail push_chunked "$(echo "$out" | tail -2 | tr '\n' ' ') / $(echo "$seen" | tail -1)"
fi
