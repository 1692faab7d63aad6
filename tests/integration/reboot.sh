#!/bin/sh
# What tugd finds after a reboot (simulated: tugd, the keeper and every
# container SIGKILLed, the run dir emptied, tugd started again), as the
# power cuts of tests/qemu/powercut.sh leave it:
#   always_back_after_reboot  a revision applied with restart "always" (no
#                             MaximumRetryCount in its body) runs again
#   stopped_always_restarted  a stopped `--restart always` container starts
#                             at daemon start (Docker); a stopped
#                             `unless-stopped` one stays stopped
#   reused_pid_not_adopted    a container whose old pid now belongs to
#                             another process is not taken for running, and
#                             that process is left alone
#   keeper_death_adopts       with a new keeper (the old one SIGKILLed), a
#                             container still running in its own cgroup is
#                             adopted again, not taken for lost and doubled
#   tug_old_not_started       the old side (NAME.tug-old, restart always) of
#                             an update that tugd resumes in its verify phase
#                             is not started at daemon start
SUITE=reboot
. "$(dirname "$0")/../lib.sh"
require_root always_back_after_reboot stopped_always_restarted reused_pid_not_adopted keeper_death_adopts tug_old_not_started
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/rootfs"
ln -s "$TUG" "$T/tugd"
busybox_rootfs "$T/rootfs"
/usr/bin/python3 "$TESTS_DIR/integration/update_mkimage.py" "$T/rootfs" "$T/v1.tar" app:v1 v1
/usr/bin/python3 "$TESTS_DIR/integration/update_mkimage.py" "$T/rootfs" "$T/v2.tar" app:v2 v2
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run
C="timeout 30 $TUG"
start_tugd() {
	"$T/tugd" >>"$T/tugd.log" 2>&1 &
	for i in $(seq 100); do $C info >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
# Every process of this suite's tugd, keeper and containers, SIGKILLed.
descendants() {
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
kill_all() {
	k=$(cat "$T/run/keeper.pid" 2>/dev/null)
	[ -n "$k" ] && kill -9 $(descendants "$k") 2>/dev/null
	kill -9 "$(cat "$T/run/tugd.pid" 2>/dev/null)" "$k" 2>/dev/null
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		case "$(readlink "/proc/$p/root" 2>/dev/null)" in "$T"/*) kill -9 "$p" 2>/dev/null ;; esac
	done
	sleep 0.3
}
# SIGTERM to tugd, and wait until it is gone (so the next one is asked).
stop_tugd() {
	_p=$(cat "$T/run/tugd.pid" 2>/dev/null)
	kill "$_p" 2>/dev/null
	for i in $(seq 100); do kill -0 "$_p" 2>/dev/null || return 0; sleep 0.05; done
	kill -9 "$_p" 2>/dev/null
}
# A reboot also takes the containers' cgroups (and what is left in them):
# otherwise a process still dying there could be adopted by the next tugd.
reboot_sim() {
	kill_all
	remove_cgroups "$T"
	awk -v t="$T/run/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$T/run"
	mkdir -p "$T/run"
}
cleanup() {
	tugd_stop "$T/run"
	kill_all
	[ -n "${foreign:-}" ] && kill "$foreign" 2>/dev/null
	awk -v t="$T/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		xargs -r -n1 umount -l 2>/dev/null
}
trap 'cleanup; tug_cleanup_tmp' EXIT
start_tugd || { fail always_back_after_reboot "tugd did not come up: $(tail -3 "$T/tugd.log")"; exit 0; }
$C load -q -i "$T/v1.tar" >/dev/null
$C load -q -i "$T/v2.tar" >/dev/null
running() { [ "$($C inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
wait_running() {
	for i in $(seq 50); do running "$1" && return 0; sleep 0.1; done
	return 1
}

cat >"$T/s.json" <<'J'
{"containers": [{"name": "db", "image": "app:v1", "restart": "always"},
 {"name": "web", "image": "app:v1", "after": ["db"], "restart": "always"}], "stable": 0.3}
J
$C apply "$T/s.json" >"$T/apply.out" 2>&1
reboot_sim
start_tugd
if wait_running db && wait_running web; then
	pass always_back_after_reboot
else
	fail always_back_after_reboot "$($C ps -a --format '{{.Names}} {{.Status}}' | tr '\n' ' ')"
fi
$C rm -f db web >/dev/null 2>&1

$C run -d --name al --restart always app:v1 >/dev/null
$C run -d --name us --restart unless-stopped app:v1 >/dev/null
$C stop al us >/dev/null
stop_tugd
start_tugd
if wait_running al && ! running us; then
	pass stopped_always_restarted
else
	fail stopped_always_restarted "al running: $(running al && echo yes || echo no), us running: $(running us && echo yes || echo no)"
fi
$C rm -f al us >/dev/null 2>&1

# A container's pid, then a "reboot" in which another process gets that pid.
$C run -d --name pr app:v1 >/dev/null
wait_running pr
old=$($C inspect -f '{{.State.Pid}}' pr)
reboot_sim
foreign=
for i in $(seq 50); do [ -d /proc/$old ] || break; sleep 0.1; done
[ -d /proc/$old ] && echo "# pid $old still there: $(grep -E 'State|PPid' /proc/$old/status | tr '\n' ' ')"
for try in $(seq 50); do
	echo $((old - 1)) >/proc/sys/kernel/ns_last_pid 2>/dev/null || break
	sleep 300 &
	[ $! = "$old" ] && { foreign=$!; break; }
	kill $! 2>/dev/null
done
if [ -z "$foreign" ]; then
	skip reused_pid_not_adopted "could not give pid $old to another process (ns_last_pid)"
else
	start_tugd
	sleep 0.5
	st=$($C inspect -f '{{.State.Status}} {{.State.Pid}}' pr)
	if [ "$st" = "exited 0" ] && kill -0 "$foreign" 2>/dev/null; then
		pass reused_pid_not_adopted
	else
		fail reused_pid_not_adopted "pr is '$st' (pid $old now belongs to a sleep); sleep alive: $(kill -0 "$foreign" 2>/dev/null && echo yes || echo no)"
	fi
	kill "$foreign" 2>/dev/null
	foreign=
fi

$C run -d --name kd --restart always app:v1 >/dev/null
wait_running kd
kpid=$($C inspect -f '{{.State.Pid}}' kd)
if ! grep -q "$($C inspect -f '{{.Id}}' kd)" /proc/"$kpid"/cgroup 2>/dev/null; then
	skip keeper_death_adopts "containers get no cgroup of their own on this host"
else
	kill -9 "$(cat "$T/run/tugd.pid")" "$(cat "$T/run/keeper.pid")"
	sleep 0.3
	start_tugd
	sleep 0.5
	st=$($C inspect -f '{{.State.Status}} {{.State.Pid}}' kd)
	if [ "$st" = "running $kpid" ] && kill -0 "$kpid" 2>/dev/null &&
		[ "$($C ps -q | wc -l)" = 1 ]; then
		pass keeper_death_adopts
	else
		fail keeper_death_adopts "kd is '$st' (was pid $kpid, alive: $(kill -0 "$kpid" 2>/dev/null && echo yes || echo no))"
	fi
fi
kill -9 "$kpid" 2>/dev/null
$C rm -f kd >/dev/null 2>&1

# tugd dies in the verify phase of an update (TUG_FAULT) and resumes it.
$C run -d --name up --restart always app:v1 >/dev/null
wait_running up
stop_tugd
TUG_FAULT=verify "$T/tugd" >>"$T/tugd.log" 2>&1 &
for i in $(seq 100); do $C info >/dev/null 2>&1 && break; sleep 0.1; done
$C update --stable 4 --deadline 30 up app:v2 >/dev/null 2>&1
start_tugd
sleep 1
if running up && ! running up.tug-old && $C ps -a --format '{{.Names}}' | grep -qx up.tug-old; then
	pass tug_old_not_started
else
	fail tug_old_not_started "$($C ps -a --format '{{.Names}} {{.Status}}' | tr '\n' ' ')"
fi
exit 0
