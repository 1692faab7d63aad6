#!/bin/sh
# A container's privileges as dockerd gives them, through the docker CLI:
# the default capability set without no_new_privs, --cap-add/--cap-drop
# (ALL too), an unknown capability refused at create, --security-opt
# no-new-privileges and seccomp=<profile file>/unconfined, a bad option
# refused, --privileged (every capability tugd may give, /sys writable,
# the host's devices, no seccomp), docker exec --privileged, and the
# default device policy (mknod allowed, opening a node outside the
# defaults refused; on this host the v1 devices cgroup refuses that too,
# the QEMU boards check it in cgroup v2 alone: tests/qemu/pid1.sh).
SUITE=security_opts
. "$(dirname "$0")/../lib.sh"
NAMES="default_caps default_no_nnp cap_drop_all cap_drop_all_add_one cap_add_and_drop cap_unknown_refused
	nnp_opt bad_opt_refused seccomp_profile seccomp_unconfined privileged_caps privileged_sys_rw
	privileged_devices exec_privileged exec_default_caps device_default_policy default_seccomp
	default_seccomp_follows_caps exec_seccomp"
require_root $NAMES
command -v docker >/dev/null || { for n in $NAMES; do skip "$n" "docker CLI not installed"; done; exit 0; }
T=$(tmpdir)
tugd_dir "$T"
export TUG_HOST=unix://$T/run/tug.sock DOCKER_HOST=unix://$T/run/tug.sock
tugd_start "$T" || { for n in $NAMES; do fail "$n" "tugd did not start"; done; exit 0; }
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
D="timeout 20 docker"
$D load -i "$T/busybox.tar" >/dev/null
st() { $D run --rm "$@" busybox grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status 2>&1 | tr -d '\t' | tr '\n' ' '; }
# dockerd's 14 default capabilities, and tug's default seccomp profile
# (core/daemon/security.c: a denylist of what reaches past the container).
DEF=00000000a80425fb

out=$(st)
case "$out" in *"CapEff:$DEF "*) pass default_caps ;; *) fail default_caps "$out" ;; esac
case "$out" in *"NoNewPrivs:0 "*) pass default_no_nnp ;; *) fail default_no_nnp "$out (dockerd sets no_new_privs only when asked)" ;; esac
out=$(st --cap-drop ALL)
case "$out" in *"CapEff:0000000000000000 "*) pass cap_drop_all ;; *) fail cap_drop_all "$out" ;; esac
out=$(st --cap-drop ALL --cap-add net_admin)
case "$out" in *"CapEff:0000000000001000 "*) pass cap_drop_all_add_one ;; *) fail cap_drop_all_add_one "$out" ;; esac
# + CAP_SYS_ADMIN (21), - CAP_CHOWN (0)
out=$(st --cap-add SYS_ADMIN --cap-drop CAP_CHOWN)
case "$out" in *"CapEff:00000000a82425fa "*) pass cap_add_and_drop ;; *) fail cap_add_and_drop "$out" ;; esac
out=$($D run --rm --cap-add FOO busybox true 2>&1)
case "$out" in *'unknown capability: "CAP_FOO"'*) pass cap_unknown_refused ;; *) fail cap_unknown_refused "$out" ;; esac
out=$(st --security-opt no-new-privileges)
case "$out" in *"NoNewPrivs:1 "*) pass nnp_opt ;; *) fail nnp_opt "$out" ;; esac
out=$($D run --rm --security-opt foo=bar busybox true 2>&1)
case "$out" in *'invalid --security-opt'*) pass bad_opt_refused ;; *) fail bad_opt_refused "$out" ;; esac

printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1},{"names":["chroot"],"action":"SCMP_ACT_ERRNO","errnoRet":38,"includes":{"caps":["CAP_SYS_ADMIN"]}}]}' >"$T/profile.json"
out=$($D run --rm --security-opt seccomp="$T/profile.json" busybox sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; touch /tmp/y && echo touched' 2>&1 | tr -d '\t' | tr '\n' ' ')
case "$out" in *"Seccomp:2 "*"Operation not permitted"*touched*) pass seccomp_profile ;; *) fail seccomp_profile "$out" ;; esac
out=$(st --security-opt seccomp=unconfined)
case "$out" in *"Seccomp:0"*) pass seccomp_unconfined ;; *) fail seccomp_unconfined "$out" ;; esac

# Privileged: tugd's own bounding set, no seccomp, /sys rw, the host's devices.
bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
out=$(st --privileged)
case "$out" in *"CapEff:$bnd "*"Seccomp:0"*) pass privileged_caps ;; *) fail privileged_caps "$out (want CapEff:$bnd)" ;; esac
out=$($D run --rm --privileged busybox sh -c 'grep " /sys " /proc/mounts' 2>&1)
case "$out" in *" rw,"*) pass privileged_sys_rw ;; *) fail privileged_sys_rw "$out" ;; esac
host_n=$(find /dev -maxdepth 1 \( -type c -o -type b \) | wc -l)
n=$($D run --rm --privileged busybox sh -c 'find /dev -maxdepth 1 \( -type c -o -type b \) | wc -l' 2>&1)
def_n=$($D run --rm busybox sh -c 'find /dev -maxdepth 1 \( -type c -o -type b \) | wc -l' 2>&1)
[ "$n" -gt "$def_n" ] 2>/dev/null && [ "$n" -ge $((host_n / 2)) ] && pass privileged_devices ||
	fail privileged_devices "device nodes: privileged $n, default $def_n, host $host_n"

$D run -d --name ex busybox sleep 100 >/dev/null
out=$($D exec --privileged ex grep CapEff /proc/self/status 2>&1 | tr -d '\t')
[ "$out" = "CapEff:$bnd" ] && pass exec_privileged || fail exec_privileged "$out (want CapEff:$bnd)"
out=$($D exec ex grep CapEff /proc/self/status 2>&1 | tr -d '\t')
[ "$out" = "CapEff:$DEF" ] && pass exec_default_caps || fail exec_default_caps "$out"
$D rm -f ex >/dev/null 2>&1

# mknod is allowed (CAP_MKNOD, as dockerd), writing to /dev/kmsg's node is not.
out=$($D run --rm busybox sh -c 'mknod /dev/m c 1 11 && echo made; echo tug-devtest 2>/dev/null >/dev/m && echo WROTE; echo x >/dev/null && echo null-ok' 2>&1 | tr '\n' ' ')
[ "$out" = "made null-ok " ] && pass device_default_policy || fail device_default_policy "$out"
# The default profile: on, user namespaces and keyrings refused, the rest works.
out=$($D run --rm busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true 2>&1; echo x | wc -c' 2>&1 | tr -d '\t' | tr '\n' ' ')
case "$out" in "Seccomp:2 unshare: unshare(0x10000000): Operation not permitted 2 ") pass default_seccomp ;; *) fail default_seccomp "$out" ;; esac
# With CAP_SYS_ADMIN the namespace calls are the container's business (as dockerd's profile).
out=$($D run --rm --cap-add SYS_ADMIN busybox sh -c 'unshare -m true && echo unshared' 2>&1)
[ "$out" = unshared ] && pass default_seccomp_follows_caps || fail default_seccomp_follows_caps "$out"
$D run -d --name ex2 busybox sleep 100 >/dev/null
out=$($D exec ex2 sh -c 'grep Seccomp: /proc/self/status; unshare -U true 2>&1' 2>&1 | tr -d '\t' | tr '\n' ' ')
case "$out" in "Seccomp:2 unshare: unshare(0x10000000): Operation not permitted ") pass exec_seccomp ;; *) fail exec_seccomp "$out" ;; esac
$D rm -f ex2 >/dev/null 2>&1
exit 0
