#!/bin/sh
# tug oci with real bundles: a Debian busybox-static rootfs, the default
# spec from `tug oci spec`, each case changing what it tests.
SUITE=oci_run
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root run_echo
oci_setup

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$(printf '%s' "$3" | head -c 300 | tr '\n' '|')'"; fi
}
# contains NAME NEEDLE HAYSTACK
contains() {
	case "$3" in *"$2"*) pass "$1" ;; *) fail "$1" "no '$2' in '$(printf '%s' "$3" | head -c 300 | tr '\n' '|')'" ;; esac
}

b=$(bundle echo 'c["process"]["args"]=["echo","hi"]')
expect run_echo hi "$(oci run -b "$b" echo1 2>&1)"

b=$(bundle exit3 'c["process"]["args"]=["sh","-c","exit 3"]')
oci run -b "$b" exit3 >/dev/null 2>&1
expect run_exit_code 3 "$?"

b=$(bundle ids 'c["process"]["args"]=["sh","-c","echo $$ $(hostname) $(id -u):$(id -g) $(id -G)"]' \
	'c["hostname"]="box1"' 'c["process"]["user"]={"uid":1000,"gid":1000,"additionalGids":[10,20]}')
expect pid1_hostname_user "1 box1 1000:1000 1000 10 20" "$(oci run -b "$b" ids 2>&1)"

b=$(bundle env 'c["process"]["args"]=["sh","-c","echo $FOO $(pwd) $(umask) $(ulimit -n)"]' \
	'c["process"]["env"].append("FOO=bar")' 'c["process"]["cwd"]="/tmp"' \
	'c["process"]["user"]["umask"]=0o27' \
	'c["process"]["rlimits"]=[{"type":"RLIMIT_NOFILE","soft":321,"hard":1024}]')
expect env_cwd_umask_rlimit "bar /tmp 0027 321" "$(oci run -b "$b" env1 2>&1)"

b=$(bundle ro 'c["process"]["args"]=["sh","-c","touch /x 2>/dev/null && echo rw || echo ro; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo rw || echo ro; cat /sys/firmware/* 2>/dev/null | wc -c; test -c /dev/null && test -c /dev/urandom && test -L /dev/fd && echo devs"]')
expect readonly_root_masked_devices "ro
ro
0
devs" "$(oci run -b "$b" ro1 2>&1)"

b=$(bundle oom 'c["process"]["args"]=["cat","/proc/self/oom_score_adj"]' 'c["process"]["oomScoreAdj"]=500' \
	'c["domainname"]="example.org"')
expect oom_score_adj 500 "$(oci run -b "$b" oom1 2>&1)"

b=$(bundle sysctl 'c["process"]["args"]=["cat","/proc/sys/net/ipv4/ip_forward","/proc/sys/kernel/domainname"]' \
	'c["linux"]["sysctl"]={"net.ipv4.ip_forward":"1"}' 'c["domainname"]="example.org"')
expect sysctl_domainname "1
example.org" "$(oci run -b "$b" sysctl1 2>&1)"

b=$(bundle nopivot 'c["process"]["args"]=["sh","-c","ls /bin/busybox && echo $$"]')
expect no_pivot "/bin/busybox
1" "$(oci run --no-pivot -b "$b" nopivot1 2>&1)"

# Lifecycle: create -> created, start -> running, kill -> stopped, delete -> gone.
b=$(bundle life 'c["process"]["args"]=["sleep","1000"]')
oci create -b "$b" --pid-file "$WORK/life.pid" life1 </dev/null >/dev/null 2>&1
st=$(oci state life1 | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["status"], s["id"], s["pid"]>0, s["bundle"])')
expect create_state "created life1 True $b" "$st"
expect pid_file "$(oci state life1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" "$(cat "$WORK/life.pid")"
oci start life1
# start returns once the user's process runs (exec'd), not merely released.
expect start_after_exec sleep "$(cat /proc/"$(cat "$WORK/life.pid")"/comm 2>&1)"
expect start_running running "$(oci state life1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
contains list_shows life1 "$(oci list)"
expect list_json life1 "$(oci list --format json | $PY -c 'import json,sys; print(",".join(s["id"] for s in json.load(sys.stdin)))')"
oci exec life1 hostname >"$WORK/exec.out" 2>&1
expect exec_hostname tug "$(cat "$WORK/exec.out")"
expect exec_sees_pidns "1" "$(oci exec life1 sh -c 'pidof sleep' 2>&1)"
oci exec life1 sh -c 'exit 7' >/dev/null 2>&1
expect exec_exit_code 7 "$?"
echo '{"args":["sh","-c","echo $X $(id -u)"],"cwd":"/","env":["X=proc"],"user":{"uid":5,"gid":5}}' >"$WORK/proc.json"
expect exec_process_json "proc 5" "$(oci exec --process "$WORK/proc.json" life1 2>&1)"
contains ps_lists_sleep "sleep 1000" "$(oci ps life1 2>&1)"
# exec joins the init's namespaces and cgroup.
lpid=$(oci state life1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
oci exec life1 sleep 2 </dev/null >/dev/null 2>&1 &
sleep 0.5
ok=1 cg=1 n=0
for p in $(pgrep -f '^sleep 2$'); do
	[ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$lpid/ns/pid)" ] || continue
	n=$((n + 1))
	for ns in mnt uts ipc net cgroup; do
		[ "$(readlink /proc/$p/ns/$ns)" = "$(readlink /proc/$lpid/ns/$ns)" ] || ok=0
	done
	[ "$(grep '^0::' /proc/$p/cgroup)" = "$(grep '^0::' /proc/$lpid/cgroup)" ] || cg=0
done
[ $n = 1 ] && [ $ok = 1 ] && pass exec_same_namespaces || fail exec_same_namespaces "exec'd processes in the pid ns: $n, all namespaces the same: $ok"
[ $n = 1 ] && [ $cg = 1 ] && pass exec_same_cgroup || fail exec_same_cgroup "exec'd process not in the init's cgroup"
wait
oci delete life1 >/dev/null 2>&1
expect delete_running_refused 1 "$?"
oci kill life1 KILL
sleep 0.3
expect kill_stopped stopped "$(oci state life1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
oci delete life1
oci state life1 >/dev/null 2>&1
expect delete_removes 1 "$?"

# kill by name and number, delete --force of a running container.
# PID 1 of a pid namespace gets only the signals it handles: trap TERM.
b=$(bundle sig 'c["process"]["args"]=["sh","-c","trap \"exit 0\" TERM; sleep 1000 & wait"]')
oci run -d -b "$b" sig1 </dev/null >/dev/null 2>&1
sleep 0.3; oci kill sig1 SIGTERM 2>&1 && sleep 0.3
expect kill_sigterm stopped "$(oci state sig1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
oci delete sig1
oci run -d -b "$b" sig2 </dev/null >/dev/null 2>&1
oci kill sig2 nosuchsig >/dev/null 2>&1
expect kill_bad_signal 1 "$?"
oci delete --force sig2
expect delete_force "" "$(oci list -q)"

# A created container's init waits: nothing runs before start.
b=$(bundle wait 'c["process"]["args"]=["sh","-c","echo started > /tmp/started; sleep 1000"]' 'c["root"]["readonly"]=False')
rm -f "$WORK/rootfs/tmp/started"
oci create -b "$b" wait1 </dev/null >/dev/null 2>&1
sleep 0.3
[ ! -e "$WORK/rootfs/tmp/started" ] && pass create_waits_for_start || fail create_waits_for_start "process ran before start"
oci delete wait1
expect delete_created "" "$(oci list -q)"

# Bad input: field named, no state left behind.
b=$(bundle bad1)
echo '{"ociVersion": "1.0.2", ' >"$b/config.json"
out=$(oci create -b "$b" bad1 2>&1)
contains malformed_config "malformed JSON" "$out"
[ ! -e "$OCI_ROOT/bad1" ] && pass malformed_no_state || fail malformed_no_state "state dir left"
b=$(bundle bad2 'c["ociVersion"]="2.0.0"')
contains unknown_version "ociVersion" "$(oci create -b "$b" bad2 2>&1)"
b=$(bundle bad3 'c["root"]["path"]="../../.."')
contains root_outside_bundle "root.path" "$(oci create -b "$b" bad3 2>&1)"
[ ! -e "$OCI_ROOT/bad2" ] && [ ! -e "$OCI_ROOT/bad3" ] && pass bad_input_no_state || fail bad_input_no_state "$(ls "$OCI_ROOT")"
b=$(bundle bad5 'c["process"]["args"]="true"')
contains wrong_type_names_field "process.args: expected an array" "$(oci create -b "$b" bad5 2>&1)"
b=$(bundle bad6 'c["mounts"].append({"type":"tmpfs","source":"tmpfs"})')
contains mount_without_destination "mounts[7].destination" "$(oci create -b "$b" bad6 2>&1 </dev/null)"
mkdir -p "$WORK/bad7"
contains missing_config "config.json" "$(oci create -b "$WORK/bad7" bad7 2>&1)"
[ -z "$(oci list -q)" ] && pass bad_input_list_empty || fail bad_input_list_empty "$(oci list -q)"
b=$(bundle bad4 'c["process"]["args"]=["/no/such/program"]')
contains missing_program "/no/such/program" "$(oci run -b "$b" bad4 2>&1)"
[ -z "$(oci list -q)" ] && pass failed_create_no_state || fail failed_create_no_state "$(oci list -q)"
b=$(bundle dup 'c["process"]["args"]=["sleep","1000"]')
oci run -d -b "$b" dup1 </dev/null
contains duplicate_id "already exists" "$(oci run -d -b "$b" dup1 2>&1 </dev/null)"
oci delete -f dup1

# Mounts: a symlink in the rootfs cannot send a mount outside it.
mkdir -p "$WORK/hostside" "$WORK/rootfs/escape-parent"
ln -sfn /../../../../"$WORK/hostside" "$WORK/rootfs/escape"
b=$(bundle esc 'c["process"]["args"]=["sh","-c","ls /escape/"]' \
	'c["mounts"].append({"destination":"/escape/inner","type":"tmpfs","source":"tmpfs"})' 'c["root"]["readonly"]=False')
oci run -b "$b" esc1 >/dev/null 2>&1
[ ! -e "$WORK/hostside/inner" ] && pass mount_no_symlink_escape || fail mount_no_symlink_escape "mountpoint created on the host at $WORK/hostside/inner"
rm -f "$WORK/rootfs/escape"

mkdir -p "$WORK/data" && echo payload >"$WORK/data/file"
b=$(bundle bind 'c["process"]["args"]=["sh","-c","cat /data/file; touch /data/new 2>/dev/null && echo rw || echo ro"]' \
	'import os; c["mounts"].append({"destination":"/data","type":"bind","source":os.environ["WORK"]+"/data","options":["rbind","ro","nosuid"]})')
expect bind_mount_ro "payload
ro" "$(oci run -b "$b" bind1 2>&1)"

# Hooks: prestart sees the state on stdin, a failing createRuntime hook stops create.
cat >"$WORK/hook.sh" <<HOOK
#!/bin/sh
cat > $WORK/hook.\$1
HOOK
chmod +x "$WORK/hook.sh"
b=$(bundle hooks 'c["process"]["args"]=["true"]' \
	'import os; w=os.environ["WORK"]; c["hooks"]={k:[{"path":w+"/hook.sh","args":["hook.sh",k]}] for k in ["prestart","createRuntime","poststart","poststop"]}')
oci run -b "$b" hooks1 >/dev/null 2>&1
for k in prestart createRuntime poststart poststop; do
	st=$($PY -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["id"], s["status"])' "$WORK/hook.$k" 2>&1)
	case $k in prestart | createRuntime) want="hooks1 creating" ;; poststart) want="hooks1 running" ;; *) want="hooks1 stopped" ;; esac
	expect "hook_$k" "$want" "$st"
done
# createContainer runs in the container's mount namespace before pivot_root
# (the host's paths still resolve), startContainer inside the container
# after start; both get the state on stdin, their args and env.
cp -a "$WORK/rootfs" "$WORK/hookroot"
cat >"$WORK/hookroot/bin/hook-in" <<'HOOK'
#!/bin/sh
{ echo "$1 $HOOKVAR"; cat; echo; } > /tmp/hook.$1
HOOK
chmod +x "$WORK/hookroot/bin/hook-in"
cat >"$WORK/hook2.sh" <<HOOK
#!/bin/sh
{ echo "\$1 \$HOOKVAR"; readlink /proc/self/ns/mnt; cat; echo; } > $WORK/hook.\$1
HOOK
chmod +x "$WORK/hook2.sh"
b=$(bundle hooks2 'c["process"]["args"]=["cat","/tmp/hook.startContainer"]' 'import os; c["root"]["path"]=os.environ["WORK"]+"/hookroot"' 'c["root"]["readonly"]=False' \
	'import os; w=os.environ["WORK"]; c["hooks"]={"createContainer":[{"path":w+"/hook2.sh","args":["h2","createContainer"],"env":["HOOKVAR=cc"]}],"startContainer":[{"path":"/bin/hook-in","args":["hi","startContainer"],"env":["HOOKVAR=sc"]}]}')
out=$(oci run -b "$b" hooks2 2>&1)
expect hook_startContainer_in_container "startContainer sc
hooks2 created" "$(printf '%s\n' "$out" | head -1; printf '%s' "$out" | sed -n 2p | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["id"], s["status"])' 2>&1)"
first=$(head -1 "$WORK/hook.createContainer" 2>&1)
expect hook_createContainer_args_env "createContainer cc" "$first"
st=$(sed -n 3p "$WORK/hook.createContainer" | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["id"], s["status"])' 2>&1)
expect hook_createContainer_state "hooks2 creating" "$st"
[ "$(sed -n 2p "$WORK/hook.createContainer")" != "$(readlink /proc/self/ns/mnt)" ] &&
	pass hook_createContainer_container_mntns || fail hook_createContainer_container_mntns "ran in the host's mount namespace"
b=$(bundle hookfail2 'c["process"]["args"]=["true"]' 'c["hooks"]={"createContainer":[{"path":"/bin/false"}]}')
contains hook_createContainer_failure "createContainer" "$(oci run -b "$b" hookfail2 2>&1)"
[ ! -e "$OCI_ROOT/hookfail2" ] && pass hook_createContainer_failure_no_state || fail hook_createContainer_failure_no_state "state left"
# poststop runs at delete of a detached container, even after kill.
b=$(bundle hookdel 'c["process"]["args"]=["sleep","1000"]' \
	'import os; w=os.environ["WORK"]; c["hooks"]={"poststop":[{"path":w+"/hook.sh","args":["hook.sh","poststop-del"]}]}')
oci run -d -b "$b" hookdel1 </dev/null
oci delete -f hookdel1
st=$($PY -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["id"], s["status"])' "$WORK/hook.poststop-del" 2>&1)
expect hook_poststop_on_delete "hookdel1 stopped" "$st"
b=$(bundle hookfail 'c["process"]["args"]=["true"]' 'c["hooks"]={"createRuntime":[{"path":"/bin/false"}]}')
contains hook_failure_fails_create "createRuntime" "$(oci run -b "$b" hookfail1 2>&1)"
[ ! -e "$OCI_ROOT/hookfail1" ] && pass hook_failure_no_state || fail hook_failure_no_state "state left"
b=$(bundle hooktimeout 'c["process"]["args"]=["true"]' 'c["hooks"]={"prestart":[{"path":"/bin/sleep","args":["sleep","10"],"timeout":1}]}')
contains hook_timeout "timed out" "$(oci run -b "$b" hookto1 2>&1)"

# Flags of the runc command line.
"$TUG" oci --debug --root "$OCI_ROOT" list >/dev/null 2>&1
expect debug_flag_accepted 0 "$?"
"$TUG" oci --systemd-cgroup list >/dev/null 2>&1
expect systemd_cgroup_refused 2 "$?"
oci features | $PY -c 'import json,sys; f=json.load(sys.stdin); assert "pid" in f["linux"]["namespaces"] and f["ociVersionMax"]' && pass features_json || fail features_json "bad JSON"
b=$(bundle logj 'c["process"]["args"]=["/nope"]')
oci --log "$WORK/log.json" --log-format json run -b "$b" logj1 >/dev/null 2>&1
$PY -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); assert l["level"]=="error" and "/nope" in l["msg"]' "$WORK/log.json" && pass log_json || fail log_json "$(cat "$WORK/log.json")"

# cgroup v2 limits on this host: a limit whose v2 controller is missing fails
# naming it and leaves nothing; with the controller, the file holds it.
V2=$(findmnt -n -o TARGET -t cgroup2 | head -1)
b=$(bundle memlim 'c["process"]["args"]=["sh","-c","cat /sys/fs/cgroup/memory.max"]' 'c["linux"]["resources"]["memory"]={"limit":33554432}')
out=$(oci run -b "$b" memlim1 2>&1 </dev/null)
if [ -n "$V2" ] && grep -qw memory "$V2/cgroup.controllers" 2>/dev/null; then
	expect memory_limit_applied 33554432 "$out"
else
	contains memory_limit_names_controller "linux.resources.memory: cgroup v2 controller 'memory' not available" "$out"
	[ ! -e "$OCI_ROOT/memlim1" ] && pass memory_limit_no_state || fail memory_limit_no_state "state left"
fi

# cgroup v2 on this host: pause needs a freezer.
b=$(bundle pause 'c["process"]["args"]=["sleep","1000"]')
oci run -d -b "$b" pause1 </dev/null
if oci pause pause1 2>"$WORK/pause.err"; then
	expect pause_paused paused "$(oci state pause1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
	oci resume pause1
	expect resume_running running "$(oci state pause1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
else
	contains pause_without_v2_explains "cannot pause" "$(cat "$WORK/pause.err")"
fi
oci delete -f pause1

# --preserve-fds: fd 3 of the caller reaches the container; fd 4 does not.
b=$(bundle fds 'c["process"]["args"]=["sh","-c","cat <&3; test -e /proc/self/fd/4 && echo leaked || echo closed"]')
echo from-fd3 >"$WORK/fd3"
expect preserve_fds "from-fd3
closed" "$(oci run --preserve-fds 1 -b "$b" fds1 3<"$WORK/fd3" 4<"$WORK/fd3" 2>&1)"

# kill --all reaches every process of the container, not only the init.
b=$(bundle all 'c["process"]["args"]=["sh","-c","trap \"\" TERM; sleep 1000 & sleep 1000 & wait"]')
oci run -d -b "$b" all1 </dev/null
sleep 0.3
oci kill --all all1 KILL
sleep 0.3
expect kill_all stopped "$(oci state all1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
oci delete -f all1

# `spec --rootless` parses and asks for a user namespace.
mkdir -p "$WORK/rl"
"$TUG" oci spec --rootless --bundle "$WORK/rl"
expect spec_rootless "user 1" "$($PY -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["linux"]["namespaces"][-1]["type"], len(c["linux"]["uidMappings"]))' "$WORK/rl/config.json")"
