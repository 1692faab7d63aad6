#!/bin/sh
# Networks and volumes through tugd with the official docker CLI. tugd (and
# so its keeper and every container) runs inside a network namespace this
# test creates: the host's own interfaces, routes and nft rules are never
# touched. The docker CLI talks to it over the UNIX socket from outside.
set -u
SUITE=net_docker_cli
. "$(dirname "$0")/../lib.sh"
names="network_create_ls_inspect network_create_errors network_rm resolve_by_name \
 published_port_from_loopback ports_in_inspect port_taken_refused publish_all none_has_only_lo host_sees_interfaces \
 nat_to_outside network_connect_disconnect disconnect_primary restart_keeps_network ipv6_between_containers container_mode network_prune dns_and_add_host stats_net_io volume_create_ls_inspect volume_survives_rm \
 volume_bad_name volume_rm_in_use volume_prune rm_v_removes_anonymous bind_ro_refuses_writes tmpfs_size_enforced \
 read_only_root mounts_api_types mounts_in_inspect rm_removes_veth_and_rules kill9_restart_sweeps"
require_root $names
command -v docker >/dev/null || { for n in $names; do skip "$n" "docker CLI not installed"; done; exit 0; }
command -v ip >/dev/null || { for n in $names; do skip "$n" "no ip(8) to build the test namespaces"; done; exit 0; }
command -v nft >/dev/null || { for n in $names; do skip "$n" "no nft(8) to read the rules"; done; exit 0; }

ns=tugdn$$
out_ns=tugdo$$
T=$(tmpdir)
mkdir -p "$T/state" "$T/run" "$T/rootfs" "$T/ro" "$T/www"
ln -s "$TUG" "$T/tugd"
export TUG_STATE_DIR=$T/state TUG_RUN_DIR=$T/run DOCKER_HOST=unix://$T/run/tug.sock
export TUG_DEFAULT_NETWORK=bridge	# lib.sh says none; here we are inside our own netns
D="timeout 30 docker"
cleanup() {
	[ -n "${KEEP_LOG:-}" ] && cp "$T/tugd.log" "$KEEP_LOG"
	tugd_stop "$T/run"
	sleep 0.2
	ip netns del "$ns" 2>/dev/null
	ip netns del "$out_ns" 2>/dev/null
	tug_cleanup_tmp
}
trap cleanup EXIT
ip netns add "$ns" && ip netns add "$out_ns" || { for n in $names; do skip "$n" "cannot create a netns"; done; exit 0; }
X="ip netns exec $ns"
N="nsenter --net=/run/netns/$ns"
$X ip link set lo up
# "outside": a second namespace on a link that only the test namespace routes to
ip link add tugo$$ netns "$ns" type veth peer name eth0 netns "$out_ns"
$X ip addr add 192.168.78.1/24 dev tugo$$
$X ip link set tugo$$ up
ip netns exec "$out_ns" ip addr add 192.168.78.2/24 dev eth0
ip netns exec "$out_ns" ip link set eth0 up
ip netns exec "$out_ns" ip link set lo up

busybox_rootfs "$T/rootfs"
/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/rootfs" "$T/busybox.tar"

# nsenter (not `ip netns exec`): tugd stays in the host's mount namespace,
# so the netns files it binds under $T/run are visible to the test.
start_daemon() {
	$N "$T/tugd" >>"$T/tugd.log" 2>&1 &
	for i in $(seq 50); do $D version >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
start_daemon || { for n in $names; do fail "$n" "tugd did not start: $(tail -3 "$T/tugd.log")"; done; exit 0; }
$D load -i "$T/busybox.tar" >/dev/null || { for n in $names; do fail "$n" "docker load failed"; done; exit 0; }

# --- networks -----------------------------------------------------------------
out=$($D network create --subnet 10.98.0.0/24 app 2>&1)
if [ ${#out} = 64 ] && $D network ls --format '{{.Name}} {{.Driver}}' | grep -qx 'app bridge' &&
	[ "$($D network inspect -f '{{(index .IPAM.Config 0).Subnet}}' app)" = 10.98.0.0/24 ] &&
	$D network ls --filter name=app -q | grep -q "^${out%"${out#????????????}"}"; then
	pass network_create_ls_inspect
else
	fail network_create_ls_inspect "$out / $($D network ls 2>&1 | tr '\n' ' ')"
fi

o1=$($D network create app 2>&1)
o2=$($D network create --subnet 10.98.0.128/25 clash 2>&1)
o3=$($D network create --subnet 192.168.0.0/16 lan 2>&1)
case "$o1|$o2|$o3" in *"already exists"*"|"*"overlaps network app"*"|"*"overlaps route 192.168.78.0/24"*)
	$D network ls --format '{{.Name}}' | grep -qxE 'clash|lan' && fail network_create_errors "record left" ||
		pass network_create_errors ;;
*) fail network_create_errors "$o1 / $o2 / $o3" ;; esac

$D network create gone >/dev/null
out=$($D network rm bridge 2>&1)
if $D network rm gone >/dev/null && ! $D network inspect gone >/dev/null 2>&1 &&
	case "$out" in *"pre-defined"*) true ;; *) false ;; esac; then
	pass network_rm
else
	fail network_rm "rm bridge: $out"
fi

echo "hello from web" >"$T/www/index.html"
$D run -d --name web --network app -p 8080:80 -v "$T/www:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null
$D run -d --name peer --network app busybox nc -ll -p 7000 -e echo pong >/dev/null
sleep 0.5
out=$($D run --rm --network app busybox sh -c 'ping -c1 -W2 web >/dev/null && wget -qO- http://web/ && echo | nc -w 2 peer 7000' 2>&1)
[ "$out" = "hello from web
pong" ] && pass resolve_by_name || fail resolve_by_name "'$out' $(tail -3 "$T/tugd.log" | tr '\n' ' ')"

# (busybox wget crashes inside `ip netns exec` here: plain HTTP over nc)
out=$(printf 'GET / HTTP/1.0\r\n\r\n' | $N busybox nc -w 3 127.0.0.1 8080 2>&1 | tail -1)
[ "$out" = "hello from web" ] && pass published_port_from_loopback ||
	fail published_port_from_loopback "nc 127.0.0.1:8080: '$out'"

out=$($D inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}} {{.NetworkSettings.Networks.app.IPAddress}} {{.NetworkSettings.Networks.app.Gateway}}' web 2>&1)
ps=$($D ps --filter name=web --format '{{.Ports}}' 2>&1)
case "$out|$ps" in "8080 10.98.0.2 10.98.0.1|"*"8080->80/tcp"*) pass ports_in_inspect ;;
*) fail ports_in_inspect "$out | $ps" ;; esac

# Taken by another container, or by a process of the (namespace's) host: a
# clear error at start, and no veth, netns or rule left behind.
nveth=$($X ip -o link | grep -c ' tv')
o1=$($D run -d --name clash1 --network app -p 8080:80 busybox sleep 60 2>&1)
$N busybox nc -l -p 9191 >/dev/null 2>&1 &
ncpid=$!
sleep 0.2
o2=$($D run -d --name clash2 -p 9191:80 busybox sleep 60 2>&1)
kill $ncpid 2>/dev/null
case "$o1|$o2" in *"port tcp/8080 is already published by container web"*"|"*"9191 is already in use"*)
	if [ "$($X ip -o link | grep -c ' tv')" = "$nveth" ] && [ "$($X nft list table ip tug | grep -c 'dport 9191')" = 0 ] &&
		[ "$($D inspect -f '{{.State.Running}}' clash1 clash2 | tr '\n' ' ')" = "false false " ]; then
		pass port_taken_refused
	else fail port_taken_refused "something was left behind"; fi ;;
*) fail port_taken_refused "$o1 / $o2" ;; esac
$D rm clash1 clash2 >/dev/null 2>&1

$D run -d --name pall -P --expose 81 --expose 82/udp busybox sleep 60 >/dev/null
out=$($D port pall 2>&1 | sort | tr '\n' ' ')
case "$out" in "81/tcp -> 0.0.0.0:"[0-9]*" 82/udp -> 0.0.0.0:"[0-9]*) pass publish_all ;; *) fail publish_all "'$out'" ;; esac
$D rm -f pall >/dev/null

out=$($D run --rm --network none busybox ip -o link 2>&1 | awk -F': ' '{print $2}' | tr '\n' ' ')
[ "$out" = "lo " ] && pass none_has_only_lo || fail none_has_only_lo "links: $out"

out=$($D run --rm --network host busybox ip -o link 2>&1 | awk -F': ' '{print $2}' | tr '\n' ' ')
case "$out" in *tugo$$*tug-*) pass host_sees_interfaces ;; *) fail host_sees_interfaces "links: $out" ;; esac

# outside has no route to the container subnets: only masquerading brings replies back
out=$($D run --rm busybox ping -c1 -W2 192.168.78.2 2>&1)
case "$out" in *"1 packets received"*) pass nat_to_outside ;;
*) fail nat_to_outside "$(echo "$out" | tail -2 | tr '\n' ' ')" ;; esac

$D network create other >/dev/null
$D run -d --name multi --network other busybox sleep 600 >/dev/null
$D network connect --alias extra app multi
o1=$($D exec multi ip -o -4 addr show eth1 2>&1 | awk '{print $4}')
o2=$($D exec web ping -c1 -W2 extra 2>&1 | grep -c '1 packets received')
$D network disconnect app multi
o3=$($D exec multi ip -o link 2>&1 | grep -c eth1)
o4=$($D inspect -f '{{len .NetworkSettings.Networks}}' multi)
case "$o1|$o2|$o3|$o4" in 10.98.0.*"|1|0|1") pass network_connect_disconnect ;;
*) fail network_connect_disconnect "eth1 '$o1' ping alias $o2 eth1 after $o3 nets $o4" ;; esac

# Off its primary network it stays off across a restart, until connected again.
$D network disconnect other multi
$D restart -t 0 multi >/dev/null
o1=$($D exec multi ip -o link 2>&1 | awk -F': ' '{print $2}' | tr '\n' ' ')
$D network connect other multi
$D restart -t 0 multi >/dev/null
o2=$($D exec multi ip -o -4 addr show eth0 2>&1 | awk '{print $4}')
case "$o1|$o2" in "lo |"*/24) pass disconnect_primary ;; *) fail disconnect_primary "off: '$o1' on again: '$o2'" ;; esac

# Restarts reuse the veth name at once (the old pair may still be going away).
for i in 1 2 3 4 5; do $D restart -t 0 peer >/dev/null || break; done
out=$($D run --rm --network app busybox sh -c 'echo | nc -w 2 peer 7000' 2>&1)
[ "$out" = pong ] && pass restart_keeps_network || fail restart_keeps_network "after $i restarts: '$out'"

out=$($D network create --ipv6 v6net 2>&1)
case "$out" in
*"not supported by this build"*) skip ipv6_between_containers "built without CONFIG_IPV6" ;;
*)
	$D run -d --name six --network v6net busybox sleep 600 >/dev/null
	a6=$($D inspect -f '{{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}' six)
	sub=$($D network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' v6net)
	out=$($D run --rm --network v6net busybox sh -c "ping -6 -c1 -W2 $a6 && grep -x '$a6	six' /etc/hosts" 2>&1)
	case "$sub|$a6|$out" in *"fd"*"::/64 |fd"*"1 packets received"*) pass ipv6_between_containers ;;
	*) fail ipv6_between_containers "subnets '$sub' address '$a6': $(echo "$out" | tail -2 | tr '\n' ' ')" ;; esac
	$D rm -f six >/dev/null ;;
esac

out=$($D run --rm --network container:peer busybox sh -c 'echo | nc -w 2 127.0.0.1 7000; ip -o -4 addr show eth0' 2>&1)
pip=$($D inspect -f '{{.NetworkSettings.Networks.app.IPAddress}}' peer)
case "$out" in "pong"*"inet $pip/"*) pass container_mode ;; *) fail container_mode "'$out' (peer $pip)" ;; esac

$D network create unused >/dev/null
out=$($D network prune -f 2>&1)
case "$out" in *unused*) if $D network inspect app >/dev/null 2>&1 && ! $D network inspect unused >/dev/null 2>&1; then
	pass network_prune; else fail network_prune "wrong networks removed: $out"; fi ;;
*) fail network_prune "$out" ;; esac

out=$($D run --rm --network app --add-host db.local:10.1.2.3 --add-host gw:host-gateway \
	--dns 9.9.9.9 --dns-search corp.lan --dns-option ndots:2 busybox \
	sh -c 'grep -E "db.local|gw" /etc/hosts; cat /etc/resolv.conf' 2>&1 | tr '\n\t' '  ')
case "$out" in "10.1.2.3 db.local 10.98.0.1 gw nameserver 9.9.9.9 search corp.lan options ndots:2 ") pass dns_and_add_host ;;
*) fail dns_and_add_host "'$out'" ;; esac

rx=$($D exec peer cat /sys/class/net/eth0/statistics/rx_bytes)
io=$($D stats --no-stream --format '{{.NetIO}}' peer 2>&1)
case "$io" in 0B*|"") fail stats_net_io "NetIO '$io' (eth0 rx $rx)" ;; *B" / "*B) pass stats_net_io ;; *) fail stats_net_io "'$io'" ;; esac

# --- volumes ------------------------------------------------------------------
out=$($D volume create data 2>&1)
if [ "$out" = data ] && $D volume ls --format '{{.Name}} {{.Driver}}' | grep -qx 'data local' &&
	[ -d "$($D volume inspect -f '{{.Mountpoint}}' data)" ]; then
	pass volume_create_ls_inspect
else
	fail volume_create_ls_inspect "$out / $($D volume ls 2>&1 | tr '\n' ' ')"
fi

$D run --name w1 -v data:/data busybox sh -c 'echo kept >/data/f' >/dev/null
$D rm w1 >/dev/null
$D run -d --name w2 -v data:/data busybox sleep 600 >/dev/null
out=$($D exec w2 cat /data/f 2>&1)
[ "$out" = kept ] && pass volume_survives_rm || fail volume_survives_rm "'$out'"

o1=$($D volume create 'a/b' 2>&1)
o2=$($D run --rm -v '..:/x' busybox true 2>&1)
case "$o1|$o2" in *invalid*"|"*) [ -z "$($D ps -aq --filter status=created)" ] && pass volume_bad_name ||
	fail volume_bad_name "a created container was left" ;;
*) fail volume_bad_name "$o1 / $o2" ;; esac

out=$($D volume rm data 2>&1)
case "$out" in *"in use"*) pass volume_rm_in_use ;; *) fail volume_rm_in_use "$out" ;; esac

$D volume create spare >/dev/null
$D run --name anon -v /scratch busybox true >/dev/null
$D rm anon >/dev/null
n1=$($D volume ls -q | wc -l)
$D volume prune -f >/dev/null
n2=$($D volume ls -q | wc -l)
$D volume prune -af >/dev/null
left=$($D volume ls -q | tr '\n' ' ')
# prune: the anonymous one first, then with -a the unused named one; data is in use
[ "$n1" = 3 ] && [ "$n2" = 2 ] && [ "$left" = "data " ] && pass volume_prune ||
	fail volume_prune "before $n1, after prune $n2, after prune -a '$left'"

$D run --name anon2 -v /scratch busybox true >/dev/null
av=$($D inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon2)
$D rm -v anon2 >/dev/null
[ ${#av} = 64 ] && ! $D volume inspect "$av" >/dev/null 2>&1 && pass rm_v_removes_anonymous ||
	fail rm_v_removes_anonymous "volume '$av' still there"

out=$($D run --rm -v "$T/ro:/ro:ro" busybox sh -c 'touch /ro/x 2>&1; echo rc=$?')
case "$out" in *"Read-only file system"*rc=1) [ ! -e "$T/ro/x" ] && pass bind_ro_refuses_writes ||
	fail bind_ro_refuses_writes "file written" ;;
*) fail bind_ro_refuses_writes "$out" ;; esac

out=$($D run --rm --tmpfs /t:size=1m busybox sh -c 'dd if=/dev/zero of=/t/big bs=1024 count=2048 2>&1; df -k /t | tail -1')
case "$out" in *"No space left"*" 1024 "*) pass tmpfs_size_enforced ;; *) fail tmpfs_size_enforced "$(echo "$out" | tr '\n' ' ')" ;; esac

out=$($D run --rm --read-only -v data:/data busybox sh -c 'touch /x 2>/dev/null && echo root-writable; echo ok >/data/ok && cat /data/ok')
[ "$out" = ok ] && pass read_only_root || fail read_only_root "'$out'"

out=$($D run --rm --mount type=tmpfs,destination=/tm,tmpfs-size=2m,tmpfs-mode=0700 \
	--mount type=volume,source=data,target=/mv --mount type=bind,source="$T/ro",target=/h,readonly \
	busybox sh -c 'stat -c %a /tm; df -k /tm | tail -1 | awk "{print \$2}"; cat /mv/f; touch /h/x 2>/dev/null || echo ro' 2>&1 | tr '\n' ' ')
o2=$($D run --rm --mount type=bind,source=/nonexistent-tug,target=/x busybox true 2>&1)
case "$out|$o2" in "700 2048 kept ro |"*"bind source path does not exist"*) pass mounts_api_types ;;
*) fail mounts_api_types "'$out' / $o2" ;; esac

out=$($D inspect -f '{{range .Mounts}}{{.Type}}:{{.Destination}}:{{.RW}} {{end}}' web w2 | tr '\n' ' ')
case "$out" in "bind:/www:false  volume:/data:true  ") pass mounts_in_inspect ;; *) fail mounts_in_inspect "'$out'" ;; esac

# --- clean-up -------------------------------------------------------------------
veth=$($D inspect -f '{{.NetworkSettings.Networks.app.EndpointID}}' web)
r1=$($X nft list table ip tug 2>&1 | grep -c 'dport 8080')
$D rm -f web >/dev/null
r2=$($X nft list table ip tug 2>&1 | grep -c 'dport 8080')
# the kernel deletes the pair with the container's netns, just after
for i in $(seq 20); do l=$($X ip -o link | grep -c "$veth"); [ "$l" = 0 ] && break; sleep 0.1; done
[ -n "$veth" ] && [ "$r1" -ge 1 ] && [ "$r2" = 0 ] && [ "$l" = 0 ] && pass rm_removes_veth_and_rules ||
	fail rm_removes_veth_and_rules "veth '$veth' left $l, rules before $r1 after $r2"

# A crashed daemon: tugd killed -9, a container dies meanwhile, a veth nobody owns.
$D run -d --name doomed --network app -p 9090:90 busybox sleep 600 >/dev/null
dveth=$($D inspect -f '{{.NetworkSettings.Networks.app.EndpointID}}' doomed)
dpid=$($D inspect -f '{{.State.Pid}}' doomed)
kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.2
kill -9 "$dpid"
$X ip link add tvdeadbee type veth peer name tpdeadbee
sleep 0.3
start_daemon
for i in $(seq 20); do left=$($X ip -o link | grep -cE "tvdeadbee|$dveth"); [ "$left" = 0 ] && break; sleep 0.1; done
rules=$($X nft list table ip tug 2>&1 | grep -c 'dport 9090')
lease=$($D network inspect -f '{{range .Containers}}{{.Name}} {{end}}' app)
nsf=$(ls "$T/run/netns" | grep -c "$($D inspect -f '{{.Id}}' doomed)")
# ... while peer, which kept running, keeps its lease and its name
alive=$($D run --rm --network app busybox sh -c 'echo | nc -w 2 peer 7000' 2>&1)
case "$left|$rules|$lease|$nsf|$alive" in "0|0|"*peer*"|0|pong") case "$lease" in *doomed*) ;; *) ok=1 ;; esac ;; esac
[ "${ok:-0}" = 1 ] && pass kill9_restart_sweeps ||
	fail kill9_restart_sweeps "veths $left, rules $rules, leases '$lease', netns files $nsf, peer '$alive'"
exit 0
