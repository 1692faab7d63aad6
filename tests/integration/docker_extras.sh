#!/bin/sh
# docker update, commit, export, system df / prune against tugd, with the
# docker CLI and the tug CLI.
SUITE=docker_extras
. "$(dirname "$0")/../lib.sh"
require_root all
command -v docker >/dev/null || { skip all "docker CLI not installed"; exit 0; }
T=$(tmpdir)
tugd_dir "$T"
export DOCKER_HOST=unix://$T/run/tug.sock TUG_HOST=unix://$T/run/tug.sock
"$T/tugd" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
D="timeout 20 docker"
insp() { $D inspect -f "$1" "$2" 2>&1; }
# curl against the socket: the status code out, the body in $T/body.
api="curl -s -o $T/body -w %{http_code} --unix-socket $T/run/tug.sock"

$D load -i "$T/busybox.tar" >/dev/null
$D run -d --name web busybox sleep 1000 >/dev/null

# ---- docker update
check update_limits $D update --memory 64m --memory-swap 128m --memory-reservation 32m \
	--cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --pids-limit 50 --blkio-weight 300 web
check update_inspect sh -c "[ \"\$($D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.BlkioWeight}}' web)\" = '67108864 134217728 33554432 500000000 512 0 50 300' ]"
check update_keeps_unset sh -c "$D update --pids-limit 60 web >/dev/null && [ \"\$($D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' web)\" = '67108864 60' ]"
check update_restart_policy sh -c "$D update --restart on-failure:2 web >/dev/null && [ \"\$($D inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' web)\" = on-failure:2 ]"
check update_answer sh -c "[ \"\$($api -X POST -H 'Content-Type: application/json' -d '{\"CpuShares\":256}' http://x/v1.44/containers/web/update)\" = 200 ] && grep -q '\"Warnings\":\[' $T/body"
check update_unknown_404 sh -c "! $D update --memory 64m nosuch 2>$T/err && grep -q 'No such container' $T/err"
check update_bad_memory_400 sh -c "! $D update --memory 1m web 2>$T/err && grep -q 'Minimum memory limit' $T/err"
check update_bad_swap_400 sh -c "! $D update --memory 64m --memory-swap 32m web 2>$T/err && grep -qi 'memoryswap' $T/err"
check update_bad_json_400 sh -c "[ \"\$($api -X POST -H 'Content-Type: application/json' -d '{\"Memory\":' http://x/containers/web/update)\" = 400 ] &&
	[ \"\$($api -X POST -H 'Content-Type: application/json' -d '{\"Memory\":\"lots\"}' http://x/containers/web/update)\" = 400 ] &&
	[ \"\$($api -X POST -H 'Content-Type: application/json' -d '{\"RestartPolicy\":{\"Name\":\"sometimes\"}}' http://x/containers/web/update)\" = 400 ] &&
	$D ps --format '{{.Names}}' | grep -qx web"
$D run -d --rm --name rmme busybox sleep 1000 >/dev/null
check update_autoremove_400 sh -c "! $D update --restart always rmme 2>$T/err && grep -q AutoRemove $T/err"
$D rm -f rmme >/dev/null 2>&1
# The new policy counts from the next exit.
$D run -d --name flaky busybox sh -c 'sleep 1; exit 3' >/dev/null
$D update --restart on-failure:2 flaky >/dev/null 2>&1
wait_for 10 sh -c "[ \"\$($D inspect -f '{{.RestartCount}} {{.State.Running}}' flaky)\" = '2 false' ]"
check update_policy_applies sh -c "[ \"\$($D inspect -f '{{.RestartCount}} {{.State.ExitCode}}' flaky)\" = '2 3' ]"
# The tug CLI: tug update with options and no image.
check tug_update sh -c "$TUG update --memory 96m --cpus 1.5 --pids-limit 70 --restart always web >/dev/null &&
	[ \"\$($D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}' web)\" = '100663296 1500000000 70 always' ]"
# Kept across a restart of tugd.
F='{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} {{.HostConfig.RestartPolicy.Name}} {{.State.Running}}'
BEFORE=$($D inspect -f "$F" web)
kill "$(cat "$T/run/tugd.pid")"
for i in $(seq 50); do kill -0 "$(cat "$T/run/tugd.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
"$T/tugd" >>"$T/tugd.log" 2>&1 &
for i in $(seq 50); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
check update_persisted sh -c "[ \"\$($D inspect -f '$F' web)\" = '$BEFORE' ] && [ '$BEFORE' != '0 0 0 no true' ] && [ -n '$BEFORE' ]"

# ---- docker export
$D run --name exp busybox sh -c 'echo exported >/hello; rm /bin/ls' >/dev/null
check export_stopped sh -c "$D export exp >$T/exp.tar && tar -tf $T/exp.tar >$T/exp.list &&
	grep -qx hello $T/exp.list && grep -qx bin/sh $T/exp.list && ! grep -qx bin/ls $T/exp.list &&
	[ \"\$(tar -xOf $T/exp.tar hello)\" = exported ]"
$D exec web sh -c 'echo live >/live' >/dev/null
check export_running sh -c "$D export -o $T/web.tar web && tar -tf $T/web.tar | grep -qx live && ! tar -tf $T/web.tar | grep -q '^proc/.' &&
	$D ps -a --format '{{.Names}}' | grep -qx exp"
check export_unknown_404 sh -c "! $D export nosuch >/dev/null 2>$T/err && grep -q 'No such container' $T/err"
check tug_export sh -c "$TUG export exp >$T/tug.tar && tar -tf $T/tug.tar | grep -qx hello"

# ---- docker commit
check commit sh -c "$D commit -c 'CMD [\"cat\", \"/hello\"]' -c 'ENV COMMITTED=yes' -c 'LABEL via=commit' exp committed:1 >$T/cid && grep -q '^sha256:' $T/cid"
check commit_images sh -c "$D images --format '{{.Repository}}:{{.Tag}}' | grep -qx committed:1"
check commit_run sh -c "[ \"\$($D run --rm committed:1)\" = exported ]"
check commit_deleted sh -c "! $D run --rm committed:1 ls /bin/ls >/dev/null 2>&1 && $D run --rm committed:1 test -e /bin/sh"
check commit_config sh -c "[ \"\$($D run --rm committed:1 sh -c 'echo \$COMMITTED')\" = yes ] && [ \"\$($D image inspect -f '{{.Config.Labels.via}}' committed:1)\" = commit ]"
check commit_unknown_404 sh -c "! $D commit nosuch x:1 >/dev/null 2>$T/err && grep -q 'No such container' $T/err"
check commit_bad_change_400 sh -c "! $D commit -c 'BOGUS x' exp bad:1 >/dev/null 2>$T/err && grep -q 'not a valid change command' $T/err && $D version >/dev/null"
check commit_bad_body_400 sh -c "[ \"\$($api -X POST -H 'Content-Type: application/json' -d '{bad' 'http://x/commit?container=exp&repo=x')\" = 400 ] &&
	[ \"\$($api -X POST 'http://x/commit?container=exp&repo=Bad:Name')\" = 400 ] && $D version >/dev/null"
check tug_commit sh -c "$TUG commit exp tugcommitted:2 >/dev/null && [ \"\$($D run --rm tugcommitted:2 cat /hello)\" = exported ]"

# ---- hard links: one file with two names stays one in export and commit (the
# data once, the other name a hardlink entry; which name comes first is readdir's)
$D run --name hl busybox sh -c 'echo linked >/a; ln /a /b' >/dev/null
check export_hardlink sh -c "$D export hl >$T/hl.tar && tar -tvf $T/hl.tar | grep -Eq '^h.* (b link to a|a link to b)\$' &&
	mkdir -p $T/hlx && tar -xf $T/hl.tar -C $T/hlx a b && [ \"\$(stat -c %h $T/hlx/a)\" = 2 ] &&
	[ \"\$(stat -c %i $T/hlx/a)\" = \"\$(stat -c %i $T/hlx/b)\" ] && [ \"\$(cat $T/hlx/b)\" = linked ]"
check commit_hardlink sh -c "$D commit hl hardlinked:1 >/dev/null &&
	[ \"\$($D run --rm hardlinked:1 sh -c 'stat -c %h /a; stat -c %i /a /b | uniq | wc -l; cat /b')\" = \"\$(printf '2\n1\nlinked')\" ]"

# ---- commit beside the loop: other clients are answered while a big layer is written
$D run -d --name big busybox sh -c 'dd if=/dev/urandom of=/big bs=1M count=150 2>/dev/null && touch /ready; exec sleep 1000' >/dev/null
wait_for 60 $D exec big test -e /ready
BIGSUM=$($D exec big sha256sum /big | cut -d' ' -f1)
CG2=$(cgroup2_mount)
: >"$T/order"
( $D commit big bigimg:1 >"$T/bigcid" 2>&1; echo commit >>"$T/order" ) &
CPID=$!
# The commit is under way once a process holds its layer's temp file.
commit_running() { ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q "$T/state/tmp/commit-"; }
wait_for 30 commit_running
check commit_async_ps sh -c "commit_running() { ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q '$T/state/tmp/commit-'; }; commit_running &&
	$TUG ps >/dev/null && [ \"\$($api http://x/_ping)\" = 200 ] && echo ps >>$T/order &&
	[ \"\$($api http://x/images/bigimg:1/json)\" = 404 ]"
wait "$CPID"
check commit_async_order sh -c "[ \"\$(cat $T/order | tr '\n' ' ')\" = 'ps commit ' ] && grep -q '^sha256:' $T/bigcid"
check commit_async_image sh -c "[ \"\$($D run --rm bigimg:1 sha256sum /big | cut -d' ' -f1)\" = '$BIGSUM' ]"
check commit_async_thawed sh -c "[ \"\$($D inspect -f '{{.State.Status}}' big)\" = running ] && $D exec big true &&
	cg=$CG2/tug/\$($D inspect -f '{{.Id}}' big) && { [ ! -e \$cg/cgroup.freeze ] || [ \"\$(cat \$cg/cgroup.freeze)\" = 0 ]; }"
# Two at once, and no removal meanwhile (409), the container thawed after both.
( $D commit big bigimg:2 >"$T/cid2" 2>&1 ) &
CPID2=$!
( $D commit big bigimg:3 >"$T/cid3" 2>&1 ) &
CPID3=$!
wait_for 30 commit_running
check commit_rm_409 sh -c "! $D rm -f big 2>$T/err && grep -q 'being committed' $T/err"
wait "$CPID2" "$CPID3"
check commit_two_at_once sh -c "grep -q '^sha256:' $T/cid2 && grep -q '^sha256:' $T/cid3 &&
	[ \"\$($D run --rm bigimg:3 sha256sum /big | cut -d' ' -f1)\" = '$BIGSUM' ] && $D exec big true &&
	cg=$CG2/tug/\$($D inspect -f '{{.Id}}' big) && { [ ! -e \$cg/cgroup.freeze ] || [ \"\$(cat \$cg/cgroup.freeze)\" = 0 ]; }"
# A client that goes away: the commit stops, the container is thawed, no image.
docker commit big gone:1 >/dev/null 2>&1 &
GPID=$!
wait_for 30 commit_running
kill -9 $GPID 2>/dev/null
wait $GPID 2>/dev/null
wait_for 30 sh -c "! ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q '$T/state/tmp/'"
check commit_client_gone sh -c "[ \"\$($api http://x/images/gone:1/json)\" = 404 ] && $D exec big true &&
	cg=$CG2/tug/\$($D inspect -f '{{.Id}}' big) && { [ ! -e \$cg/cgroup.freeze ] || [ \"\$(cat \$cg/cgroup.freeze)\" = 0 ]; }"
# An AutoRemove container killed while committed: removed after the commit, the image whole.
$D run -d --rm --name rmbig busybox sh -c 'dd if=/dev/urandom of=/big bs=1M count=100 2>/dev/null && touch /ready; exec sleep 1000' >/dev/null
wait_for 60 $D exec rmbig test -e /ready
RMSUM=$($D exec rmbig sha256sum /big | cut -d' ' -f1)
( $D commit rmbig rmbig:1 >"$T/rmcid" 2>&1 ) &
RPID=$!
wait_for 30 commit_running
$D kill rmbig >/dev/null 2>&1
wait "$RPID"
check commit_autoremove sh -c "grep -q '^sha256:' $T/rmcid && [ \"\$($D run --rm rmbig:1 sha256sum /big | cut -d' ' -f1)\" = '$RMSUM' ] &&
	wait_for() { n=100; while [ \$n -gt 0 ]; do \"\$@\" >/dev/null 2>&1 && return 0; sleep 0.1; n=\$((n - 1)); done; return 1; } &&
	wait_for sh -c '! $D inspect rmbig'"
$D rmi rmbig:1 >/dev/null 2>&1
# tugd killed mid-commit: no image (whole or half) once it is back, the
# store's tmp/ swept, the container running and thawed.
NIMG=$($D images -aq --no-trunc | wc -l)
docker commit big killed:1 >/dev/null 2>&1 &
KPID=$!
TPID=$(cat "$T/run/tugd.pid")
wait_for 30 commit_running
KCHILD=$(cat "/proc/$TPID/task/$TPID/children" 2>/dev/null)
kill -9 "$TPID"
wait "$KPID" 2>/dev/null
# Its temp files are swept once the commit process is gone (reaped by init).
for p in $KCHILD; do wait_for 30 sh -c "! kill -0 $p"; done
"$T/tugd" >>"$T/tugd.log" 2>&1 &
for i in $(seq 50); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
# (Or, when the commit won the race with the kill, a whole image.)
check commit_tugd_killed sh -c "{ { [ \"\$($api http://x/images/killed:1/json)\" = 404 ] && [ \"\$($D images -aq --no-trunc | wc -l)\" = $NIMG ]; } ||
	[ \"\$($D run --rm killed:1 sha256sum /big | cut -d' ' -f1)\" = '$BIGSUM' ]; } && [ -z \"\$(ls -A $T/state/tmp)\" ] && $D exec big true &&
	cg=$CG2/tug/\$($D inspect -f '{{.Id}}' big) && { [ ! -e \$cg/cgroup.freeze ] || [ \"\$(cat \$cg/cgroup.freeze)\" = 0 ]; }"
$D rm -f big >/dev/null 2>&1
$D rmi bigimg:1 bigimg:2 bigimg:3 killed:1 >/dev/null 2>&1

# ---- system df, system prune
check system_df sh -c "$D system df >$T/df && grep -q '^Images' $T/df && grep -q '^Containers' $T/df && grep -q '^Local Volumes' $T/df && grep -q '^Build Cache' $T/df"
check system_df_verbose sh -c "$D system df -v >$T/dfv && grep -q committed $T/dfv && grep -q web $T/dfv"
check tug_system_df sh -c "$TUG system df >$T/tdf && grep -q Images $T/tdf && grep -q Containers $T/tdf"
check build_prune sh -c "[ \"\$($api -X POST http://x/v1.44/build/prune)\" = 200 ] && grep -q '\"SpaceReclaimed\":0' $T/body"
$D run --name stopped1 busybox true >/dev/null
check container_prune sh -c "$D container prune -f >/dev/null && ! $D ps -a --format '{{.Names}}' | grep -qx stopped1"
$D run --name stopped2 busybox true >/dev/null
check system_prune sh -c "$D system prune -f >$T/prune 2>&1 && ! $D ps -a --format '{{.Names}}' | grep -qx stopped2 && $D ps --format '{{.Names}}' | grep -qx web && $D version >/dev/null"
# 409 while an update transaction holds the container, served again after it.
$D tag busybox:latest busybox:two >/dev/null 2>&1
$D run -d --name locked busybox sleep 1000 >/dev/null
$TUG update --detach --stable 3 locked busybox:two >/dev/null 2>&1
check update_locked_409 sh -c "! $D update --memory 64m locked 2>$T/err && grep -q 'Conflict' $T/err"
wait_for 30 sh -c "$D update --pids-limit 30 locked >/dev/null 2>&1"
check update_after_txn sh -c "[ \"\$($D inspect -f '{{.HostConfig.PidsLimit}}' locked)\" = 30 ]"
