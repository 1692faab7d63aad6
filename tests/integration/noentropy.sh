#!/bin/sh
# tug at boot on a kernel whose random pool is not initialised yet and that
# predates GRND_INSECURE (Linux < 5.6; routers: no hardware RNG, few
# interrupts, so getrandom(flags 0) can wait minutes). tugd, its keeper,
# the containers and the CLI run under helpers/noentropy: getrandom with
# GRND_NONBLOCK is EAGAIN, with GRND_INSECURE EINVAL, and a call that would
# block kills the caller. IDs (containers, execs, networks, volumes) must
# come without waiting, be 64 lowercase hex digits and never repeat, not
# even between two fresh daemons (a board that reboots into the same clock
# and pids), nor without /dev/urandom (platform/random.c's last resort).
SUITE=noentropy
. "$(dirname "$0")/../lib.sh"
NAMES="filter_active run_rm run_d_two_ids exec volume_create_anonymous network_create
	tugd_survived fresh_tugd_other_id no_urandom_other_id"
require_root $NAMES
NOENTROPY=$(dirname "$TUG")/helpers/noentropy
if [ ! -x "$NOENTROPY" ]; then
	for n in $NAMES; do fail "$n" "no $NOENTROPY (make tests builds it)"; done
	exit 0
fi
T=$(tmpdir)
tugd_dir "$T"
unset DOCKER_HOST TUG_HOST
RUNS="$T/run"
trap 'for r in $RUNS; do tugd_stop $r; done; umount_below $T; tug_cleanup_tmp' EXIT
# The client too: the CLI must not wait for entropy either.
C="timeout -k 5 20 $NOENTROPY $TUG"
# start_tugd DIR [WRAPPER...]: DIR/tugd under noentropy (and WRAPPER), until it answers.
start_tugd() {
	_d=$1
	shift
	"$@" "$NOENTROPY" "$_d/tugd" >>"$_d/tugd.log" 2>&1 &
	wait_for 5 "$TUG" ps -q
}
# use_dir DIR: DIR/state, DIR/run and DIR/tugd for a second daemon, the CLI pointed there.
use_dir() {
	mkdir -p "$1/state" "$1/run"
	ln -sf "$TUG" "$1/tugd"
	export TUG_STATE_DIR="$1/state" TUG_RUN_DIR="$1/run"
	RUNS="$RUNS $1/run"
}
tugd_pid() { cat "$TUG_RUN_DIR/tugd.pid" 2>/dev/null; }
tugd_alive() { _p=$(tugd_pid) && [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null; }
# What a dead tugd's log says (a seccomp kill leaves none: say so).
why_dead() { tugd_alive && echo "tugd alive" || echo "tugd gone (killed: a blocking getrandom); log: $(tail -2 "$1/tugd.log" | tr '\n' ' ')"; }
# again DIR: a tugd killed by the filter is started again, so one failure is not all.
again() { tugd_alive || start_tugd "$1"; }
hex64() { printf '%s' "$1" | grep -qxE '[0-9a-f]{64}'; }

start_tugd "$T"
first_pid=$(tugd_pid)
"$TUG" load -q -i "$T/busybox.tar" >/dev/null

# The filter is really there, in tugd and in the keeper it started.
f1=$(awk '/^Seccomp:/ { print $2 }' "/proc/$(tugd_pid)/status" 2>/dev/null)
f2=$(awk '/^Seccomp:/ { print $2 }' "/proc/$(cat "$T/run/keeper.pid" 2>/dev/null)/status" 2>/dev/null)
[ "$f1" = 2 ] && [ "$f2" = 2 ] && pass filter_active ||
	fail filter_active "Seccomp: tugd '$f1', keeper '$f2' (want 2)"

out=$($C run --rm busybox sh -c 'echo hello; exit 3' 2>&1)
rc=$?
[ $rc = 3 ] && [ "$out" = hello ] && pass run_rm || fail run_rm "rc $rc '$out'; $(why_dead "$T")"
again "$T"

id1=$($C run -d busybox sleep 600 2>&1)
id2=$($C run -d busybox sleep 600 2>&1)
hex64 "$id1" && hex64 "$id2" && [ "$id1" != "$id2" ] && pass run_d_two_ids ||
	fail run_d_two_ids "'$id1' '$id2'; $(why_dead "$T")"
first_id=$id1
again "$T"

out=$($C exec "$id1" echo inside 2>&1)
rc=$?
[ $rc = 0 ] && [ "$out" = inside ] && pass exec || fail exec "rc $rc '$out'; $(why_dead "$T")"
again "$T"

vol=$($C volume create 2>&1)
rc=$?
[ $rc = 0 ] && hex64 "$vol" && $C volume ls -q 2>&1 | grep -qx "$vol" && pass volume_create_anonymous ||
	fail volume_create_anonymous "rc $rc '$vol'; $(why_dead "$T")"
again "$T"

# Stored only: the bridge device comes with the first container on it.
nid=$($C network create rngnet 2>&1)
rc=$?
[ $rc = 0 ] && hex64 "$nid" && $C network inspect rngnet 2>&1 | grep -q "\"Id\":.*\"$nid\"" &&
	pass network_create || fail network_create "rc $rc '$nid'; $(why_dead "$T")"
$C network rm rngnet >/dev/null 2>&1
again "$T"

# The same tugd as at the start: nothing killed it on the way.
[ -n "$first_pid" ] && [ "$(tugd_pid)" = "$first_pid" ] && tugd_alive && pass tugd_survived ||
	fail tugd_survived "pid '$first_pid', now '$(tugd_pid)': $(why_dead "$T")"

# A second daemon on a fresh state dir (a board's next boot from a wiped
# store): its first container ID is not the first one's.
T2=$(tmpdir)
use_dir "$T2"
start_tugd "$T2"
"$TUG" load -q -i "$T/busybox.tar" >/dev/null
id3=$($C run -d busybox sleep 600 2>&1)
hex64 "$id3" && [ "$id3" != "$first_id" ] && pass fresh_tugd_other_id ||
	fail fresh_tugd_other_id "first '$first_id', fresh '$id3'; $(why_dead "$T2")"

# And without /dev/urandom (PID 1 before /dev is mounted; here /dev/null
# over it: reads end at once): the clock/pid/AT_RANDOM mix still differs.
T3=$(tmpdir)
use_dir "$T3"
if command -v unshare >/dev/null; then
	start_tugd "$T3" unshare -m sh -c 'mount --bind /dev/null /dev/urandom && exec "$@"' sh
	"$TUG" load -q -i "$T/busybox.tar" >/dev/null
	id4=$($C run -d busybox sleep 600 2>&1)
	id5=$($C run -d busybox sleep 600 2>&1)
	hex64 "$id4" && hex64 "$id5" && [ "$id4" != "$id5" ] && [ "$id4" != "$first_id" ] &&
		[ "$id4" != "$id3" ] && pass no_urandom_other_id ||
		fail no_urandom_other_id "'$id4' '$id5' (others '$first_id' '$id3'); $(why_dead "$T3")"
else
	skip no_urandom_other_id "no unshare(1) for a private mount namespace"
fi
