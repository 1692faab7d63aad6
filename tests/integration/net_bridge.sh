#!/bin/sh
# Networks inside a network namespace this test creates (the host's own
# interfaces, routes and firewall are never touched). "Containers" are
# `unshare -n` processes attached with `tug network connect --pid`, until
# the daemon starts real ones; their /etc/hosts is the generated file,
# bind-mounted in a private mount namespace as the runtime does.
set -u
SUITE=net
. "$(dirname "$0")/../lib.sh"
names="bridge_and_addresses name_resolution published_port_from_loopback nat_to_outside \
 none_has_only_lo host_sees_interfaces port_taken_refused overlap_refused \
 disconnect_updates_hosts sweep_removes_leftovers rm_refuses_in_use"
require_root $names
command -v ip >/dev/null || { for n in $names; do skip "$n" "no ip(8) to build the test namespaces"; done; exit 0; }

ns=tugnet$$
out_ns=tugout$$
t=$(mktemp -d /tmp/tug-net.XXXXXX)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$out_ns" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
export TUG_STATE_DIR=$t/state TUG_RUN_DIR=$t/run
ip netns add "$ns" && ip netns add "$out_ns" || { for n in $names; do skip "$n" "cannot create a netns"; done; exit 0; }
X="ip netns exec $ns"
$X ip link set lo up
# "outside": a second namespace on a link that only the test namespace routes to
ip link add tugo$$ netns "$ns" type veth peer name eth0 netns "$out_ns"
$X ip addr add 192.168.77.1/24 dev tugo$$
$X ip link set tugo$$ up
ip netns exec "$out_ns" ip addr add 192.168.77.2/24 dev eth0
ip netns exec "$out_ns" ip link set eth0 up
ip netns exec "$out_ns" ip link set lo up

# ctr NAME: a process in a fresh netns (inside the test namespace); prints its pid
ctr() {
	$X unshare -n sleep 600 >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.2
	echo $!
}
# inside PID NAME CMD: run CMD in that container with its generated /etc/hosts
inside() {
	_p=$1 _n=$2
	shift 2
	nsenter -t "$_p" -n unshare -m sh -c "mount --bind $t/run/net/$_n/hosts /etc/hosts && $*"
}

$X "$TUG" network create --subnet 10.99.0.0/24 app >/dev/null
p1=$(ctr)
p2=$(ctr)
mkdir -p "$t/www" && echo "hello from c1" >"$t/www/index.html"
$X "$TUG" network connect --pid "$p1" -p 8080:80 app c1 &&
	$X "$TUG" network connect --pid "$p2" app c2 ||
	{ for n in $names; do fail "$n" "connect failed"; done; exit 0; }

a1=$(nsenter -t "$p1" -n ip -o -4 addr show eth0 | awk '{print $4}')
r1=$(nsenter -t "$p1" -n ip route | head -1)
case "$a1|$r1" in "10.99.0.2/24|default via 10.99.0.1 dev eth0"*) pass bridge_and_addresses ;;
*) fail bridge_and_addresses "addr '$a1' route '$r1'" ;; esac

nsenter -t "$p2" -n busybox nc -l -p 7000 -e echo pong >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.2
out=$(inside "$p1" c1 "busybox ping -c1 -W2 c2 >/dev/null && echo | busybox nc -w 2 c2 7000")
[ "$out" = pong ] && pass name_resolution || fail name_resolution "ping/nc c2 from c1: '$out'"

nsenter -t "$p1" -n busybox httpd -f -p 80 -h "$t/www" &
pids="$pids $!"
sleep 0.3
# (busybox wget crashes inside `ip netns exec` here: plain HTTP over nc)
out=$(printf 'GET / HTTP/1.0\r\n\r\n' | $X busybox nc -w 3 127.0.0.1 8080 2>&1 | tail -1)
[ "$out" = "hello from c1" ] && pass published_port_from_loopback ||
	fail published_port_from_loopback "wget 127.0.0.1:8080: '$out'"

# outside has no route to 10.99.0.0/24: only masquerading lets replies come back
out=$(nsenter -t "$p1" -n busybox ping -c1 -W2 192.168.77.2 2>&1)
case "$out" in *"1 packets received"*) pass nat_to_outside ;;
*) fail nat_to_outside "$(echo "$out" | tail -2 | tr '\n' ' ')" ;; esac

p3=$(ctr)
$X "$TUG" network connect --pid "$p3" none c3
links=$(nsenter -t "$p3" -n ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
[ "$links" = "lo " ] && pass none_has_only_lo || fail none_has_only_lo "links: $links"

# host: no netns of its own, so the namespace's bridge and veths are in view
$X sleep 600 &
p4=$!
pids="$pids $p4"
$X "$TUG" network connect --pid "$p4" host c4
links=$(nsenter -t "$p4" -n ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
case "$links" in *tug-*tv*) pass host_sees_interfaces ;; *) fail host_sees_interfaces "links: $links" ;; esac

p5=$(ctr)
nlinks=$($X ip -o link | wc -l)
out=$($X "$TUG" network connect --pid "$p5" -p 8080:80 app c5 2>&1)
out2=$($X sh -c "busybox nc -l -p 9090 & sleep 0.3; '$TUG' network connect --pid $p5 -p 9090:80 app c5; kill \$!" 2>&1)
case "$out|$out2" in *"already published by container c1"*"|"*"9090 is already in use"*)
	if [ "$($X ip -o link | wc -l)" = "$nlinks" ] && ! $X "$TUG" network inspect app | grep -q '"c5"'; then
		pass port_taken_refused
	else fail port_taken_refused "something was left behind"; fi ;;
*) fail port_taken_refused "$out / $out2" ;; esac

o1=$($X "$TUG" network create --subnet 10.99.0.128/25 clash 2>&1)
o2=$($X "$TUG" network create --subnet 192.168.0.0/16 lan 2>&1)
case "$o1|$o2" in *"overlaps network app"*"|"*"overlaps route 192.168.77.0/24"*)
	$X "$TUG" network ls | grep -qE ' (clash|lan) ' && fail overlap_refused "record left" || pass overlap_refused ;;
*) fail overlap_refused "$o1 / $o2" ;; esac

$X "$TUG" network disconnect app c2
if grep -q c2 "$t/run/net/c1/hosts"; then fail disconnect_updates_hosts "c2 still in c1's hosts"
elif inside "$p1" c1 "busybox ping -c1 -W1 c2" >/dev/null 2>&1; then fail disconnect_updates_hosts "c2 still resolves"
else pass disconnect_updates_hosts; fi

out=$($X "$TUG" network rm app 2>&1)
case "$out" in *"active endpoints"*) pass rm_refuses_in_use ;; *) fail rm_refuses_in_use "$out" ;; esac

# A crashed daemon: a veth nobody owns, a lease whose container died.
$X ip link add tvdeadbee type veth peer name tpdeadbee
kill "$p1"
sleep 0.2
$X "$TUG" network sweep
left=$($X ip -o link | grep -c 'tvdeadbee')
leases=$($X "$TUG" network inspect app | grep -c '"IPv4Address"')
rules=$($X nft list table ip tug 2>&1 | grep -c dnat)
[ "$left" = 0 ] && [ "$leases" = 0 ] && [ "$rules" = 0 ] && pass sweep_removes_leftovers ||
	fail sweep_removes_leftovers "stale veth $left, leases $leases, dnat rules $rules: $($X "$TUG" network inspect app | grep -A2 '"Containers"' | tr -d '\t\n')"
