#!/bin/sh
# tug run --rm as one request (POST /tug/v1/run) and the short start path
# behind it (docs/daemon.md, "Start latency of run --rm"): what a user sees
# stays Docker's: output then exit code, signals forwarded, the events of a
# run --rm, a removal that leaves nothing behind, and a run --rm container
# (whose start is not written to disk) found again by a tugd killed -9.
SUITE=run_rm
. "$(dirname "$0")/../lib.sh"
require_root output_then_code big_output_whole sig_proxy name_conflict_125 events_of_run_rm \
	docker_cli_run_rm tty_refused etc_files_in_run_dir nothing_left kill9_adopts_running \
	kill9_exited_meanwhile none_endpoints_across_restart removed_gone_with_mount
T=$(tmpdir)
tugd_dir "$T"
unset DOCKER_HOST TUG_HOST
"$TUG" load -q -i "$T/busybox.tar"
start_tugd() { tugd_start "$T"; }
start_tugd
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
C="timeout -k 5 20 $TUG"
timeout 120 "$TUG" events >"$T/events.txt" 2>&1 &
EVENTS=$!
sleep 0.2

# Output first, then the exit code (the last frame of the one request).
$C run --rm --name rr1 busybox sh -c 'echo out; echo err >&2; exit 5' >"$T/o1" 2>"$T/e1"
rc=$?
[ $rc = 5 ] && [ "$(cat "$T/o1")" = out ] && [ "$(cat "$T/e1")" = err ] && pass output_then_code ||
	fail output_then_code "rc $rc, out '$(cat "$T/o1")', err '$(cat "$T/e1")'"

# 3 MB of output, every byte before the end of the stream.
sum=$($C run --rm busybox sh -c 'head -c 3000000 /dev/zero | tr "\0" x' | md5sum)
want=$(head -c 3000000 /dev/zero | tr '\0' x | md5sum)
[ "$sum" = "$want" ] && pass big_output_whole || fail big_output_whole "md5 $sum, want $want"

# SIGTERM to the client reaches the container (sig-proxy names it from the 101).
$TUG run --rm busybox sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done' >"$T/o3" 2>&1 &
cpid=$!
for i in $(seq 50); do grep -q ready "$T/o3" && break; sleep 0.1; done
kill -TERM $cpid
for i in $(seq 50); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
wait $cpid
rc=$?
[ $rc = 42 ] && pass sig_proxy || fail sig_proxy "rc $rc: $(tail -2 "$T/o3" | tr '\n' ' ')"

# Create refused: Docker's message and 125, nothing created.
$C run -d --name taken busybox sleep 30 >/dev/null
$C run --rm --name taken busybox true >"$T/o4" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'already in use' "$T/o4" && [ "$($C ps -aq | wc -l)" = 1 ] &&
	pass name_conflict_125 || fail name_conflict_125 "rc $rc: $(cat "$T/o4")"
$C rm -f taken >/dev/null

# create, start, die, destroy of rr1, in that order.
for i in $(seq 30); do grep -q 'destroy.*name=rr1' "$T/events.txt" && break; sleep 0.1; done
seq=$(grep 'name=rr1' "$T/events.txt" | awk '{print $3}' | tr '\n' ' ')
[ "$seq" = "create start die destroy " ] && pass events_of_run_rm || fail events_of_run_rm "'$seq'"

# The docker CLI keeps Docker's calls (create, attach, wait, start).
if command -v docker >/dev/null; then
	out=$(timeout -k 5 20 docker -H "unix://$T/run/tug.sock" run --rm busybox sh -c 'echo d; exit 3' 2>&1)
	rc=$?
	[ $rc = 3 ] && [ "$out" = d ] && pass docker_cli_run_rm || fail docker_cli_run_rm "rc $rc: $out"
else
	skip docker_cli_run_rm "docker CLI not installed"
fi

# The one request takes no terminal (its stream ends in a frame): 400, nothing left.
if command -v curl >/dev/null; then
	n0=$($C ps -aq | wc -l)
	st=$(curl -s --unix-socket "$T/run/tug.sock" -o "$T/o5" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Tty":true,"Cmd":["true"]}' http://x/tug/v1/run)
	[ "$st" = 400 ] && grep -q Tty "$T/o5" && [ "$($C ps -aq | wc -l)" = "$n0" ] && pass tty_refused ||
		fail tty_refused "status $st: $(cat "$T/o5"), $($C ps -aq | wc -l) containers"
else
	skip tty_refused "curl not installed"
fi

# What a start writes again is in the run dir, the record on disk.
id=$($C run -d --rm busybox sleep 30)
hp=$($C inspect -f '{{.HostsPath}}' "$id")
case "$hp" in "$T/run/containers/$id/hosts")
	[ -f "$hp" ] && [ -f "$T/run/containers/$id/config.json" ] &&
		[ -f "$T/state/containers/$id/config.v2.json" ] && [ ! -e "$T/state/containers/$id/hosts" ] &&
		pass etc_files_in_run_dir || fail etc_files_in_run_dir "files: $(ls "$T/run/containers/$id" "$T/state/containers/$id" | tr '\n' ' ')" ;;
*) fail etc_files_in_run_dir "HostsPath $hp" ;; esac

# A removed container leaves no mount, directory or netns (the remover runs detached).
$C rm -f "$id" >/dev/null
left() {
	n=$(grep -c "$id" /proc/self/mountinfo)
	n=$((n + $(ls -a "$T/state/containers" "$T/run/containers" "$T/run/netns" 2>/dev/null | grep -c "$id")))
	echo $n
}
for i in $(seq 50); do [ "$(left)" = 0 ] && break; sleep 0.1; done
[ "$(left)" = 0 ] && pass nothing_left || fail nothing_left "$(left) mounts or entries of $id"

# tugd killed -9 while a run --rm container runs: found running, then removed at its exit.
id=$($C run -d --rm busybox sh -c 'sleep 1.5; exit 6')
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.2
start_tugd
st=$($C inspect -f '{{.State.Status}} {{.State.Pid}}' "$id" 2>&1)
code=$($C wait "$id" 2>&1)
for i in $(seq 30); do $C inspect "$id" >/dev/null 2>&1 || break; sleep 0.1; done
case "$st|$code" in "running "[1-9]*"|6")
	$C inspect "$id" >/dev/null 2>&1 && fail kill9_adopts_running "not removed after its exit" ||
		pass kill9_adopts_running ;;
*) fail kill9_adopts_running "state '$st', wait '$code': $(tail -3 "$T/tugd.log" | tr '\n' ' ')" ;; esac

# ... and one that exits while tugd is away: removed at the next start, die and destroy seen.
id=$($C run -d --rm busybox sh -c 'sleep 0.3; exit 9')
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 1
start_tugd
for i in $(seq 30); do $C inspect "$id" >/dev/null 2>&1 || break; sleep 0.1; done
ev=$($C events --since 60s --until 0s --filter "container=$id" 2>/dev/null | awk '{print $3, $5}' | tr '\n' ' ')
if $C inspect "$id" >/dev/null 2>&1; then
	fail kill9_exited_meanwhile "still there: $($C ps -a | tail -1)"
else
	case "$ev" in *"die"*"exitCode=9"*"destroy"*) pass kill9_exited_meanwhile ;;
	*) fail kill9_exited_meanwhile "events '$ev'" ;; esac
fi

# none's endpoints are kept in the run dir (not the disk): still listed by a tugd started after kill -9.
$C run -d --name nn --network none busybox sleep 30 >/dev/null
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.2
start_tugd
in1=$($C network inspect none 2>&1 | grep -c '"nn"')
$C rm -f nn >/dev/null
in2=$($C network inspect none 2>&1 | grep -c '"nn"')
[ "$in1" = 1 ] && [ "$in2" = 0 ] && ! grep -q nn "$T"/state/networks/*.json && pass none_endpoints_across_restart ||
	fail none_endpoints_across_restart "listed $in1 then $in2"

# A crash between the rename and the remover's unmounts: the next start unmounts and removes it.
gone="$T/state/containers/.$(printf '%064d' 7).gone"
mkdir -p "$gone/rootfs" && mount -t tmpfs tug-test "$gone/rootfs"
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.2
start_tugd
if [ -e "$gone" ] || grep -q "$gone" /proc/self/mountinfo; then
	fail removed_gone_with_mount "left: $(ls -a "$T/state/containers" | tr '\n' ' ')"
else
	pass removed_gone_with_mount
fi
kill $EVENTS 2>/dev/null
exit 0
