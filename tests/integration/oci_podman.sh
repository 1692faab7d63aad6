#!/bin/sh
# podman (Debian) with tug as its OCI runtime (--runtime <wrapper>, through
# conmon): private storage, run root and containers.conf, a busybox image
# made here by hand and `podman load`ed.
SUITE=oci_podman
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root run_echo
CASES="run_echo runtime_is_tug run_exit_code detach_exec stop run_it_pty"
skip_all() {
	for n in $CASES; do skip "$n" "$1"; done
	exit 0
}
for c in podman conmon; do
	command -v $c >/dev/null || skip_all "$c not installed (Debian podman)"
done
D=$(mktemp -d /tmp/tug-podman.XXXXXX)
chmod 755 "$D"
# This host: a hybrid cgroup tree (no v2 pids controller: podman's default
# pids limit would be refused, rightly) and no CAP_SYS_RESOURCE (podman's
# default rlimits are above our hard limits): both set low here.
cat >"$D/containers.conf" <<EOF
[containers]
pids_limit = 0
default_ulimits = ["nofile=1024:1024", "nproc=16384:16384"]
[engine]
EOF
export CONTAINERS_CONF=$D/containers.conf
pm() {
	timeout 60 podman --root "$D/storage" --runroot "$D/run" --tmpdir "$D/tmp" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--runtime "$D/tug-runc" "$@"
}
cleanup() {
	pm rm -af -t 0 >/dev/null 2>&1
	# podman passes no --root: tug's default root, shared; only our ids.
	for id in $(awk '$1 == "create" {print $NF}' "$D/calls" 2>/dev/null); do
		"$TUG" oci delete -f "$id" >/dev/null 2>&1
	done
	umount_below "$D"
	rm -rf "$D"
	tug_cleanup_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

tug_runc_wrapper "$D"
busybox_docker_archive "$D/img"
out=$(pm load -i "$D/img/busybox.tar" 2>&1) || skip_all "podman load failed: $(echo "$out" | tail -1)"

out=$(pm run --rm --network none busybox echo hi 2>&1)
[ "$out" = hi ] && pass run_echo || fail run_echo "$(echo "$out" | tail -3 | tr '\n' ' ')"
grep -q "^create " "$D/calls" 2>/dev/null && pass runtime_is_tug ||
	fail runtime_is_tug "the tug wrapper was never asked to create"

out=$(pm run --rm --network none busybox sh -c 'exit 42' 2>&1)
rc=$?
[ $rc = 42 ] && pass run_exit_code || fail run_exit_code "rc $rc: $out"

cid=$(pm run -d --network none busybox sleep 1000 2>&1)
out=$(pm exec "$cid" sh -c 'echo in-$(hostname | cut -c1-4)' 2>&1)
[ "$out" = "in-$(echo "$cid" | cut -c1-4)" ] && pass detach_exec || fail detach_exec "$out"
pm stop -t 1 "$cid" >/dev/null 2>&1
st=$(pm inspect -f '{{.State.Status}}' "$cid" 2>&1)
[ "$st" = exited ] && pass stop || fail stop "$st"
pm rm "$cid" >/dev/null 2>&1

# script runs its command with $SHELL (pinned: CI may have none). One retry
# when the first try printed nothing (seen twice in many runs, podman's
# attach under load; the first try's output goes to the log).
it_pty() { timeout 60 env SHELL=/bin/sh script -qec "podman --root $D/storage --runroot $D/run --tmpdir $D/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $D/tug-runc run --rm -it --network none busybox sh -c 'test -t 0 && echo tty-yes'" /dev/null 2>&1 </dev/null | tr -d '\r'; }
out=$(it_pty)
case "$out" in
*tty-yes*) ;;
*) echo "# run_it_pty: first try gave '$out', trying again" >&2; out=$(it_pty) ;;
esac
case "$out" in
*tty-yes*) pass run_it_pty ;;
*) fail run_it_pty "$(echo "$out" | tail -3 | tr '\n' ' ')" ;;
esac
exit 0
