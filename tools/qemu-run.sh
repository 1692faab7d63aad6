#!/bin/bash
# Boot a board's kernel + initramfs under QEMU (TCG), console on stdio.
# Usage: tools/qemu-run.sh --board-dir board/<b> --kernel K --initrd I
#            [--append "..."] [--timeout S] [--log FILE] [--watchdog]
#            [--monitor SOCK] [--icount SHIFT] [--quiet] [-- extra qemu args...]
#
#   --append    extra kernel command line (after console=, panic=-1, quiet)
#   --timeout   seconds before qemu is killed (default 120)
#   --log       keep the console output in FILE
#   --watchdog  add the board's emulated watchdog (BOARD_QEMU_WATCHDOG, an
#               i6300esb) whose expiry resets the board; with -no-reboot that
#               ends qemu with exit status 5, as a softdog expiry does
#   --monitor   HMP monitor on the UNIX socket SOCK (socat - UNIX:SOCK)
#   --icount    -icount shift=SHIFT: the guest's clock advances 2^SHIFT ns per
#               instruction executed, so the guest's own timings (boot times)
#               do not depend on the host's load; 0 models a CPU retiring one
#               instruction per ns. Not for mipsel malta (its timer
#               calibration goes wrong: the kernel takes minutes of guest time)
#   --quiet     do not copy the console to stdout
#
# Exit status: 0 the guest powered off (kernel said "reboot: Power down"),
# 1 qemu or harness failure, 2 usage, 3 kernel panic, 4 the guest rebooted,
# 5 reset without a kernel message (watchdog), 124 timeout.
# One result line with the wall time goes to stderr.
set -u

usage() {
	sed -n '2,/^set /s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
die() { echo "qemu-run: $*" >&2; exit 1; }

board_dir='' kernel='' initrd='' append='' timeout=120 log='' watchdog='' monitor='' quiet='' icount=''
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--board-dir) board_dir=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--initrd) initrd=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--monitor) monitor=${2:?}; shift 2 ;;
	--icount) icount=${2:?}; shift 2 ;;
	--watchdog) watchdog=1; shift ;;
	--quiet) quiet=1; shift ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) usage ;;
	*) echo "qemu-run: unknown argument: $1" >&2; usage ;;
	esac
done
[ -n "$board_dir" ] && [ -n "$kernel" ] && [ -n "$initrd" ] || usage
case "$timeout" in '' | *[!0-9]*) echo "qemu-run: --timeout wants whole seconds" >&2; exit 2 ;; esac
board_dir=${board_dir%/}
[ -f "$board_dir/board.mk" ] || die "$board_dir/board.mk: not found"
[ -f "$kernel" ] || die "kernel $kernel: not found"
[ -f "$initrd" ] || die "initrd $initrd: not found"
board=$(basename "$board_dir")

board_var() {
	sed -n "s/^$1[[:space:]]*:\{0,1\}=[[:space:]]*//p" "$board_dir/board.mk" | tail -n 1
}
qemu=$(board_var BOARD_QEMU_SYSTEM)
read -r -a qemu_args <<<"$(board_var BOARD_QEMU_ARGS)"
console=$(board_var BOARD_CONSOLE)
[ -n "$qemu" ] && [ -n "$console" ] ||
	die "$board_dir/board.mk: BOARD_QEMU_SYSTEM and BOARD_CONSOLE must be set"
command -v "$qemu" >/dev/null || die "$qemu: not installed (apt-get install qemu-system-*)"

cmdline="console=$console panic=-1 quiet${append:+ $append}"
args=("${qemu_args[@]}" -nographic -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
if [ -n "$watchdog" ]; then
	read -r -a wdt_args <<<"$(board_var BOARD_QEMU_WATCHDOG)"
	[ ${#wdt_args[@]} -gt 0 ] ||
		echo "qemu-run: $board emulates no watchdog (BOARD_QEMU_WATCHDOG); the guest may use softdog" >&2
	args+=("${wdt_args[@]}" -action watchdog=reset)
fi
[ -z "$icount" ] || args+=(-icount "shift=$icount")
if [ -n "$monitor" ]; then
	rm -f "$monitor"
	args+=(-monitor "unix:$monitor,server=on,wait=off")
fi
args+=("${extra[@]}")

tmpdir=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmpdir"' EXIT
see=
if [ -n "$log" ]; then
	see="; console in $log"
else
	log=$tmpdir/console.log
fi
mkdir -p "$(dirname "$log")"
errlog=$tmpdir/qemu.err

# A terminal on stdin lets a developer type into the guest (Ctrl-A x quits);
# anything else gets /dev/null so qemu never steals a script's input.
stdin=/dev/null
[ -t 0 ] && [ -z "$quiet" ] && stdin=/dev/stdin

# QEMU without transparent huge pages (tools/nothp.c: the host zeroing 2 MB
# of QEMU's code buffer at a time cost 25% of a boot's wall time here),
# built once per tree; without a C compiler QEMU runs as it is.
root=$(cd "$(dirname "$0")/.." && pwd)
nothp=$root/build/host/nothp
if [ ! -x "$nothp" ] || [ "$root/tools/nothp.c" -nt "$nothp" ]; then
	mkdir -p "$root/build/host" &&
		cc -O2 -o "$nothp.$$" "$root/tools/nothp.c" 2>/dev/null && mv -f "$nothp.$$" "$nothp" ||
		{ rm -f "$nothp.$$"; echo "qemu-run: cannot build tools/nothp.c; QEMU keeps huge pages" >&2; }
fi
launch=()
[ -x "$nothp" ] && launch=("$nothp")

start=$(date +%s%N)
if [ -n "$quiet" ]; then
	timeout --foreground -k 5 "$timeout" "${launch[@]}" "$qemu" "${args[@]}" <"$stdin" >"$log" 2>"$errlog"
	rc=$?
else
	timeout --foreground -k 5 "$timeout" "${launch[@]}" "$qemu" "${args[@]}" <"$stdin" 2>"$errlog" | tee "$log"
	rc=${PIPESTATUS[0]}
fi
end=$(date +%s%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')

result() {
	echo "qemu-run: $board: $2 after $secs s$see" >&2
	exit "$1"
}
qemu_error() {
	sed 's/^/qemu-run: qemu: /' "$errlog" | head -n 5 >&2
}

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	result 124 "timeout (${timeout} s), qemu killed"
fi
if [ "$rc" -ne 0 ]; then
	qemu_error
	result 1 "qemu exited with status $rc"
fi
if grep -q 'Kernel panic' "$log"; then
	line=$(grep -m 1 'Kernel panic' "$log" | tr -d '\r')
	result 3 "${line#*] }"
fi
if grep -q 'reboot: Power down' "$log"; then
	result 0 "power off"
fi
if grep -q 'softdog: Initiating system reboot' "$log"; then
	result 5 "watchdog reset (softdog)"
fi
if grep -q 'reboot: Restarting system' "$log"; then
	result 4 "guest rebooted"
fi
qemu_error
if [ -n "$watchdog" ]; then
	result 5 "reset without a kernel message (watchdog)"
fi
result 5 "reset or exit without a kernel message"
