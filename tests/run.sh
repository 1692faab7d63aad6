#!/bin/sh
# make check: build and run every suite, then one closing line
#   N passed, N failed, N skipped
# Usage: tests/run.sh [--board BOARD]   (no board: host suites + every board)
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
only_board=
[ "${1:-}" = "--board" ] && only_board=$2
log=build/check.log
mkdir -p build
: >"$log"
results=build/check.results
: >"$results"

say() { printf '%s\n' "$*" | tee -a "$results"; }
stage() { printf '\n== %s\n' "$*"; }

# run_suite CMD...: stream a suite, keep its result lines.
# A suite that ends without one result line (a syntax error, a crash
# before its first case) is a FAIL named after its last argument.
run_suite() {
	_seen=$(mktemp)
	"$@" 2>>"$log" | while IFS= read -r line; do
		case "$line" in
		PASS\ * | FAIL\ * | SKIP\ *) say "$line"; echo >>"$_seen" ;;
		*) printf '%s\n' "$line" >>"$log" ;;
		esac
	done
	if [ ! -s "$_seen" ]; then
		eval "_last=\${$#}"
		say "FAIL $(basename "$_last" .sh)/ran: no PASS, FAIL or SKIP line (see $log)"
	fi
	rm -f "$_seen"
}

build_board() {
	if make --no-print-directory BOARD="$1" tests >>"$log" 2>&1; then
		say "PASS build/$1"
		return 0
	fi
	say "FAIL build/$1: make BOARD=$1 failed (see $log)"
	tail -20 "$log" | sed 's/^/    /'
	return 1
}

unit() {
	# shellcheck disable=SC2046
	run_suite make --no-print-directory BOARD="$1" check-unit
}

tools/host-deps.sh build cross qemu peers fuzz || say "FAIL host-deps: could not install host packages"

if [ -n "$only_board" ]; then
	stage "board $only_board"
	build_board "$only_board" && unit "$only_board"
else
	stage "host build (qemu-x86_64)"
	if build_board qemu-x86_64; then
		stage "unit tests"
		unit qemu-x86_64
		stage "fuzz (libFuzzer, ${FUZZ_SECONDS:-10} s each)"
		# A fuzzer that does not build is a FAIL, not a silent stage.
		if make --no-print-directory fuzz >>"$log" 2>&1; then
			run_suite make --no-print-directory check-fuzz
		else
			say "FAIL fuzz/build: make fuzz failed (see $log)"
			tail -40 "$log" | grep -E 'undefined reference|error:' | tail -5 | sed 's/^/    /'
		fi
		stage "integration tests"
		for t in tests/integration/*.sh; do
			[ -f "$t" ] || continue
			case "$t" in *lib.sh) continue ;; esac # sourced by the suites
			run_suite env TUG="$top/build/qemu-x86_64/tug" sh "$t"
		done
	fi
	for b in qemu-aarch64 qemu-armv7 qemu-mipsel tiny; do
		stage "board $b"
		build_board "$b" && unit "$b"
	done
	stage "qemu boots"
	for t in tests/qemu/*.sh; do
		[ -f "$t" ] || continue
		case "$t" in *lib.sh) continue ;; esac
		run_suite sh "$t"
	done
fi

p=$(grep -c '^PASS ' "$results")
f=$(grep -c '^FAIL ' "$results")
s=$(grep -c '^SKIP ' "$results")
echo
grep '^FAIL ' "$results" | sed 's/^/  /'
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
