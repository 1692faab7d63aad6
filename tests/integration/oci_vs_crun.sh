#!/bin/sh
# Differential: the same bundle under Debian's crun and under tug gives the
# same answers (id, hostname, Cap*/Seccomp/NoNewPrivs, mount table, /dev).
# crun refuses hybrid cgroup hosts: it runs in a private mount namespace
# with the v2 tree bound over /sys/fs/cgroup and --cgroup-manager=disabled.
SUITE=oci_vs_crun
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root same_id
if ! command -v crun >/dev/null; then
	skip same_id "crun not installed"
	exit 0
fi
oci_setup
V2=$(findmnt -n -o TARGET -t cgroup2 | head -1)

# run_both NAME PYTHON...: stdout of the bundle's process under each runtime
# (RUN_FLAGS: extra flags for both `run`s).
run_both() {
	_n=$1
	shift
	_b=$(bundle "$_n" "$@")
	unshare -m sh -c '
		mount --make-rprivate /
		if [ -n "$1" ] && [ "$1" != /sys/fs/cgroup ]; then mount --bind "$1" /sys/fs/cgroup; fi
		crun --root "$2" --cgroup-manager=disabled run $5 -b "$3" "$4"
	' sh "$V2" "$WORK/crun-root" "$_b" "crun-$_n" "${RUN_FLAGS:-}" >"$WORK/$_n.crun" 2>&1
	# shellcheck disable=SC2086
	oci run ${RUN_FLAGS:-} -b "$_b" "tug-$_n" >"$WORK/$_n.tug" 2>&1
}

same() {
	[ -n "${KEEP:-}" ] && cp "$WORK/$2.crun" "$WORK/$2.tug" /tmp/ 2>/dev/null
	if diff -u "$WORK/$2.crun" "$WORK/$2.tug" >"$WORK/$2.diff"; then
		pass "$1"
	else
		fail "$1" "$(grep '^[-+][^-+]' "$WORK/$2.diff" | head -6 | tr '\n' '|')"
	fi
}

run_both ids 'c["process"]["args"]=["id"]'
same same_id ids
run_both ids2 'c["process"]["args"]=["id"]' 'c["process"]["user"]={"uid":1000,"gid":100,"additionalGids":[5,6]}'
same same_id_user ids2
run_both host 'c["process"]["args"]=["hostname"]' 'c["hostname"]="difftest"'
same same_hostname host
run_both status 'c["process"]["args"]=["sh","-c","grep -E \"^(Cap|Seccomp|NoNewPrivs)\" /proc/self/status"]'
same same_status_default_caps status
run_both status2 'c["process"]["args"]=["sh","-c","grep -E \"^(Cap|Seccomp|NoNewPrivs)\" /proc/self/status"]' \
	'c["process"]["noNewPrivileges"]=False' \
	'c["process"]["capabilities"]={k:["CAP_CHOWN","CAP_NET_RAW","CAP_SYS_ADMIN"] for k in ["bounding","effective","permitted","inheritable"]}' \
	'c["process"]["user"]={"uid":0,"gid":0}'
same same_status_custom_caps status2
run_both seccomp 'c["process"]["args"]=["sh","-c","grep -E \"^(Seccomp|NoNewPrivs)\" /proc/self/status; mkdir /tmp/x 2>&1 | sed s/.*:.//"]' \
	'c["root"]["readonly"]=False' \
	'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
same same_seccomp seccomp
# The runc spec's ambient caps (no inheritable set), ambient caps that can
# be raised for a user, and seccomp without noNewPrivileges.
ST='c["process"]["args"]=["sh","-c","grep -E \"^(Cap|Seccomp|NoNewPrivs)\" /proc/self/status"]'
run_both ambient_spec "$ST" \
	'c["process"]["capabilities"]={k:["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"] for k in ["bounding","effective","permitted","ambient"]}'
same same_status_runc_spec_ambient ambient_spec
run_both ambient_user "$ST" \
	'c["process"]["capabilities"]={k:["CAP_KILL","CAP_NET_RAW"] for k in ["bounding","permitted","inheritable","ambient"]}' \
	'c["process"]["user"]={"uid":1000,"gid":1000}'
same same_status_ambient_user ambient_user
run_both seccomp_nonnp "$ST" 'c["process"]["noNewPrivileges"]=False' 'c["process"]["user"]={"uid":1000,"gid":1000}' \
	'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}'
same same_seccomp_without_nnp seccomp_nonnp
# More of the config: process fields, sysctl, domainname, oomScoreAdj.
run_both proc 'c["process"]["args"]=["sh","-c","echo $FOO; pwd; umask; ulimit -n; ulimit -Hn; id; cat /proc/self/oom_score_adj /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward"]' \
	'c["process"]["env"].append("FOO=bar baz")' 'c["process"]["cwd"]="/tmp"' \
	'c["process"]["user"]={"uid":1000,"gid":1000,"umask":0o27,"additionalGids":[10,20]}' \
	'c["process"]["rlimits"]=[{"type":"RLIMIT_NOFILE","soft":321,"hard":1000}]' \
	'c["process"]["oomScoreAdj"]=123' 'c["domainname"]="example.org"' 'c["linux"]["sysctl"]={"net.ipv4.ip_forward":"1"}'
same same_process_fields proc
# Extra mounts and their options, custom masked/readonly paths; mountinfo
# fields 5-6 (target, options) and the optional fields without peer numbers.
MI='c["process"]["args"]=["sh","-c","cut -d\" \" -f5-9 /proc/self/mountinfo | sed -E \"s/(shared|master):[0-9]+/\\1/g\""]'
mkdir -p "$WORK/data" && echo x >"$WORK/data/f"
run_both mounts2 "$MI" 'c["root"]["readonly"]=False' \
	'import os; c["mounts"].append({"destination":"/data","type":"bind","source":os.environ["WORK"]+"/data","options":["rbind","ro","nosuid","nodev","noexec"]})' \
	'c["mounts"].append({"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=1777","nosuid","noatime"]})' \
	'c["mounts"].append({"destination":"/ro-data","type":"none","source":os.environ["WORK"]+"/data","options":["bind","ro","rprivate"]})' \
	'c["linux"]["maskedPaths"]=["/proc/kcore","/data/f","/proc/nonexistent"]' \
	'c["linux"]["readonlyPaths"]=["/proc/sys","/scratch"]'
same same_mounts_options_masks mounts2
for prop in shared slave private; do
	run_both "prop_$prop" 'c["process"]["args"]=["sh","-c","cut -d\" \" -f5-7 /proc/self/mountinfo | grep \"^/ \" | sed -E \"s/(shared|master):[0-9]+/\\1/g\""]' \
		"c['linux']['rootfsPropagation']='$prop'"
	same "same_rootfs_propagation_$prop" "prop_$prop"
done
# A user namespace: the maps, ids and caps inside.
chmod 755 "$WORK"
run_both userns 'c["process"]["args"]=["sh","-c","cat /proc/self/uid_map /proc/self/gid_map; id; grep -E \"^Cap(Eff|Bnd)\" /proc/self/status; ls -ln / | sed \"s/ [A-Z][a-z][a-z] .*:[0-9][0-9]//\" | head -4"]' \
	'c["linux"]["namespaces"].append({"type":"user"})' \
	'c["linux"]["uidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]' \
	'c["linux"]["gidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]'
same same_user_namespace userns
# seccomp: kill, trap, an argument filter and errnoRet, several arches.
run_both seccomp2 'c["process"]["args"]=["sh","-c","chmod 777 /tmp 2>&1 | sed s/.*:.//; chmod 755 /tmp && echo chmod-755-ok; (sync) 2>/dev/null; echo sync-rc=$?; (hostname x) 2>/dev/null; echo sethostname-rc=$?; pwd; grep -E \"^(Seccomp|Speculation_Store_Bypass):\" /proc/self/status"]' \
	'c["root"]["readonly"]=False' \
	'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["chmod","fchmodat"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"args":[{"index":1,"value":511,"op":"SCMP_CMP_EQ"}]},{"names":["sync"],"action":"SCMP_ACT_KILL_PROCESS"},{"names":["sethostname"],"action":"SCMP_ACT_TRAP"},{"names":["getcwd"],"action":"SCMP_ACT_LOG"}],"flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}'
same same_seccomp_actions_args seccomp2
# Mount table: fields 1-4 (source, target, type, options); cgroup and masks included.
run_both mounts 'c["process"]["args"]=["sh","-c","cut -d\" \" -f1-4 /proc/self/mounts"]'
same same_mount_table mounts
# --no-pivot (MS_MOVE + chroot): the same mount table, the old root as unreachable.
RUN_FLAGS=--no-pivot run_both nopivot 'c["process"]["args"]=["sh","-c","cut -d\" \" -f1-4 /proc/self/mounts; ls /proc/1/root/ | head -3; cd /..; ls | head -3"]'
same same_no_pivot nopivot
run_both dev 'c["process"]["args"]=["sh","-c","ls -l /dev /dev/pts | sed \"s/ [A-Z][a-z][a-z] .*:[0-9][0-9]//\""]'
same same_dev_listing dev
run_both devro 'c["process"]["args"]=["sh","-c","ls -la / | wc -l; touch /x 2>&1 | sed s/.*:.//; cat /proc/self/uid_map"]'
same same_readonly_root devro
