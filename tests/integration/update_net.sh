#!/bin/sh
# `tug apply` of containers on several networks ("networks": a list, or one
# name as a string), with tugd inside a network namespace of its own.
SUITE=update_net
. "$(dirname "$0")/../lib.sh"
names="apply_two_networks apply_both_networks_reachable apply_single_network_string \
 apply_missing_network_rejected apply_networks_unchanged_kept apply_network_list_changed_replaced \
 lock_network_connect_refused lock_network_connect_after_commit"
require_root $names
command -v docker >/dev/null || { for n in $names; do skip "$n" "docker CLI not installed"; done; exit 0; }
command -v ip >/dev/null || { for n in $names; do skip "$n" "no ip(8) to build the test namespace"; done; exit 0; }
ns=tugun$$
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/rootfs"
ln -s "$TUG" "$T/tugd"
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run DOCKER_HOST=unix://$T/run/tug.sock
export TUG_DEFAULT_NETWORK=bridge	# lib.sh says none; here we are inside our own netns
D="timeout 30 docker"
TUGC="timeout 60 $TUG"
cleanup() {
	tugd_stop "$T/run"
	sleep 0.2
	ip netns del "$ns" 2>/dev/null
	tug_cleanup_tmp
}
trap cleanup EXIT
ip netns add "$ns" || { for n in $names; do skip "$n" "cannot create a netns"; done; exit 0; }
ip netns exec "$ns" ip link set lo up
busybox_rootfs "$T/rootfs"
/usr/bin/python3 "$TESTS_DIR/integration/update_mkimage.py" "$T/rootfs" "$T/app.tar" app:v1 v1
# nsenter (not `ip netns exec`): tugd stays in the host's mount namespace.
nsenter --net=/run/netns/$ns "$T/tugd" >>"$T/tugd.log" 2>&1 &
for i in $(seq 50); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
$D load -i "$T/app.tar" >/dev/null
$D network create --subnet 10.97.1.0/24 lan >/dev/null
$D network create --subnet 10.97.2.0/24 mgmt >/dev/null

nets_of() { $D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$1"; }
ids() { $D ps -a --format '{{.Names}}={{.ID}}' | sort | tr '\n' ' '; }
cat >"$T/s1.json" <<'J'
{"containers": [
 {"name": "web", "image": "app:v1", "networks": ["lan", "mgmt"]},
 {"name": "db", "image": "app:v1", "networks": "lan"}
], "deadline": 20, "stable": 0.3}
J
check apply_two_networks sh -c "$TUGC apply $T/s1.json >$T/ap1.out 2>&1 && [ \"\$($D inspect -f '{{.State.Running}}' web)\" = true ] && [ \"\$(docker inspect -f '{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}' web)\" = 'lan mgmt ' ]"
check apply_both_networks_reachable sh -c "$D exec web ip -4 addr | grep -q 'inet 10.97.1.' && $D exec web ip -4 addr | grep -q 'inet 10.97.2.' && $D exec db ping -c1 -W2 \$($D inspect -f '{{(index .NetworkSettings.Networks \"lan\").IPAddress}}' web) >/dev/null"
check apply_single_network_string [ "$(nets_of db)" = "lan " ]

before=$(ids)
sed 's/"mgmt"\]/"mgmt", "nosuch"]/' "$T/s1.json" >"$T/bad.json"
check apply_missing_network_rejected sh -c "! $TUGC apply $T/bad.json >$T/bad.out 2>&1 && grep -q 'network nosuch not found' $T/bad.out && [ \"\$($D ps -a --format '{{.Names}}={{.ID}}' | sort | tr '\n' ' ')\" = '$before' ]"
check apply_networks_unchanged_kept sh -c "$TUGC apply $T/s1.json >$T/ap2.out 2>&1 && grep -q 'unchanged *web' $T/ap2.out && [ \"\$($D ps -a --format '{{.Names}}={{.ID}}' | sort | tr '\n' ' ')\" = '$before' ]"
sed 's/\["lan", "mgmt"\]/["mgmt"]/' "$T/s1.json" >"$T/s2.json"
$TUGC apply "$T/s2.json" >"$T/ap3.out" 2>&1
check apply_network_list_changed_replaced sh -c "grep -q ' committed$' $T/ap3.out && grep -q 'unchanged *db' $T/ap3.out && [ \"\$(docker inspect -f '{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}' web)\" = 'mgmt ' ]"

# The transaction lock covers network connect/disconnect (container in the body).
cat >"$T/slow.json" <<'J'
{"containers": [{"name": "slow", "image": "app:v1", "command": ["sleep", "600"], "networks": ["lan"],
 "healthcheck": {"test": ["CMD-SHELL", "test -f /tmp/ready"], "interval": 0.2, "retries": 1000}}],
 "deadline": 30}
J
PROGRESS="curl -s --unix-socket $T/run/tug.sock http://x/tug/v1/progress"
$TUGC apply --detach "$T/slow.json" >/dev/null 2>&1
for i in $(seq 100); do $PROGRESS | grep -q '"Phase":"verify"' && break; sleep 0.1; done
check lock_network_connect_refused sh -c "! $D network connect mgmt slow 2>$T/lk.out && grep -q 'locked by apply' $T/lk.out && ! $D network disconnect lan slow 2>/dev/null"
$D exec slow touch /tmp/ready
for i in $(seq 200); do $PROGRESS | grep -q '"Done":true' && break; sleep 0.1; done
check lock_network_connect_after_commit sh -c "$D network connect mgmt slow && [ \"\$(docker inspect -f '{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}' slow)\" = 'lan mgmt ' ]"
exit 0
