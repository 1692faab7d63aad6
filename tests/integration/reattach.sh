#!/bin/sh
# A technician's shell survives a crash of tugd: containers started with -i
# (with or without -t) before `kill -9 tugd` can be attached again by the
# next tugd, with the tug CLI and with the docker CLI: input reaches the
# container, its output comes back live, resize and ctrl-p ctrl-q work.
SUITE=reattach
. "$(dirname "$0")/../lib.sh"
require_root tty_attach tty_resize tty_detach pipe_attach stdin_once_eof docker_tty_detach docker_tty_attach \
	docker_pipe_attach docker_start_ai attach_before_restart docker_run_stdin docker_run_stdin_big docker_start_ai_stopped \
	stdin_full_serves_others stdin_slow_reader_all
T=$(tmpdir)
tugd_dir "$T"
unset DOCKER_HOST TUG_HOST
"$TUG" load -q -i "$T/busybox.tar"
start_tugd() { tugd_start "$T"; }
start_tugd
trap 'tugd_stop $T/run; umount_below $T; tug_cleanup_tmp' EXIT
C="timeout -k 5 20 $TUG"
# script runs its command with $SHELL (pinned: CI may have none); the time
# limit wraps script, not tug (timeout's own process group would stop tug
# with SIGTTIN at its first tty read).
TTY="timeout -k 5 20 env SHELL=/bin/sh script -qec"
HAVE_SCRIPT=false
command -v script >/dev/null && HAVE_SCRIPT=true
HAVE_DOCKER=false
command -v docker >/dev/null && HAVE_DOCKER=true
D="timeout -k 5 20 env DOCKER_HOST=unix://$T/run/tug.sock docker"
# Tell a failure by the last lines of a transcript.
tail_of() { tr -d '\r' <"$1" | tail -4 | tr '\n' '|'; }

# Started before the crash: tty shells, pipe shells, a StdinOnce cat.
$C run -dit --name shell busybox sh >/dev/null
$C run -dit --name shell2 busybox sh >/dev/null
$C run -di --name pipe busybox sh >/dev/null
$C create -i --name once busybox cat >/dev/null && $C start once >/dev/null
if $HAVE_DOCKER; then
	$D run -dit --name dshell busybox sh >/dev/null
	$D run -di --name dpipe busybox sh >/dev/null
	$D run -di --name dstart busybox sh >/dev/null
fi
# docker run -i and start -ai send input before they start the container:
# it waits for the start, and its end (StdinOnce) closes stdin after it.
if $HAVE_DOCKER; then
	check docker_run_stdin sh -c "[ \"\$(echo piped | $D run -i --rm busybox cat)\" = piped ]"
	# 3 MB through a pipe, byte for byte: what came before the start included.
	head -c 3000000 /dev/urandom >"$T/big"
	check docker_run_stdin_big sh -c "[ \"\$($D run -i --rm busybox md5sum <$T/big)\" = \"\$(md5sum <$T/big)\" ]"
	$D create -i --name dstopped busybox cat >/dev/null
	check docker_start_ai_stopped sh -c "[ \"\$(echo fed | $D start -ai dstopped)\" = fed ]"
else
	skip docker_run_stdin "docker CLI not installed"
	skip docker_run_stdin_big "docker CLI not installed"
	skip docker_start_ai_stopped "docker CLI not installed"
fi
# A tugd that attached before the crash must not be needed after it.
if $HAVE_SCRIPT; then
	(sleep 1; printf '\020\021') | $TTY "$TUG attach shell2" /dev/null >"$T/pre.out" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'read escape sequence' "$T/pre.out" && pass attach_before_restart ||
		fail attach_before_restart "rc $rc: $(tail_of "$T/pre.out")"
else
	skip attach_before_restart "util-linux script not installed"
fi

kill -9 "$(cat "$T/run/tugd.pid")"
sleep 0.3
start_tugd

if $HAVE_SCRIPT; then
	# Input typed reaches the shell, its output comes back, the exit code too.
	printf 'echo hello-$((6*7)); exit 3\n' | $TTY "$TUG attach shell" /dev/null >"$T/tty.out" 2>&1
	rc=$?
	[ $rc = 3 ] && grep -q 'hello-42' "$T/tty.out" && pass tty_attach ||
		fail tty_attach "rc $rc: $(tail_of "$T/tty.out")"
	# ctrl-p ctrl-q: the client returns 0 and the shell runs on; then the
	# client's terminal size reaches the container on the next attach.
	(sleep 1; printf '\020\021') | $TTY "$TUG attach shell2" /dev/null >"$T/det.out" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'read escape sequence' "$T/det.out" &&
		[ "$($C inspect -f '{{.State.Running}}' shell2)" = true ] && pass tty_detach ||
		fail tty_detach "rc $rc: $(tail_of "$T/det.out")"
	printf 'stty size; exit 6\n' | $TTY "stty rows 33 cols 101; $TUG attach shell2" /dev/null >"$T/size.out" 2>&1
	rc=$?
	[ $rc = 6 ] && grep -q '33 101' "$T/size.out" && pass tty_resize ||
		fail tty_resize "rc $rc: $(tail_of "$T/size.out")"
else
	for n in tty_attach tty_detach tty_resize; do skip $n "util-linux script not installed"; done
fi

# Without a tty: a pipe on stdin, multiplexed output, the exit code.
printf 'echo hello-$((6*7)); exit 3\n' | $C attach pipe >"$T/pipe.out" 2>&1
rc=$?
[ $rc = 3 ] && grep -qx 'hello-42' "$T/pipe.out" && pass pipe_attach ||
	fail pipe_attach "rc $rc: $(tail_of "$T/pipe.out")"
# StdinOnce: the end of the client's input closes the container's stdin,
# though the keeper holds a copy of it (cat ends by EOF, not by a kill).
echo fed | $C attach once >"$T/once.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -qx fed "$T/once.out" && pass stdin_once_eof ||
	fail stdin_once_eof "rc $rc: $(tail_of "$T/once.out")"

if $HAVE_DOCKER && $HAVE_SCRIPT; then
	DA="DOCKER_HOST=unix://$T/run/tug.sock docker attach dshell"
	# The docker CLI detaches by itself and exits 1 then, as with dockerd.
	(sleep 1; printf '\020\021') | $TTY "$DA" /dev/null >"$T/ddet.out" 2>&1
	rc=$?
	grep -q 'read escape sequence' "$T/ddet.out" && [ "$($C inspect -f '{{.State.Running}}' dshell)" = true ] &&
		pass docker_tty_detach || fail docker_tty_detach "rc $rc: $(tail_of "$T/ddet.out")"
	# The CLI's resize races the typed line: the shell waits a little first.
	printf 'sleep 1; stty size; echo hello-$((6*7)); exit 3\n' |
		$TTY "stty rows 33 cols 101; $DA" /dev/null >"$T/dtty.out" 2>&1
	rc=$?
	[ $rc = 3 ] && grep -q 'hello-42' "$T/dtty.out" && grep -q '33 101' "$T/dtty.out" &&
		pass docker_tty_attach || fail docker_tty_attach "rc $rc: $(tail_of "$T/dtty.out")"
else
	skip docker_tty_detach "docker CLI or util-linux script not installed"
	skip docker_tty_attach "docker CLI or util-linux script not installed"
fi
if $HAVE_DOCKER; then
	printf 'echo hello-$((6*7)); exit 3\n' | $D attach dpipe >"$T/dpipe.out" 2>&1
	rc=$?
	[ $rc = 3 ] && grep -qx 'hello-42' "$T/dpipe.out" && pass docker_pipe_attach ||
		fail docker_pipe_attach "rc $rc: $(tail_of "$T/dpipe.out")"
	# docker start -ai sends the input as soon as it is attached, then waits
	# and starts: a shell that exits at once can be gone before that start,
	# which then runs it again (dockerd does the same), and the wait is for
	# a shell with no more input (rc 124 under load once). The sleep keeps it
	# running until the start (304).
	printf 'sleep 1; echo hello-$((6*7)); exit 4\n' | $D start -ai dstart >"$T/dstart.out" 2>&1
	rc=$?
	[ $rc = 4 ] && grep -qx 'hello-42' "$T/dstart.out" && pass docker_start_ai ||
		fail docker_start_ai "rc $rc: $(tail_of "$T/dstart.out")"
else
	skip docker_pipe_attach "docker CLI not installed"
	skip docker_start_ai "docker CLI not installed"
fi
# Input a container does not read fills its pipe: that client waits, tugd
# serves the others; a slow reader gets every byte, then the end (StdinOnce).
$C run -di --name noread busybox sleep 1000 >/dev/null
head -c 300000 /dev/zero | $C attach --sig-proxy=false noread >/dev/null 2>&1 &
STUCK=$!
sleep 0.5
check stdin_full_serves_others sh -c "$C ps --format '{{.Names}}' | grep -qx noread"
kill $STUCK 2>/dev/null
$C create -i --name slow busybox sh -c 'sleep 1; wc -c' >/dev/null && $C start slow >/dev/null
check stdin_slow_reader_all sh -c "[ \"\$(head -c 300000 /dev/zero | $C attach slow | tr -d ' ')\" = 300000 ]"
exit 0
