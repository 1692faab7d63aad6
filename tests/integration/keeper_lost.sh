#!/bin/sh
# The keeper dies (kill -9, the OOM killer, a bug) while containers run:
# tugd starts a new keeper, and the containers the old one held, orphans
# now, must stay manageable as with Docker when a shim is lost: they keep
# running, exec/stop/kill/rm -f work, and when their process ends tugd
# records an exit (the real code when tugd is their subreaper, else 255 with
# State.Error "keeper lost: exit status unknown") and the restart policy
# applies. Also after a restart of tugd. Every case runs twice: with pidfds,
# and under helpers/nopidfd (a kernel < 5.3: tugd polls the pid and its
# start time on its tick). docs/daemon.md, "When the keeper dies".
SUITE=keeper_lost
. "$(dirname "$0")/../lib.sh"
CASES="orphan_running orphan_exec orphan_logs orphan_tty_logs orphan_exit_seen orphan_exits_itself orphan_kill
	orphan_stop orphan_rm_f orphan_run_rm tugd_restart_adopts tugd_restart_exit_seen no_leftovers"
NAMES=
for n in $CASES; do NAMES="$NAMES $n ${n}_nopidfd"; done
require_root $NAMES
NOPIDFD=$(dirname "$TUG")/helpers/nopidfd
unset DOCKER_HOST TUG_HOST
ROOT=$(tmpdir)
trap 'for _t in $ROOT/pidfd $ROOT/nopidfd; do [ -d $_t/run ] && tugd_stop $_t/run; done; umount_below $ROOT; tug_cleanup_tmp' EXIT

# suite MODE: every case against a tugd of its own; MODE "" or "_nopidfd".
suite() {
	M=$1
	T=$ROOT/pidfd
	[ -n "$M" ] && T=$ROOT/nopidfd
	tugd_dir "$T"
	W=
	[ -n "$M" ] && W=$NOPIDFD
	C="timeout -k 5 30 $W $TUG"
	start_tugd() {
		$W "$T/tugd" >>"$T/tugd.log" 2>&1 &
		wait_for 5 "$TUG" ps -q
	}
	start_tugd
	"$TUG" load -q -i "$T/busybox.tar" >/dev/null

	# The old keeper killed -9; tugd notices and starts a new one.
	kill_keeper() {
		_k=$(cat "$T/run/keeper.pid" 2>/dev/null)
		kill -9 "$_k"
		for _i in $(seq 50); do
			_n=$(cat "$T/run/keeper.pid" 2>/dev/null)
			[ -n "$_n" ] && [ "$_n" != "$_k" ] && kill -0 "$_n" 2>/dev/null && break
			sleep 0.1
		done
	}
	st() { $C inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>&1; }
	state_is() { [ "$($C inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
	pid_of() { $C inspect -f '{{.State.Pid}}' "$1" 2>/dev/null; }
	restarted() { # NAME OLD_PID: running again, a new process
		_r=$($C inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.Pid}}' "$1" 2>/dev/null)
		[ "${_r#* }" != "running $2" ] && [ "${_r#* }" != "${_r#* running }" ] || return 1
		[ "${_r%% *}" -ge 1 ]
	}
	# The real code: this tugd started the keeper, so it is the orphans'
	# subreaper and reaps them (a tugd started later is not: 255, below).
	code_ok() { # NAME WANT
		[ "$($C inspect -f '{{.State.ExitCode}}|{{.State.Error}}' "$1" 2>&1)" = "$2|" ]
	}

	$C run -d --name svc --restart always busybox sh -c 'echo before; exec sleep 1000' >/dev/null
	$C run -d --name self busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3' >/dev/null
	$C run -d --name trap busybox sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done' >/dev/null
	$C run -d --name stopme busybox sleep 1000 >/dev/null
	$C run -d --name gone busybox sleep 1000 >/dev/null
	$C run -dt --name tt busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done
		head -c 300000 /dev/zero | tr "\0" x; echo; echo after; exec sleep 1000' >/dev/null
	# An attached run --rm: its client waits for the exit code.
	$C run --rm --name fg busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 5' \
		>"$T/fg.out" 2>&1 &
	fg=$!
	wait_for 5 state_is fg running
	wait_for 5 sh -c "$C logs svc 2>/dev/null | grep -q before"
	svc_pid=$(pid_of svc)
	gone_pid=$(pid_of gone)
	PIDS="$svc_pid $gone_pid $(pid_of self) $(pid_of trap) $(pid_of stopme) $(pid_of tt) $(pid_of fg)"
	kill_keeper

	# Still running, the same process, shown so.
	s=$(st svc)
	[ "$s" = 'running 0' ] && [ "$(pid_of svc)" = "$svc_pid" ] && kill -0 "$svc_pid" &&
		pass orphan_running$M || fail orphan_running$M "state '$s', pid $svc_pid -> $(pid_of svc)"

	out=$($C exec svc echo hi 2>&1)
	[ "$out" = hi ] && pass orphan_exec$M || fail orphan_exec$M "'$out'"

	# What was logged before stays readable; output after the loss is lost
	# (the old keeper held the pipes' read ends), and the log says so.
	out=$($C logs svc 2>/dev/null)
	err=$($C logs svc 2>&1 >/dev/null)
	[ "$out" = before ] && [ "${err#*keeper*died}" != "$err" ] && pass orphan_logs$M ||
		fail orphan_logs$M "stdout '$out', stderr '$err'"

	# A tty's pty master is tugd's too: tugd logs it, and 300 KB (more than
	# a pty buffer) do not block the container.
	$C exec tt touch /tmp/go >/dev/null 2>&1
	tt_after() { $C logs tt 2>/dev/null | grep -q after; }
	wait_for 10 tt_after && [ "$(st tt)" = 'running 0' ] && pass orphan_tty_logs$M ||
		fail orphan_tty_logs$M "state '$(st tt)', log $($C logs tt 2>&1 | wc -c) bytes, tail '$($C logs tt 2>&1 | tail -c 100)'"

	# The process dies: tugd records it and restart=always brings it back.
	kill -9 "$svc_pid"
	if wait_for 10 restarted svc "$svc_pid"; then
		pass orphan_exit_seen$M
	else
		fail orphan_exit_seen$M "'$($C inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' svc 2>&1)'"
	fi

	# A container that ends by itself: its own code when tugd could reap it.
	$C exec self touch /tmp/go >/dev/null 2>&1
	wait_for 10 state_is self exited
	code_ok self 3 && pass orphan_exits_itself$M ||
		fail orphan_exits_itself$M "'$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}|{{.State.Error}}' self 2>&1)'"

	out=$($C kill -s USR1 trap 2>&1)
	rc=$?
	wait_for 10 state_is trap exited
	[ $rc = 0 ] && code_ok trap 42 && pass orphan_kill$M ||
		fail orphan_kill$M "rc $rc '$out', '$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}|{{.State.Error}}' trap 2>&1)'"

	out=$($C stop -t 1 stopme 2>&1)
	rc=$?
	s=$(st stopme)
	[ $rc = 0 ] && [ "$out" = stopme ] && [ "${s%% *}" = exited ] && code_ok stopme 137 &&
		pass orphan_stop$M || fail orphan_stop$M "rc $rc '$out', state '$s'"

	out=$($C rm -f gone 2>&1)
	rc=$?
	gone_dead() { ! kill -0 "$gone_pid" 2>/dev/null; }
	[ $rc = 0 ] && ! $C inspect gone >/dev/null 2>&1 && wait_for 5 gone_dead && pass orphan_rm_f$M ||
		fail orphan_rm_f$M "rc $rc (124: hung) '$out', process $gone_pid alive: $(gone_dead || echo yes)"

	$C exec fg touch /tmp/go >/dev/null 2>&1
	wait "$fg"
	rc=$?
	fg_gone() { ! $C inspect fg >/dev/null 2>&1; }
	[ $rc = 5 ] && wait_for 5 fg_gone && pass orphan_run_rm$M ||
		fail orphan_run_rm$M "rc $rc (124, 137: the client hung) '$(cat "$T/fg.out")', removed: $(fg_gone && echo yes || echo no)"

	# Keeper dead, then tugd killed -9 too: the new tugd adopts the orphans
	# (the new keeper knows nothing of them) and still sees their end. This
	# tugd is not their subreaper: the code is lost (255, with the reason).
	$C run -d --name svc2 --restart always busybox sleep 1000 >/dev/null
	$C run -d --name plain busybox sleep 1000 >/dev/null
	svc_pid=$(pid_of svc2)
	plain_pid=$(pid_of plain)
	PIDS="$PIDS $svc_pid $plain_pid"
	kill_keeper
	old=$(cat "$T/run/tugd.pid")
	kill -9 "$old"
	for i in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
	start_tugd
	s=$(st svc2)
	out=$($C exec svc2 echo still 2>&1)
	[ "$s" = 'running 0' ] && [ "$(pid_of svc2)" = "$svc_pid" ] && [ "$out" = still ] &&
		[ "$(st plain)" = 'running 0' ] && pass tugd_restart_adopts$M ||
		fail tugd_restart_adopts$M "state '$s', exec '$out', plain '$(st plain)'"
	kill -9 "$svc_pid" "$plain_pid"
	wait_for 10 state_is plain exited
	s=$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}|{{.State.Error}}' plain 2>&1)
	if wait_for 10 restarted svc2 "$svc_pid" && [ "$s" = 'exited 255|keeper lost: exit status unknown' ]; then
		PIDS="$PIDS $(pid_of svc2)"
		pass tugd_restart_exit_seen$M
	else
		fail tugd_restart_exit_seen$M "svc2 '$($C inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' svc2 2>&1)', plain '$s'"
	fi

	# rm -f of everything leaves no container process and no zombie.
	$C rm -f svc svc2 plain self trap stopme tt >/dev/null 2>&1
	leftovers() {
		for _p in $PIDS; do
			[ -e "/proc/$_p" ] && echo "$_p $(awk '/^State:/ { print $2 }' "/proc/$_p/status" 2>/dev/null)"
		done
		[ -z "$($C ps -aq 2>&1)" ] || echo "containers: $($C ps -aq 2>&1 | tr '\n' ' ')"
	}
	no_leftovers() { [ -z "$(leftovers)" ]; }
	wait_for 5 no_leftovers && pass no_leftovers$M || fail no_leftovers$M "$(leftovers | tr '\n' ' ')"
	tugd_stop "$T/run"
	rm -f "$T/run/tugd.pid" "$T/run/keeper.pid"
}

suite ""
if [ -x "$NOPIDFD" ]; then
	suite _nopidfd
else
	for n in $CASES; do fail "${n}_nopidfd" "no $NOPIDFD (make tests builds it)"; done
fi
