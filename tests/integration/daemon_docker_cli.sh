#!/bin/sh
# tugd driven by the official docker CLI over its UNIX socket.
SUITE=daemon_docker_cli
. "$(dirname "$0")/../lib.sh"
require_root version load run_rm run_detached logs exec stop restart_on_failure rm_force \
	bad_json not_found slow_client kill9_survival crash_leftovers_swept
command -v docker >/dev/null || { skip all "docker CLI not installed"; exit 0; }
T=$(tmpdir)
tugd_dir "$T"
export DOCKER_HOST=unix://$T/run/tug.sock
# tugd starts with signals 32 and 33 ignored, as some CI runners leave them
# (libc refuses to touch them): its containers must still get every default.
/usr/bin/python3 -c '
import ctypes, os, sys
if os.uname().machine == "x86_64":
    ign = (ctypes.c_ulong * 8)(1)  # SIG_IGN; rt_sigaction is syscall 13 here
    for sig in (32, 33):
        ctypes.CDLL(None, use_errno=True).syscall(13, sig, ign, None, 8)
os.execv(sys.argv[1], sys.argv[1:])' "$T/tugd" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
# Replaces lib.sh's trap: stop the daemon, then remove the temp dirs as it would.
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
D="timeout 20 docker"

check version sh -c "$D version --format '{{.Server.APIVersion}}' | grep -qx 1.44"
check load sh -c "$D load -i $T/busybox.tar | grep -q 'Loaded image: busybox:latest'"
check run_rm sh -c "[ \"\$($D run --rm busybox echo hi)\" = hi ]"
$D run busybox sh -c 'exit 7' >/dev/null 2>&1
[ $? = 7 ] && pass run_exit_code || fail run_exit_code "expected 7"
$D run --rm busybox nonexist >/dev/null 2>&1
[ $? = 127 ] && pass run_not_found_127 || fail run_not_found_127 "expected 127"
check run_detached $D run -d --name web busybox sh -c 'while true; do echo tick; sleep 0.2; done'
sleep 1
check ps_filter sh -c "$D ps --filter name=web --format '{{.Names}}' | grep -qx web"
check logs sh -c "$D logs --tail 1 web | grep -qx tick"
check logs_follow sh -c "timeout 3 docker logs -f web | head -2 | grep -q tick"
# The engine ignores SIGPIPE and blocks SIGCHLD; its containers must not
# (yes | head would never end): nothing ignored, nothing blocked.
$D run -d --name sigs busybox grep -E '^Sig(Ign|Blk)' /proc/self/status >/dev/null && $D wait sigs >/dev/null
SIGS=$($D logs sigs 2>&1 | tr -d '\t' | tr '\n' ' ')
[ "$SIGS" = 'SigBlk:0000000000000000 SigIgn:0000000000000000 ' ] && pass signals_default || fail signals_default "$SIGS"
$D rm -f sigs >/dev/null 2>&1
# A log past tugd's 8 MB per-client buffer (and rotated once: 10 MB files)
# comes out whole, in order, with and without -f.
$D run -d --name biglog busybox sh -c 'yes 0123456789012345678901234567890123456789012345678901234567 | head -n 150000; echo last-line' >/dev/null
$D wait biglog >/dev/null
check logs_big sh -c "$D logs biglog >$T/big.txt && [ \$(wc -l <$T/big.txt) = 150001 ] && [ \"\$(tail -1 $T/big.txt)\" = last-line ] &&
	[ \$($D logs -f biglog | wc -l) = 150001 ] && [ \$($TUG logs biglog | wc -l) = 150001 ] && ls $T/state/containers/*/*.log.1 >/dev/null &&
	[ \"\$($D logs --tail 2 biglog | tr '\n' ' ')\" = '0123456789012345678901234567890123456789012345678901234567 last-line ' ]"
$D rm -f biglog >/dev/null
check exec sh -c "[ \"\$($D exec web echo inside)\" = inside ]"
$D exec web sh -c 'exit 3'
[ $? = 3 ] && pass exec_exit_code || fail exec_exit_code "expected 3"
check inspect sh -c "$D inspect -f '{{.State.Running}}' web | grep -qx true"
# Survive kill -9 of tugd: still listed, running, stoppable.
$D create --rm --name rmcreated busybox true >/dev/null
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.3
# What a power cut can leave of --rm containers (their records are not
# fsynced) and of a removal (renamed, not yet unlinked): swept at start;
# a stopped AutoRemove container goes too, as with dockerd.
junk=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
mkdir -p "$T/state/containers/$junk" "$T/state/containers/.$junk.gone/upper/etc"
: >"$T/state/containers/$junk/config.v2.json"
"$T/tugd" >>"$T/tugd.log" 2>&1 &
for i in $(seq 50); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
check kill9_survival sh -c "$D inspect -f '{{.State.Running}}' web | grep -qx true"
check crash_leftovers_swept sh -c "[ ! -e $T/state/containers/$junk ] && [ ! -e $T/state/containers/.$junk.gone ] && ! $D inspect rmcreated >/dev/null 2>&1"
check stop sh -c "$D stop -t 1 web >/dev/null && $D inspect -f '{{.State.Status}} {{.State.ExitCode}}' web | grep -qx 'exited 137'"
check rm_force sh -c "$D run -d --name gone busybox sleep 100 >/dev/null && $D rm -f gone >/dev/null && ! $D inspect gone >/dev/null 2>&1"
$D run -d --restart on-failure:3 --name flaky busybox sh -c 'echo try; exit 1' >/dev/null
sleep 4
check restart_on_failure sh -c "[ \"\$($D inspect -f '{{.RestartCount}}' flaky)\" = 3 ] && [ \$($D logs flaky | grep -c try) = 4 ]"
S=$T/run/tug.sock
check bad_json sh -c "curl -s --unix-socket $S -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{bad' http://x/containers/create | grep -qx 400"
check wrong_type sh -c "curl -s --unix-socket $S -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{\"Image\":\"busybox\",\"Tty\":\"yes\"}' http://x/containers/create | grep -qx 400"
check not_found sh -c "curl -s --unix-socket $S -o /dev/null -w '%{http_code}' http://x/v1.41/containers/nope/json | grep -qx 404"
check oversized_body sh -c "head -c 2000000 /dev/zero | curl -s --unix-socket $S -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- http://x/containers/create | grep -qx 413"
# A request that never finishes must not stop others from being served.
(printf 'GET /_ping HTTP/1.1\r\nHost: x\r\n'; sleep 15) | timeout 16 socat - UNIX-CONNECT:$S >/dev/null 2>&1 &
sleep 0.5
check slow_client sh -c "$D version >/dev/null"
# Events seen live by the docker CLI: start and die of one container.
timeout 20 docker events --filter container=evd >"$T/events.txt" 2>&1 &
EV=$!
sleep 0.5
$D run --rm --name evd busybox sh -c 'exit 3' >/dev/null 2>&1
sleep 0.5
kill $EV 2>/dev/null
if grep -q ' container start [0-9a-f]\{64\} (.*name=evd' "$T/events.txt" &&
	grep -q ' container die [0-9a-f]\{64\} (exitCode=3, .*name=evd' "$T/events.txt"; then
	pass events
else
	fail events "$(tr '\n' '|' <"$T/events.txt")"
fi
# Past events (kept by tugd): the stream ends by itself at --until.
check events_since_until sh -c "timeout 5 docker events --since 0 --until \$(date +%s) --filter event=die --filter container=evd | grep -q ' container die .*name=evd'"
# Prune: a dangling image (its tag taken by a later load), stopped
# containers, then with -a every image no container holds.
for n in 2 3; do
	mkdir -p "$T/rootfs$n" && cp -a "$T/rootfs/." "$T/rootfs$n" && echo "$n" >"$T/rootfs$n/other"
	/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/rootfs$n" "$T/other$n.tar" other:1
done
$D load -i "$T/other2.tar" >/dev/null 2>&1
OTHER=$($D image inspect -f '{{.Id}}' other:1 2>/dev/null)
$D load -i "$T/other3.tar" >/dev/null 2>&1
check image_prune_dangling sh -c "[ -n '$OTHER' ] && $D image prune -f | grep -q 'eleted: $OTHER' && ! $D image inspect $OTHER >/dev/null 2>&1 && $D image inspect busybox >/dev/null"
# docker tag sends docker.io/library/foo: one tag foo:1, moved by a second tag.
check tag_moves sh -c "$D tag busybox foo:1 && $D tag other:1 foo:1 &&
	[ \"\$($D image inspect -f '{{.Id}}' foo:1)\" = \"\$($D image inspect -f '{{.Id}}' other:1)\" ] &&
	[ \"\$($D images --format '{{.Repository}}:{{.Tag}}' | grep -cx foo:1)\" = 1 ] &&
	[ \"\$($D image inspect -f '{{.RepoTags}}' busybox)\" = '[busybox:latest]' ]"
$D run -d --name keep busybox sleep 100 >/dev/null
check container_prune sh -c "$D container prune -f | grep -q 'Total reclaimed space' && ! $D inspect flaky >/dev/null 2>&1 && ! $D inspect web >/dev/null 2>&1 && $D inspect keep >/dev/null"
OTHER=$($D image inspect -f '{{.Id}}' other:1 2>/dev/null)
check image_prune_all sh -c "[ -n '$OTHER' ] && $D image prune -a -f | grep -q 'eleted: $OTHER' && ! $D image inspect $OTHER >/dev/null 2>&1 && $D image inspect busybox >/dev/null"
$D rm -f keep >/dev/null 2>&1
exit 0
