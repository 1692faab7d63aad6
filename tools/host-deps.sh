#!/bin/sh
# Install the Debian host packages a make target needs, only when missing.
# Usage: tools/host-deps.sh <group>...   groups: build cross qemu peers fuzz
# apt-get update may fail while a foreign-arch index is mid-sync: warn only.
set -u

pkgs_build="build-essential musl-tools musl-dev python3-kconfiglib pkg-config file cpio gperf dpkg-dev busybox-static squashfs-tools xz-utils"
pkgs_cross="gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-mipsel-cross musl-dev:arm64 musl-dev:armhf musl-dev:mipsel qemu-user-static"
pkgs_qemu="qemu-system-x86 qemu-system-arm qemu-system-mips e2fsprogs"
pkgs_peers="crun runc docker.io podman hyperfine skopeo umoci docker-registry python3-docker tmux apache2-utils openssl nftables iproute2 strace curl"
pkgs_fuzz="clang libclang-rt-14-dev libcjson-dev libarchive-dev libseccomp-dev libmbedtls-dev"

need=""
arches=""
for group in "$@"; do
	eval "list=\${pkgs_$group:-}"
	for p in $list; do
		case "$p" in *:*) arches="$arches ${p#*:}" ;; esac
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$status" in *" installed") ;; *) need="$need $p" ;; esac
	done
done
[ -z "$need" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
for a in $arches; do
	dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --add-architecture "$a"
done
# deb-src entries so `make deps` can run apt-get source.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
	done
fi
echo "host-deps: installing:$need"
apt-get update -qq || echo "host-deps: warning: apt-get update failed (foreign index mid-sync?); continuing" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "host-deps: apt-get install failed for:$need" >&2
	exit 1
}
