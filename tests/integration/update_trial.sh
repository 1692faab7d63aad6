#!/bin/sh
# A revision applied by the tug binary of an uncommitted A/B slot trial
# (docs/updates.md, "A transaction made by a trial binary"). Boots are
# simulated as in update.sh: `tug slot boot` is the boot decision, tugd runs
# with TUG_SLOT set as PID 1 would start it.
#   held_commit           the trial's apply commits for its caller, but keeps
#                         the old containers (stopped NAME.tug-old) as the way
#                         back; revisions show the new one current
#   held_locks_way_back   the old containers cannot be removed, no other
#                         transaction starts ("commit the slot first")
#   held_survives_restart a tugd restart (SIGKILL) during the trial keeps it held
#   fallback_restores_revision  the trial runs out of tries: the next boot's
#                         tugd (the previous binary) runs exactly the previous
#                         revision's containers with their ids, none of the
#                         new one, revisions show the previous one current,
#                         `tug system check` is clean
#   verify_cut_rolls_back  a trial's apply cut off (SIGKILL) while proving
#                         health, and the trial fails: the previous binary's
#                         tugd undoes it instead of going on waiting
#   slot_commit_finishes  `tug slot commit` of the trial: tugd removes the
#                         old containers by itself and the revision stays
#   held_cut_then_fallback  tugd killed right after the journal says "held"
#                         (TUG_FAULT=held, before the revision record): the
#                         restarted trial tugd holds on and records it; the
#                         fall-back boot then restores the state from before
SUITE=update_trial
. "$(dirname "$0")/../lib.sh"
require_root trial
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/rootfs"
ln -s "$TUG" "$T/tugd"
busybox_rootfs "$T/rootfs"
MK="/usr/bin/python3 $TESTS_DIR/integration/update_mkimage.py $T/rootfs"
$MK "$T/v1.tar" app:v1 v1 'test -f /version'
$MK "$T/v2.tar" app:v2 v2 'test -f /version'
$MK "$T/nohc.tar" app:nohc nohc
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run
unset TUG_SLOT TUG_SLOT_DIR
S=$T/state
TUGC="timeout 60 $TUG"
# start_tugd [SLOT]: tugd as a boot of that slot would run it.
start_tugd() {
	if [ -n "${1:-}" ]; then
		TUG_SLOT=$1 "$T/tugd" >>"$T/tugd.log" 2>&1 &
	else
		"$T/tugd" >>"$T/tugd.log" 2>&1 &
	fi
	for i in $(seq 100); do $TUG info >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
# stop_tugd [-9]: stop it and wait until it is gone (containers go on running).
stop_tugd() {
	pid=$(cat "$T/run/tugd.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill ${1:-} "$pid" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
}
cleanup_daemon() {
	tugd_stop "$T/run"
	kill_rooted_in "$T"
}
trap 'cleanup_daemon; tug_cleanup_tmp' EXIT
start_tugd || { fail start "tugd did not come up: $(tail -3 "$T/tugd.log")"; exit 0; }
for i in v1 v2 nohc; do $TUG load -q -i "$T/$i.tar" >/dev/null; done

# Every container: NAME=ID STATE, sorted.
ctrs() { $TUG ps -a --no-trunc --format '{{.Names}}={{.ID}} {{.State}}' | sort | tr '\n' ' '; }
revs() { $TUG revisions | awk 'NR>1{print $1, $2}' | tr '\n' ' '; }
PROGRESS="curl -s --unix-socket $T/run/tug.sock http://x/tug/v1/progress"

# Revision N: keep (unchanged in N+1), web (changed), old (dropped).
cat >"$T/n.json" <<'J'
{"containers": [
 {"name": "keep", "image": "app:nohc", "restart": "always", "networks": ["none"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name": "web", "image": "app:v1", "restart": "always", "networks": ["none"], "after": ["keep"]},
 {"name": "old", "image": "app:v1", "restart": "always", "networks": ["none"]}
], "deadline": 20, "stable": 0.5}
J
# Revision N+1: keep as it was, web on v2, old gone, new added.
cat >"$T/n1.json" <<'J'
{"containers": [
 {"name": "keep", "image": "app:nohc", "restart": "always", "networks": ["none"],
  "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]},
 {"name": "web", "image": "app:v2", "restart": "always", "networks": ["none"], "after": ["keep"]},
 {"name": "new", "image": "app:v2", "restart": "always", "networks": ["none"]}
], "deadline": 20, "stable": 0.5}
J
$TUGC apply "$T/n.json" >"$T/n.out" 2>&1 || { fail setup "apply N: $(tail -3 "$T/n.out" | tr '\n' ' ')"; exit 0; }
revN=$(revs | cut -d' ' -f1)
before=$(ctrs)
# The running binary becomes slot a (installed, tried, committed), then the
# new one goes to slot b with one try.
$TUG slot install --tries 1 "$TUG" >/dev/null && $TUG slot boot >/dev/null &&
	TUG_SLOT=a $TUG slot commit >/dev/null && $TUG slot install --tries 1 "$TUG" >/dev/null ||
	{ fail setup "slot install"; exit 0; }

# --- the trial boot of slot b applies N+1 and is never committed ---------------
stop_tugd
$TUG slot boot | grep -q "^trial $S/slots/b" || fail setup "slot b not tried"
start_tugd b
$TUGC apply "$T/n1.json" >"$T/n1.out" 2>&1
rc=$?
now=$(ctrs)
held_commit() {
	[ $rc = 0 ] && grep -q ' committed$' "$T/n1.out" || { echo "apply exit $rc"; return 1; }
	$PROGRESS | grep -q '"Phase":"held".*"Result":"committed".*"Done":true' ||
		{ echo "progress: $($PROGRESS | cut -c1-200)"; return 1; }
	case "$now" in *old.tug-old=*exited*web.tug-old=*exited*) ;; *) echo "containers: $now"; return 1 ;; esac
	echo "$now" | grep -q ' new=[0-9a-f]* running' || { echo "containers: $now"; return 1; }
	[ "$(revs | cut -d' ' -f1-2)" = "$((revN + 1)) current" ] || { echo "revisions: $(revs)"; return 1; }
}
check held_commit held_commit
held_locks() {
	! $TUG rm -f web.tug-old >/dev/null 2>&1 && $TUG inspect web.tug-old >/dev/null || return 1
	! $TUGC apply "$T/n.json" >"$T/again.out" 2>&1 && grep -q 'commit the slot first' "$T/again.out" ||
		{ cat "$T/again.out"; return 1; }
}
check held_locks_way_back held_locks
stop_tugd -9
start_tugd b
held_restart() {
	$PROGRESS | grep -q '"Phase":"held".*"Step":"resumed"' || { echo "progress: $($PROGRESS | cut -c1-200)"; return 1; }
	[ "$(ctrs)" = "$now" ] || { echo "containers: $(ctrs), were $now"; return 1; }
}
check held_survives_restart held_restart

# The board reboots (a trial that did not prove itself): the containers go
# down with it; the next boot finds the trial out of tries and runs slot a.
$TUG stop -t 1 $($TUG ps -q) >/dev/null 2>&1
stop_tugd
$TUG slot boot 2>/dev/null | grep -q "^active $S/slots/a" || fail fallback "slot a not chosen"
start_tugd a
wait_for 10 sh -c "[ \"\$($TUG ps -a --no-trunc --format '{{.Names}}={{.ID}} {{.State}}' | sort | tr '\n' ' ')\" = '$before' ]"
fallback() {
	after=$(ctrs)
	[ "$after" = "$before" ] || { echo "containers: $after; were $before"; return 1; }
	[ "$(revs | cut -d' ' -f1-4)" = "$((revN + 1)) rolled $revN current" ] || { echo "revisions: $(revs)"; return 1; }
	[ ! -e "$S/update/journal.json" ] || { echo "journal left"; return 1; }
	$TUG system check
}
check fallback_restores_revision fallback

# --- cut off while proving health, and then the trial fails -----------------------
sed 's|"image": "app:v1", "restart": "always", "networks": \["none"\], "after": \["keep"\]|&, "healthcheck": {"test": ["CMD-SHELL", "test -f /tmp/ready"], "interval": 0.2, "retries": 1000}|; s/"deadline": 20/"deadline": 30/' \
	"$T/n.json" >"$T/slow.json"
$TUG slot install --tries 1 "$TUG" >/dev/null
stop_tugd
$TUG slot boot | grep -q "^trial $S/slots/b" || fail setup "slot b not tried (verify cut)"
start_tugd b
$TUGC apply --detach "$T/slow.json" >/dev/null 2>&1
wait_for 10 sh -c "$PROGRESS | grep -q '\"Phase\":\"verify\"'"
stop_tugd -9
$TUG slot boot 2>/dev/null | grep -q "^active $S/slots/a" || fail verify_cut "slot a not chosen"
start_tugd a
verify_cut() {
	[ "$(ctrs)" = "$before" ] || { echo "containers: $(ctrs); were $before"; return 1; }
	grep -q 'whose trial failed' "$T/tugd.log" || { echo "no replay line in tugd.log"; return 1; }
	revs | grep -q "^$((revN + 2)) rolled .* $revN current" || { echo "revisions: $(revs)"; return 1; }
	$TUG system check
}
check verify_cut_rolls_back verify_cut

# --- a trial that commits: the old containers go by themselves -----------------
$TUG slot install --tries 1 "$TUG" >/dev/null
stop_tugd
$TUG slot boot | grep -q "^trial $S/slots/b" || fail setup "slot b not tried again"
start_tugd b
$TUGC apply "$T/n1.json" >"$T/n2.out" 2>&1
held=$(ctrs)
TUG_SLOT=b $TUG slot commit >/dev/null
wait_for 10 sh -c "! $TUG ps -a | grep -q tug-old"
slot_commit() {
	echo "$held" | grep -q web.tug-old || { echo "not held: $held"; return 1; }
	! ctrs | grep -q 'tug-old\| old=' && ctrs | grep -q ' new=[0-9a-f]* running' || { echo "containers: $(ctrs)"; return 1; }
	$PROGRESS | grep -q '"Step":"slot committed"' || { echo "progress: $($PROGRESS | cut -c1-300)"; return 1; }
	[ "$(revs | cut -d' ' -f1-2)" = "$((revN + 3)) current" ] || { echo "revisions: $(revs)"; return 1; }
	[ ! -e "$S/update/journal.json" ] || { echo "journal left"; return 1; }
	$TUG system check
}
check slot_commit_finishes slot_commit

# --- killed at the held point, then the trial fails ------------------------------
before2=$(ctrs) rev2=$(revs | cut -d' ' -f1)
$TUG slot install --tries 1 "$TUG" >/dev/null
stop_tugd
$TUG slot boot | grep -q "^trial $S/slots" || fail setup "no trial (held cut)"
slot=$($TUG slot status | sed -n 's/^trial: slot \([ab]\),.*/\1/p')
export TUG_FAULT=held
start_tugd "${slot:-a}"
unset TUG_FAULT
$TUGC apply "$T/n.json" >/dev/null 2>&1
stop_tugd
start_tugd "${slot:-a}"
held_cut() {
	grep -q 'TUG_FAULT=held' "$T/tugd.log" || { echo "tugd did not stop at the held point"; return 1; }
	ctrs | grep -q 'new.tug-old=' || { echo "containers: $(ctrs)"; return 1; }
	[ "$(revs | cut -d' ' -f1-2)" = "$((rev2 + 1)) current" ] || { echo "revisions: $(revs)"; return 1; }
	$TUG stop -t 1 $($TUG ps -q) >/dev/null 2>&1
	stop_tugd
	$TUG slot boot 2>/dev/null | grep -q "^active $S/slots" || { echo "no fall-back"; return 1; }
	start_tugd
	wait_for 10 sh -c "[ \"\$($TUG ps -a --no-trunc --format '{{.Names}}={{.ID}} {{.State}}' | sort | tr '\n' ' ')\" = '$before2' ]"
	[ "$(ctrs)" = "$before2" ] || { echo "containers: $(ctrs); were $before2"; return 1; }
	revs | grep -q "^$((rev2 + 1)) rolled $rev2 current" || { echo "revisions: $(revs)"; return 1; }
	$TUG system check
}
check held_cut_then_fallback held_cut
exit 0
