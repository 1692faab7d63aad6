# tug's daemon for the benchmarks (sourced, bash; needs lib.sh): private
# data-root, exec-root and socket. TUGD_WHY says why it is not running.

TUGD_DIR=$BENCH_DIR/tugd
TUGD_SOCK=$TUGD_DIR/exec/tug.sock
TUGD_PID=
TUGD_WHY=
TUG_CLIENT=
TUG_RUN_WHY=

# tugd_start IMAGE_TAR: load IMAGE_TAR into a fresh store, start tugd on it.
tugd_start() {
	unmount_under "$TUGD_DIR"
	rm -rf "$TUGD_DIR"
	mkdir -p "$TUGD_DIR/data" "$TUGD_DIR/exec"
	# Runtime state on a tmpfs, as on a device (/run); images and containers on the disk.
	mount -t tmpfs -o mode=0711 bench-tugd-exec "$TUGD_DIR/exec"
	if "$TUG" daemon --help 2>&1 | grep -q 'not implemented\|not supported'; then
		TUGD_WHY="tug daemon: $("$TUG" daemon --help 2>&1 | head -1)"
		return 1
	fi
	if ! TUG_STATE_DIR=$TUGD_DIR/data TUG_RUN_DIR=$TUGD_DIR/exec "$TUG" load -q -i "$1" \
		>"$TUGD_DIR/load.log" 2>&1; then
		TUGD_WHY="tug load of the busybox image: $(tail -1 "$TUGD_DIR/load.log")"
		return 1
	fi
	TUG_STATE_DIR=$TUGD_DIR/data TUG_RUN_DIR=$TUGD_DIR/exec \
		pin_bg "$TUG" daemon --data-root "$TUGD_DIR/data" --exec-root "$TUGD_DIR/exec" \
		-H "unix://$TUGD_SOCK" >"$TUGD_DIR/tugd.log" 2>&1
	TUGD_PID=$!
	# The client finds the daemon through the environment (no wrapper
	# process in the timings): run dir, and DOCKER_HOST as docker's CLI.
	export TUG_STATE_DIR=$TUGD_DIR/data TUG_RUN_DIR=$TUGD_DIR/exec DOCKER_HOST=unix://$TUGD_SOCK
	TUG_CLIENT="/usr/bin/docker -H unix://$TUGD_SOCK"
	for _i in $(seq 100); do
		[ -S "$TUGD_SOCK" ] && break
		kill -0 "$TUGD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -S "$TUGD_SOCK" ] || ! kill -0 "$TUGD_PID" 2>/dev/null; then
		TUGD_WHY="tugd did not start: $(tail -1 "$TUGD_DIR/tugd.log" | cut -c1-160)"
		tugd_stop
		return 1
	fi
	say "tugd $TUGD_PID on $TUGD_SOCK"
	"$TUG" --help 2>&1 | grep -q '^  run ' ||
		TUG_RUN_WHY="tugd runs, but the CLI has no \`tug run\` yet (core/client)"
}

# tug_engine_pids: tugd and every process running the tug binary below it
# or naming its directories (the keeper), not the containers themselves.
tug_engine_pids() {
	_real=$(readlink -f "$TUG")
	ps -eo pid=,ppid= | $PY -c '
import os, sys
root, real, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
parent = {}
for line in sys.stdin:
    p, pp = map(int, line.split())
    parent[p] = pp
def ours(p):
    seen = 0
    while p > 1 and seen < 64:
        if p == root:
            return True
        p, seen = parent.get(p, 0), seen + 1
    return False
for p in parent:
    try:
        # A rebuild during the run leaves the old binary "(deleted)".
        if os.readlink("/proc/%d/exe" % p).replace(" (deleted)", "") != real:
            continue
        cmd = open("/proc/%d/cmdline" % p, "rb").read().decode(errors="replace")
    except OSError:
        continue
    if ours(p) or mark in cmd:
        print(p)
' "$TUGD_PID" "$_real" "$TUGD_DIR/"
}

tugd_stop() {
	if [ -n "$TUGD_PID" ]; then
		_engine=$(tug_engine_pids)
		kill -TERM "$TUGD_PID" 2>/dev/null
		for _i in $(seq 50); do
			kill -0 "$TUGD_PID" 2>/dev/null || break
			sleep 0.1
		done
		# The keeper and what it still holds go too.
		for _p in $_engine; do kill -KILL "$_p" 2>/dev/null; done
		wait "$TUGD_PID" 2>/dev/null
	fi
	TUGD_PID=
	unmount_under "$TUGD_DIR"
}
