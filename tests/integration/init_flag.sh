#!/bin/sh
# docker run --init (HostConfig.Init): tug itself, bind-mounted read-only at
# /sbin/docker-init, is the container's PID 1 (init/docker_init.c): it
# forwards signals to the command, reaps orphans and exits with the
# command's status. Without --init nothing changes.
SUITE=init_flag
. "$(dirname "$0")/../lib.sh"
require_root pid1_is_docker_init exit_code signal_128_plus zombies_reaped stop_term_143 \
	not_found_127 read_only_user inspect_init no_init_unchanged docker_cli_init confined direct_call
T=$(tmpdir)
tugd_dir "$T"
unset DOCKER_HOST TUG_HOST
"$TUG" load -q -i "$T/busybox.tar"
tugd_start "$T"
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
C="timeout -k 5 20 $TUG"

# PID 1 is docker-init; the command runs under it as another pid.
out=$($C run --rm --init busybox ps -o pid,args 2>&1)
p1=$(printf '%s\n' "$out" | awk '$1 == 1 { $1 = ""; print substr($0, 2) }')
pps=$(printf '%s\n' "$out" | awk '$2 == "ps" { print $1 }')
[ "$p1" = "/sbin/docker-init -- ps -o pid,args" ] && [ -n "$pps" ] && [ "$pps" != 1 ] &&
	pass pid1_is_docker_init || fail pid1_is_docker_init "$(printf '%s' "$out" | tr '\n' '|')"

# The command's exit code is the container's.
$C run --rm --init busybox sh -c 'exit 7' >/dev/null 2>&1
rc=$?
[ $rc = 7 ] && pass exit_code || fail exit_code "rc $rc, want 7"

# Killed by signal N: 128+N (as PID 1 without a handler, sh would ignore it).
$C run --rm --init busybox sh -c 'kill -USR1 $$; exit 3' >/dev/null 2>&1
rc=$?
[ $rc = 138 ] && pass signal_128_plus || fail signal_128_plus "rc $rc, want 138 (128+SIGUSR1)"

# An orphan (its parent, the subshell, is gone) is reparented to PID 1 and
# ends while the command lives on: PID 1 must reap it, no Z left.
$C run -d --init --name zomb busybox sh -c '(sleep 0.3 &); exec sleep 30' >/dev/null
wait_for 10 sh -c "! $C exec zomb ps -o args | grep -q '^sleep 0.3'"
ps_out=$($C exec zomb ps -o pid,ppid,stat,args 2>&1)
if printf '%s\n' "$ps_out" | awk '$3 ~ /^Z/ { z = 1 } END { exit !z }'; then
	fail zombies_reaped "zombie left: $(printf '%s' "$ps_out" | tr '\n' '|')"
elif printf '%s\n' "$ps_out" | grep -q 'sleep 30'; then
	pass zombies_reaped
else
	fail zombies_reaped "$(printf '%s' "$ps_out" | tr '\n' '|')"
fi
$C rm -f zomb >/dev/null 2>&1

# stop's SIGTERM is forwarded to sleep (which as PID 1 would ignore it): the
# container ends with 143 from the TERM, not 137 from the SIGKILL after -t.
$C run -d --init --name st busybox sleep 100 >/dev/null
$C stop -t 5 st >/dev/null 2>&1
code=$($C inspect -f '{{.State.ExitCode}}' st 2>&1)
[ "$code" = 143 ] && pass stop_term_143 || fail stop_term_143 "ExitCode $code, want 143"
$C rm -f st >/dev/null 2>&1

# A command that is not there: 127, as without --init.
$C run --rm --init busybox nonexist >"$T/o6" 2>&1
rc=$?
[ $rc = 127 ] && pass not_found_127 || fail not_found_127 "rc $rc: $(cat "$T/o6")"

# A read-only rootfs and a user without capabilities: docker-init still runs.
out=$($C run --rm --init --read-only -u 65534 busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 4' 2>&1)
rc=$?
[ $rc = 4 ] && [ "$out" = "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \"; exit 4 " ] &&
	pass read_only_user || fail read_only_user "rc $rc: $out"

# The flag is kept in HostConfig; Path and Args stay the command's.
$C create --init --name ins busybox sleep 1 >/dev/null
got=$($C inspect -f '{{.HostConfig.Init}} {{.Path}}' ins 2>&1)
[ "$got" = "true sleep" ] && pass inspect_init || fail inspect_init "'$got'"
$C rm -f ins >/dev/null 2>&1

# Without --init the command is PID 1, as before.
out=$($C run --rm busybox ps -o pid,args 2>&1)
p1=$(printf '%s\n' "$out" | awk '$1 == 1 { $1 = ""; print substr($0, 2) }')
[ "$p1" = "ps -o pid,args" ] && pass no_init_unchanged ||
	fail no_init_unchanged "$(printf '%s' "$out" | tr '\n' '|')"

# The docker CLI's --init sends HostConfig.Init.
if command -v docker >/dev/null; then
	out=$(timeout -k 5 20 docker -H "unix://$T/run/tug.sock" run --rm --init busybox \
		sh -c 'cat /proc/1/cmdline | tr "\0" " "' 2>&1)
	case "$out" in
	"/sbin/docker-init -- sh -c "*) pass docker_cli_init ;;
	*) fail docker_cli_init "'$out'" ;;
	esac
	# No capabilities, no_new_privs, a user, and a seccomp filter refusing
	# mount, namespace, ptrace, keyring and bpf calls (as Docker's default
	# profile does without CAP_SYS_ADMIN): docker-init needs none of them.
	printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount","umount2",
"unshare","setns","pivot_root","ptrace","reboot","keyctl","bpf","personality"],
"action":"SCMP_ACT_ERRNO","errnoRet":1}]}' | tr -d '\n' >"$T/profile.json"
	out=$(timeout -k 5 20 docker -H "unix://$T/run/tug.sock" run --rm --init --cap-drop ALL -u 65534 \
		--security-opt no-new-privileges --security-opt seccomp="$T/profile.json" busybox \
		sh -c 'head -c 17 /proc/1/cmdline; echo; grep -E "^(CapEff|Seccomp):" /proc/1/status |
			tr -d "\t" | tr "\n" " "; exit 6' 2>&1
		echo "rc $?")
	out=$(printf '%s' "$out" | tr '\n' ' ')
	[ "$out" = "/sbin/docker-init CapEff:0000000000000000 Seccomp:2 rc 6" ] && pass confined ||
		fail confined "$out"
else
	skip docker_cli_init "docker CLI not installed"
	skip confined "docker CLI not installed"
fi

# Called as docker-init outside a container (not PID 1): the same status
# rules; no command is a usage error.
ln -s "$TUG" "$T/docker-init"
"$T/docker-init" -- sh -c 'exit 9' >/dev/null 2>&1
rc1=$?
"$T/docker-init" sh -c 'kill -TERM $$' >/dev/null 2>&1
rc2=$?
"$T/docker-init" -- >/dev/null 2>&1
rc3=$?
[ "$rc1 $rc2 $rc3" = "9 143 2" ] && pass direct_call || fail direct_call "rc '$rc1 $rc2 $rc3', want '9 143 2'"
