#!/bin/sh
# Plain HTTP registries: refused unless marked insecure (flag or
# registries.json), mirrors, redirects to blob storage on another host
# (the token stays behind), uncompressed tar layers (their digest taken in the
# pass that unpacks them: a damaged one is a digest mismatch), and a build
# without mbedtls: plain HTTP pulls still verify every digest, HTTPS
# registries are "not supported by this build".
SUITE=registry_http
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="https_by_default insecure_flag insecure_config mirror_used redirect_drops_token
plain_layers_pull plain_layer_damaged notls_pulls_http notls_verifies_digest notls_refuses_https"
require_root $NAMES
for t in docker-registry skopeo openssl; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy

reg_setup || { for n in $NAMES; do fail $n "setup"; done; exit 0; }
reg_start_http || { for n in $NAMES; do fail $n "registry did not start"; done; exit 0; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" bb "linux/amd64=$WORK/rootfs" >"$WORK/bb.txt"
skopeo copy --all --dest-tls-verify=false "oci:$WORK/oci:bb" "docker://$HREG/busybox:1" \
	>"$WORK/skopeo.log" 2>&1 ||
	{ for n in $NAMES; do fail $n "skopeo push: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
want=$(awk '{ print $2 }' "$WORK/bb.txt")

out=$("$TUG" pull "$HREG/busybox:1" 2>&1) && fail https_by_default "pulled over plain HTTP" ||
	case "$out" in
	*tls*) pass https_by_default ;;
	*) fail https_by_default "$out" ;;
	esac

out=$("$TUG" pull --insecure --max-concurrent-downloads 1 "$HREG/busybox:1" 2>&1)
[ "$(refs_tag "$HREG/busybox:1")" = "$want" ] && pass insecure_flag ||
	fail insecure_flag "$(echo "$out" | tail -1)"

echo "{\"insecure-registries\": [\"$HREG\"]}" >"$TUG_REGISTRIES_CONF"
out=$(TUG_STATE_DIR="$WORK/s2" "$TUG" pull "$HREG/busybox:1" 2>&1)
[ "$(TUG_STATE_DIR="$WORK/s2" refs_tag "$HREG/busybox:1")" = "$want" ] && pass insecure_config ||
	fail insecure_config "$(echo "$out" | tail -1)"

# registry.invalid does not resolve: only its mirror can serve the pull.
echo "{\"mirrors\": {\"registry.invalid:5000\": [\"http://$HREG\"]}}" >"$TUG_REGISTRIES_CONF"
out=$(TUG_STATE_DIR="$WORK/s3" "$TUG" pull registry.invalid:5000/busybox:1 2>&1)
[ "$(TUG_STATE_DIR="$WORK/s3" refs_tag registry.invalid:5000/busybox:1)" = "$want" ] &&
	pass mirror_used || fail mirror_used "$(echo "$out" | tail -1)"
rm -f "$TUG_REGISTRIES_CONF"

FPORT=$(free_port)
$PY "$(dirname "$0")/registry_front.py" "$FPORT" "http://$HREG" "$WORK/front.log" \
	2>"$WORK/front.err" &
REG_PIDS="$REG_PIDS $!"
wait_port "$FPORT"
out=$(TUG_STATE_DIR="$WORK/s4" "$TUG" pull --insecure "127.0.0.1:$FPORT/busybox:1" 2>&1)
if [ "$(TUG_STATE_DIR="$WORK/s4" refs_tag "127.0.0.1:$FPORT/busybox:1")" = "$want" ] &&
	grep -q 'storage auth=no' "$WORK/front.log" && ! grep -q 'storage auth=yes' "$WORK/front.log"; then
	pass redirect_drops_token
else
	fail redirect_drops_token "$(echo "$out" | tail -1) / $(cat "$WORK/front.log" "$WORK/front.err" | tail -2)"
fi

# Uncompressed layers (busybox + one of 300 kB random bytes), then one byte of
# the last changed in the registry: refused as a digest mismatch, nothing kept.
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/plain" plain "linux/amd64=$WORK/rootfs" \
	--random 1:300000 --plain >"$WORK/plain.txt"
skopeo copy --all --preserve-digests --dest-tls-verify=false "oci:$WORK/plain:plain" \
	"docker://$HREG/plain:1" \
	>"$WORK/skopeo.log" 2>&1
pwant=$(awk '{ print $2 }' "$WORK/plain.txt")
out=$(TUG_STATE_DIR="$WORK/p1" "$TUG" pull --insecure "$HREG/plain:1" 2>&1)
if [ "$(TUG_STATE_DIR="$WORK/p1" refs_tag "$HREG/plain:1")" != "$pwant" ]; then
	fail plain_layers_pull "$(echo "$out" | tail -1)"
elif ! ls "$WORK"/p1/layers/*/root/data/layer0.bin "$WORK"/p1/layers/*/root/bin/busybox \
	>/dev/null 2>&1; then
	fail plain_layers_pull "unpacked files missing: $(ls "$WORK"/p1/layers/*/root 2>&1 | tr '\n' ' ')"
else
	pass plain_layers_pull
fi
player=$($PY -c 'import json,sys
print(json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))["layers"][-1]["digest"][7:])' \
	"$WORK/plain" "$pwant")
data="$WORK/hstorage/docker/registry/v2/blobs/sha256/$(echo "$player" | cut -c1-2)/$player/data"
printf 'X' | dd of="$data" bs=1 seek=200000 conv=notrunc 2>/dev/null
out=$(TUG_STATE_DIR="$WORK/p2" "$TUG" pull --insecure "$HREG/plain:1" 2>&1)
case "$out" in
*"digest mismatch"*)
	if [ -n "$(TUG_STATE_DIR="$WORK/p2" refs_tag "$HREG/plain:1")" ]; then
		fail plain_layer_damaged "image recorded anyway"
	elif [ -e "$WORK/p2/blobs/sha256/$player" ]; then
		fail plain_layer_damaged "the bad blob is in the store"
	elif [ -n "$(ls -A "$WORK/p2/tmp")" ]; then
		fail plain_layer_damaged "leftovers in tmp/: $(ls "$WORK/p2/tmp")"
	else
		pass plain_layer_damaged
	fi
	;;
*) fail plain_layer_damaged "$out" ;;
esac

NOTLS=$(notls_tug)
if [ -z "$NOTLS" ]; then
	for n in notls_pulls_http notls_verifies_digest notls_refuses_https; do
		skip $n "could not build without mbedtls: $(tail -1 "$WORK/notls-build.log" 2>/dev/null)"
	done
	exit 0
fi
out=$(TUG_STATE_DIR="$WORK/s5" "$NOTLS" pull --insecure "$HREG/busybox:1" 2>&1)
[ "$(TUG_STATE_DIR="$WORK/s5" refs_tag "$HREG/busybox:1")" = "$want" ] && pass notls_pulls_http ||
	fail notls_pulls_http "$(echo "$out" | tail -1)"

layer=$($PY -c 'import json,sys
print(json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))["layers"][0]["digest"][7:])' \
	"$WORK/oci" "$want")
data="$WORK/hstorage/docker/registry/v2/blobs/sha256/$(echo "$layer" | cut -c1-2)/$layer/data"
printf 'XX' | dd of="$data" bs=1 seek=5000 conv=notrunc 2>/dev/null
out=$(TUG_STATE_DIR="$WORK/s6" "$NOTLS" pull --insecure "$HREG/busybox:1" 2>&1)
case "$out" in
*"digest mismatch"*)
	[ -z "$(TUG_STATE_DIR="$WORK/s6" refs_tag "$HREG/busybox:1")" ] && pass notls_verifies_digest ||
		fail notls_verifies_digest "image recorded anyway"
	;;
*) fail notls_verifies_digest "$out" ;;
esac

reg_start || { fail notls_refuses_https "TLS registry did not start"; exit 0; }
out=$(TUG_STATE_DIR="$WORK/s7" "$NOTLS" pull "$REG/busybox:1" 2>&1)
case "$out" in
*"not supported by this build (CONFIG_TLS_MBEDTLS)"*) pass notls_refuses_https ;;
*) fail notls_refuses_https "$out" ;;
esac
