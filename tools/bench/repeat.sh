#!/bin/sh
# repeat.sh N COMMAND...: run COMMAND N times in sequence; stop at the first
# failure (a benchmark of failures would flatter the runtime).
n=$1
shift
i=0
while [ "$i" -lt "$n" ]; do
	"$@" >/dev/null 2>&1 || { echo "repeat: run $i of $n failed: $*" >&2; exit 1; }
	i=$((i + 1))
done
