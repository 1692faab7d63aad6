#!/bin/sh
# Capabilities and seccomp as bundle authors write them: the unmodified
# `runc spec` config (ambient caps, no inheritable set) runs, the five sets
# land in /proc/self/status, and seccomp without noNewPrivileges does not
# set no_new_privs behind the bundle's back.
SUITE=oci_caps
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root runc_spec_unmodified
oci_setup

expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$(printf '%s' "$3" | head -c 300 | tr '\n' '|')'"; fi
}

# status_of FILE: the Cap*/NoNewPrivs/Seccomp lines as "CapEff=... CapAmb=..." on one line.
status_of() {
	tr -d '\r' <"$1" | grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' |
		sed 's/:[[:space:]]*/=/' | tr '\n' ' ' | sed 's/ $//'
}

# want_of CONFIG: the same line computed from the config: each set's mask;
# ambient only where the kernel can raise it (permitted and inheritable).
want_of() {
	$PY - "$1" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
p = c["process"]
caps = p.get("capabilities") or {}
import re
num = {}
for l in open("/usr/include/linux/capability.h"):
    m = re.match(r"#define (CAP_[A-Z_]+)\s+(\d+)\s*$", l)
    if m:
        num[m.group(1)] = int(m.group(2))
def mask(s):
    return sum(1 << num[n] for n in caps.get(s, []))
inh, prm, eff, bnd = mask("inheritable"), mask("permitted"), mask("effective"), mask("bounding")
amb = mask("ambient") & prm & inh
uid = p.get("user", {}).get("uid", 0)
if uid != 0:
    # execve as a non-root user: permitted and effective become the ambient set.
    prm = eff = amb
out = ["CapInh=%016x" % inh, "CapPrm=%016x" % prm, "CapEff=%016x" % eff,
       "CapBnd=%016x" % bnd, "CapAmb=%016x" % amb,
       "NoNewPrivs=%d" % (1 if p.get("noNewPrivileges") else 0)]
print(" ".join(out))
PYEOF
}

# 1. The unmodified `runc spec` config (terminal, sh, ambient caps without an
# inheritable set, rootfs next to config.json), fed commands on stdin.
U=$WORK/unmodified
mkdir -p "$U"
if command -v runc >/dev/null; then
	(cd "$U" && runc spec)
	from=runc
else
	"$TUG" oci spec --bundle "$U"
	from=tug
fi
cp -a "$WORK/rootfs" "$U/rootfs"
printf 'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status\nexit 0\n' |
	oci run -b "$U" unmod1 >"$WORK/unmod.out" 2>&1
rc=$?
expect "${from}_spec_unmodified_runs" 0 "$rc"
got=$(status_of "$WORK/unmod.out" | sed 's/ Seccomp=0$//')
expect "${from}_spec_status_matches" "$(want_of "$U/config.json")" "$got"
# And `tug oci spec`'s own default, unmodified, when runc gave the one above.
if [ "$from" = runc ]; then
	T=$WORK/tugspec
	mkdir -p "$T"
	"$TUG" oci spec --bundle "$T"
	cp -a "$WORK/rootfs" "$T/rootfs"
	printf 'grep -E "^(Cap|NoNewPrivs)" /proc/self/status\nexit 0\n' |
		oci run -b "$T" unmod2 >"$WORK/unmod2.out" 2>&1
	expect tug_spec_status_matches "$(want_of "$T/config.json")" "$(status_of "$WORK/unmod2.out")"
fi

# 2. Ambient caps that the kernel can raise: in inheritable and permitted,
# for a non-root user they survive execve (CapEff = CapAmb).
KILLNET='["CAP_KILL","CAP_NET_BIND_SERVICE","CAP_AUDIT_WRITE"]'
b=$(bundle amb 'c["process"]["args"]=["sh","-c","grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status"]' \
	"c['process']['capabilities']={k:$KILLNET for k in ['bounding','effective','permitted','inheritable','ambient']}" \
	'c["process"]["user"]={"uid":1000,"gid":1000}')
oci run -b "$b" amb1 >"$WORK/amb.out" 2>&1
expect ambient_raised_for_user "$(want_of "$b/config.json")" "$(status_of "$WORK/amb.out")"
case $(status_of "$WORK/amb.out") in *CapAmb=0000000020000420*) pass ambient_mask_is_kill_bind_audit ;;
*) fail ambient_mask_is_kill_bind_audit "$(status_of "$WORK/amb.out")" ;; esac
# Root with ambient and inheritable but an empty effective set.
b=$(bundle amb2 'c["process"]["args"]=["sh","-c","grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status"]' \
	"c['process']['capabilities']={k:$KILLNET for k in ['bounding','permitted','inheritable','ambient']}")
oci run -b "$b" amb2 >"$WORK/amb2.out" 2>&1
got=$(status_of "$WORK/amb2.out")
case $got in *CapAmb=0000000020000420*) pass ambient_root ;; *) fail ambient_root "$got" ;; esac
# A user without caps: bounding keeps CAP_KILL, everything else empty.
b=$(bundle nocap 'c["process"]["args"]=["sh","-c","grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status; kill -0 1 && echo can-kill || echo cannot-kill"]' \
	'c["process"]["capabilities"]={"bounding":["CAP_KILL"]}' 'c["process"]["user"]={"uid":1000,"gid":1000}')
oci run -b "$b" nocap1 >"$WORK/nocap.out" 2>&1
expect caps_empty_for_user "$(want_of "$b/config.json")" "$(status_of "$WORK/nocap.out")"

# 3. seccomp with noNewPrivileges=false: the filter is loaded while the init
# still holds CAP_SYS_ADMIN, so NoNewPrivs stays 0, for root and for a user.
SEC='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
for who in root user; do
	case $who in root) u='{"uid":0,"gid":0}' ;; *) u='{"uid":1000,"gid":1000}' ;; esac
	b=$(bundle "sec$who" 'c["process"]["args"]=["sh","-c","grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status | tr -d \"\\t\" | tr \"\\n\" \" \"; mkdir /tmp/d 2>&1 | sed s/.*:.//"]' \
		'c["root"]["readonly"]=False' 'c["process"]["noNewPrivileges"]=False' \
		"c['process']['user']=$u" "c['linux']['seccomp']=$SEC")
	expect "seccomp_without_nnp_$who" "NoNewPrivs:0 Seccomp:2 Operation not permitted" \
		"$(oci run -b "$b" "sec$who" 2>&1)"
done
# With noNewPrivileges the filter still loads (last, after the caps).
b=$(bundle secnnp 'c["process"]["args"]=["sh","-c","grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status | tr -d \"\\t\" | tr \"\\n\" \" \""]' \
	'c["process"]["noNewPrivileges"]=True' 'c["process"]["user"]={"uid":1000,"gid":1000}' \
	"c['linux']['seccomp']=$SEC")
expect seccomp_with_nnp_user "NoNewPrivs:1 Seccomp:2 " "$(oci run -b "$b" secnnp 2>&1)"
# exec into a running container takes the same path.
b=$(bundle secexec 'c["process"]["args"]=["sleep","1000"]' 'c["process"]["noNewPrivileges"]=False' \
	"c['linux']['seccomp']=$SEC")
oci run -d -b "$b" secexec </dev/null >/dev/null 2>&1
expect seccomp_exec_without_nnp "NoNewPrivs:0 Seccomp:2 " \
	"$(oci exec secexec sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -d "\t" | tr "\n" " "' 2>&1)"
oci delete -f secexec
