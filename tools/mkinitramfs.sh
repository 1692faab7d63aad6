#!/bin/sh
# Pack a staging directory into a gzip'd newc cpio for the kernel's initramfs.
# Usage: tools/mkinitramfs.sh <out.cpio.gz> <staging dir>
# Every entry is owned by root (0:0) whoever runs this; file modes are kept.
# The staging dir should hold an executable /init (the kernel runs rdinit=/init).
set -eu

[ $# -eq 2 ] || { echo "usage: $0 <out.cpio.gz> <staging dir>" >&2; exit 2; }
out=$1
staging=${2%/}
[ -d "$staging" ] || { echo "mkinitramfs: $staging: not a directory" >&2; exit 1; }
[ -x "$staging/init" ] || echo "mkinitramfs: warning: $staging/init is not an executable" >&2

case "$out" in /*) ;; *) out=$(pwd)/$out ;; esac
mkdir -p "$(dirname "$out")"
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# Sorted names give the same archive for the same tree.
(cd "$staging" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$tmp"
mv "$tmp" "$out"
trap - EXIT
