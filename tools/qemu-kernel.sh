#!/bin/sh
# Fetch a board's Debian kernel and the modules tug may load, for QEMU tests.
# Usage: tools/qemu-kernel.sh <board-dir> <outdir>
#
# The .deb is downloaded once into build/kernels/<board>/ (override with
# TUG_KERNEL_CACHE); the kernel image and the selected modules are unpacked
# there once, then copied to <outdir>:
#   <outdir>/<BOARD_KERNEL_FILE>           kernel image (vmlinuz or vmlinux)
#   <outdir>/version                       kernel release, e.g. 6.1.0-50-arm64
#   <outdir>/modules/lib/modules/<ver>/    selected .ko files, modules.dep
#                                          (depmod format), modules.builtin
# Copy <outdir>/modules/. into an initramfs staging dir to ship the modules.
# Prints the kernel release on stdout; progress goes to stderr.
set -eu

# Modules tug may need, as module names (shell patterns); their dependencies
# are added from each module's own .modinfo "depends=" and "softdep=pre:"
# lists. Debian's .deb
# carries no modules.dep (its postinst runs depmod), so it is built here.
# softdog stands in where QEMU emulates no watchdog the kernel drives.
WANT_MODULES="overlay squashfs loop veth bridge br_netfilter nf_tables nft_* i6300esb softdog virtio*"

die() { echo "qemu-kernel: $*" >&2; exit 1; }
say() { echo "qemu-kernel: $*" >&2; }

[ $# -eq 2 ] || { echo "usage: $0 <board-dir> <outdir>" >&2; exit 2; }
board_dir=${1%/}
outdir=$2
[ -f "$board_dir/board.mk" ] || die "$board_dir/board.mk: not found"
board=$(basename "$board_dir")
root=$(cd "$(dirname "$0")/.." && pwd)

board_var() {
	sed -n "s/^$1[[:space:]]*:\{0,1\}=[[:space:]]*//p" "$board_dir/board.mk" | tail -n 1
}
debarch=$(board_var BOARD_DEBARCH)
meta=$(board_var BOARD_KERNEL_PKG)
kfile=$(board_var BOARD_KERNEL_FILE)
[ -n "$debarch" ] && [ -n "$meta" ] && [ -n "$kfile" ] ||
	die "$board_dir/board.mk: BOARD_DEBARCH, BOARD_KERNEL_PKG and BOARD_KERNEL_FILE must be set"

cache=${TUG_KERNEL_CACHE:-$root/build/kernels}/$board
mkdir -p "$cache" "$outdir"
# Two test runs may share the cache: one fetches and unpacks, the other waits.
exec 9>"$cache/.lock"
flock 9 || die "lock $cache/.lock failed"

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	apt_updated=1
	native=$(dpkg --print-architecture)
	if [ "$debarch" != "$native" ] &&
		! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
		say "adding foreign architecture $debarch"
		dpkg --add-architecture "$debarch" || die "dpkg --add-architecture $debarch failed"
	fi
	say "running apt-get update"
	# One foreign-arch index can be mid-sync on the mirror: warn only.
	apt-get update -qq >&2 || say "warning: apt-get update failed; continuing"
}

# The metapackage depends on the real linux-image-6.1.0-N-<flavour>.
resolve_pkg() {
	apt-cache depends "$meta:$debarch" 2>/dev/null |
		sed -n 's/^[[:space:]]*Depends:[[:space:]]*\(linux-image-[0-9][^:[:space:]]*\).*/\1/p' |
		head -n 1
}

fetch_deb() {
	pkg=$(resolve_pkg)
	if [ -z "$pkg" ]; then
		apt_update
		pkg=$(resolve_pkg)
	fi
	[ -n "$pkg" ] || die "cannot resolve $meta:$debarch to a linux-image package"
	say "downloading $pkg:$debarch"
	# apt-get download writes to the current directory; _apt cannot write
	# into a root-only cache, which apt reports as a harmless warning.
	if ! (cd "$cache" && apt-get download -q "$pkg:$debarch" >&2 2>/dev/null); then
		apt_update
		(cd "$cache" && apt-get download -q "$pkg:$debarch" >&2) ||
			die "apt-get download $pkg:$debarch failed"
	fi
	deb=$(ls "$cache"/"$pkg"_*_"$debarch".deb 2>/dev/null | tail -n 1 || true)
	[ -n "$deb" ] || die "apt-get download $pkg:$debarch left no .deb in $cache"
}

deb=$(ls "$cache"/linux-image-[0-9]*_"$debarch".deb 2>/dev/null | tail -n 1 || true)
[ -n "$deb" ] || fetch_deb

tree=$cache/tree
stamp=$tree/.from
# The tree is redone when the .deb or the module list changes.
want="$(basename "$deb") $WANT_MODULES softdep-pre"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	say "unpacking $(basename "$deb")"
	rm -rf "$tree" "$cache/unpack"
	unpack=$cache/unpack
	mkdir -p "$unpack" "$tree"
	if ! dpkg-deb -x "$deb" "$unpack"; then
		say "$(basename "$deb") is damaged (interrupted download?): fetching it again"
		rm -rf "$deb" "$unpack"
		mkdir -p "$unpack"
		fetch_deb
		dpkg-deb -x "$deb" "$unpack" || die "dpkg-deb -x $deb failed"
	fi
	moddir=$(ls -d "$unpack"/lib/modules/* "$unpack"/usr/lib/modules/* 2>/dev/null | head -n 1)
	[ -n "$moddir" ] || die "$(basename "$deb"): no lib/modules/<version>"
	kver=$(basename "$moddir")
	image=$unpack/boot/$kfile-$kver
	[ -f "$image" ] || die "$(basename "$deb"): no boot/$kfile-$kver"
	cp "$image" "$tree/$kfile"
	echo "$kver" >"$tree/version"

	# name<TAB>relative path, names with '-' folded to '_' as the kernel does.
	(cd "$moddir" && find kernel -name '*.ko*' -type f) |
		awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n);
		       gsub(/-/, "_", n); print n "\t" $0 }' | sort >"$unpack/index"

	# Breadth-first closure over "depends=" from each module's .modinfo.
	: >"$unpack/deps"
	queue=
	set -f # the patterns are for module names, not for files here
	for pat in $WANT_MODULES; do
		pat=$(echo "$pat" | tr - _)
		queue="$queue $(awk -F '\t' -v p="$pat" '
			BEGIN { gsub(/\*/, ".*", p); p = "^" p "$" }
			$1 ~ p { print $1 }' "$unpack/index")"
	done
	set +f
	seen=" "
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		next_queue=
		for name in $queue; do
			case "$seen" in *" $name "*) continue ;; esac
			seen="$seen$name "
			path=$(awk -F '\t' -v n="$name" '$1 == n { print $2; exit }' "$unpack/index")
			[ -n "$path" ] || continue # built in
			case "$path" in
			*.ko) modinfo=$(tr '\0' '\n' <"$moddir/$path") ;;
			*.ko.xz) modinfo=$(xz -dc "$moddir/$path" | tr '\0' '\n') ;;
			*.ko.zst) modinfo=$(zstd -dc "$moddir/$path" | tr '\0' '\n') ;;
			*.ko.gz) modinfo=$(gzip -dc "$moddir/$path" | tr '\0' '\n') ;;
			*) die "$path: unknown module compression" ;;
			esac
			deps=$(printf '%s\n' "$modinfo" | sed -n 's/^depends=//p' | head -n 1 |
				tr ',-' ' _')
			# "softdep=pre: crc32c": a module, or a crypto algorithm
			# whose generic implementation is NAME_generic (libcrc32c's
			# init fails with ENOENT without one, and a board has no
			# modprobe to ask). Listed as a dependency: loaded first.
			for s in $(printf '%s\n' "$modinfo" | sed -n 's/^softdep=//p' | head -n 1 |
				sed 's/post:.*//; s/pre://g' | tr - _); do
				for c in "$s" "${s}_generic"; do
					if awk -F '\t' -v n="$c" '$1 == n { f = 1 } END { exit !f }' \
						"$unpack/index"; then
						deps="$deps $c"
						break
					fi
				done
			done
			printf '%s\t%s\t%s\n' "$name" "$path" "$deps" >>"$unpack/deps"
			next_queue="$next_queue $deps"
		done
		queue=$next_queue
		[ -n "$(echo "$queue" | tr -d ' ')" ] || break
	done

	dest=$tree/modules/lib/modules/$kver
	mkdir -p "$dest"
	cut -f 2 "$unpack/deps" | while read -r path; do
		mkdir -p "$dest/$(dirname "$path")"
		cp "$moddir/$path" "$dest/$path"
	done
	# depmod format: "path: deps", every dep listed before its own deps,
	# so a loader inserts them from the end of the list backwards.
	awk -F '\t' '
		{ path[$1] = $2; ndeps[$1] = split($3, d, " ");
		  for (i = 1; i <= ndeps[$1]; i++) dep[$1, i] = d[i]; order[NR] = $1 }
		function load_order(n,   i, m) {	# post-order: deps first
			for (i = 1; i <= ndeps[n]; i++) {
				m = dep[n, i]
				if (!(m in path) || (m in done)) continue
				done[m] = 1; load_order(m); loads[++nloads] = path[m]
			}
		}
		END {
			for (k = 1; k <= NR; k++) {
				n = order[k]; split("", done); done[n] = 1; nloads = 0
				load_order(n); line = path[n] ":"
				for (i = nloads; i >= 1; i--) line = line " " loads[i]
				print line
			}
		}' "$unpack/deps" | sort >"$dest/modules.dep"
	for f in modules.builtin modules.builtin.modinfo; do
		[ -f "$moddir/$f" ] && cp "$moddir/$f" "$dest/$f"
	done
	cut -f 2 "$unpack/deps" | sort >"$unpack/selected"
	grep -Fx -f "$unpack/selected" "$moddir/modules.order" >"$dest/modules.order" || true
	rm -rf "$unpack"
	echo "$want" >"$stamp"
	say "kept $(wc -l <"$dest/modules.dep") modules in $tree"
fi

rm -rf "$outdir/modules"
cp -a "$tree/$kfile" "$tree/version" "$tree/modules" "$outdir/"
cat "$outdir/version"
