#!/bin/sh
# The tug CLI as a client of tugd over its UNIX socket: what a technician on
# a serial console does without the docker CLI.
SUITE=cli_client
. "$(dirname "$0")/../lib.sh"
require_root run_output run_exit_code ps logs exec inspect stop events run_tty daemon_down
T=$(tmpdir)
tugd_dir "$T"
# A plain-HTTP registry on loopback (for run's pull), marked insecure for tugd.
export TUG_REGISTRIES_CONF=$T/registries.json TUG_CERTS_DIR=$T/certs.d TUG_AUTH_FILE=$T/auths.json
unset DOCKER_HOST TUG_HOST
"$TUG" load -q -i "$T/busybox.tar"
"$T/tugd" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
# Every client call is bounded: a hang is a failure, not a stuck suite.
# KILL after TERM: run and attach forward TERM to the container (sig-proxy).
C="timeout -k 5 20 $TUG"

# Events from the start: checked at the end (start and die of "evt").
timeout 300 "$TUG" events --filter container=evt >"$T/events.txt" 2>&1 &
EVENTS=$!

check run_output sh -c "[ \"\$($C run --rm busybox echo hi)\" = hi ]"
$C run busybox sh -c 'echo out; exit 7' >"$T/out" 2>&1
rc=$?
[ $rc = 7 ] && grep -qx out "$T/out" && pass run_exit_code || fail run_exit_code "rc $rc, output $(cat "$T/out")"
check run_stderr_apart sh -c "[ \"\$($C run --rm busybox sh -c 'echo o; echo e >&2' 2>/dev/null)\" = o ] &&
	[ \"\$($C run --rm busybox sh -c 'echo o; echo e >&2' 2>&1 >/dev/null)\" = e ]"
$C run --rm busybox nonexist >/dev/null 2>&1
rc=$?
[ $rc = 127 ] && pass run_not_found_127 || fail run_not_found_127 "rc $rc, expected 127"
$C run --pull never --rm no-such-image true >"$T/out" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'Unable to find image' "$T/out" && grep -q 'No such image' "$T/out" &&
	pass run_no_image_125 || fail run_no_image_125 "rc $rc: $(cat "$T/out")"
check run_stdin sh -c "[ \"\$(echo piped | $C run -i --rm busybox cat)\" = piped ]"
check run_env_workdir_user sh -c "[ \"\$($C run --rm -e A=1 -w /tmp -u nobody busybox sh -c 'echo \$A \$(pwd) \$(id -u)')\" = '1 /tmp 65534' ]"
check run_entrypoint sh -c "[ \"\$($C run --rm --entrypoint /bin/echo busybox via-entrypoint)\" = via-entrypoint ]"
check run_rm_removes sh -c "$C run --rm --name gone1 busybox true && ! $C inspect gone1 >/dev/null 2>&1"

ID=$($C run -d --name web busybox sh -c 'while true; do echo tick; sleep 0.2; done')
echo "$ID" | grep -Eqx '[0-9a-f]{64}' && pass run_detached_prints_id || fail run_detached_prints_id "got '$ID'"
sleep 1
$C ps >"$T/ps" 2>&1
if head -1 "$T/ps" | grep -Eq '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$' &&
	grep -Eq "^$(echo "$ID" | cut -c1-12) +busybox +\"sh -c while .* +Up .* +web$" "$T/ps"; then
	pass ps
else
	fail ps "$(cat "$T/ps" | tr '\n' '|')"
fi
# On a terminal (80 columns, as a serial console) the table fits.
if command -v script >/dev/null; then
	check ps_fits_80_columns sh -c "script -qec 'stty cols 80; $C ps -a' /dev/null | tr -d '\r' >$T/ps80 &&
		grep -q ' web\$' $T/ps80 && ! awk 'length > 80' $T/ps80 | grep -q ."
fi
check ps_quiet sh -c "$C ps -q | grep -qx $(echo "$ID" | cut -c1-12)"
check ps_all_filter sh -c "$C run --name done1 busybox true && $C ps -a --filter name=done1 --format '{{.Names}} {{.State}}' | grep -qx 'done1 exited' && ! $C ps --format '{{.Names}}' | grep -qx done1"
check ps_format_json sh -c "$C ps --format json | /usr/bin/python3 -c 'import json,sys; assert json.loads(sys.stdin.readline())[\"Names\"] == \"web\"'"
check logs_tail sh -c "[ \"\$($C logs --tail 1 web)\" = tick ]"
check logs_timestamps sh -c "$C logs -t --tail 1 web | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z tick$'"
check logs_follow sh -c "timeout -k 2 5 $TUG logs -f --tail 0 web | head -2 | grep -c tick | grep -qx 2"
check logs_since sh -c "[ \$($C logs --since \$((\$(date +%s) + 100)) web | wc -l) = 0 ] &&
	$C logs --since 2000-01-01T00:00:00Z --tail 1 web | grep -qx tick"
check exec sh -c "[ \"\$($C exec web echo inside)\" = inside ]"
$C exec web sh -c 'exit 3'
rc=$?
[ $rc = 3 ] && pass exec_exit_code || fail exec_exit_code "rc $rc, expected 3"
$C exec web nonexist >/dev/null 2>&1
rc=$?
[ $rc = 127 ] && pass exec_not_found_127 || fail exec_not_found_127 "rc $rc, expected 127"
check exec_env_workdir sh -c "[ \"\$($C exec -e X=5 -w /tmp web sh -c 'echo \$X \$(pwd)')\" = '5 /tmp' ]"
check exec_stdin sh -c "[ \"\$(echo fed | $C exec -i web cat)\" = fed ]"
check inspect sh -c "$C inspect web | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)[0]
assert j[\"Id\"] == \"$ID\", j[\"Id\"]
assert j[\"Name\"] == \"/web\" and j[\"State\"][\"Status\"] == \"running\" and j[\"State\"][\"Pid\"] > 0
assert j[\"Config\"][\"Image\"] == \"busybox\"'"
check inspect_format sh -c "[ \"\$($C inspect -f '{{.State.Running}} {{.Name}}' web)\" = 'true /web' ]"
check top sh -c "$C top web | head -1 | grep -q PID && $C top web | grep -q 'while true'"
check stats_no_stream sh -c "$C stats --no-stream web >$T/stats && head -1 $T/stats | grep -q '^CONTAINER ID *NAME *CPU % *MEM USAGE / LIMIT *MEM % *NET I/O *BLOCK I/O *PIDS' && grep -Eq '^[0-9a-f]{12} +web +[0-9.]+%' $T/stats"
check stats_stream sh -c "timeout -k 2 3 $TUG stats web >$T/stats2; [ \$(grep -c '^CONTAINER ID' $T/stats2) -ge 2 ]"
check attach sh -c "timeout -k 2 2 $TUG attach --sig-proxy=false web >$T/attach.out; grep -qx tick $T/attach.out"
# A reader that goes away (head) ends attach by itself, with 0.
check attach_closed_pipe sh -c "(timeout -k 2 5 $TUG attach --sig-proxy=false web; echo \$? >$T/ap.rc) | head -1 | grep -qx tick && [ \"\$(cat $T/ap.rc)\" = 0 ]"
# With sig-proxy (the default) SIGTERM goes to the container, which exits by it.
check attach_sig_proxy sh -c "$C run -d --name sp busybox sh -c 'trap \"exit 8\" TERM; while true; do sleep 0.1; done' >/dev/null &&
	sleep 0.3 && (timeout --preserve-status -k 5 1 $TUG attach sp; echo \$? >$T/sp.rc) && [ \"\$(cat $T/sp.rc)\" = 8 ] && $C rm sp >/dev/null"
check pause sh -c "$C pause web >/dev/null && [ \"\$($C inspect -f '{{.State.Status}} {{.State.Paused}}' web)\" = 'paused true' ] && $C ps --format '{{.Status}}' | grep -q Paused"
check unpause sh -c "$C unpause web >/dev/null && [ \"\$($C inspect -f '{{.State.Status}}' web)\" = running ]"
check rename sh -c "$C rename web web2 && $C inspect -f '{{.Name}}' web2 | grep -qx /web2 && $C rename web2 web"
check version_server sh -c "$C version | grep -q '^server: *tug .*API 1.44'"
check info sh -c "$C info | grep -Eq '^ Containers: [0-9]+' && $C info | grep -q '^  Running: [1-9]'"
check host_flag sh -c "TUG_RUN_DIR=/nonexistent $C -H unix://$T/run/tug.sock ps -q | grep -q . &&
	TUG_RUN_DIR=/nonexistent DOCKER_HOST=unix://$T/run/tug.sock $C ps -q | grep -q ."

check stop sh -c "$C stop -t 1 web | grep -qx web && [ \"\$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}' web)\" = 'exited 137' ]"
check start_attach sh -c "$C create --name c1 busybox echo from-c1 >/dev/null && [ \"\$($C start -a c1)\" = from-c1 ]"
$C run -d --name w4 busybox sh -c 'sleep 0.5; exit 4' >/dev/null
check wait sh -c "[ \"\$($C wait w4)\" = 4 ]"
check kill_signal sh -c "$C run -d --name k1 busybox sh -c 'trap \"exit 9\" TERM; while true; do sleep 0.1; done' >/dev/null && sleep 0.3 && $C kill -s TERM k1 | grep -qx k1 && [ \"\$($C wait k1)\" = 9 ]"
check restart sh -c "$C restart -t 1 web | grep -qx web && [ \"\$($C inspect -f '{{.State.Running}}' web)\" = true ]"
check rm_force sh -c "$C rm -f web k1 w4 c1 done1 >/dev/null && ! $C ps -a --format '{{.Names}}' | grep -Eqx 'web|k1|w4|c1|done1'"

# run -it through a pty (util-linux script): a tty inside, the exit code out.
# script runs its command with $SHELL: pin it, as CI may have none. The time
# limit wraps script, not tug: timeout moves its child to a background process
# group, where a tty read stops it with SIGTTIN (a hang, not a test).
TTY="timeout -k 5 20 env SHELL=/bin/sh script -qec"
if command -v script >/dev/null; then
	printf 'tty; exit 5\n' | $TTY "$TUG run -it --rm busybox sh" /dev/null >"$T/tty.out" 2>&1
	rc=$?
	[ $rc = 5 ] && grep -q '/dev/pts/' "$T/tty.out" && pass run_tty || fail run_tty "rc $rc: $(tr -d '\r' <"$T/tty.out" | tail -3 | tr '\n' '|')"
	$C run -d --name ttyd -t busybox sh -c 'sleep 100' >/dev/null
	printf 'stty size; exit 6\n' | $TTY "stty rows 33 cols 101; $TUG exec -it ttyd sh" /dev/null >"$T/tty2.out" 2>&1
	rc=$?
	[ $rc = 6 ] && grep -q '33 101' "$T/tty2.out" && pass exec_tty_resize || fail exec_tty_resize "rc $rc: $(tr -d '\r' <"$T/tty2.out" | tail -3 | tr '\n' '|')"
	$C rm -f ttyd >/dev/null
	# ctrl-p ctrl-q detaches: the client returns 0, the container runs on.
	(sleep 1; printf '\020\021') | $TTY "$TUG run -it --name det busybox sh" /dev/null >"$T/tty3.out" 2>&1
	rc=$?
	[ $rc = 0 ] && [ "$($C inspect -f '{{.State.Running}}' det)" = true ] && grep -q 'read escape sequence' "$T/tty3.out" &&
		pass run_tty_detach || fail run_tty_detach "rc $rc: $(tr -d '\r' <"$T/tty3.out" | tail -3 | tr '\n' '|')"
	$C rm -f det >/dev/null
else
	skip run_tty "util-linux script not installed"
	skip exec_tty_resize "util-linux script not installed"
fi

# Events seen live: start and die of one container.
$C run --rm --name evt busybox true >/dev/null
sleep 0.5
kill $EVENTS 2>/dev/null
if grep -Eq '^[0-9-]+T[0-9:.]+(Z|[+-][0-9:]+) container start [0-9a-f]{64} \(.*name=evt' "$T/events.txt" &&
	grep -Eq ' container die [0-9a-f]{64} \(exitCode=0, .*name=evt' "$T/events.txt"; then
	pass events
else
	fail events "$(tr '\n' '|' <"$T/events.txt")"
fi
# The past, from the daemon's kept events: --since/--until end by themselves.
check events_since_until sh -c "timeout 5 $TUG events --since 5m --until 0s --filter container=evt >$T/past.txt &&
	grep -q ' container start .*name=evt' $T/past.txt && grep -q ' container die .*name=evt' $T/past.txt"
check events_format sh -c "timeout 5 $TUG events --since 5m --until 0s --filter event=die --filter container=evt --format '{{.Action}} {{.Actor.Attributes.name}}' | grep -qx 'die evt'"

# run pulls a missing image through tugd (POST /images/create), as docker does.
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
	HPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	HREG=127.0.0.1:$HPORT
	printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
		"$T/regstore" "$HREG" >"$T/reg.yml"
	/usr/bin/docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
	REGPID=$!
	echo "{\"insecure-registries\": [\"$HREG\"]}" >"$TUG_REGISTRIES_CONF"
	for i in $(seq 50); do curl -s "http://$HREG/v2/" >/dev/null && break; sleep 0.1; done
	# Another image than the loaded busybox (its own layer and config).
	mkdir -p "$T/rootfs2"
	busybox_rootfs "$T/rootfs2"
	echo pulled >"$T/rootfs2/etc/origin"
	/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/rootfs2" "$T/bb.tar" bb:1
	if skopeo copy -q --dest-tls-verify=false "docker-archive:$T/bb.tar" "docker://$HREG/bb:1" >"$T/skopeo.log" 2>&1; then
		$C run --rm "$HREG/bb:1" cat /etc/origin >"$T/pull.out" 2>"$T/pull.err"
		rc=$?
		[ $rc = 0 ] && grep -qx pulled "$T/pull.out" && grep -q 'Unable to find image' "$T/pull.err" &&
			pass run_pulls_missing || fail run_pulls_missing "rc $rc: $(tail -3 "$T/pull.err" | tr '\n' '|')"
		# The loaded busybox again through the registry (another manifest, the
		# same config): one image to Docker, and both names still run.
		check run_pulled_same_config sh -c "skopeo copy -q --dest-tls-verify=false docker-archive:$T/busybox.tar docker://$HREG/bb:same >>$T/skopeo.log 2>&1 &&
			$C run --rm $HREG/bb:same true 2>$T/pull4.err && $C run --rm busybox true"
		check run_pull_always sh -c "$C run --pull always --rm $HREG/bb:1 true 2>$T/pull2.err && ! grep -q 'Unable to find' $T/pull2.err"
		$C run --rm "$HREG/bb:nope" true >"$T/pull3.out" 2>&1
		rc=$?
		[ $rc = 125 ] && grep -q 'Unable to find image' "$T/pull3.out" && pass run_pull_missing_tag_125 ||
			fail run_pull_missing_tag_125 "rc $rc: $(tail -2 "$T/pull3.out" | tr '\n' '|')"
	else
		for n in run_pulls_missing run_pulled_same_config run_pull_always run_pull_missing_tag_125; do
			fail $n "skopeo could not push: $(tail -1 "$T/skopeo.log")"
		done
	fi
	kill $REGPID 2>/dev/null
else
	for n in run_pulls_missing run_pulled_same_config run_pull_always run_pull_missing_tag_125; do
		skip $n "docker-registry or skopeo not installed"
	done
fi

# Bad input.
$C stop nope >"$T/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'No such container: nope' "$T/out" && pass unknown_container || fail unknown_container "rc $rc: $(cat "$T/out")"
$C exec nope true >"$T/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'No such container: nope' "$T/out" && pass exec_unknown || fail exec_unknown "rc $rc: $(cat "$T/out")"
$C inspect nope >"$T/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'No such object: nope' "$T/out" && pass inspect_unknown || fail inspect_unknown "rc $rc: $(cat "$T/out")"
$C run --memory lots busybox true >"$T/out" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'invalid memory' "$T/out" && pass bad_option_125 || fail bad_option_125 "rc $rc: $(cat "$T/out")"
TUG_RUN_DIR=$T/nowhere $C ps >"$T/out" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'cannot connect to the tug daemon' "$T/out" && pass daemon_down || fail daemon_down "rc $rc: $(cat "$T/out")"
TUG_RUN_DIR=$T/nowhere $C run --rm busybox true >/dev/null 2>&1
rc=$?
[ $rc = 125 ] && pass daemon_down_run_125 || fail daemon_down_run_125 "rc $rc"
TUG_HOST=tcp://127.0.0.1:2375 $C ps >"$T/out" 2>&1
rc=$?
[ $rc = 125 ] && grep -q 'only unix://' "$T/out" && pass tcp_host_refused || fail tcp_host_refused "rc $rc: $(cat "$T/out")"

# Debian's Docker SDK for Python against the same socket.
if /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	check docker_py /usr/bin/python3 - "$T/run/tug.sock" <<'PY'
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1], version="1.44", timeout=20)
assert c.containers.run("busybox", ["echo", "py-hi"], remove=True) == b"py-hi\n"
ctr = c.containers.run("busybox", ["sh", "-c", "echo py-log; sleep 100"], detach=True, name="py1")
assert "py1" in [x.name for x in c.containers.list()]
import time
for _ in range(50):
    if b"py-log" in ctr.logs():
        break
    time.sleep(0.1)
assert ctr.logs() == b"py-log\n", ctr.logs()
ctr.remove(force=True)
assert "py1" not in [x.name for x in c.containers.list(all=True)]
PY
else
	skip docker_py "python3-docker not installed"
fi
exit 0
