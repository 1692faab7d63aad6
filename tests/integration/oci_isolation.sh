#!/bin/sh
# tug oci: terminal through --console-socket, user/time/cgroup namespaces,
# joining namespaces by path.
SUITE=oci_isolation
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root console_socket
oci_setup
# A user namespace maps root elsewhere: the rootfs path must be traversable by that uid.
chmod 755 "$WORK"

expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$(printf '%s' "$3" | head -c 300 | tr '\n' '|')'"; fi
}

# A tiny console-socket receiver: takes the pty master, reads what the container prints.
cat >"$WORK/recv.py" <<'PYEOF'
import array, os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
fds = array.array("i")
msg, anc, flags, addr = c.recvmsg(1024, socket.CMSG_LEN(fds.itemsize))
for level, typ, data in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[:fds.itemsize])
m = fds[0]
buf = b""
deadline = time.time() + 5
while time.time() < deadline:
    try:
        d = os.read(m, 4096)
    except OSError:
        break
    if not d:
        break
    buf += d
open(out, "wb").write(buf)
PYEOF
b=$(bundle tty 'c["process"]["terminal"]=True' 'c["process"]["args"]=["sh","-c","tty; test -t 0 && echo isatty; ls -l /dev/console | cut -c1"]')
rm -f "$WORK/cs.sock" "$WORK/cs.sock.ready"
$PY "$WORK/recv.py" "$WORK/cs.sock" "$WORK/tty.out" &
rpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "$WORK/cs.sock.ready" ] && break; sleep 0.1; done
oci create -b "$b" --console-socket "$WORK/cs.sock" tty1 >/dev/null 2>&1
oci start tty1
wait $rpid
out=$(tr -d '\r' <"$WORK/tty.out")
expect console_socket "/dev/pts/0
isatty
c" "$out"
oci delete -f tty1

b=$(bundle ttyrun 'c["process"]["terminal"]=True' 'c["process"]["args"]=["sh","-c","test -t 1 && echo tty-ok"]')
expect run_terminal_foreground tty-ok "$(oci run -b "$b" ttyrun1 </dev/null 2>&1 | tr -d '\r')"

b=$(bundle ttyneed 'c["process"]["terminal"]=True')
case "$(oci create -b "$b" ttyneed1 2>&1)" in
*console-socket*) pass terminal_needs_console_socket ;;
*) fail terminal_needs_console_socket "create without --console-socket did not explain" ;;
esac

b=$(bundle userns 'c["process"]["args"]=["sh","-c","id -u; cat /proc/self/uid_map | tr -s \" \"; cat /proc/self/gid_map | tr -s \" \""]' \
	'c["linux"]["namespaces"].append({"type":"user"})' \
	'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]' \
	'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]')
expect user_namespace "0
 0 100000 65536
 0 100000 65536" "$(oci run -b "$b" userns1 2>&1)"
b=$(bundle usernsh 'c["process"]["args"]=["sleep","1000"]' \
	'c["linux"]["namespaces"].append({"type":"user"})' \
	'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]' \
	'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]')
oci run -d -b "$b" usernsh1 </dev/null
pid=$(oci state usernsh1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
expect user_namespace_host_uid 100000 "$(stat -c %u /proc/$pid)"
expect user_namespace_exec 0 "$(oci exec usernsh1 id -u 2>&1)"
oci delete -f usernsh1

b=$(bundle timens 'c["process"]["args"]=["cut","-d.","-f1","/proc/uptime"]' \
	'c["linux"]["namespaces"].append({"type":"time"})' \
	'c["linux"]["timeOffsets"]={"boottime":{"secs":86400000,"nanosecs":0},"monotonic":{"secs":0,"nanosecs":0}}')
up=$(oci run -b "$b" timens1 2>&1)
if [ "${up:-0}" -gt 86400000 ] 2>/dev/null; then pass time_namespace; else fail time_namespace "uptime $up"; fi

b=$(bundle cgns 'c["process"]["args"]=["cat","/proc/self/cgroup"]')
out=$(oci run -b "$b" cgns1 2>&1)
case "$out" in *"0::/"*) pass cgroup_namespace ;; *) fail cgroup_namespace "$out" ;; esac

# Joining namespaces by path: a second container in the first one's net and uts.
b=$(bundle host 'c["process"]["args"]=["sleep","1000"]' 'c["hostname"]="shared"')
oci run -d -b "$b" host1 </dev/null
pid=$(oci state host1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
b=$(bundle join 'c["process"]["args"]=["hostname"]' 'c.pop("hostname")' \
	"import os; c['linux']['namespaces']=[n if n['type'] not in ('uts','network','pid') else dict(n, path='/proc/$pid/ns/'+{'uts':'uts','network':'net','pid':'pid'}[n['type']]) for n in c['linux']['namespaces']]")
expect join_uts_by_path shared "$(oci run -b "$b" join1 2>&1)"
# Every joinable type by path: the second container's links equal the first's.
b=$(bundle joinall 'c["process"]["args"]=["sh","-c","for n in net ipc uts pid cgroup mnt; do readlink /proc/self/ns/$n; done"]' 'c.pop("hostname")' \
	"c['linux']['namespaces']=[{'type':t,'path':'/proc/$pid/ns/'+f} for t,f in (('network','net'),('ipc','ipc'),('uts','uts'),('pid','pid'),('cgroup','cgroup'),('mount','mnt'))]")
want=$(for n in net ipc uts pid cgroup mnt; do readlink /proc/$pid/ns/$n; done)
expect join_all_by_path "$want" "$(oci run -b "$b" joinall1 2>&1)"
oci delete -f host1

# exec --tty hands the new process's pty over the console socket too.
b=$(bundle exectty 'c["process"]["args"]=["sleep","1000"]')
oci run -d -b "$b" exectty1 </dev/null
rm -f "$WORK/cs2.sock" "$WORK/cs2.sock.ready"
$PY "$WORK/recv.py" "$WORK/cs2.sock" "$WORK/exectty.out" &
rpid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "$WORK/cs2.sock.ready" ] && break; sleep 0.1; done
oci exec -t -d --console-socket "$WORK/cs2.sock" exectty1 sh -c 'test -t 0 && echo exec-tty; tty' >/dev/null 2>&1
wait $rpid
expect exec_tty_console_socket "exec-tty
/dev/pts/0" "$(tr -d '\r' <"$WORK/exectty.out")"
oci delete -f exectty1
