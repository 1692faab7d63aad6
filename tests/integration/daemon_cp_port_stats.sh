#!/bin/sh
# docker cp, diff, port, run --env-file and stats' CPU % through tugd, with the
# official docker CLI and with the tug CLI. tugd runs in a network namespace
# of its own (unshare -n) so the one container with a published port gets a
# bridge without touching the host's interfaces or nft rules.
SUITE=daemon_cp_port_stats
. "$(dirname "$0")/../lib.sh"
names="cp_out_file cp_in_file cp_in_rename cp_dir_roundtrip cp_stopped_persists cp_created \
 cp_missing cp_symlink_stays_inside cp_tar_escape_refused cp_readonly port env_file stats_cpu \
 tug_cp_out_file tug_cp_in_file tug_cp_dir_roundtrip tug_cp_stdout tug_cp_missing \
 tug_cp_symlink_stays_inside tug_cp_tar_escape_refused tug_cp_readonly tug_port tug_env_file \
 tug_stats_cpu diff diff_fresh_is_empty tug_diff cp_big_file tug_cp_big_file save_big_image \
 cp_hardlinks tug_cp_hardlinks"
require_root $names
command -v docker >/dev/null || { for n in $names; do skip "$n" "docker CLI not installed"; done; exit 0; }
command -v unshare >/dev/null || { for n in $names; do skip "$n" "no unshare(1)"; done; exit 0; }
T=$(tmpdir)
tugd_dir "$T"
mkdir -p "$T/work"
export DOCKER_HOST=unix://$T/run/tug.sock
unshare -n sh -c "ip link set lo up 2>/dev/null; exec '$T/tugd'" >"$T/tugd.log" 2>&1 &
for i in $(seq 50); do [ -S "$T/run/tug.sock" ] && break; sleep 0.1; done
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
D="timeout 20 docker"
G="timeout 20 $TUG"
W=$T/work
cd "$W" || exit 1
$D load -i "$T/busybox.tar" >/dev/null
$D run -d --name c1 busybox sleep 1000 >/dev/null

# Hostile archives for `cp -`: an entry climbing out with .., and a symlink
# to a host directory followed by a file written through it.
python3 - "$T" <<'EOF'
import io, sys, tarfile
T = sys.argv[1]
def mk(name, entries):
    with tarfile.open(name, "w") as t:
        for path, kind, val in entries:
            ti = tarfile.TarInfo(path)
            if kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, val
                t.addfile(ti)
            else:
                data = val.encode()
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
mk(T + "/dotdot.tar", [("../../../../../../.." + T + "/pwned1", "file", "x")])
mk(T + "/symwrite.tar", [("lnk", "sym", T), ("lnk/pwned2", "file", "x")])
EOF
echo HOST-SECRET >"$T/secret"
echo hello >"$W/f.txt"
mkdir -p "$W/d/sub" && echo a >"$W/d/sub/a" && ln -s a "$W/d/sub/l"
# In the container: a symlink to the host's temp dir (absolute and by ..):
# resolved inside the container's root, where that path does not exist.
$D exec c1 sh -c "ln -s $T /esc && ln -s ../../../../../../../..$T /esc2"
$D run -d --read-only --name ro busybox sleep 1000 >/dev/null

# --- docker CLI ---
check cp_out_file sh -c "$D cp c1:/etc/passwd out.txt && cmp out.txt '$T/rootfs/etc/passwd'"
check cp_in_file sh -c "$D cp f.txt c1:/tmp/ && [ \"\$($D exec c1 cat /tmp/f.txt)\" = hello ]"
check cp_in_rename sh -c "$D cp f.txt c1:/tmp/new.txt && [ \"\$($D exec c1 cat /tmp/new.txt)\" = hello ]"
check cp_dir_roundtrip sh -c "$D cp d c1:/tmp/dd && [ \"\$($D exec c1 readlink /tmp/dd/sub/l)\" = a ] &&
	$D cp c1:/tmp/dd back && [ \"\$(cat back/sub/a)\" = a ] && [ \"\$(readlink back/sub/l)\" = a ]"
check cp_stopped_persists sh -c "$D stop -t 0 c1 >/dev/null && $D cp f.txt c1:/root/ &&
	$D cp c1:/root/f.txt stopped.txt && cmp stopped.txt f.txt && $D start c1 >/dev/null &&
	[ \"\$($D exec c1 cat /root/f.txt)\" = hello ] && ls '$T'/state/containers/*/upper/root/f.txt"
# Bigger than what tugd buffers for one client (8 MB): sent as the client reads.
head -c 20000000 /dev/urandom >"$W/big.bin"
check cp_big_file sh -c "$D cp big.bin c1:/tmp/ && $D cp c1:/tmp/big.bin big2.bin && cmp big.bin big2.bin"
check cp_created sh -c "$D create --name fresh busybox true >/dev/null && $D cp f.txt fresh:/ &&
	$D cp fresh:/f.txt fresh.txt && cmp fresh.txt f.txt"
out=$($D cp c1:/nope x 2>&1)
[ $? != 0 ] && echo "$out" | grep -q "Could not find the file /nope in container c1" &&
	pass cp_missing || fail cp_missing "$out"
out=$($D cp c1:/esc/secret leak1 2>&1; $D cp -L c1:/esc2/secret leak2 2>&1; $D cp c1:/esc2/secret leak3 2>&1)
! grep -rqs HOST-SECRET leak1 leak2 leak3 && echo "$out" | grep -q "Could not find the file" &&
	pass cp_symlink_stays_inside || fail cp_symlink_stays_inside "$out"
out=$($D cp - c1:/tmp <"$T/dotdot.tar" 2>&1; $D cp - c1:/tmp <"$T/symwrite.tar" 2>&1)
[ ! -e "$T/pwned1" ] && [ ! -e "$T/pwned2" ] && echo "$out" | grep -q "leaves" &&
	echo "$out" | grep -q "symlink" && pass cp_tar_escape_refused || fail cp_tar_escape_refused "$out"
out=$($D cp f.txt ro:/tmp/ 2>&1)
[ $? != 0 ] && echo "$out" | grep -q "container rootfs is marked read-only" &&
	pass cp_readonly || fail cp_readonly "$out"

# Published ports from NetworkSettings.Ports (a bridge in tugd's own netns).
if $D run -d --network bridge -p 8080:80 -p 127.0.0.1:9090:90/udp --name web busybox sleep 1000 >/dev/null 2>"$T/web.err"; then
	check port sh -c "$D port web | sort | tr '\n' '|' | grep -qx '80/tcp -> 0.0.0.0:8080|90/udp -> 127.0.0.1:9090|' &&
		[ \"\$($D port web 90/udp)\" = 127.0.0.1:9090 ] && ! $D port web 81 2>/dev/null"
	check tug_port sh -c "$G port web | sort | tr '\n' '|' | grep -qx '80/tcp -> 0.0.0.0:8080|90/udp -> 127.0.0.1:9090|' &&
		[ \"\$($G port web 80)\" = 0.0.0.0:8080 ] && $G port web 81 2>&1 | grep -q \"No public port '81' published for web\""
else
	fail port "bridge container: $(cat "$T/web.err")"
	fail tug_port "bridge container: $(cat "$T/web.err")"
fi

# --env-file: KEY=VAL as is, KEY alone from our environment, comments and blanks skipped.
printf '# comment\nA=1\n\n  FROM_ENV\nUNSET_XYZ\nB=two words\n' >"$W/e.env"
check env_file sh -c "FROM_ENV=yes $D run --rm --env-file e.env -e A=2 busybox env | sort |
	grep -E '^(A|B|FROM_ENV|UNSET_XYZ)=' | tr '\n' '|' | grep -qx 'A=2|B=two words|FROM_ENV=yes|'"
check tug_env_file sh -c "FROM_ENV=yes $G run --rm --env-file e.env busybox env | sort |
	grep -E '^(A|B|FROM_ENV|UNSET_XYZ)=' | tr '\n' '|' | grep -qx 'A=1|B=two words|FROM_ENV=yes|'"

# CPU %: a busy loop shows more than 10% (a few tries: other jobs share the CPUs).
$D run -d --name busy busybox sh -c 'while :; do :; done' >/dev/null
cpu_over_10() {
	for try in 1 2 3; do
		p=$("$@")
		echo "$p" | awk '{ sub("%", "", $1); exit !($1 + 0 > 10) }' && return 0
	done
	echo "CPU % was $p"
	return 1
}
check stats_cpu cpu_over_10 $D stats --no-stream --format '{{.CPUPerc}}' busy
tug_cpu() { $G stats --no-stream busy | awk 'NR == 2 { print $3 }'; }
check tug_stats_cpu cpu_over_10 tug_cpu
$D rm -f busy >/dev/null

# --- tug CLI ---
check tug_cp_out_file sh -c "$G cp c1:/etc/passwd tout.txt && cmp tout.txt '$T/rootfs/etc/passwd'"
check tug_cp_in_file sh -c "$G cp f.txt c1:/tmp/t.txt && [ \"\$($D exec c1 cat /tmp/t.txt)\" = hello ] &&
	$G cp f.txt c1:/root/ && [ \"\$($D exec c1 cat /root/f.txt)\" = hello ]"
check tug_cp_dir_roundtrip sh -c "$G cp d c1:/tmp/td && [ \"\$($D exec c1 readlink /tmp/td/sub/l)\" = a ] &&
	$G cp c1:/tmp/td tback && [ \"\$(cat tback/sub/a)\" = a ] && [ \"\$(readlink tback/sub/l)\" = a ] &&
	mkdir -p into && $G cp c1:/tmp/td into && [ -f into/td/sub/a ]"
check tug_cp_big_file sh -c "$G cp big.bin c1:/root/ && $G cp c1:/root/big.bin big3.bin && cmp big.bin big3.bin"
check tug_cp_stdout sh -c "$G cp c1:/tmp/td/sub/a - | tar -xO | grep -qx a"
# A hard-linked pair stays one file (a tar hardlink entry), also under a new top name.
$D exec c1 sh -c 'mkdir /tmp/hl && echo x >/tmp/hl/a && ln /tmp/hl/a /tmp/hl/b'
check cp_hardlinks sh -c "$D cp c1:/tmp/hl hlout && [ \"\$(stat -c %h hlout/a)\" = 2 ] &&
	[ \"\$(stat -c %i hlout/a)\" = \"\$(stat -c %i hlout/b)\" ]"
check tug_cp_hardlinks sh -c "$G cp c1:/tmp/hl thlout && [ \"\$(stat -c %h thlout/a)\" = 2 ] &&
	[ \"\$(stat -c %i thlout/a)\" = \"\$(stat -c %i thlout/b)\" ] && $G cp thlout c1:/tmp/hl2 &&
	[ \"\$($D exec c1 stat -c %h /tmp/hl2/a)\" = 2 ]"
out=$($G cp c1:/nope x 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "Could not find the file /nope in container c1" &&
	pass tug_cp_missing || fail tug_cp_missing "$out"
out=$($G cp c1:/esc/secret tleak1 2>&1; $G cp -L c1:/esc2/secret tleak2 2>&1)
! grep -rqs HOST-SECRET tleak1 tleak2 && echo "$out" | grep -q "Could not find the file" &&
	pass tug_cp_symlink_stays_inside || fail tug_cp_symlink_stays_inside "$out"
out=$($G cp - c1:/tmp <"$T/dotdot.tar" 2>&1; $G cp - c1:/tmp <"$T/symwrite.tar" 2>&1)
[ ! -e "$T/pwned1" ] && [ ! -e "$T/pwned2" ] && echo "$out" | grep -q "leaves" &&
	echo "$out" | grep -q "symlink" && pass tug_cp_tar_escape_refused ||
	fail tug_cp_tar_escape_refused "$out"
out=$($G cp f.txt ro:/tmp/ 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "container rootfs is marked read-only" &&
	pass tug_cp_readonly || fail tug_cp_readonly "$out"

# diff: A/C/D from the upper dir, whiteouts and an opaque dir's hidden entries as D.
$D run --name df busybox sh -c 'mkdir /tmp/new && echo x >/tmp/new/f && rm /bin/ls &&
	echo y >>/etc/passwd && rm -rf /usr && mkdir /usr && touch /usr/z' >/dev/null
want='C /bin|D /bin/ls|C /etc|C /etc/passwd|C /tmp|A /tmp/new|A /tmp/new/f|C /usr|D /usr/bin|D /usr/sbin|A /usr/z|'
check diff sh -c "$D diff df | tr '\n' '|' | grep -qxF '$want'"
check diff_fresh_is_empty sh -c "$D run --name df2 busybox true && [ -z \"\$($D diff df2)\" ]"
check tug_diff sh -c "$G diff df | tr '\n' '|' | grep -qxF '$want' && ! $G diff nope 2>/dev/null"

# docker save of an image bigger than tugd's 8 MB per-client buffer: the
# archive is sent as the client reads it (as docker cp's is).
mkdir -p "$T/bigroot" && cp -a "$T/rootfs/." "$T/bigroot" && cp "$W/big.bin" "$T/bigroot/blob"
/usr/bin/python3 "$TESTS_DIR/integration/mkbusybox_tar.py" "$T/bigroot" "$T/big.tar" big:1
check save_big_image sh -c "$D load -i '$T/big.tar' >/dev/null && $D save big:1 -o '$T/saved.tar' &&
	$D rmi big:1 >/dev/null && $D load -i '$T/saved.tar' >/dev/null &&
	[ \"\$($D run --rm big:1 md5sum /blob | cut -d' ' -f1)\" = \"\$(md5sum <big.bin | cut -d' ' -f1)\" ]"
