#!/bin/sh
# Boot each board's Debian kernel with tug as /init under QEMU and check that
# PID 1 mounts cgroup2 (its controllers line on the console), runs the
# tug.test payload, and powers the board off cleanly.
# Usage: tests/qemu/boot.sh [BOARD...]   (or BOARD=b; default: the four QEMU boards)
#
# One line per board on stdout: PASS/FAIL/SKIP qemu-boot/<board>. When
# build/<board>/tug is not built, a stub PID 1 made from init/init.c alone is
# booted instead (qemu-boot/<board>-stub) so the kernel and harness are still
# proven. Console logs: build/<board>/qemu/boot.log. Exit 0 unless the harness
# itself broke.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2034 # read by tests/lib.sh
SUITE="qemu-boot"
. "$top/tests/lib.sh"
. "$top/tests/qemu/lib.sh"
cd "$top" || exit 1

boards="$*"
[ -n "$boards" ] || boards=${BOARD:-"qemu-x86_64 qemu-aarch64 qemu-armv7 qemu-mipsel"}
timeout=${QEMU_TIMEOUT:-120}
harness_broke=0

log() { echo "qemu-boot: $*" >&2; }

# cross_cc BOARD OUT SRC...: a static musl binary for the board, or fail.
cross_cc() {
	_b=$1 _out=$2
	shift 2
	_gcc="$(board_var "$_b" BOARD_CROSS_COMPILE)gcc"
	_specs=/usr/lib/$(board_var "$_b" BOARD_MUSL_TRIPLET)/musl-gcc.specs
	command -v "$_gcc" >/dev/null || { log "$_gcc: not installed"; return 1; }
	[ -f "$_specs" ] || { log "$_specs: not found (musl-dev for this arch)"; return 1; }
	"$_gcc" -specs "$_specs" -static -Os -Wall -D_GNU_SOURCE -I"$top" -o "$_out" "$@" >&2
}

# need_controllers "LIST": fail, printing the missing ones, unless LIST has
# every controller tug sets limits with.
need_controllers() {
	_missing=
	for _c in cpu memory pids io; do
		case " $1 " in *" $_c "*) ;; *) _missing="$_missing $_c" ;; esac
	done
	printf '%s' "$_missing"
	[ -z "$_missing" ]
}

# boot_one BOARD NAME INIT: boot INIT as /init and check the console.
boot_one() {
	_b=$1 _name=$2 _init=$3
	_work=build/$_b/qemu
	_stage=$_work/staging
	_log=$_work/boot.log
	_append=

	rm -rf "$_stage"
	mkdir -p "$_stage"
	cp "$_init" "$_stage/init" || { harness_broke=1; fail "$_name" "cannot copy $_init"; return; }
	if cross_cc "$_b" "$_stage/payload" tests/qemu/payload_exit.c; then
		_append=tug.test=/payload
	else
		log "$_b: no payload compiler, booting without tug.test"
	fi
	if ! tools/mkinitramfs.sh "$_work/initramfs.cpio.gz" "$_stage" >&2; then
		harness_broke=1
		fail "$_name" "mkinitramfs failed"
		return
	fi
	tools/qemu-run.sh --quiet --board-dir "board/$_b" \
		--kernel "$_work/kernel/$(board_var "$_b" BOARD_KERNEL_FILE)" \
		--initrd "$_work/initramfs.cpio.gz" --timeout "$timeout" --log "$_log" \
		${_append:+--append "$_append"} 2>"$_work/qemu-run.err"
	_rc=$?
	cat "$_work/qemu-run.err" >&2
	_result=$(tail -n 1 "$_work/qemu-run.err" | sed 's/^qemu-run: [^:]*: //')
	_console=$(tr -d '\r' <"$_log")
	_ctl=$(printf '%s\n' "$_console" | sed -n 's/.*tug-init: cgroup2 controllers: //p' | head -n 1)

	if [ "$_rc" -ne 0 ]; then
		fail "$_name" "$_result"
	elif [ -z "$_ctl" ]; then
		fail "$_name" "no cgroup2 controllers line on the console (see $_log)"
	elif ! missing=$(need_controllers "$_ctl"); then
		fail "$_name" "cgroup2 lacks controllers tug limits with:$missing"
	elif [ -n "$_append" ] && ! printf '%s\n' "$_console" | grep -q 'tug-init: test exit 7'; then
		fail "$_name" "tug.test payload did not report exit 7 (see $_log)"
	else
		log "$_b: kernel $(cat "$_work/kernel/version"), controllers: $_ctl; $_result"
		pass "$_name"
	fi
}

for b in $boards; do
	if [ ! -f "board/$b/board.mk" ]; then
		fail "$b" "board/$b/board.mk: no such board"
		continue
	fi
	qemu=$(board_var "$b" BOARD_QEMU_SYSTEM)
	if [ -z "$qemu" ]; then
		skip "$b" "board has no BOARD_QEMU_SYSTEM"
		continue
	fi
	if ! command -v "$qemu" >/dev/null; then
		skip "$b" "$qemu not installed"
		continue
	fi
	mkdir -p "build/$b/qemu"
	if ! kver=$(tools/qemu-kernel.sh "board/$b" "build/$b/qemu/kernel"); then
		fail "$b" "could not fetch the kernel (tools/qemu-kernel.sh board/$b)"
		continue
	fi
	log "$b: kernel $kver"

	# TUG_BUILD=DIR: boot DIR/<board>/tug (an engineer's own O= builds).
	if [ -x "${TUG_BUILD:-build}/$b/tug" ]; then
		boot_one "$b" "$b" "${TUG_BUILD:-build}/$b/tug"
		continue
	fi
	skip "$b" "build/$b/tug not built (make BOARD=$b); booting the init stub"
	stub=build/$b/qemu/init-stub
	if cross_cc "$b" "$stub" init/early.c platform/err.c tests/qemu/init_stub.c; then
		boot_one "$b" "$b-stub" "$stub"
	else
		fail "$b-stub" "cannot build the init stub for $b"
	fi
done
exit "$harness_broke"
