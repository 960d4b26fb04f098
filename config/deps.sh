#!/bin/sh
# Builds static musl copies of BearSSL and zlib (inflate only) from the
# Debian source packages into build/deps. Idempotent.
set -eu
cd "$(dirname "$0")/.."
out=$PWD/build/deps
[ -f "$out/lib/libbearssl.a" ] && [ -f "$out/lib/libz.a.O2" ] && [ -f "$out/include/inih.h" ] && [ -f "$out/lib/libinih.a" ] && exit 0
mkdir -p "$out/src" "$out/lib" "$out/include"
cd "$out/src"

fetch() {	# fetch the Debian source package $1, adding deb-src once if needed
	ls "$1"_*.orig.tar.* >/dev/null 2>&1 && return 0
	if ! apt-get source -qq --download-only "$1" >/dev/null 2>&1; then
		src=/etc/apt/sources.list.d/md-deb-src.sources
		if [ ! -f "$src" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed 's/^Types: deb$/Types: deb-src/' \
				/etc/apt/sources.list.d/debian.sources >"$src"
		elif [ ! -f "$src" ] && [ -f /etc/apt/sources.list ]; then
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$src.list"
		fi
		apt-get update -qq >/dev/null
		apt-get source -qq --download-only "$1" >/dev/null
	fi
}
fetch bearssl
fetch zlib

CC=${CC:-musl-gcc}
CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"

rm -rf bearssl-* zlib-*/
tar xf bearssl_*.orig.tar.*
cd bearssl-*/
$CC $CFLAGS -Iinc -Isrc -c src/*/*.c 2>/dev/null || \
	for f in src/*/*.c; do $CC $CFLAGS -Iinc -Isrc -c "$f"; done
ar rcs "$out/lib/libbearssl.a" ./*.o
cp inc/*.h "$out/include/"
cd ..

tar xf zlib_*.orig.tar.*
cd zlib-*/
# inflate and crc32 are the hot loop of every layer: speed over size here.
for f in adler32 crc32 inflate inffast inftrees zutil; do
	$CC $CFLAGS -O2 -c $f.c
done
ar rcs "$out/lib/libz.a" ./*.o && touch "$out/lib/libz.a.O2"
cp zlib.h zconf.h "$out/include/"
cp /usr/include/ini.h "$out/include/inih.h"
cp "$(gcc -print-file-name=libinih.a)" "$out/lib/"
echo "deps: built $out/lib/libbearssl.a $out/lib/libz.a"
