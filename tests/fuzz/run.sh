#!/bin/sh
# Run each libFuzzer target for a few seconds from its seed corpus; a crash,
# leak or sanitizer report is a FAIL with the reproducer's path.
# Usage: run.sh <seconds> <fuzzer binaries...>
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
for f in "$@"; do
	name=$(basename "$f")
	work=$(mktemp -d /tmp/tug-fuzz.XXXXXX)
	[ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/" 2>/dev/null
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		echo "PASS fuzz/$name: $(grep -o 'Done [0-9]* runs' "$work.log" | tail -1)"
	else
		echo "FAIL fuzz/$name: crash, reproducer in $work (log $work.log)"
		grep -m3 -E 'ERROR|SUMMARY' "$work.log" | sed 's/^/    /'
		continue
	fi
	rm -rf "$work" "$work.log"
done
exit 0
