#!/bin/sh
# Make a directory holding only the Linux UAPI headers (linux, asm,
# asm-generic) for one target, as symlinks, to pass with -isystem.
# Debian's musl-gcc specs see no kernel headers; adding all of /usr/include
# would let glibc headers shadow musl's, so only these three are exposed.
# Usage: tools/kheaders.sh <outdir> <gnu-triplet>
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 <outdir> <gnu-triplet>" >&2
	exit 2
fi
out=$1
triplet=$2

# Cross layout first (linux-libc-dev-<arch>-cross), then Debian multiarch
# (linux-libc-dev:<arch>, also the native host layout).
if [ -d "/usr/$triplet/include/asm" ] && [ -d "/usr/$triplet/include/linux" ]; then
	linux=/usr/$triplet/include/linux
	asm=/usr/$triplet/include/asm
	generic=/usr/$triplet/include/asm-generic
elif [ -d "/usr/include/$triplet/asm" ] && [ -d /usr/include/linux ]; then
	linux=/usr/include/linux
	asm=/usr/include/$triplet/asm
	generic=/usr/include/asm-generic
else
	echo "kheaders: no Linux headers for $triplet" \
		"(need /usr/$triplet/include/asm or /usr/include/$triplet/asm;" \
		"install linux-libc-dev-<debarch>-cross)" >&2
	exit 1
fi
[ -d "$generic" ] || { echo "kheaders: missing $generic" >&2; exit 1; }

mkdir -p "$out"
for pair in "linux:$linux" "asm:$asm" "asm-generic:$generic"; do
	name=${pair%%:*}
	target=${pair#*:}
	# ln -sfn replaces an old link (another triplet) instead of
	# descending into it.
	ln -sfn "$target" "$out/$name"
done
