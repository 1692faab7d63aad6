#!/bin/sh
# The tug CLI's run flags for what a container may do and use (the serial
# console's technician has no docker CLI): --cap-add/--cap-drop,
# --privileged, --security-opt no-new-privileges and seccomp=FILE (sent as
# the file's text, as the docker CLI does), --device, --ulimit,
# --shm-size, --sysctl, --oom-score-adj, --group-add, --uts host, and bad
# values refused by the CLI itself.
SUITE=cli_hostflags
. "$(dirname "$0")/../lib.sh"
NAMES="caps privileged nnp seccomp_file device ulimit shm_size sysctl oom_score_adj group_add uts_host bad_values"
require_root $NAMES
T=$(tmpdir)
tugd_dir "$T"
export TUG_HOST=unix://$T/run/tug.sock
tugd_start "$T" || { for n in $NAMES; do fail "$n" "tugd did not start"; done; exit 0; }
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
"$TUG" load -q -i "$T/busybox.tar" >/dev/null
R() { "$TUG" run --rm "$@" 2>&1 | tr -d '\t' | tr '\n' ' '; }

out=$(R --cap-drop ALL --cap-add NET_ADMIN busybox grep CapEff /proc/self/status)
[ "$out" = "CapEff:0000000000001000 " ] && pass caps || fail caps "$out"
bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
out=$(R --privileged busybox grep CapEff /proc/self/status)
[ "$out" = "CapEff:$bnd " ] && pass privileged || fail privileged "$out (want $bnd)"
out=$(R --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status)
[ "$out" = "NoNewPrivs:1 " ] && pass nnp || fail nnp "$out"
printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' >"$T/p.json"
out=$(R --security-opt seccomp="$T/p.json" busybox sh -c 'mkdir /tmp/x || echo refused')
case "$out" in *refused*) pass seccomp_file ;; *) fail seccomp_file "$out" ;; esac
out=$(R --device /dev/null:/dev/mynull busybox sh -c 'ls -l /dev/mynull; echo hi >/dev/mynull && echo wrote')
case "$out" in *"1,"*3*wrote*) pass device ;; *) fail device "$out" ;; esac
out=$(R --ulimit nofile=100:200 busybox sh -c 'ulimit -n; ulimit -Hn')
[ "$out" = "100 200 " ] && pass ulimit || fail ulimit "$out"
out=$(R --shm-size 2m busybox sh -c "df -k /dev/shm | awk 'NR==2 {print \$2}'")
[ "$out" = "2048 " ] && pass shm_size || fail shm_size "$out"
out=$(R --network none --sysctl net.ipv4.ip_unprivileged_port_start=500 busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
[ "$out" = "500 " ] && pass sysctl || fail sysctl "$out"
out=$(R --oom-score-adj 321 busybox cat /proc/self/oom_score_adj)
[ "$out" = "321 " ] && pass oom_score_adj || fail oom_score_adj "$out"
out=$(R --group-add 1234 busybox id -G)
case "$out" in *1234*) pass group_add ;; *) fail group_add "$out" ;; esac
out=$(R --uts host busybox hostname)
[ "$out" = "$(hostname) " ] && pass uts_host || fail uts_host "$out (host $(hostname))"
e1=$("$TUG" run --rm --ulimit nofile busybox true 2>&1; echo "rc=$?")
e2=$("$TUG" run --rm --device /dev/null:/x:q busybox true 2>&1; echo "rc=$?")
e3=$("$TUG" run --rm --security-opt seccomp=/nonexistent busybox true 2>&1; echo "rc=$?")
case "$e1|$e2|$e3" in
*"invalid ulimit"*"rc=125"*"invalid device permissions"*"rc=125"*"seccomp profile"*"rc=125"*) pass bad_values ;;
*) fail bad_values "$(echo "$e1 | $e2 | $e3" | tr '\n' ' ')" ;;
esac
exit 0
