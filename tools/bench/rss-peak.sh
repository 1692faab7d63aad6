#!/bin/sh
# rss-peak.sh OUT PID...: sample the summed VmRSS of PIDs every 50 ms and
# keep the highest sum (kB) in OUT until killed. For daemons, whose work for
# a client never shows in the client's own peak RSS.
out=$1
shift
peak=0
trap 'echo "$peak" >"$out"; exit 0' TERM INT
while :; do
	sum=0
	for p in "$@"; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		sum=$((sum + ${r:-0}))
	done
	[ "$sum" -gt "$peak" ] && peak=$sum && echo "$peak" >"$out"
	sleep 0.05
done
