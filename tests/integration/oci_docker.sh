#!/bin/sh
# Docker's own engine with tug as its OCI runtime: dockerd (Debian
# docker.io) in a private directory with --add-runtime tug=<wrapper>, a
# busybox image made here by hand (docker-save layout) and `docker load`ed.
SUITE=oci_docker
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root run_echo
CASES="run_echo runtime_is_tug run_exit_code detach_exec stop run_it_pty"
skip_all() {
	for n in $CASES; do skip "$n" "$1"; done
	exit 0
}
for c in dockerd containerd containerd-shim-runc-v2; do
	command -v $c >/dev/null || skip_all "$c not installed (Debian docker.io)"
done
# The client of the engine's own release (another docker may be on PATH).
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker) || skip_all "docker client not installed"
D=$(mktemp -d /tmp/tug-docker.XXXXXX)
chmod 755 "$D"
SOCK=$D/docker.sock
CTD_SOCK=$D/ctd/containerd.sock
# Nothing from the host's own Docker set-up: client config, daemon.json, containerd.
export DOCKER_CONFIG=$D/client
# Every docker call has a deadline: a runtime bug must fail the case, not hang the suite.
dk() { timeout 60 "$DOCKER" -H "unix://$SOCK" "$@"; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# stop_pid PID: TERM, up to 10 s, then KILL.
stop_pid() {
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 50); do
		alive "$1" || return 0
		sleep 0.2
	done
	kill -KILL "$1" 2>/dev/null
}
# Shims of our containerd carry its socket path on their command line.
our_shims() {
	for p in $(pgrep -f '^/usr/bin/containerd-shim' 2>/dev/null); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$D/" && echo "$p"
	done
}
DOCKERD_PID= CTD_PID=
cleanup() {
	if alive "$DOCKERD_PID"; then
		ids=$(dk ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
	fi
	stop_pid "$DOCKERD_PID"
	stop_pid "$CTD_PID"
	for p in $(our_shims); do kill -KILL "$p" 2>/dev/null; done
	# dockerd 20.10 gives every runtime the root exec-root/runtime-runc/<ns>.
	for r in "$D"/exec/runtime-*/*; do
		[ -d "$r" ] || continue
		for id in $("$TUG" oci --root "$r" list -q 2>/dev/null); do
			"$TUG" oci --root "$r" delete -f "$id" >/dev/null 2>&1
		done
	done
	[ -n "${KEEP:-}" ] && cp "$D/dockerd.log" /tmp/oci_docker.dockerd.log 2>/dev/null
	umount_below "$D"
	rm -rf "$D"
	tug_cleanup_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

tug_runc_wrapper "$D"

busybox_docker_archive "$D/img"

# Our own containerd: dockerd would otherwise join a system containerd
# whenever /run/containerd/containerd.sock exists.
mkdir -p "$D/ctd" "$D/client"
echo '{}' >"$D/daemon.json"
cat >"$D/ctd/config.toml" <<EOF
version = 2
root = "$D/ctd/root"
state = "$D/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
EOF
containerd --config "$D/ctd/config.toml" >"$D/containerd.log" 2>&1 &
CTD_PID=$!
for _ in $(seq 50); do
	[ -S "$CTD_SOCK" ] && break
	alive "$CTD_PID" || break
	sleep 0.2
done
[ -S "$CTD_SOCK" ] || skip_all "containerd did not start: $(tail -2 "$D/containerd.log" | tr '\n' ' ' | cut -c1-200)"
dockerd --data-root "$D/data" --exec-root "$D/exec" -H "unix://$SOCK" --pidfile "$D/dockerd.pid" \
	--config-file "$D/daemon.json" --containerd "$CTD_SOCK" \
	--bridge=none --iptables=false --ip6tables=false --storage-driver=vfs \
	--add-runtime "tug=$D/tug-runc" >"$D/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 100); do
	dk version >/dev/null 2>&1 && break
	alive "$DOCKERD_PID" || break
	sleep 0.2
done
dk version >/dev/null 2>&1 ||
	skip_all "dockerd did not start: $(grep -v level=info "$D/dockerd.log" | tail -2 | tr '\n' ' ' | cut -c1-200)"
if ! out=$(dk load -i "$D/img/busybox.tar" 2>&1); then
	fail run_echo "docker load failed: $out"
	exit 0
fi

out=$(dk run --runtime tug --rm --network none busybox echo hi 2>&1)
[ "$out" = hi ] && pass run_echo || fail run_echo "$(echo "$out" | tail -3 | tr '\n' ' ')"

grep -q " create --bundle " "$D/calls" 2>/dev/null && pass runtime_is_tug ||
	fail runtime_is_tug "the tug wrapper was never asked to create"

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

out=$(timeout 60 script -qec "$DOCKER -H unix://$SOCK run --runtime tug --rm -it --network none busybox sh -c 'test -t 0 && echo tty-yes'" /dev/null 2>&1 </dev/null | tr -d '\r')
case "$out" in
*tty-yes*) pass run_it_pty ;;
*) fail run_it_pty "$(echo "$out" | tail -3 | tr '\n' ' ')" ;;
esac
exit 0
