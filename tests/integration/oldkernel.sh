#!/bin/sh
# tug on a kernel without pidfds (Linux < 5.3, as routers still ship 4.14,
# 4.19, 5.4): tugd, its keeper, the containers and the CLI run under
# helpers/nopidfd, a seccomp filter that makes pidfd_open,
# pidfd_send_signal, pidfd_getfd, clone3, close_range, waitid(P_PIDFD) and
# openat2 fail with ENOSYS. What users see must not change: exit codes,
# exec output and codes, stop, kill, restart policies, rm -f, cp, adoption
# after a restart of tugd, and no zombie left behind (docs/daemon.md, "Old
# kernels").
SUITE=oldkernel
. "$(dirname "$0")/../lib.sh"
NAMES="filter_active run_rm_codes exec_output_code exec_no_zombie exec_detached_reaped
	cp_without_openat2 health_probe stop kill restart_policy rm_f rm_f_with_exec adopt_after_restart
	no_zombie_at_end"
require_root $NAMES
NOPIDFD=$(dirname "$TUG")/helpers/nopidfd
if [ ! -x "$NOPIDFD" ]; then
	for n in $NAMES; do fail "$n" "no $NOPIDFD (make tests builds it)"; done
	exit 0
fi
T=$(tmpdir)
tugd_dir "$T"
unset DOCKER_HOST TUG_HOST
"$TUG" load -q -i "$T/busybox.tar" >/dev/null
start_tugd() {
	"$NOPIDFD" "$T/tugd" >>"$T/tugd.log" 2>&1 &
	wait_for 5 "$TUG" ps -q
}
start_tugd
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
# The client too: the CLI must not need pidfds either.
C="timeout -k 5 20 $NOPIDFD $TUG"
tugd_pid() { cat "$T/run/tugd.pid" 2>/dev/null; }
keeper_pid() { cat "$T/run/keeper.pid" 2>/dev/null; }

# zombies: the zombie children of tugd and of its keeper ("pid name" lines).
zombies() {
	_parents=" $(tugd_pid) $(keeper_pid) "
	for _s in /proc/[0-9]*/status; do
		awk -v p="$_parents" '/^Name:/ { n = $2 } /^State:/ { s = $2 }
			/^Pid:/ { pid = $2 } /^PPid:/ { pp = $2 }
			END { if (s == "Z" && index(p, " " pp " ")) print pid, n }' "$_s" 2>/dev/null
	done
}
# no_zombies: true once none is left (a child's exit is reaped a little later).
no_zombies() { [ -z "$(zombies)" ]; }
state_is() { [ "$($C inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }

# The filter is really there, in tugd and in the keeper it started.
f1=$(awk '/^Seccomp:/ { print $2 }' "/proc/$(tugd_pid)/status" 2>/dev/null)
f2=$(awk '/^Seccomp:/ { print $2 }' "/proc/$(keeper_pid)/status" 2>/dev/null)
# ... and tugd saw it at start-up.
[ "$f1" = 2 ] && [ "$f2" = 2 ] && grep -q 'no pidfds' "$T/tugd.log" && pass filter_active ||
	fail filter_active "Seccomp: tugd '$f1', keeper '$f2' (want 2); log: $(tail -3 "$T/tugd.log" | tr '\n' ' ')"

# run --rm: output, then the container's exit code.
out=$($C run --rm busybox sh -c 'echo hello; exit 7' 2>&1)
rc=$?
out0=$($C run --rm busybox true 2>&1)
rc0=$?
[ $rc = 7 ] && [ "$out" = hello ] && [ $rc0 = 0 ] && [ -z "$out0" ] && pass run_rm_codes ||
	fail run_rm_codes "rc $rc '$out', rc $rc0 '$out0'"

# exec: returns with the command's output and exit code.
$C run -d --name box busybox sleep 600 >/dev/null
out=$($C exec box sh -c 'echo out; echo err >&2; exit 3' 2>"$T/exec.err")
rc=$?
[ $rc = 3 ] && [ "$out" = out ] && [ "$(cat "$T/exec.err")" = err ] && pass exec_output_code ||
	fail exec_output_code "rc $rc (124: timed out), out '$out', err '$(cat "$T/exec.err")'"

# ... and leaves no zombie behind (several in a row).
for i in 1 2 3; do $C exec box true >/dev/null 2>&1; done
wait_for 5 no_zombies && pass exec_no_zombie || fail exec_no_zombie "zombies: $(zombies | tr '\n' ' ')"

# A detached exec's process is reaped when it ends, and its exit code kept.
$C exec -d box sh -c 'sleep 0.3; exit 4' >/dev/null 2>&1
sleep 0.5
wait_for 5 no_zombies && pass exec_detached_reaped ||
	fail exec_detached_reaped "zombies: $(zombies | tr '\n' ' ')"

# cp resolves paths in the container with openat2 (5.6), else a walk.
echo copied >"$T/cpfile"
out=$($C cp "$T/cpfile" box:/tmp/cpfile 2>&1 && $C exec box cat /tmp/cpfile 2>&1)
[ "$out" = copied ] && pass cp_without_openat2 || fail cp_without_openat2 "'$out'"

# Health checks are exec'd probes: their end must be seen for a status.
$C run -d --name hc --health-cmd 'true' --health-interval 200ms busybox sleep 600 >/dev/null
health_ok() { [ "$($C inspect -f '{{.State.Health.Status}}' hc 2>/dev/null)" = healthy ]; }
wait_for 10 health_ok && pass health_probe ||
	fail health_probe "status '$($C inspect -f '{{.State.Health.Status}}' hc 2>&1)'"
$C rm -f hc >/dev/null 2>&1

# stop: SIGTERM (ignored by a pid 1 without a handler), then SIGKILL after -t.
out=$($C stop -t 1 box 2>&1)
rc=$?
[ $rc = 0 ] && [ "$out" = box ] &&
	[ "$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}' box)" = 'exited 137' ] && pass stop ||
	fail stop "rc $rc '$out', state '$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}' box 2>&1)'"

# kill: the signal reaches the container, its exit is noticed.
$C start box >/dev/null
$C run -d --name trap busybox sh -c 'trap "exit 42" USR1; while :; do sleep 0.05; done' >/dev/null
out=$($C kill -s USR1 trap 2>&1)
rc=$?
wait_for 5 state_is trap exited
st=$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}' trap 2>&1)
[ $rc = 0 ] && [ "$st" = 'exited 42' ] && pass kill || fail kill "rc $rc '$out', state '$st'"
$C rm trap >/dev/null 2>&1

# A container's exit is noticed: the restart policy starts it again.
$C run -d --name rs --restart on-failure:3 busybox sh -c 'sleep 0.2; exit 1' >/dev/null
restarted() { [ "$($C inspect -f '{{.RestartCount}}' rs 2>/dev/null)" -ge 2 ]; }
wait_for 15 restarted && pass restart_policy ||
	fail restart_policy "RestartCount '$($C inspect -f '{{.RestartCount}} {{.State.Status}}' rs 2>&1)'"
$C rm -f rs >/dev/null 2>&1

# rm -f of a running container.
$C run -d --name gone busybox sleep 600 >/dev/null
out=$($C rm -f gone 2>&1)
rc=$?
[ $rc = 0 ] && ! $C inspect gone >/dev/null 2>&1 && pass rm_f || fail rm_f "rc $rc '$out'"

# rm -f while an exec'd process runs in it: that process is tugd's to reap,
# and the container's init is not gone before it is.
$C run -d --name gone2 busybox sleep 600 >/dev/null
$C exec -d gone2 sleep 600 >/dev/null 2>&1
out=$($C rm -f gone2 2>&1)
rc=$?
[ $rc = 0 ] && ! $C inspect gone2 >/dev/null 2>&1 && wait_for 5 no_zombies && pass rm_f_with_exec ||
	fail rm_f_with_exec "rc $rc '$out', zombies: $(zombies | tr '\n' ' ')"

# tugd killed -9 and started again (still without pidfds) adopts what runs,
# and still sees its exit later.
old=$(tugd_pid)
kill -9 "$old"
for i in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
start_tugd
st1=$($C inspect -f '{{.State.Status}}' box 2>&1)
out=$($C exec box echo still 2>&1)
$C kill box >/dev/null 2>&1
wait_for 5 state_is box exited
st2=$($C inspect -f '{{.State.Status}} {{.State.ExitCode}}' box 2>&1)
[ "$st1" = running ] && [ "$out" = still ] && [ "$st2" = 'exited 137' ] && pass adopt_after_restart ||
	fail adopt_after_restart "after restart '$st1', exec '$out', after kill '$st2'"
$C rm -f box >/dev/null 2>&1

wait_for 5 no_zombies && pass no_zombie_at_end || fail no_zombie_at_end "zombies: $(zombies | tr '\n' ' ')"
