#!/bin/sh
# Health checks, `tug update`/`tug rollback`, `tug apply` with revisions, and
# crash safety of both (tugd killed at each named step; at random points:
# update_crash.sh).
SUITE=update
. "$(dirname "$0")/../lib.sh"
require_root health
command -v docker >/dev/null || { skip all "docker CLI not installed"; exit 0; }
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/rootfs"
ln -s "$TUG" "$T/tugd"
busybox_rootfs "$T/rootfs"
MK="/usr/bin/python3 $TESTS_DIR/integration/update_mkimage.py $T/rootfs"
$MK "$T/v1.tar" app:v1 v1 'test -f /version'
$MK "$T/v2.tar" app:v2 v2 'test -f /version'
$MK "$T/bad.tar" app:bad bad 'exit 1'
$MK "$T/nohc.tar" app:nohc nohc
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run DOCKER_HOST=unix://$T/run/tug.sock
start_tugd() {
	"$T/tugd" >>"$T/tugd.log" 2>&1 &
	for i in $(seq 100); do docker version >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
cleanup_daemon() {
	tugd_stop "$T/run"
	# Processes, overlays and netns files of containers a crash round may have left.
	kill_rooted_in "$T"
}
trap 'cleanup_daemon; tug_cleanup_tmp' EXIT
start_tugd || { fail start "tugd did not come up: $(tail -3 "$T/tugd.log")"; exit 0; }
D="timeout 20 docker"
for i in v1 v2 bad nohc; do $D load -i "$T/$i.tar" >/dev/null; done

health_is() { [ "$($D inspect -f '{{.State.Health.Status}}' "$1")" = "$2" ]; }

# --- health checks -----------------------------------------------------------
$D run -d --name hc --health-cmd 'test -f /tmp/ok' --health-interval 200ms \
	--health-retries 2 app:nohc sh -c 'sleep 600' >/dev/null
check health_cli_unhealthy wait_for 10 health_is hc unhealthy
check health_ps_status sh -c "$D ps --filter name=hc --format '{{.Status}}' | grep -q '(unhealthy)'"
(timeout 10 docker events --filter event=health_status --filter container=hc >"$T/events" 2>&1 &)
sleep 0.5
$D exec hc touch /tmp/ok
check health_cli_healthy wait_for 10 health_is hc healthy
check health_event sh -c "sleep 0.5; grep -q 'health_status: healthy' $T/events"
check health_inspect_log sh -c "$D inspect -f '{{.State.Health.FailingStreak}} {{len .State.Health.Log}}' hc | grep -qx '0 5'"
check health_ps_filter sh -c "$D ps --filter health=healthy --format '{{.Names}}' | grep -qx hc"
$D run -d --name himg app:v1 >/dev/null
check health_from_image sh -c "$D ps --filter name=himg --format '{{.Status}}' | grep -q '(health: starting)\|(healthy)'"
check health_from_image_healthy wait_for 10 health_is himg healthy
$D run -d --name hnone --no-healthcheck app:v1 >/dev/null
check health_none sh -c "sleep 0.6; [ \"\$($D inspect -f '{{.State.Health}}' hnone)\" = '<nil>' ]"
$D run -d --name htimeout --health-cmd 'sleep 5' --health-interval 200ms --health-timeout 100ms \
	--health-retries 1 app:nohc sleep 600 >/dev/null
wait_for 10 health_is htimeout unhealthy
check health_timeout sh -c "$D inspect -f '{{json .State.Health}}' htimeout | grep -q 'exceeded timeout'"
check health_bad_config sh -c "! $D create --health-cmd true --health-interval 1ns app:nohc true 2>&1 >/dev/null"
$D rm -f hc himg hnone htimeout >/dev/null

# --- health state across a SIGKILL of tugd ---------------------------------------
# Interval 4 s: right after the restart no probe has run yet, so what inspect
# shows is what tugd read back from disk, not a fresh probe.
$D run -d --name hgood --health-cmd true --health-interval 4s --health-retries 1 app:nohc sleep 600 >/dev/null
$D run -d --name hbad --health-cmd 'echo nope; exit 3' --health-interval 4s --health-retries 1 app:nohc sleep 600 >/dev/null
wait_for 10 health_is hgood healthy
wait_for 10 health_is hbad unhealthy
kill -9 "$(cat "$T/run/tugd.pid")"
pid=$(cat "$T/run/tugd.pid")
for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
start_tugd
check health_kept_healthy_after_sigkill sh -c "$D inspect -f '{{.State.Health.Status}} {{len .State.Health.Log}}' hgood | grep -qx 'healthy [1-9]'"
check health_kept_unhealthy_after_sigkill sh -c "$D inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}}' hbad | grep -qx 'unhealthy [1-9] 3'"
check health_kept_ps_after_sigkill sh -c "$D ps --filter health=unhealthy --format '{{.Names}}' | grep -qx hbad"
# A later run of the container starts from "starting", not from the saved state.
$D restart -t 1 hbad >/dev/null
check health_new_run_starts_over sh -c "$D inspect -f '{{.State.Health.Status}}' hbad | grep -qx starting"
# Flash wear: the state file is rewritten on a status change, not per probe.
$D run -d --name hwear --health-cmd true --health-interval 200ms app:nohc sleep 600 >/dev/null
wait_for 10 health_is hwear healthy
hfile=$T/state/containers/$($D inspect -f '{{.Id}}' hwear)/health.json
ino=$(stat -c %i "$hfile" 2>/dev/null)
wait_for 10 sh -c "[ \$($D inspect -f '{{len .State.Health.Log}}' hwear) = 5 ]"
check health_saved_on_change_only sh -c "[ -n '$ino' ] && [ \"\$(stat -c %i $hfile)\" = '$ino' ]"
$D rm -f hgood hbad hwear >/dev/null

# --- tug update / tug rollback ----------------------------------------------
TUGC="timeout 60 $TUG"
version_of() { $D exec "$1" cat /version 2>/dev/null; }
running_of() { $D ps --filter "name=^$1\$" --format '{{.Image}}'; }
$D run -d --name app app:v1 >/dev/null
wait_for 10 health_is app healthy
check update_commits sh -c "$TUGC update --deadline 20 app app:v2 >$T/up1.out 2>&1 && grep -q ' committed$' $T/up1.out"
check update_serves_new sh -c "[ \"\$($D exec app cat /version)\" = v2 ] && [ \$($D ps -a -q | wc -l) = 1 ]"
check update_events sh -c "grep -q 'stopping *app' $T/up1.out && grep -q 'healthy *app' $T/up1.out"
$TUGC update --deadline 20 app app:bad >"$T/up2.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'rolled back$' "$T/up2.out" && pass update_unhealthy_rolls_back ||
	fail update_unhealthy_rolls_back "rc=$rc $(tail -3 "$T/up2.out" | tr '\n' ' ')"
check update_old_serves_again sh -c "[ \"\$($D exec app cat /version)\" = v2 ] && [ \"\$($D inspect -f '{{.State.Running}}' app)\" = true ] && [ \$($D ps -a -q | wc -l) = 1 ]"
grep 'serving again' "$T/up2.out" | sed 's/^/# /'
check rollback_command sh -c "$TUGC rollback app >$T/rb.out 2>&1 && [ \"\$($D exec app cat /version)\" = v1 ]"
check rollback_point_leased sh -c "! $D rmi app:v2 >/dev/null 2>&1"
check update_missing_image sh -c "! $TUGC update app app:nope >$T/up3.out 2>&1 && grep -q 'No such image' $T/up3.out && [ \"\$($D exec app cat /version)\" = v1 ]"
check update_no_container sh -c "! $TUGC update nope app:v2 2>&1 | grep -q committed"
$D run -d --name plain app:nohc >/dev/null
check update_without_healthcheck_stable sh -c "$TUGC update --stable 1 plain app:nohc >$T/up4.out 2>&1 && grep -q 'stable *plain' $T/up4.out"
$D rm -f plain app >/dev/null

# --- tug apply / tug revisions -----------------------------------------------
cat >"$T/s1.json" <<'J'
{"containers": [
 {"name": "web", "image": "app:v1", "after": ["db"]},
 {"name": "db", "image": "app:v1", "labels": {"role": "db"}},
 {"name": "worker", "image": "app:nohc", "after": ["web"]}
], "deadline": 20, "stable": 0.5}
J
sed 's/"name": "worker", "image": "app:nohc"/"name": "worker", "image": "app:bad"/; s/"image": "app:v1", "after"/"image": "app:v2", "after"/' "$T/s1.json" >"$T/s2.json"
sed 's/"name": "web", "image": "app:v1"/"name": "web", "image": "app:v2"/' "$T/s1.json" >"$T/s3.json"
ids() { $D ps -a --format '{{.Names}}={{.ID}}' | sort | tr '\n' ' '; }
check apply_commits sh -c "$TUGC apply $T/s1.json >$T/ap1.out 2>&1 && grep -q ' committed$' $T/ap1.out"
check apply_start_order sh -c "grep started $T/ap1.out | awk '{print \$2}' | tr '\n' ' ' | grep -qx 'db web worker '"
before=$(ids)
$TUGC apply "$T/s2.json" >"$T/ap2.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'worker: health check failed' "$T/ap2.out" && pass apply_failure_rolls_back ||
	fail apply_failure_rolls_back "rc=$rc $(tail -3 "$T/ap2.out" | tr '\n' ' ')"
after=$(ids)
check apply_whole_revision_restored sh -c "[ '$after' = '$before' ] && [ \"\$($D exec web cat /version)\" = v1 ] && [ \$($D ps -q | wc -l) = 3 ]"
started_of() { $D inspect -f '{{.Id}} {{.State.StartedAt}}' "$1"; }
db0=$(started_of db) worker0=$(started_of worker) web0=$(started_of web)
check apply_second_commits sh -c "$TUGC apply $T/s3.json >$T/ap3.out 2>&1 && [ \"\$($D exec web cat /version)\" = v2 ]"
# Only web changed: db and worker keep running untouched (same ID, same StartedAt).
check apply_unchanged_left_running [ "$(started_of db) $(started_of worker)" = "$db0 $worker0" ]
check apply_changed_replaced [ "$(started_of web | cut -d' ' -f1)" != "${web0%% *}" ]
check apply_unchanged_step sh -c "grep -q 'unchanged *db' $T/ap3.out && grep -q 'unchanged *worker' $T/ap3.out && ! grep -q 'stopping *db' $T/ap3.out"
# Key order, spacing and label order do not make an entry "changed".
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['containers']=[dict(reversed(list(c.items()))) for c in d['containers']]; json.dump(d, open(sys.argv[2],'w'), indent=3)" "$T/s3.json" "$T/s3r.json"
web1=$(started_of web)
check apply_same_state_touches_nothing sh -c "$TUGC apply $T/s3r.json >$T/ap3r.out 2>&1 && grep -q ' committed$' $T/ap3r.out && ! grep -q 'started ' $T/ap3r.out"
check apply_same_state_same_ids [ "$(started_of db) $(started_of worker) $(started_of web)" = "$db0 $worker0 $web1" ]
check revisions_list sh -c "$TUGC revisions | awk 'NR>1{print \$1, \$2}' | tr '\n' ' ' | grep -qx '4 current 3 committed 2 rolled 1 committed '"
# A failing apply that changes web only: its rollback leaves db and worker alone.
sed 's/"name": "web", "image": "app:v2"/"name": "web", "image": "app:bad"/' "$T/s3.json" >"$T/s4.json"
$TUGC apply "$T/s4.json" >"$T/ap4.out" 2>&1
check apply_rollback_leaves_unchanged [ "$(started_of db) $(started_of worker) $(started_of web | cut -d' ' -f1)" = "$db0 $worker0 ${web1%% *}" ]
check apply_rollback_of_changed sh -c "grep -q 'rolled back$' $T/ap4.out && [ \"\$($D exec web cat /version)\" = v2 ]"
before=$(ids)
printf '{"containers":[{"name":"a","image":"app:v1","ports":[]}]}' >"$T/bad1.json"
printf '{"containers":[{"name":"a","image":"app:missing"}]}' >"$T/bad2.json"
printf '{"containers":[{"name":"a","image":"app:v1","after":["b"]},{"name":"b","image":"app:v1","after":["a"]}]}' >"$T/bad3.json"
check apply_rejects_unknown_field sh -c "! $TUGC apply $T/bad1.json 2>&1 | grep -q committed; $TUGC apply $T/bad1.json 2>&1 | grep -q \"unknown field 'ports'\""
check apply_rejects_missing_image sh -c "$TUGC apply $T/bad2.json 2>&1 | grep -q 'No such image'"
check apply_rejects_cycle sh -c "$TUGC apply $T/bad3.json 2>&1 | grep -q 'cycle'"
after=$(ids)
check apply_bad_input_changes_nothing sh -c "[ '$after' = '$before' ]"
check api_progress sh -c "curl -s --unix-socket $T/run/tug.sock http://x/tug/v1/progress | grep -q '\"Result\":\"rolled back\"'"

# --- cut off while waiting for health: the transaction goes on after the restart ----
cat >"$T/slow.json" <<'J'
{"containers": [{"name": "slow", "image": "app:nohc", "command": ["sleep", "600"],
 "healthcheck": {"test": ["CMD-SHELL", "test -f /tmp/ready"], "interval": 0.2, "retries": 1000}}],
 "deadline": 30}
J
PROGRESS="curl -s --unix-socket $T/run/tug.sock http://x/tug/v1/progress"
$TUGC apply --detach "$T/slow.json" >/dev/null 2>&1
wait_for 10 sh -c "$PROGRESS | grep -q '\"Phase\":\"verify\"'"
txid=$($PROGRESS | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
kill -9 "$(cat "$T/run/tugd.pid")"
pid=$(cat "$T/run/tugd.pid")
for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
start_tugd
check apply_verify_resumes_after_sigkill sh -c "$PROGRESS | grep -q '\"Id\":\"$txid\".*\"Done\":false.*\"Step\":\"resumed\"'"
$D exec slow touch /tmp/ready
wait_for 20 sh -c "$PROGRESS | grep -q '\"Done\":true'"
check apply_verify_resumed_commits sh -c "$PROGRESS | grep -q '\"Id\":\"$txid\".*\"Result\":\"committed\"' && [ \"\$($D inspect -f '{{.State.Running}}' slow)\" = true ]"

# --- the transaction lock: calls that would change its containers get 409 ----------
sed 's/"sleep", "600"/"sleep", "601"/' "$T/slow.json" >"$T/slow2.json"
$TUGC apply --detach "$T/slow2.json" >/dev/null 2>&1
wait_for 10 sh -c "$PROGRESS | grep -q '\"Phase\":\"verify\"'"
check lock_stop_409_json sh -c "curl -s -o $T/lock.out -w '%{http_code}' -X POST --unix-socket $T/run/tug.sock http://x/v1.41/containers/slow/stop | grep -qx 409 && grep -q '^{\"message\":\"Conflict. The container slow is locked by apply' $T/lock.out"
check lock_rm_refused sh -c "! $D rm -f slow 2>$T/lock2.out && grep -q 'locked by apply' $T/lock2.out && $D inspect slow >/dev/null"
check lock_old_start_refused sh -c "! $D start slow.tug-old 2>/dev/null && ! $D kill slow.tug-old 2>/dev/null"
check lock_prune_refused sh -c "! $D container prune -f >/dev/null 2>&1 && $D inspect slow.tug-old >/dev/null"
check lock_second_apply_refused sh -c "! $TUGC apply $T/s1.json >$T/lock3.out 2>&1 && grep -q 'in progress' $T/lock3.out"
check lock_reads_work sh -c "$D ps -a >/dev/null && $D inspect slow.tug-old >/dev/null && $D logs slow >/dev/null && $D exec slow true"
$D exec slow touch /tmp/ready
wait_for 20 sh -c "$PROGRESS | grep -q '\"Done\":true'"
check lock_released_after_commit sh -c "$PROGRESS | grep -q '\"Result\":\"committed\"' && $D restart -t 1 slow >/dev/null"

# --- A/B slots for the tug binary: boots simulated with `tug slot boot` ----------
export TUG_SLOT_DIR=$T/slots
check slot_first_boot_builtin sh -c "$TUG slot boot | grep -qx 'builtin -'"
$TUG slot install --tries 2 "$TUG" >/dev/null
check slot_trial_boots_counted sh -c "$TUG slot boot | grep -q '^trial ' && $TUG slot boot | grep -q '^trial ' && $TUG slot status | grep -q '2 of 2 tries'"
check slot_uncommitted_trial_rolls_back sh -c "$TUG slot boot 2>/dev/null | grep -qx 'builtin -' && $TUG slot status | grep -q 'last failed trial: slot a after 2 tries'"
$TUG slot install "$TUG" >/dev/null
check slot_trial_exec sh -c "$TUG slot boot --exec tug version | grep -q '^tug '"
check slot_commit sh -c "TUG_SLOT=a $TUG slot commit >/dev/null && $TUG slot boot | grep -qx 'active $T/slots/a'"
check slot_install_needs_elf sh -c "! $TUG slot install $T/s1.json 2>/dev/null"
unset TUG_SLOT_DIR

# --- crash safety ----------------------------------------------------------------
# After each crash and restart: exactly the old or the new containers, nothing
# of the losing side (no NAME.tug-old, no extra container), store clean.
restart_tugd() {
	pid=$(cat "$T/run/tugd.pid" 2>/dev/null)
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	start_tugd
	# A transaction cut off while waiting for health goes on: let it end.
	wait_for 30 sh -c "! curl -s --unix-socket $T/run/tug.sock http://x/tug/v1/progress | grep -q '\"Done\":false'"
}
# state: "name=version ..." of every container, sorted; "" when one is not running.
state_now() {
	for n in $($D ps -a --format '{{.Names}}' | sort); do
		[ "$($D inspect -f '{{.State.Running}}' "$n")" = true ] || { echo "$n=stopped"; continue; }
		echo "$n=$($D exec "$n" cat /version)"
	done | tr '\n' ' '
}
system_clean() { TUG_STATE_DIR=$T/state "$TUG" system check >/dev/null 2>&1; }
$D rm -f $($D ps -aq) >/dev/null 2>&1
$D run -d --name app app:v1 >/dev/null
wait_for 10 health_is app healthy
# Named steps: (target image, step, what must be left)
cur=v1
bad_steps=0
for spec in v2:begin:old v2:stop-old:old v2:rename-old:old v2:create-new:old v2:start-new:old \
	v2:verify:new v2:commit:new v2:commit-cleanup:new v2:commit-done:new \
	bad:verify:old bad:rollback:old bad:rollback-restore:old; do
	img=${spec%%:*}; rest=${spec#*:}; stepname=${rest%%:*}; want=${rest#*:}
	[ "$img" = bad ] || img=$([ $cur = v1 ] && echo v2 || echo v1)
	kill "$(cat "$T/run/tugd.pid")"
	restart_tugd_fault() {
		pid=$(cat "$T/run/tugd.pid" 2>/dev/null)
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		TUG_FAULT=$stepname "$T/tugd" >>"$T/tugd.log" 2>&1 &
		for i in $(seq 100); do docker version >/dev/null 2>&1 && return 0; sleep 0.1; done
	}
	restart_tugd_fault
	wait_for 10 health_is app healthy
	$TUGC update --deadline 20 app app:$img >/dev/null 2>&1
	restart_tugd
	[ $want = new ] && expect="app=$img " || expect="app=$cur "
	got=$(state_now)
	if [ "$got" = "$expect" ] && system_clean; then
		pass "crash_at_$stepname"
	else
		fail "crash_at_$stepname" "want '$expect' got '$got'"
		bad_steps=$((bad_steps + 1))
	fi
	[ $want = new ] && cur=$img
done

# The lock lived in the killed tugd only: nothing is locked after the replays.
check lock_gone_after_crashes sh -c "$D stop -t 1 app >/dev/null && $D start app >/dev/null"

# Random SIGKILLs of tugd during updates and applies: update_crash.sh.
exit 0
