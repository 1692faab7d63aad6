# Shared by tests/qemu/*.sh: sourced after tests/lib.sh, from the top of the
# tree (each suite does `cd "$top"`).

# board_var BOARD VAR: VAR as board/BOARD/board.mk sets it (the last one).
board_var() { sed -n "s/^$2[[:space:]]*:\{0,1\}=[[:space:]]*//p" "board/$1/board.mk" | tail -n 1; }

# kernel_deb BOARD KVER: the kernel package tools/qemu-kernel.sh fetched for
# KVER ("" when there is none).
kernel_deb() { ls build/kernels/"$1"/linux-image-*"$2"*.deb 2>/dev/null | head -n 1; }

# deb_module DEB KVER MOD DIR: kernel/MOD.ko of the kernel package DEB into
# DIR/lib/modules/KVER/kernel/MOD.ko (a module the board's image leaves out).
deb_module() {
	mkdir -p "$4/lib/modules/$2/kernel/$(dirname "$3")"
	dpkg-deb --fsys-tarfile "$1" | tar -xO "./lib/modules/$2/kernel/$3.ko" \
		>"$4/lib/modules/$2/kernel/$3.ko"
}

# boot_payload BOARD WORK: WORK/staging packed as WORK/initramfs.cpio.gz,
# BOARD's kernel booted on it with tug as PID 1 running /payload
# (tug.test=); sets kver and con (the console without \r). Returns 1 when
# there is nothing to read: after skip_all BOARD REASON (no initramfs, no
# kernel), or after failing each of $names (qemu-run failed before the
# payload printed "== end").
boot_payload() {
	tools/mkinitramfs.sh "$2/initramfs.cpio.gz" "$2/staging" >&2 ||
		{ skip_all "$1" "mkinitramfs failed"; return 1; }
	kver=$(tools/qemu-kernel.sh "board/$1" "build/$1/qemu/kernel") || { skip_all "$1" "no kernel"; return 1; }
	tools/qemu-run.sh --quiet --board-dir "board/$1" \
		--kernel "build/$1/qemu/kernel/$(board_var "$1" BOARD_KERNEL_FILE)" \
		--initrd "$2/initramfs.cpio.gz" --timeout "${QEMU_TIMEOUT:-180}" --log "$2/console.log" \
		--append tug.test=/payload 2>"$2/qemu-run.err"
	_rc=$?
	con=$(tr -d '\r' <"$2/console.log")
	if [ "$_rc" -ne 0 ] && ! printf '%s' "$con" | grep -q '^== end'; then
		for n in $names; do fail "$1/$n" "qemu-run exit $_rc (see $2/console.log)"; done
		return 1
	fi
	return 0
}

# The payload's output in $con is in sections, each from a "== NAME" line:
# section NAME prints one, has NAME RE says whether it matches RE, why NAME
# gives it on one line for a FAIL.
section() { printf '%s\n' "$con" | sed -n "/^== $1\$/,/^== /p"; }
has() { section "$1" | grep -q -- "$2"; }
why() { section "$1" | grep -v '^== ' | tr '\n' ' ' | head -c 300; }

# qemu_quit MONITOR_SOCKET: "quit" through QEMU's monitor: the VM stops at
# once, as at a power cut (what reached the disk file stays, the guest's page
# cache and the virtio queue are gone); returns when QEMU closed the monitor.
qemu_quit() {
	/usr/bin/python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"quit\n")
try:
    while s.recv(4096):
        pass
except OSError:
    pass
PY
}
