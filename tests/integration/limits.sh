#!/bin/sh
# Limits whose cgroup v2 controller containers cannot get (this host: a
# hybrid tree whose v2 part has no controllers; a board: a kernel without
# CONFIG_MEMCG, say): as dockerd, tugd discards them at create with
# Docker's warning (HostConfig shows 0) and the container runs; a limit a
# docker update saved does not stop the next start. Where the host has the
# controllers the limits apply, which tests/qemu/pid1.sh checks in a real
# cgroup v2, so these cases skip there.
SUITE=limits
. "$(dirname "$0")/../lib.sh"
NAMES="docker_run_warns docker_run_runs inspect_discarded api_warnings tug_run_warns
	tug_run_runs updated_limit_starts supported_kept"
require_root $NAMES
v2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null &&
	grep -qw pids "$v2/cgroup.controllers"; then
	for n in $NAMES; do skip "$n" "this host's cgroup v2 has memory and pids: limits apply (tests/qemu/pid1.sh)"; done
	exit 0
fi
T=$(tmpdir)
tugd_dir "$T"
export TUG_HOST=unix://$T/run/tug.sock DOCKER_HOST=unix://$T/run/tug.sock
tugd_start "$T" || { for n in $NAMES; do fail "$n" "tugd did not start: $(tail -2 "$T/tugd.log")"; done; exit 0; }
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
"$TUG" load -q -i "$T/busybox.tar" >/dev/null
MEMW="Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded."
PIDW="Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded."

if command -v docker >/dev/null; then
	D="timeout 20 docker"
	$D run --rm -m 32m --pids-limit 10 busybox echo ran >"$T/out" 2>"$T/err"
	rc=$?
	grep -qF "WARNING: $MEMW" "$T/err" && grep -qF "WARNING: $PIDW" "$T/err" && pass docker_run_warns ||
		fail docker_run_warns "stderr: $(head -c 300 "$T/err")"
	[ $rc = 0 ] && [ "$(cat "$T/out")" = ran ] && pass docker_run_runs ||
		fail docker_run_runs "rc $rc, out '$(cat "$T/out")', err $(tail -1 "$T/err")"
	$D create --name lim -m 64m --memory-reservation 32m --pids-limit 20 --cpus 0.5 busybox true >/dev/null 2>&1
	got=$($D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}} {{.HostConfig.PidsLimit}}' lim 2>&1)
	case "$got" in
	"0 0 0" | "0 0 <nil>") pass inspect_discarded ;;
	*) fail inspect_discarded "HostConfig Memory, MemoryReservation, PidsLimit: $got" ;;
	esac
	$D rm -f lim >/dev/null 2>&1
else
	for n in docker_run_warns docker_run_runs inspect_discarded; do skip "$n" "docker CLI not installed"; done
fi

# The Engine API's create answer carries them in Warnings, each once.
code=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/run/tug.sock" -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Memory":67108864,"MemoryReservation":33554432,"PidsLimit":5}}' \
	http://localhost/v1.43/containers/create)
n=$(grep -o 'Your kernel' "$T/body" | wc -l)
[ "$code" = 201 ] && grep -qF "$MEMW" "$T/body" && grep -qF "$PIDW" "$T/body" && [ "$n" = 3 ] &&
	pass api_warnings || fail api_warnings "HTTP $code, $n warnings: $(head -c 400 "$T/body")"

# tug run (one request, /tug/v1/run): the warnings on stderr, the container runs.
"$TUG" run --rm --memory 32m busybox echo ran >"$T/out" 2>"$T/err"
rc=$?
grep -qF "WARNING: $MEMW" "$T/err" && pass tug_run_warns || fail tug_run_warns "stderr: $(head -c 300 "$T/err")"
[ $rc = 0 ] && [ "$(cat "$T/out")" = ran ] && pass tug_run_runs ||
	fail tug_run_runs "rc $rc, out '$(cat "$T/out")', err $(tail -1 "$T/err")"

# A limit docker update saved (it keeps what was asked, with a warning)
# does not stop the next start: the start leaves it out and tugd says so.
"$TUG" create --name upd busybox sleep 100 >/dev/null
"$TUG" update --memory 64m upd >/dev/null 2>&1
if "$TUG" start upd >/dev/null 2>"$T/err" && [ "$("$TUG" inspect -f '{{.State.Running}}' upd)" = true ] &&
	grep -q "upd: $MEMW" "$T/tugd.log"; then
	pass updated_limit_starts
else
	fail updated_limit_starts "start: $(tail -1 "$T/err"); log: $(grep -c 'Your kernel' "$T/tugd.log") warnings"
fi
"$TUG" rm -f upd >/dev/null 2>&1

# What needs no controller is kept: the restart policy and the rest of HostConfig.
"$TUG" create --name keep --restart on-failure:3 -m 32m busybox true >/dev/null 2>&1
got=$("$TUG" inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.Memory}}' keep 2>&1)
[ "$got" = "on-failure:3 0" ] && pass supported_kept || fail supported_kept "got '$got'"
exit 0
