#!/bin/sh
# Docker HostConfig fields tugd maps into the OCI spec (core/daemon/hostspec.c),
# seen from inside the container, with the docker CLI (curl for what the CLI
# refuses itself):
#   ulimit            --ulimit nofile=100:200: ulimit -n 100, -Hn 200
#   ulimit_exec       docker exec in that container gets the same
#   ulimit_bad_name   the API with Ulimits [{Name: bogus}]: create is a 400 naming it
#   shm_size          --shm-size 1m: /dev/shm is 1024 KB
#   sysctl_net        --sysctl net.ipv4.ip_unprivileged_port_start=500, network none
#   sysctl_ipc        --sysctl kernel.msgmax=12345 (ipc private)
#   sysctl_host_net   a net.* sysctl with --network host is refused as Docker does
#   device            --device /dev/null:/dev/mynull: char 1,3, writable
#   device_dir        --device DIR:/dev/mine adds every device below DIR
#   device_missing    --device /nonexistent: Docker's error text
#   cgroup_rule       --device-cgroup-rule 'c 1:11 w': mknod'ed 1:11 writable
#   cgroup_deny       with a rule for another device, writing 1:11 is refused
#   oom_score_adj     --oom-score-adj 321: /proc/self/oom_score_adj
#   group_add         --group-add 1234 --group-add nogroup: id -G; exec too
#   pid_host          --pid host: the host's pid namespace
#   pid_container     --pid container:X: X's pid namespace
#   ipc_host          --ipc host: the host's ipc namespace
#   ipc_container     --ipc container:X: X's ipc namespace
#   uts_host          --uts host: the host's hostname
SUITE=hostconfig
. "$(dirname "$0")/../lib.sh"
names="ulimit ulimit_exec ulimit_bad_name shm_size sysctl_net sysctl_ipc sysctl_host_net device
device_dir device_missing cgroup_rule cgroup_deny oom_score_adj group_add pid_host pid_container
ipc_host ipc_container uts_host"
require_root $names
command -v docker >/dev/null || { for n in $names; do skip $n "docker CLI not installed"; done; exit 0; }
T=$(tmpdir)
tugd_dir "$T"
export DOCKER_HOST=unix://$T/run/tug.sock TUG_HOST=unix://$T/run/tug.sock TUG_DEFAULT_NETWORK=none
"$T/tugd" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
D="timeout 30 docker"
R="$D run --rm --network none"
api="curl -s -o $T/body -w %{http_code} --unix-socket $T/run/tug.sock"
$D load -i "$T/busybox.tar" >/dev/null

# expect NAME WANT OUT: pass when OUT is WANT.
expect() {
	if [ "$3" = "$2" ]; then pass "$1"; else fail "$1" "want '$2', got '$3'"; fi
}

out=$($R --ulimit nofile=100:200 busybox sh -c 'echo $(ulimit -n) $(ulimit -Hn)' 2>&1)
expect ulimit "100 200" "$out"

$D run -d --name lim --network none --ulimit nofile=100:200 --group-add 1234 busybox \
	sleep 1000 >/dev/null 2>&1
out=$($D exec lim sh -c 'echo $(ulimit -n) $(ulimit -Hn) $(id -G)' 2>&1)
expect ulimit_exec "100 200 0 1234" "$out"

code=$($api -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none","Ulimits":[{"Name":"bogus","Soft":1,"Hard":1}]}}' \
	"http://x/v1.41/containers/create?name=badul")
if [ "$code" = 400 ] && grep -q 'Ulimits\[0\].Name: invalid ulimit type: bogus' "$T/body"; then
	pass ulimit_bad_name
else
	fail ulimit_bad_name "create: $code $(cat "$T/body")"
fi

out=$($R --shm-size 1m busybox sh -c "df -k /dev/shm | awk 'NR==2 {print \$2}'" 2>&1)
expect shm_size 1024 "$out"

out=$($R --sysctl net.ipv4.ip_unprivileged_port_start=500 busybox \
	cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>&1)
expect sysctl_net 500 "$out"

out=$($R --sysctl kernel.msgmax=12345 busybox cat /proc/sys/kernel/msgmax 2>&1)
expect sysctl_ipc 12345 "$out"

out=$($D run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true 2>&1)
case "$out" in
*'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'*) pass sysctl_host_net ;;
*) fail sysctl_host_net "$out" ;;
esac

out=$($R --device /dev/null:/dev/mynull busybox \
	sh -c "echo x >/dev/mynull && ls -l /dev/mynull | awk '{print substr(\$1,1,1) \$5 \$6}'" 2>&1)
expect device "c1,3" "$out"

mkdir -p "$T/devs/sub"
mknod "$T/devs/nul" c 1 3
mknod "$T/devs/sub/zero" c 1 5
out=$($R --device "$T/devs:/dev/mine" busybox \
	sh -c 'echo x >/dev/mine/nul && head -c 3 /dev/mine/sub/zero | wc -c' 2>&1)
expect device_dir 3 "$out"

out=$($R --device /nonexistent busybox true 2>&1)
case "$out" in
*'error gathering device information while adding custom device "/nonexistent": no such file or directory'*)
	pass device_missing ;;
*) fail device_missing "$out" ;;
esac

# 1:11 is /dev/kmsg: anyone who may open it can write a line to the kernel log.
out=$($R --device-cgroup-rule 'c 1:11 w' busybox \
	sh -c 'mknod /dev/k c 1 11 && echo "tug hostconfig test" >/dev/k && echo ok' 2>&1)
expect cgroup_rule ok "$out"
out=$($R --device-cgroup-rule 'c 1:3 rwm' busybox \
	sh -c 'mknod /dev/k c 1 11 && echo "tug hostconfig test" >/dev/k && echo written' 2>&1)
case "$out" in
*'Operation not permitted'*) pass cgroup_deny ;;
*) fail cgroup_deny "$out" ;;
esac

out=$($R --oom-score-adj 321 busybox cat /proc/self/oom_score_adj 2>&1)
expect oom_score_adj 321 "$out"

out=$($R --group-add 1234 --group-add nogroup busybox id -G 2>&1)
expect group_add "0 1234 65534" "$out"

out=$($R --pid host busybox readlink /proc/self/ns/pid 2>&1)
expect pid_host "$(readlink /proc/self/ns/pid)" "$out"

$D run -d --name peer --network none busybox sleep 1000 >/dev/null 2>&1
ppid=$($D inspect -f '{{.State.Pid}}' peer 2>/dev/null)
out=$($R --pid container:peer busybox readlink /proc/self/ns/pid 2>&1)
expect pid_container "$(readlink /proc/$ppid/ns/pid)" "$out"

out=$($R --ipc host busybox readlink /proc/self/ns/ipc 2>&1)
expect ipc_host "$(readlink /proc/self/ns/ipc)" "$out"

out=$($R --ipc container:peer busybox readlink /proc/self/ns/ipc 2>&1)
expect ipc_container "$(readlink /proc/$ppid/ns/ipc)" "$out"

out=$($R --uts host busybox hostname 2>&1)
expect uts_host "$(hostname)" "$out"
