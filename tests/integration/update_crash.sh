#!/bin/sh
# Crash safety of `tug update` and `tug apply` (docs/updates.md): tugd is
# killed with SIGKILL at a random point of each of UPDATE_CRASH_N rounds
# (default 300), spread over UPDATE_CRASH_LANES engines side by side (default
# 3: each its own state dir, run dir, tugd and keeper; containers on network
# none, so the lanes share nothing). A round starts one of: an update of a
# single container between two healthy images, an apply of the other
# three-container revision, or an apply whose web container fails its health
# check (must always end old); sleeps 0..1.5 s; kills tugd; starts it again
# and lets a resumed transaction end. Then, after every round:
#   - the containers are exactly the old revision or the new one (name and
#     the /version each one serves), never a mix;
#   - `tug system check` finds the store clean;
#   - the keeper (parent of every container) runs as many processes as tugd
#     lists running: nothing of a losing revision lives on unseen;
#   - no NAME.tug-old (a transaction's parked container) is left.
# The counts (old, new, mixed, unclean, stray) are printed per lane and in
# total; UPDATE_CRASH_SEED makes the kill points repeatable.
# tests/integration/update.sh kills tugd at each named step instead.
SUITE=update_crash
. "$(dirname "$0")/../lib.sh"
require_root crash_random_sigkill
command -v docker >/dev/null || { skip crash_random_sigkill "docker CLI not installed"; exit 0; }
command -v curl >/dev/null || { skip crash_random_sigkill "curl not installed"; exit 0; }
N=${UPDATE_CRASH_N:-300}
L=${UPDATE_CRASH_LANES:-3}
SEED=${UPDATE_CRASH_SEED:-$$}
T=$(tmpdir)
mkdir -p "$T/rootfs"
ln -s "$TUG" "$T/tugd"
busybox_rootfs "$T/rootfs"
MK="/usr/bin/python3 $TESTS_DIR/integration/update_mkimage.py $T/rootfs"
$MK "$T/v1.tar" app:v1 v1 'test -f /version'
$MK "$T/v2.tar" app:v2 v2 'test -f /version'
$MK "$T/bad.tar" app:bad bad 'exit 1'
$MK "$T/nohc.tar" app:nohc nohc
cat >"$T/c1.json" <<'J'
{"containers": [{"name": "db", "image": "app:v1"}, {"name": "web", "image": "app:v1", "after": ["db"]},
 {"name": "worker", "image": "app:nohc", "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"], "after": ["web"]}],
 "deadline": 20, "stable": 0.3}
J
sed 's/"name": "db", "image": "app:v1"/"name": "db", "image": "app:v2"/; s/"name": "web", "image": "app:v1"/"name": "web", "image": "app:v2"/' "$T/c1.json" >"$T/c2.json"
sed 's/"name": "web", "image": "app:v1"/"name": "web", "image": "app:bad"/' "$T/c1.json" >"$T/c3.json"

cleanup() {
	for d in "$T"/lane*; do [ -d "$d/run" ] && tugd_stop "$d/run"; done
	# Processes, overlays and netns files of containers a crash round may have left.
	kill_rooted_in "$T"
	tug_cleanup_tmp
}
trap cleanup EXIT

# lane I ROUNDS: one engine's share of the rounds; its counts go to
# $T/laneI/counts as "old new mixed unclean stray".
lane() {
	d=$T/lane$1
	mkdir -p "$d/state" "$d/run"
	export TUG_STATE_DIR=$d/state TUG_RUN_DIR=$d/run DOCKER_HOST=unix://$d/run/tug.sock
	export TUG_DEFAULT_NETWORK=none
	D="timeout 20 docker"
	say() { echo "# lane $1: $2"; }
	start_tugd() {
		"$T/tugd" >>"$d/tugd.log" 2>&1 &
		for i in $(seq 100); do docker version >/dev/null 2>&1 && return 0; sleep 0.1; done
		return 1
	}
	restart_tugd() {
		pid=$(cat "$d/run/tugd.pid" 2>/dev/null)
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		start_tugd
		# A transaction cut off while waiting for health goes on: let it end.
		wait_for 30 sh -c "! curl -s --unix-socket $d/run/tug.sock http://x/tug/v1/progress | grep -q '\"Done\":false'"
	}
	# "name=version ..." of every container, sorted; name=stopped when one is not running.
	state_now() {
		for n in $($D ps -a --format '{{.Names}}' | sort); do
			[ "$($D inspect -f '{{.State.Running}}' "$n")" = true ] || { echo "$n=stopped"; continue; }
			echo "$n=$($D exec "$n" cat /version)"
		done | tr '\n' ' '
	}
	health_is() { [ "$($D inspect -f '{{.State.Health.Status}}' "$1")" = "$2" ]; }
	echo "9 9 9 9 9" >"$d/counts" # what a lane that dies early reports
	start_tugd || { say "$1" "tugd did not come up: $(tail -3 "$d/tugd.log")"; return; }
	for i in v1 v2 bad nohc; do $D load -i "$T/$i.tar" >/dev/null; done
	$TUG apply "$T/c1.json" >/dev/null 2>&1
	$D run -d --name solo app:v1 >/dev/null
	wait_for 10 health_is solo healthy
	mixed=0 oldn=0 newn=0 unclean=0 stray=0
	prev="$(state_now)"
	round=0
	while [ $round -lt "$2" ]; do
		round=$((round + 1))
		case $((round % 3)) in
		0) # update solo between v1 and v2
			v=$($D exec solo cat /version); nv=$([ "$v" = v1 ] && echo v2 || echo v1)
			old="$prev"; new=$(echo "$prev" | sed "s/solo=$v/solo=$nv/")
			$TUG update --detach --stable 0.3 solo app:$nv >/dev/null 2>&1 ;;
		1) # apply the other revision of the three
			case "$prev" in
			*"db=v1 "*) f=c2 new=$(echo "$prev" | sed 's/db=v1 /db=v2 /; s/web=v1 /web=v2 /') ;;
			*) f=c1 new=$(echo "$prev" | sed 's/db=v2 /db=v1 /; s/web=v2 /web=v1 /') ;;
			esac
			old="$prev"
			$TUG apply --detach "$T/$f.json" >/dev/null 2>&1 ;;
		2) # a failing apply: must always end old
			old="$prev"; new="$prev"
			$TUG apply --detach "$T/c3.json" >/dev/null 2>&1 ;;
		esac
		# Kill somewhere in 0..1.5 s: before, during or after the transaction.
		ms=$(awk -v s="$SEED" -v l="$1" -v r="$round" 'BEGIN{srand(s + 1000 * l + r); print int(rand() * 1500)}')
		sleep "$(awk -v m="$ms" 'BEGIN{print m / 1000}')"
		kill -9 "$(cat "$d/run/tugd.pid")"
		restart_tugd
		got=$(state_now)
		if [ "$got" = "$old" ]; then
			oldn=$((oldn + 1))
		elif [ "$got" = "$new" ]; then
			newn=$((newn + 1))
		else
			mixed=$((mixed + 1))
			say "$1" "round $round (kill at ${ms} ms): old '$old' new '$new' got '$got'"
		fi
		TUG_STATE_DIR=$d/state "$TUG" system check >/dev/null 2>&1 || {
			unclean=$((unclean + 1))
			say "$1" "round $round: tug system check: $(TUG_STATE_DIR=$d/state "$TUG" system check 2>&1 | tail -2 | tr '\n' ' ')"
		}
		# No process of a losing container lives on unseen: the keeper (parent
		# of every container) has as many children as tugd shows running.
		# (A container that just ended may still be reaped: look again for 2 s.)
		for w in $(seq 20); do
			live=$(cat /proc/"$(cat "$d/run/keeper.pid")"/task/*/children 2>/dev/null | wc -w)
			[ "$live" = "$($D ps -q | wc -l)" ] && break
			sleep 0.1
		done
		[ "$live" = "$($D ps -q | wc -l)" ] || {
			stray=$((stray + 1))
			say "$1" "round $round: the keeper has $live children, $($D ps -q | wc -l) running"
		}
		prev="$got"
		# A transaction still running after the restart cannot be: the replay ended it.
		for n in $($D ps -a --format '{{.Names}}'); do
			case $n in *.tug-old) mixed=$((mixed + 1)); say "$1" "round $round: $n left" ;; esac
		done
	done
	say "$1" "$2 rounds: $oldn ended old, $newn ended new, $mixed mixed, $unclean unclean stores, $stray with stray processes"
	echo "$oldn $newn $mixed $unclean $stray" >"$d/counts"
}

i=0
while [ $i -lt "$L" ]; do
	share=$(((N + L - 1 - i) / L)) # N split as evenly as it goes
	(lane $i $share) &
	i=$((i + 1))
done
wait
set -- 0 0 0 0 0
for c in "$T"/lane*/counts; do
	read -r o n m u s <"$c"
	set -- $(($1 + o)) $(($2 + n)) $(($3 + m)) $(($4 + u)) $(($5 + s))
done
echo "# crash loop: $N rounds on $L engines, $1 ended old, $2 ended new, $3 mixed, $4 unclean stores, $5 with stray processes"
[ "$3" = 0 ] && [ "$4" = 0 ] && [ "$5" = 0 ] && [ $(($1 + $2)) = "$N" ] &&
	pass crash_random_sigkill || fail crash_random_sigkill "$3 mixed, $4 unclean, $5 stray, $(($1 + $2)) of $N old or new"
exit 0
