#!/bin/sh
# Health checks, `tug update`/`tug rollback`, `tug apply` with revisions, and
# crash safety of both (tugd killed at named steps and at random points).
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
	kill "$(cat "$T/run/tugd.pid" 2>/dev/null)" 2>/dev/null
	kill "$(cat "$T/run/keeper.pid" 2>/dev/null)" 2>/dev/null
}
trap 'cleanup_daemon; tug_cleanup_tmp' EXIT
start_tugd || { fail start "tugd did not come up: $(tail -3 "$T/tugd.log")"; exit 0; }
D="timeout 20 docker"
for i in v1 v2 bad nohc; do $D load -i "$T/$i.tar" >/dev/null; done

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
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
