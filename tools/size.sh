#!/bin/sh
# make size: stripped size of tug for every board defconfig, as a table, with
# each board's distance to the size goal (docs/size.md).
#
# Usage: tools/size.sh [--out DIR] [BOARD...]
#   --out DIR   build board b in DIR/b (default: build/b, as `make BOARD=b`)
#   BOARD...    only these boards (default: every board/*/)
# Environment: TUG_SIZE_GOAL_KB (default 700: DESIGN.md's "whole tug under
# 700 KB", KiB here); a board.mk may set its own BOARD_SIZE_GOAL_KB.
# Exit status: 1 when a board failed to build; being over the goal is shown,
# not fatal.
set -eu
cd "$(dirname "$0")/.."

out=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || { echo "usage: $0 [--out DIR] [BOARD...]" >&2; exit 2; }
		out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	-h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "size: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
boards=$*
[ -n "$boards" ] || boards=$(for d in board/*/; do basename "$d"; done)
default_goal=${TUG_SIZE_GOAL_KB:-700}

board_var() {
	sed -n "s/^$2[[:space:]]*[:?]\{0,1\}=[[:space:]]*//p" "board/$1/board.mk" | tail -n 1
}

row() {
	printf '%-14s %-7s %9s %8s %6s %9s  %s\n' "$@"
}

row BOARD ARCH BYTES KIB GOAL DELTA FEATURES
failed=0
over=0
n=0
for b in $boards; do
	[ -f "board/$b/board.mk" ] || { echo "size: no board/$b" >&2; exit 2; }
	o=${out:+$out/$b}
	o=${o:-build/$b}
	mkdir -p "$o"
	log=$o/size.log
	arch=$(board_var "$b" BOARD_ARCH)
	goal=$(board_var "$b" BOARD_SIZE_GOAL_KB)
	goal=${goal:-$default_goal}
	# O, BOARD and the sysroot are per board even when make passed its own.
	if ! make --no-print-directory BOARD="$b" O="$o" TUG_EXTERNAL_SYSROOT= >"$log" 2>&1; then
		row "$b" "$arch" FAILED "" "" "" "see $log"
		failed=1
		continue
	fi
	bytes=$(stat -c %s "$o/tug")
	kib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1024 }')
	delta=$(awk -v b="$bytes" -v g="$goal" 'BEGIN { printf "%+.1f", b / 1024 - g }')
	feats=$(grep -c '^CONFIG_[A-Z_0-9]*=y' "$o/.config" || true)
	n=$((n + 1))
	[ "$bytes" -le $((goal * 1024)) ] || over=$((over + 1))
	row "$b" "$arch" "$bytes" "$kib" "$goal" "$delta" "$feats symbols on"
done
echo "$((n - over)) of $n boards within their goal (KiB; DELTA > 0 is over)"
exit $failed
