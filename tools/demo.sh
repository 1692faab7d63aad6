#!/bin/sh
# make demo: build tug and show it doing its job on an embedded default.
# Until the PID 1 work lands this runs on the host and under qemu-aarch64.
set -eu
cd "$(dirname "$0")/.."
tools/host-deps.sh build cross
echo "== building tug for the host (qemu-x86_64) and qemu-aarch64"
make --no-print-directory BOARD=qemu-x86_64
make --no-print-directory BOARD=qemu-aarch64
echo
echo "== host: build/qemu-x86_64/tug version"
build/qemu-x86_64/tug version
echo
echo "== aarch64 under qemu-user: build/qemu-aarch64/tug version"
qemu-aarch64-static build/qemu-aarch64/tug version
echo
file build/qemu-x86_64/tug build/qemu-aarch64/tug
