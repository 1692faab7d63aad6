#!/bin/sh
# make size: stripped size of tug for every board defconfig, as a table.
set -eu
cd "$(dirname "$0")/.."
printf '%-14s %-8s %10s  %s\n' BOARD ARCH BYTES FEATURES
for dir in board/*/; do
	b=$(basename "$dir")
	if ! make --no-print-directory BOARD="$b" >"build/size-$b.log" 2>&1; then
		printf '%-14s %-8s %10s  %s\n' "$b" "?" "FAILED" "see build/size-$b.log"
		continue
	fi
	arch=$(sed -n 's/^BOARD_ARCH := //p' "$dir/board.mk")
	bytes=$(stat -c %s "build/$b/tug")
	feats=$(grep -c '^CONFIG_[A-Z_0-9]*=y' "build/$b/.config")
	printf '%-14s %-8s %10s  %s\n' "$b" "$arch" "$bytes" "$feats symbols on"
done
