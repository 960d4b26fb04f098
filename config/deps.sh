#!/bin/sh
# Builds static musl copies of BearSSL and zlib (inflate only) from the
# Debian source packages into build/deps (or $MD_DEPS). Idempotent.
#
# The newest source version that apt knows of is not always downloadable
# (a security update's index can name files that the mirror no longer or
# not yet has): every version `apt-cache showsrc` lists is tried, newest
# first, until one downloads and matches its .dsc checksums. The version
# built is written to $out/VERSIONS.
#
# usage: deps.sh [--fetch-only]	(--fetch-only: download and verify only)
set -eu
cd "$(dirname "$0")/.."
out=${MD_DEPS:-$PWD/build/deps}
case $out in /*) ;; *) out=$PWD/$out ;; esac
fetch_only=
[ "${1:-}" = --fetch-only ] && fetch_only=1
if [ -z "$fetch_only" ] && [ -f "$out/lib/libbearssl.a" ] &&
	[ -f "$out/lib/libz.a.O3" ] && [ -f "$out/include/inih.h" ] &&
	[ -f "$out/lib/libinih.a" ]; then
	exit 0
fi
mkdir -p "$out/src" "$out/lib" "$out/include"
cd "$out/src"

say() { echo "deps: $*" >&2; }

# add_deb_src: adds deb-src lines for the configured Debian archives once.
add_deb_src() {
	src=/etc/apt/sources.list.d/md-deb-src.sources
	[ -f "$src" ] || [ -f "$src.list" ] && return 0
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' \
			/etc/apt/sources.list.d/debian.sources >"$src"
	elif [ -f /etc/apt/sources.list ]; then
		grep -E '^deb .*debian' /etc/apt/sources.list |
			sed 's/^deb /deb-src /' >"$src.list"
	fi
}

# versions PKG: the source versions apt knows, newest first, one a line.
versions() {
	apt-cache showsrc "$1" 2>/dev/null |
		awk -v p="$1" '/^Package:/ { ok = ($2 == p) } ok && /^Version:/ { print $2 }' |
		sort -u | sort_versions
}
sort_versions() {	# insertion sort with dpkg's ordering, newest first
	set --
	while read -r v; do set -- "$@" "$v"; done
	n=$#
	while [ $# -gt 0 ]; do
		best=$1
		for v in "$@"; do
			dpkg --compare-versions "$v" gt "$best" && best=$v
		done
		echo "$best"
		rest=
		for v in "$@"; do [ "$v" = "$best" ] || rest="$rest $v"; done
		# shellcheck disable=SC2086
		set -- $rest
	done
}

# dsc_files DSC: "SHA256 SIZE NAME" for each file the .dsc lists.
dsc_files() {
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
	     on && NF == 3 { print }' "$1"
}

# verify DSC: every file the .dsc names is here with its size and SHA-256.
verify() {
	[ -n "$(dsc_files "$1")" ] || { say "$1: no Checksums-Sha256"; return 1; }
	dsc_files "$1" | while read -r sum size name; do
		[ -f "$name" ] || { say "$1: $name missing"; return 1; }
		[ "$(stat -c %s "$name")" = "$size" ] ||
			{ say "$name: size differs from $1"; return 1; }
		echo "$sum  $name" | sha256sum -c --status ||
			{ say "$name: SHA-256 differs from $1"; return 1; }
	done
}

# dsc_name PKG VERSION: the .dsc's file name (no epoch).
dsc_name() { echo "$1_${2#*:}.dsc"; }

# fetch PKG: a verified source of PKG in the current directory; prints the
# version. A source fetched before is reused when it still verifies.
fetch() {
	for d in "$1"_*.dsc; do
		[ -f "$d" ] || continue
		if verify "$d" 2>/dev/null; then
			sed -n 's/^Version: //p' "$d"; return 0
		fi
		say "$d: cached source does not verify, fetching again"
		rm -f "$d"
	done
	list=$(versions "$1")
	if [ -z "$list" ]; then
		add_deb_src
		apt-get update -qq >/dev/null 2>&1 || say "apt-get update failed"
		list=$(versions "$1")
	fi
	[ -n "$list" ] || { say "$1: no source package in apt's lists"; return 1; }
	for v in $list; do
		tmp=$(mktemp -d "$PWD/.fetch.XXXXXX")
		if (cd "$tmp" && apt-get source -qq --download-only "$1=$v") \
			>"$tmp.log" 2>&1 &&
			(cd "$tmp" && verify "$(dsc_name "$1" "$v")") >>"$tmp.log" 2>&1; then
			mv "$tmp"/* .
			rm -rf "$tmp" "$tmp.log"
			say "$1: fetched source $v"
			echo "$v"; return 0
		fi
		why=$(grep -m1 -E '^E:|differs|missing|no Checksums' "$tmp.log" | sed 's/^deps: //')
		say "$1 $v: ${why:-download failed}; trying an older version"
		rm -rf "$tmp" "$tmp.log"
	done
	say "$1: no source version could be downloaded and verified ($(echo $list))"
	return 1
}

bearssl_v=$(fetch bearssl)
zlib_v=$(fetch zlib)
[ -z "$fetch_only" ] || exit 0

CC=${CC:-musl-gcc}
CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"

# orig PKG VERSION: the upstream tarball its .dsc names.
orig() { dsc_files "$(dsc_name "$1" "$2")" | awk '$3 ~ /\.orig\.tar\./ { print $3 }'; }

rm -rf bearssl-*/ zlib-*/
tar xf "$(orig bearssl "$bearssl_v")"
cd bearssl-*/
$CC $CFLAGS -Iinc -Isrc -c src/*/*.c 2>/dev/null ||
	for f in src/*/*.c; do $CC $CFLAGS -Iinc -Isrc -c "$f"; done
rm -f "$out/lib/libbearssl.a"
ar rcs "$out/lib/libbearssl.a" ./*.o
cp inc/*.h "$out/include/"
cd ..

tar xf "$(orig zlib "$zlib_v")"
cd zlib-*/
# inflate is the hot loop of every layer: speed over size here, and -O3
# for inflate itself, as Debian builds its zlib (at -O2 it inflates 6%
# slower, for 8 KiB less; md's CRC-32 is its own, lib/crc32.c).
for f in adler32 crc32 zutil; do
	$CC $CFLAGS -O2 -c $f.c
done
for f in inflate inffast inftrees; do
	$CC $CFLAGS -O3 -c $f.c
done
rm -f "$out/lib/libz.a" "$out/lib/libz.a.O2"
ar rcs "$out/lib/libz.a" ./*.o && touch "$out/lib/libz.a.O3"
cp zlib.h zconf.h "$out/include/"
cd ..
rm -rf bearssl-*/ zlib-*/
cp /usr/include/ini.h "$out/include/inih.h"
cp "$(gcc -print-file-name=libinih.a)" "$out/lib/"
printf 'bearssl %s\nzlib %s\n' "$bearssl_v" "$zlib_v" >"$out/VERSIONS"
say "built BearSSL $bearssl_v and zlib $zlib_v into $out/lib"
