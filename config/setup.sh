#!/bin/sh
# Prepares a Debian 12 host to build and test md: installs the Debian
# packages that are missing (quietly, only those), and builds md's static
# dependencies (BearSSL, zlib) from their Debian sources with musl.
set -eu
cd "$(dirname "$0")/.."

need="make gcc musl-tools libinih-dev xz-utils bzip2 file busybox-static
      skopeo umoci docker-registry openssl python3 crun runc hyperfine curl
      ca-certificates clang libclang-rt-14-dev util-linux procps iproute2
      apache2-utils attr qemu-system-x86 cpio libbearssl-dev zlib1g-dev
      strace time e2fsprogs debootstrap nftables"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp)
	if ! { apt-get update -qq && apt-get install -y -qq \
		--no-install-recommends $missing; } >"$log" 2>&1; then
		tail -20 "$log" >&2; rm -f "$log"
		echo "setup: apt-get install failed" >&2; exit 1
	fi
	rm -f "$log"
fi

# BearSSL and zlib from Debian sources, built with musl for a small binary.
# libinih's source is not in the archive we reach, so its static library
# from libinih-dev is linked as it is (see lib/ini.c for how md copes).
# The fuzzers (clang, glibc, sanitizers) link Debian's libbearssl-dev and
# zlib1g-dev instead (config.mk FUZZ_LIBS).
sh config/deps.sh
