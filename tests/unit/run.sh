#!/bin/sh
# Run unit test binaries (under qemu-user when cross-built); pass their
# PASS/FAIL/SKIP lines through and turn a crash into a FAIL line.
# Usage: run.sh <board> <qemu-user or ""> <test binaries...>
board=$1
qemu=$2
shift 2
for t in "$@"; do
	name=$(basename "$t")
	if [ -n "$qemu" ] && ! command -v "$qemu" >/dev/null; then
		echo "SKIP $board/$name: $qemu not installed"
		continue
	fi
	out=$(cd "$(dirname "$t")" && $qemu "./$name" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -n "s#^\(PASS\|FAIL\|SKIP\) #\1 $board/#p"
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL '; then
		echo "FAIL $board/$name: exited $rc"
		printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
	fi
done
exit 0
