#!/bin/sh
# boot-times.sh CONSOLE_LOG: from a board's console, the boot times on PID
# 1's clock (CLOCK_MONOTONIC, shared by every process of the board):
#   kernel hand-off to /init   PID 1's "/init started N ms after the kernel"
#   /init to first container exec   the first container's own
#       "stamp: started M ms after the kernel" (tools/stamp.c, first in its
#       command) minus N: when its process ran, as the container saw it
# Prints one line, e.g.
#   boot: kernel hand-off to /init 2080.2 ms, /init to first container exec 21.4 ms (the container's clock)
# or, without a stamp line, only the first part; exit 1 when PID 1's line is missing.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CONSOLE_LOG" >&2; exit 2; }
tr -d '\r' <"$1" | awk '
	/\/init started [0-9.]+ ms after the kernel/ {
		for (i = 1; i < NF; i++) if ($i == "started") init = $(i + 1)
	}
	/stamp: started [0-9.]+ ms after the kernel/ && init != "" {
		for (i = 1; i < NF; i++) if ($i == "started") ctr = $(i + 1)
		printf "boot: kernel hand-off to /init %.1f ms, /init to first container exec %.1f ms (the container'"'"'s clock)\n", init, ctr - init
		found = 1
		exit 0
	}
	END {
		if (found) exit 0
		if (init == "") exit 1
		printf "boot: kernel hand-off to /init %.1f ms, no container stamp on the console\n", init
	}'
