#!/bin/sh
# Differential against runc (Debian): the same lifecycle under both gives
# the same state JSON (keys, values; pid and time only checked for form),
# the same statuses and the same exit codes, errors included.
# Not compared: usage errors (tug: 2, as its other commands; runc: 1 or 3)
# and `list --format json` with no container (tug: [], runc: null).
SUITE=oci_vs_runc
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/oci_lib.sh"
require_root same_state_json
if ! command -v runc >/dev/null; then
	skip same_state_json "runc not installed"
	exit 0
fi
oci_setup
RUNC_ROOT=$WORK/runc-root
trap 'for id in $(oci list -q 2>/dev/null); do oci delete -f "$id" >/dev/null 2>&1; done; for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1; done; rm -rf "$OCI_ROOT"; tug_cleanup_tmp' EXIT

# norm: state JSON with pid and created replaced by their form.
norm() {
	$PY -c '
import json, re, sys
s = json.load(sys.stdin)
if isinstance(s, list):
    s = s[0] if s else {}
if "pid" in s:
    s["pid"] = "int>0" if isinstance(s["pid"], int) and s["pid"] > 0 else s["pid"]
if "created" in s:
    s["created"] = "rfc3339" if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", s["created"]) else s["created"]
print(json.dumps(s, sort_keys=True))'
}

# lifecycle RT: one line per step, "step rc" or "step <normalized state>".
lifecycle() {
	rt=$1
	b=$2
	step() {
		_n=$1
		shift
		"$@" </dev/null >/dev/null 2>&1
		echo "$_n rc=$?"
	}
	st() { echo "$1 $($rt state c1 2>/dev/null | norm)"; }
	step create $rt create -b "$b" c1
	st state_created
	step create_duplicate $rt create -b "$b" c1
	echo "list_json $($rt list -f json 2>/dev/null | norm)"
	step start $rt start c1
	st state_running
	step start_again $rt start c1
	step delete_running $rt delete c1
	step exec_true $rt exec c1 true
	step exec_exit_5 $rt exec c1 sh -c 'exit 5'
	step exec_missing_program $rt exec c1 /no/such/program
	echo "ps_json $($rt ps -f json c1 2>/dev/null | $PY -c 'import json,sys; p=json.load(sys.stdin); print(len(p), all(isinstance(x,int) for x in p))')"
	step kill_0 $rt kill c1 0
	step kill_bad_number $rt kill c1 99
	step kill_by_number $rt kill c1 9
	sleep 0.3
	st state_stopped
	step kill_stopped $rt kill c1 KILL
	step exec_stopped $rt exec c1 true
	step start_stopped $rt start c1
	step delete $rt delete c1
	step state_missing $rt state c1
	step kill_missing $rt kill c1 TERM
	step delete_missing $rt delete c1
	step start_missing $rt start c1
	step delete_force_missing $rt delete -f c1
	# run: the process's exit status; a created container deleted with --force.
	step run_exit_3 $rt run -b "$3" c2
	step create_for_force $rt create -b "$b" c3
	step delete_force_created $rt delete -f c3
	step run_detach $rt run -d -b "$b" c4
	step delete_force_running $rt delete -f c4
	step state_after_force $rt state c4
}

b=$(bundle life 'c["process"]["args"]=["sleep","1000"]' 'c["annotations"]={"org.example":"x"}')
b3=$(bundle exit3 'c["process"]["args"]=["sh","-c","exit 3"]')
lifecycle "runc --root $RUNC_ROOT" "$b" "$b3" >"$WORK/runc.out" 2>&1
lifecycle oci "$b" "$b3" >"$WORK/tug.out" 2>&1

# One case per step: the step's line under tug equals runc's.
while read -r name rest; do
	got=$(grep "^$name " "$WORK/tug.out" | head -1 | cut -d' ' -f2-)
	case $name in state_* | list_json) case_name=same_$name ;; *) case_name=same_rc_$name ;; esac
	if [ "$got" = "$rest" ]; then
		pass "$case_name"
	else
		fail "$case_name" "runc: $rest | tug: $got"
	fi
done <"$WORK/runc.out"
