#!/bin/sh
# Crash safety: SIGKILL `tug load` of a 4-layer image at random instants,
# 120 times; after each, `tug system check` is clean and every tag points at
# a complete image. Every few rounds the image is removed so loads restart
# from nothing (otherwise they would find everything in place).
SUITE=image_crash
. "$(dirname "$0")/../lib.sh"
require_root sigkill_during_load

T=$(tmpdir)
export TUG_STATE_DIR=$T/store
/usr/bin/python3 "$(dirname "$0")/image_mkarchive.py" multi "$T/multi.tar" multi:1
ROUNDS=${ROUNDS:-120}
bad=
completed=0
i=0
while [ $i -lt "$ROUNDS" ]; do
	i=$((i + 1))
	$TUG load -q -i "$T/multi.tar" >/dev/null 2>&1 &
	pid=$!
	# 0..199 ms: spans spooling, unpacking and the ref update of this image.
	sleep "0.$(printf %03d $(( $(od -An -N2 -tu2 /dev/urandom) % 200 )))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! out=$($TUG system check 2>&1); then
		bad="round $i: $out"
		break
	fi
	if $TUG image inspect multi:1 >/dev/null 2>&1; then
		completed=$((completed + 1))
		# A visible tag must give a mountable, complete image (check verified the layers).
		n=$($TUG image inspect multi:1 | /usr/bin/python3 -c \
			'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')
		[ "$n" = 4 ] || { bad="round $i: tag visible but image has $n layers"; break; }
		[ $((i % 3)) -eq 0 ] && $TUG rmi multi:1 >/dev/null 2>&1
	fi
done
if [ -n "$bad" ]; then
	fail sigkill_during_load "$bad"
else
	# Leftovers of killed loads are swept or collected; the store ends clean.
	$TUG system prune >/dev/null 2>&1
	if out=$($TUG system check 2>&1) && [ -z "$(ls "$TUG_STATE_DIR/tmp")" ]; then
		pass sigkill_during_load
		echo "image_crash: $ROUNDS kills, $completed rounds with the tag visible" >&2
	else
		fail sigkill_during_load "after prune: $out"
	fi
fi
