# Shared helpers for integration tests (sourced). Each test prints one line:
#   PASS <suite>/<name> | FAIL <suite>/<name>: why | SKIP <suite>/<name>: reason
# Set SUITE before use. TUG points at the binary under test.
: "${TUG:=$(cd "$(dirname "$0")/../.." && pwd)/build/qemu-x86_64/tug}"
: "${SUITE:=$(basename "$0" .sh)}"
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
# A tugd started by a suite puts containers without --network on none, so
# the host never gets tug0 or nft rules (net_docker_cli sets bridge inside
# its own network namespace).
export TUG_DEFAULT_NETWORK=none

pass() { echo "PASS $SUITE/$1"; }
fail() { echo "FAIL $SUITE/$1: $2"; }
skip() { echo "SKIP $SUITE/$1: $2"; }

# check NAME COMMAND...: PASS when the command succeeds, FAIL with its output.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_name"
	else
		fail "$_name" "$(printf '%s' "$_out" | tail -3 | tr '\n' ' ')"
	fi
}

# Skip the whole suite (with NAMES listed) when not root.
require_root() {
	if [ "$(id -u)" != 0 ]; then
		for n in "$@"; do skip "$n" "needs root"; done
		exit 0
	fi
}

# busybox_rootfs DIR: a minimal rootfs from Debian's busybox-static.
busybox_rootfs() {
	_d=$1
	mkdir -p "$_d/bin" "$_d/sbin" "$_d/etc" "$_d/proc" "$_d/sys" "$_d/dev" "$_d/tmp" \
		"$_d/root" "$_d/usr/bin" "$_d/usr/sbin"
	cp /bin/busybox "$_d/bin/busybox"
	for app in $(/bin/busybox --list); do
		[ -e "$_d/bin/$app" ] || ln -s busybox "$_d/bin/$app"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$_d/etc/passwd"
	echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$_d/etc/passwd"
	echo "root:x:0:" >"$_d/etc/group"
	echo "nogroup:x:65534:" >>"$_d/etc/group"
}

# umount_below DIR: lazily unmount every mount below DIR, deepest first.
umount_below() {
	awk -v t="$1/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
		xargs -r umount -l 2>/dev/null
}

# tug_runc_wrapper DIR: DIR/tug-runc runs `$TUG oci`, noting each call in
# DIR/calls (so a suite knows tug, not runc, ran them).
tug_runc_wrapper() {
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" oci "$@"\n' "$1/calls" "$TUG" >"$1/tug-runc"
	chmod +x "$1/tug-runc"
}

# tmpdir: a fresh directory, removed (and unmounted) when the suite exits.
# Works inside $(...): the list lives in a file the suite's shell owns.
TUG_TMPLIST=$(mktemp /tmp/tug-it-list.XXXXXX)
tug_cleanup_tmp() {
	while read -r d; do
		umount -R -l "$d" 2>/dev/null
		umount_below "$d" # d itself is no mount point: -R alone skips them
		rm -rf "$d"
	done <"$TUG_TMPLIST"
	rm -f "$TUG_TMPLIST"
}
trap tug_cleanup_tmp EXIT
tmpdir() {
	_t=$(mktemp -d /tmp/tug-it.XXXXXX)
	echo "$_t" >>"$TUG_TMPLIST"
	echo "$_t"
}
