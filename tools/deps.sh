#!/bin/sh
# Build the static libraries tug links against (cJSON, zlib, libarchive,
# libseccomp, mbedtls) from their Debian source packages with the board's
# musl toolchain, into a sysroot:
#   <sysroot>/include, <sysroot>/lib/*.a, <sysroot>/lib/pkgconfig/*.pc
#   <sysroot>/kheaders   (linux, asm, asm-generic for -isystem)
# Use the .pc files with PKG_CONFIG_LIBDIR=<sysroot>/lib/pkgconfig and
# `pkg-config --static`; their paths are absolute.
#
# Usage:
#   tools/deps.sh --board-dir board/<b> --sysroot build/<b>/sysroot \
#                 --libs "cjson zlib libarchive libseccomp mbedtls" [--check]
#   --check   also link a tiny static program against the libs and run it
#             (under the board's BOARD_QEMU_USER for foreign arches).
#
# Environment:
#   CC, CFLAGS, AR, RANLIB  override the toolchain (Buildroot). With CC set,
#                       the kernel header directory is added only when CC
#                       cannot find <linux/seccomp.h> by itself.
#   TUG_EXTERNAL_SYSROOT  Buildroot/Yocto provide the libs: only check that
#                       pkg-config finds them, build nothing.
#   TUG_DEPS_SRC        shared source cache (default: <top>/build/src).
#
# Sources come from `apt-get source` (one download for all boards), are
# unpacked once with dpkg-source -x and copied per board. A stamp per lib and
# sysroot holds the version; a lib is rebuilt only when its stamp is missing
# or differs (new source version, other flags, other mbedtls config).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
all_libs="cjson zlib libarchive libseccomp mbedtls"

usage() {
	echo "usage: $0 --board-dir DIR --sysroot DIR [--libs \"$all_libs\"] [--check]" >&2
	exit 2
}

board_dir=
sysroot=
libs=$all_libs
check=0
while [ $# -gt 0 ]; do
	case "$1" in
	--board-dir) [ $# -ge 2 ] || usage; board_dir=$2; shift 2 ;;
	--board-dir=*) board_dir=${1#*=}; shift ;;
	--sysroot) [ $# -ge 2 ] || usage; sysroot=$2; shift 2 ;;
	--sysroot=*) sysroot=${1#*=}; shift ;;
	--libs) [ $# -ge 2 ] || usage; libs=$2; shift 2 ;;
	--libs=*) libs=${1#*=}; shift ;;
	--check) check=1; shift ;;
	-h|--help) usage ;;
	*) echo "deps: unknown argument: $1" >&2; usage ;;
	esac
done

for l in $libs; do
	case " $all_libs " in *" $l "*) ;; *) echo "deps: unknown lib: $l (known: $all_libs)" >&2; exit 2 ;; esac
done

pc_name() {
	case "$1" in
	cjson) echo libcjson ;;
	*) echo "$1" ;;
	esac
}

# ---------------------------------------------------------------------------
# Buildroot / Yocto: the libraries come from the build system's sysroot.
if [ -n "${TUG_EXTERNAL_SYSROOT:-}" ]; then
	pkgconfig=${PKG_CONFIG:-pkg-config}
	missing=0
	for l in $libs; do
		pc=$(pc_name "$l")
		if v=$($pkgconfig --modversion "$pc" 2>/dev/null); then
			echo "deps: $l $v (external): found"
		elif [ "$l" = mbedtls ] && [ -f "$TUG_EXTERNAL_SYSROOT/usr/include/mbedtls/ssl.h" ]; then
			# mbedtls 2.x installs no .pc file; its headers will do.
			echo "deps: $l (no mbedtls.pc, headers in $TUG_EXTERNAL_SYSROOT) (external): found"
		else
			echo "deps: $l (external): NOT FOUND by $pkgconfig ($pc.pc)" >&2
			missing=1
		fi
	done
	exit $missing
fi

[ -n "$board_dir" ] && [ -n "$sysroot" ] || usage
[ -f "$board_dir/board.mk" ] || { echo "deps: no $board_dir/board.mk" >&2; exit 2; }

# libarchive reads gzip through zlib from the sysroot; keep build order.
case " $libs " in *" libarchive "*)
	case " $libs " in *" zlib "*) ;; *) libs="zlib $libs" ;; esac ;;
esac
ordered=
for l in $all_libs; do
	case " $libs " in *" $l "*) ordered="$ordered $l" ;; esac
done
libs=$ordered

board_var() {
	sed -n "s/^$1[[:space:]]*[:?]\{0,1\}=[[:space:]]*//p" "$board_dir/board.mk" |
		tail -n 1 | sed 's/[[:space:]]*$//'
}
board=$(basename "$(cd "$board_dir" && pwd)")
cross=$(board_var BOARD_CROSS_COMPILE)
musl_triplet=$(board_var BOARD_MUSL_TRIPLET)
gnu_triplet=$(board_var BOARD_GNU_TRIPLET)
debarch=$(board_var BOARD_DEBARCH)
qemu_user=$(board_var BOARD_QEMU_USER)
[ -n "$musl_triplet" ] && [ -n "$gnu_triplet" ] || {
	echo "deps: $board_dir/board.mk lacks BOARD_MUSL_TRIPLET or BOARD_GNU_TRIPLET" >&2
	exit 2
}

mkdir -p "$sysroot"
sysroot=$(cd "$sysroot" && pwd)
build_dir=$(dirname "$sysroot")/deps-build
src_dir=${TUG_DEPS_SRC:-$top/build/src}
mkdir -p "$build_dir" "$src_dir" "$sysroot/include" "$sysroot/lib/pkgconfig" "$sysroot/.stamps"

# One run per sysroot at a time (make -j with two targets on one board).
exec 8>"$sysroot/.lock"
flock 8

warn() { echo "deps: warning: $*" >&2; }
die() { echo "deps: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Toolchain
kheaders=$sysroot/kheaders
if [ -z "${CC:-}" ]; then
	if ! "$top/tools/kheaders.sh" "$kheaders" "$gnu_triplet" 2>/dev/null; then
		# Build hosts may lack the cross kernel headers; they are a
		# plain Debian package.
		if [ -n "$cross" ] && [ "$(id -u)" = 0 ] && [ -n "$debarch" ]; then
			echo "deps: installing linux-libc-dev-$debarch-cross (kernel headers for $gnu_triplet)"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				"linux-libc-dev-$debarch-cross" >/dev/null ||
				die "cannot install linux-libc-dev-$debarch-cross"
		fi
		"$top/tools/kheaders.sh" "$kheaders" "$gnu_triplet"
	fi
	specs=/usr/lib/$musl_triplet/musl-gcc.specs
	[ -f "$specs" ] || die "no $specs (install musl-dev:$debarch)"
	command -v "${cross}gcc" >/dev/null || die "no ${cross}gcc (install gcc-$gnu_triplet)"
	cc="${cross}gcc -specs $specs -isystem $kheaders"
else
	cc=$CC
	# Still provide the directory: the Makefile uses it for tug itself.
	# A real cross toolchain has kernel headers; a bare musl-gcc does not.
	if "$top/tools/kheaders.sh" "$kheaders" "$gnu_triplet" 2>/dev/null &&
		! echo '#include <linux/seccomp.h>' | $cc -E -x c - >/dev/null 2>&1; then
		cc="$cc -isystem $kheaders"
	fi
fi
# Size (docs/size.md): -Os, one section per function for --gc-sections, no
# unwind tables (C has no exceptions; gdb reads .debug_frame), no PIE code
# (tug links -static), plus the board's BOARD_CFLAGS (mipsel: -mplt).
cflags=${CFLAGS:-"-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie $(board_var BOARD_CFLAGS)"}
# configure's link tests: non-PIE like tug, or -fno-pie code fails to link
# (mipsel -mplt) and functions such as getxattr look missing.
ldflags=${LDFLAGS:-"-no-pie"}
ar=${AR:-${cross}ar}
ranlib=${RANLIB:-${cross}ranlib}
build_triplet=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
jobs=-j2

# Keep host .pc files and host headers out of the cross builds.
export PKG_CONFIG_LIBDIR="$sysroot/lib/pkgconfig"
export PKG_CONFIG_PATH=
unset PKG_CONFIG_SYSROOT_DIR || true
export LC_ALL=C

# Anything that changes the object code goes into the stamp.
flags_key=$(printf '%s\n' "$cc" "$cflags" "$ldflags" "$ar" | cksum | cut -d' ' -f1)

# ---------------------------------------------------------------------------
# Sources: download once into $src_dir, unpack once with dpkg-source.
have_deb_src() {
	grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ ||
		grep -qs '^deb-src' /etc/apt/sources.list
}

apt_update() {
	apt-get update -qq >/dev/null 2>&1 ||
		warn "apt-get update failed (a foreign-arch index mid-sync?); continuing"
}

# fetch_src <pkg>: sets src_version (Debian version) and src_tree.
fetch_src() {
	pkg=$1
	(
		flock 9
		cd "$src_dir"
		dsc=$(ls "${pkg}"_*.dsc 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$dsc" ]; then
			if ! apt-get source --download-only "$pkg" >"$src_dir/$pkg.fetch.log" 2>&1; then
				if ! have_deb_src && [ "$(id -u)" = 0 ]; then
					echo "deps: adding deb-src to /etc/apt/sources.list.d/*.sources" >&2
					for f in /etc/apt/sources.list.d/*.sources; do
						[ -f "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
					done
				fi
				apt_update
				apt-get source --download-only "$pkg" >"$src_dir/$pkg.fetch.log" 2>&1 || {
					tail -n 5 "$src_dir/$pkg.fetch.log" >&2
					echo "deps: apt-get source $pkg failed (deb-src entries in /etc/apt/sources.list.d?)" >&2
					exit 1
				}
			fi
			dsc=$(ls "${pkg}"_*.dsc 2>/dev/null | sort -V | tail -n 1)
			[ -n "$dsc" ] || { echo "deps: no .dsc for $pkg after download" >&2; exit 1; }
		fi
		version=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
		tree=$pkg-$(echo "$version" | tr ':~' '__')
		if [ ! -f "$tree/.tug-unpacked" ]; then
			rm -rf "$tree"
			dpkg-source -x "$dsc" "$tree" >"$src_dir/$pkg.unpack.log" 2>&1 || {
				tail -n 5 "$src_dir/$pkg.unpack.log" >&2
				echo "deps: dpkg-source -x $dsc failed" >&2
				exit 1
			}
			echo "$version" >"$tree/.tug-unpacked"
		fi
		echo "$version"
	) 9>"$src_dir/.lock" >"$build_dir/.src-version" || exit 1
	src_version=$(cat "$build_dir/.src-version")
	src_tree=$src_dir/$pkg-$(echo "$src_version" | tr ':~' '__')
}

# upstream <debian-version>: 1:1.2.13.dfsg-1 -> 1.2.13
upstream() {
	v=${1#*:}
	v=${v%-*}
	echo "${v%%[+~]*}" | sed 's/\.dfsg.*//'
}

# Autotools trees: the Debian patches touch Makefile.am/configure.ac; make
# the generated files newer so make never wants automake (not installed).
settle_autotools() {
	for f in aclocal.m4 configure Makefile.in */Makefile.in config.h.in build/autoconf/config.h.in; do
		[ -e "$1/$f" ] && touch "$1/$f"
	done
	return 0
}

# ---------------------------------------------------------------------------
# Per-library builds. Each runs in $b (a fresh copy of the source tree) and
# installs into $sysroot.

build_cjson() {
	$cc $cflags -c cJSON.c -o cJSON.o
	rm -f libcjson.a
	$ar rcs libcjson.a cJSON.o
	mkdir -p "$sysroot/include/cjson"
	cp cJSON.h "$sysroot/include/cjson/cJSON.h"
	cp libcjson.a "$sysroot/lib/"
	cat >"$sysroot/lib/pkgconfig/libcjson.pc" <<-EOF
	prefix=$sysroot
	libdir=\${prefix}/lib
	includedir=\${prefix}/include

	Name: libcjson
	Description: Ultralightweight JSON parser in ANSI C (static, built by tug)
	Version: $(upstream "$src_version")
	Libs: -L\${libdir} -lcjson
	Libs.private: -lm
	Cflags: -I\${includedir} -I\${includedir}/cjson
	EOF
}

build_zlib() {
	# DYNAMIC_CRC_TABLE: crc32's 9 KB of tables are computed on first use
	# (bss) instead of stored in the binary; same tables, same speed.
	CC="$cc" CFLAGS="$cflags -DDYNAMIC_CRC_TABLE" LDFLAGS="$ldflags" AR="$ar" RANLIB="$ranlib" \
		./configure --static --prefix="$sysroot"
	make $jobs libz.a
	cp libz.a "$sysroot/lib/"
	cp zlib.h zconf.h "$sysroot/include/"
	cp zlib.pc "$sysroot/lib/pkgconfig/"
}

build_libarchive() {
	settle_autotools .
	./configure --host="$musl_triplet" --build="$build_triplet" \
		--prefix="$sysroot" \
		--disable-shared --enable-static \
		--disable-maintainer-mode --disable-dependency-tracking \
		--disable-bsdtar --disable-bsdcpio --disable-bsdcat \
		--disable-acl --enable-xattr --disable-rpath \
		--with-zlib \
		--without-bz2lib --without-libb2 --without-iconv \
		--without-libiconv-prefix \
		--without-lz4 --without-zstd --without-lzma --without-lzo2 \
		--without-cng --without-mbedtls --without-nettle --without-openssl \
		--without-xml2 --without-expat \
		CC="$cc" CFLAGS="$cflags" AR="$ar" RANLIB="$ranlib" \
		CPPFLAGS="-I$sysroot/include" LDFLAGS="$ldflags -L$sysroot/lib"
	grep -q '^#define HAVE_ZLIB_H 1' config.h || die "libarchive: configure did not find zlib in $sysroot"
	grep -q '^#define ARCHIVE_XATTR_LINUX 1' config.h || die "libarchive: xattr support not detected"
	make $jobs libarchive.la
	make install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA
}

build_libseccomp() {
	settle_autotools .
	./configure --host="$musl_triplet" --build="$build_triplet" \
		--prefix="$sysroot" \
		--enable-static --disable-shared --disable-python \
		--disable-dependency-tracking \
		CC="$cc" CFLAGS="$cflags" LDFLAGS="$ldflags" AR="$ar" RANLIB="$ranlib"
	make $jobs -C include
	make $jobs -C src libseccomp.la
	make -C src install-libLTLIBRARIES
	make -C include install
	make install-pkgconfDATA
}

build_mbedtls() {
	config=$top/tools/mbedtls_config.h
	# MBEDTLS_CHACHA20_ALT: our ChaCha20 (four blocks at once) replaces
	# mbedtls' own; its context header goes where chacha20.h looks for it.
	cp "$top/tools/mbedtls_chacha20_alt.h" include/mbedtls/chacha20_alt.h
	# MBEDTLS_GCM_ALT (x86_64 only, see the config): AES-GCM four blocks at
	# once in AES-NI and PCLMULQDQ; elsewhere the file compiles to nothing.
	cp "$top/tools/mbedtls_gcm_alt.h" include/mbedtls/gcm_alt.h
	# The quotes survive make's recipe shell: -DMBEDTLS_CONFIG_FILE="<path>".
	make $jobs lib CC="$cc" AR="$ar" \
		CFLAGS="$cflags -DMBEDTLS_CONFIG_FILE='\"$config\"'"
	# The record cipher of a pull runs over every byte: ChaCha20-Poly1305
	# built with -O2 does ~510 MB/s on x86_64 here (-Os: ~250; AES-GCM with
	# AES-NI ~295 either way, its per-block calls dominate), ~820 MB/s with
	# the four-block ChaCha20, and it is the cipher ARM and MIPS boards use.
	# Only these files; the rest stays -Os.
	for f in $mbedtls_hot; do
		$cc $cflags -O2 -Iinclude "-DMBEDTLS_CONFIG_FILE=\"$config\"" \
			-c "library/$f.c" -o "library/$f.o"
	done
	$cc $cflags -O2 -Iinclude "-DMBEDTLS_CONFIG_FILE=\"$config\"" \
		-c "$top/tools/mbedtls_chacha20_alt.c" -o library/chacha20_alt.o
	$cc $cflags -O2 -Iinclude "-DMBEDTLS_CONFIG_FILE=\"$config\"" \
		-c "$top/tools/mbedtls_gcm_alt.c" -o library/gcm_alt.o
	(cd library && $ar rcs libmbedcrypto.a chacha20_alt.o gcm_alt.o \
		$(for f in $mbedtls_hot; do echo "$f.o"; done))
	mkdir -p "$sysroot/include/mbedtls" "$sysroot/include/psa"
	cp include/mbedtls/*.h "$sysroot/include/mbedtls/"
	cp include/psa/*.h "$sysroot/include/psa/"
	# Consumers get the same configuration (struct layouts) with no flag.
	cp "$config" "$sysroot/include/mbedtls/config.h"
	# platform/tls.c orders its ciphers by this.
	echo "#define TUG_MBEDTLS_FAST_CHACHA 1 /* tools/deps.sh: $mbedtls_hot with -O2 */" \
		>"$sysroot/include/mbedtls/tug_build.h"
	cp library/libmbedtls.a library/libmbedx509.a library/libmbedcrypto.a "$sysroot/lib/"
	cat >"$sysroot/lib/pkgconfig/mbedtls.pc" <<-EOF
	prefix=$sysroot
	libdir=\${prefix}/lib
	includedir=\${prefix}/include

	Name: mbedtls
	Description: mbed TLS (static, tug's trimmed config in mbedtls/config.h)
	Version: $(upstream "$src_version")
	Libs: -L\${libdir} -lmbedtls -lmbedx509 -lmbedcrypto
	Cflags: -I\${includedir}
	EOF
}

# installed <lib>: its archives are still in the sysroot.
installed() {
	case "$1" in
	cjson) set -- libcjson ;;
	zlib) set -- libz ;;
	mbedtls) set -- libmbedtls libmbedx509 libmbedcrypto ;;
	esac
	for a in "$@"; do
		[ -f "$sysroot/lib/$a.a" ] || return 1
	done
}

# mbedtls sources built with -O2 (see build_mbedtls); part of its stamp.
mbedtls_hot="chacha20 poly1305 chachapoly"

stamp_key() {
	# The lib's build function too: a changed recipe rebuilds that lib.
	recipe=$(sed -n "/^build_$1() {/,/^}/p" "$top/tools/deps.sh" | cksum | cut -d' ' -f1)
	key="$src_version $flags_key $recipe"
	if [ "$1" = mbedtls ]; then
		key="$key $(cat "$top/tools/mbedtls_config.h" "$top/tools/mbedtls_chacha20_alt.h" \
			"$top/tools/mbedtls_chacha20_alt.c" "$top/tools/mbedtls_gcm_alt.h" \
			"$top/tools/mbedtls_gcm_alt.c" | cksum | cut -d' ' -f1) O2:$mbedtls_hot tug_build.h"
	fi
	echo "$key"
}

for lib in $libs; do
	fetch_src "$lib"
	stamp=$sysroot/.stamps/$lib
	key=$(stamp_key "$lib")
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && installed "$lib"; then
		echo "deps: $lib $src_version ($board): cached"
		continue
	fi
	rm -f "$stamp"
	b=$build_dir/$lib
	log=$build_dir/$lib.log
	rm -rf "$b"
	cp -a "$src_tree" "$b"
	start=$(date +%s)
	if ! (cd "$b" && set -x && "build_$lib") >"$log" 2>&1; then
		echo "deps: $lib $src_version ($board): FAILED, last lines of $log:" >&2
		tail -n 25 "$log" >&2
		exit 1
	fi
	end=$(date +%s)
	echo "$lib $((end - start))" >>"$build_dir/times"
	echo "$key" >"$stamp"
	echo "deps: $lib $src_version ($board): built"
done

# Static only: drop what installs bring along.
rm -rf "${sysroot:?}/share" "${sysroot:?}/bin"
rm -f "$sysroot"/lib/*.la "$sysroot"/lib/*.so*

# ---------------------------------------------------------------------------
# --check: link a tiny static program against every requested lib and run it.
if [ "$check" = 1 ]; then
	t=$build_dir/check
	mkdir -p "$t"
	defs=
	pcs=
	for l in $libs; do
		defs="$defs -DHAVE_$(echo "$l" | tr "[:lower:]" "[:upper:]")"
		pcs="$pcs $(pc_name "$l")"
	done
	cat >"$t/check.c" <<-'EOF'
	#include <stdio.h>
	#include <string.h>
	#ifdef HAVE_CJSON
	#include <cjson/cJSON.h>
	#endif
	#ifdef HAVE_ZLIB
	#include <zlib.h>
	#endif
	#ifdef HAVE_LIBARCHIVE
	#include <archive.h>
	#endif
	#ifdef HAVE_LIBSECCOMP
	#include <seccomp.h>
	#endif
	#ifdef HAVE_MBEDTLS
	#include <mbedtls/version.h>
	#include <mbedtls/sha256.h>
	#include <mbedtls/entropy.h>
	#include <mbedtls/ctr_drbg.h>
	#include <mbedtls/ssl.h>
	#endif

	static int fail(const char *what)
	{
		fprintf(stderr, "check: %s failed\n", what);
		return 1;
	}

	int main(void)
	{
	#ifdef HAVE_CJSON
		cJSON *j = cJSON_Parse("{\"a\":[1,2,3]}");
		if (!j || cJSON_GetArraySize(cJSON_GetObjectItem(j, "a")) != 3)
			return fail("cJSON_Parse");
		cJSON_Delete(j);
		printf("cjson %s\n", cJSON_Version());
	#endif
	#ifdef HAVE_ZLIB
		unsigned char z[64], out[64];
		uLongf zn = sizeof(z), on = sizeof(out);
		if (compress(z, &zn, (const Bytef *)"tug tug tug tug", 16) != Z_OK ||
		    uncompress(out, &on, z, zn) != Z_OK || on != 16 ||
		    memcmp(out, "tug tug tug tug", 16))
			return fail("zlib round trip");
		printf("zlib %s\n", zlibVersion());
	#endif
	#ifdef HAVE_LIBARCHIVE
		struct archive *a = archive_read_new();
		if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
		    archive_read_support_filter_gzip(a) != ARCHIVE_OK)
			return fail("libarchive tar+gzip");
		archive_read_free(a);
		printf("libarchive %s\n", archive_version_details());
	#endif
	#ifdef HAVE_LIBSECCOMP
		const struct scmp_version *v = seccomp_version();
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1),
					     seccomp_syscall_resolve_name("mount"), 0) < 0)
			return fail("seccomp filter");
		seccomp_release(ctx);
		printf("libseccomp %u.%u.%u native arch 0x%x\n", v->major, v->minor,
		       v->micro, seccomp_arch_native());
	#endif
	#ifdef HAVE_MBEDTLS
		static const unsigned char abc[32] = {
			0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
			0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
			0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
		unsigned char h[32];
		char ver[32];
		mbedtls_entropy_context ent;
		mbedtls_ctr_drbg_context drbg;
		mbedtls_ssl_config conf;
		if (mbedtls_sha256_ret((const unsigned char *)"abc", 3, h, 0) ||
		    memcmp(h, abc, 32))
			return fail("sha256");
		mbedtls_entropy_init(&ent);
		mbedtls_ctr_drbg_init(&drbg);
		if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent,
					  (const unsigned char *)"tug", 3))
			return fail("ctr_drbg_seed");
		mbedtls_ssl_config_init(&conf);
		if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
			return fail("ssl_config_defaults");
		mbedtls_ssl_config_free(&conf);
		mbedtls_ctr_drbg_free(&drbg);
		mbedtls_entropy_free(&ent);
		mbedtls_version_get_string(ver);
		printf("mbedtls %s\n", ver);
	#endif
		puts("check: ok");
		return 0;
	}
	EOF
	# shellcheck disable=SC2086
	flags=$(pkg-config --static --cflags --libs $pcs) || die "check: pkg-config failed for$pcs"
	# shellcheck disable=SC2086
	$cc $cflags -static $defs "$t/check.c" $flags -Wl,--gc-sections -s -o "$t/check" >"$t/build.log" 2>&1 || {
		cat "$t/build.log" >&2
		die "check: link failed ($board)"
	}
	if [ -n "$cross" ]; then
		[ -n "$qemu_user" ] || die "check: no BOARD_QEMU_USER for $board"
		runner=$qemu_user
	else
		runner=
	fi
	if out=$($runner "$t/check" 2>&1); then
		echo "$out" | sed "s/^/deps: check ($board): /"
	else
		echo "$out" >&2
		die "check: test program failed ($board)"
	fi
fi
