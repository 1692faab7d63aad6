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

# wait_for SECONDS COMMAND...: poll (every 0.1 s) until the command succeeds.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
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

# kill_rooted_in DIR: SIGKILL every process whose root is below DIR (what a
# crashed engine's containers left) and detach the mounts below DIR.
kill_rooted_in() {
	for _p in $(ls /proc | grep -E '^[0-9]+$'); do
		case "$(readlink "/proc/$_p/root" 2>/dev/null)" in "$1"/*) kill -9 "$_p" 2>/dev/null ;; esac
	done
	umount_below "$1"
}

# tugd_dir T: the layout of a suite that runs its own tugd: T/state, T/run,
# T/tugd (a link to $TUG: the multi-call binary runs as the daemon),
# T/rootfs (busybox) and T/busybox.tar (its image, busybox:latest);
# TUG_STATE_DIR and TUG_RUN_DIR point into T.
tugd_dir() {
	mkdir -p "$1/state" "$1/run" "$1/rootfs"
	ln -s "$TUG" "$1/tugd"
	busybox_rootfs "$1/rootfs"
	/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$1/rootfs" "$1/busybox.tar"
	export TUG_STATE_DIR="$1/state" TUG_RUN_DIR="$1/run"
}

# tugd_start T: start tugd_dir's T/tugd in the background (log in T/tugd.log)
# and wait up to 5 s for it to answer.
tugd_start() {
	"$1/tugd" >>"$1/tugd.log" 2>&1 &
	for _i in $(seq 50); do "$TUG" ps -q >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# tugd_stop RUN_DIR: remove every container of the tugd of RUN_DIR (and its
# cgroup), stop that tugd and wait until it is gone, then stop its keeper.
# In that order: a tugd that sees its keeper go starts a new one, which
# would outlive the suite in a removed directory.
tugd_stop() {
	_ids=$(TUG_HOST=unix://$1/tug.sock timeout 10 "$TUG" ps -aq --no-trunc 2>/dev/null)
	[ -n "$_ids" ] && TUG_HOST=unix://$1/tug.sock timeout 20 "$TUG" rm -f $_ids >/dev/null 2>&1
	_pid=$(cat "$1/tugd.pid" 2>/dev/null)
	if [ -n "$_pid" ] && kill "$_pid" 2>/dev/null; then
		for _i in $(seq 50); do kill -0 "$_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$_pid" 2>/dev/null
	fi
	_pid=$(cat "$1/keeper.pid" 2>/dev/null)
	[ -n "$_pid" ] && kill "$_pid" 2>/dev/null
	# A container whose runtime state went with a crash keeps its cgroup.
	for _id in $_ids; do remove_cgroup "$(cgroup2_mount)/tug/$_id"; done
	return 0
}

# tug_runc_wrapper DIR: DIR/tug-runc runs `$TUG oci`, noting each call in
# DIR/calls (so a suite knows tug, not runc, ran them).
tug_runc_wrapper() {
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" oci "$@"\n' "$1/calls" "$TUG" >"$1/tug-runc"
	chmod +x "$1/tug-runc"
}

# cgroup2_mount: where the cgroup v2 tree is ("" when none), as tug picks it:
# /sys/fs/cgroup over any other (a hybrid host's /sys/fs/cgroup/unified).
cgroup2_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
		/proc/self/mountinfo | awk '$0 == "/sys/fs/cgroup" { m = $0; exit } !m { m = $0 } END { print m }'
}

# remove_cgroup DIR: a container's cgroup (below the cgroup2 mount) emptied
# (SIGKILL) and removed. A container whose tugd and keeper were killed (a
# crash, a simulated reboot) has nobody left to remove it.
remove_cgroup() {
	_mnt=$(cgroup2_mount)
	case "$1" in "$_mnt"/?*) ;; *) return 0 ;; esac
	[ -n "$_mnt" ] && [ -d "$1" ] || return 0
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		_procs=$(cat "$1/cgroup.procs" 2>/dev/null)
		[ -z "$_procs" ] && break
		kill -9 $_procs 2>/dev/null
		sleep 0.1
	done
	rmdir "$1" 2>/dev/null
	return 0
}

# remove_cgroups DIR: remove_cgroup for each container whose state is below
# DIR: tugd's containers/<id>, the "cgroup" of tug oci's state.json.
remove_cgroups() {
	_m=$(cgroup2_mount)
	[ -n "$_m" ] || return 0
	{
		find "$1" -maxdepth 4 -type d -regextype posix-extended \
			-regex '.*/containers/[0-9a-f]{64}' -printf "$_m/tug/%f\n" 2>/dev/null
		find "$1" -maxdepth 5 -name state.json -exec grep -ho '"cgroup":"[^"]*"' {} + 2>/dev/null |
			sed 's/^"cgroup":"//; s/"$//'
	} | sort -u | while read -r _cg; do remove_cgroup "$_cg"; done
}

# tmpdir: a fresh directory, removed (and unmounted) when the suite exits.
# Works inside $(...): the list lives in a file the suite's shell owns.
TUG_TMPLIST=$(mktemp /tmp/tug-it-list.XXXXXX)
tug_cleanup_tmp() {
	while read -r d; do
		remove_cgroups "$d"
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
