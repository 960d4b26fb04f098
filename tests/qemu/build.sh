#!/bin/sh
# Builds what tests/cgroup2.test boots: Debian's own kernel (fetched with
# apt-get download and unpacked under build/qemu/kernel, never installed)
# and an initramfs of busybox-static, the md binary, the busybox image
# archive made by tests/fixtures.sh, the kernel modules md needs, and
# tests/qemu/init + tests/qemu/vmtests.sh.
# usage: tests/qemu/build.sh OUTDIR   (writes OUTDIR/vmlinuz, OUTDIR/initrd.gz)
# Exit 77 with the reason on stderr when the kernel, qemu or a tool cannot
# be had (the tests then skip); 1 on any other failure.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
Q=${1:-$TOP/build/qemu}
MD=${MD:-$TOP/md}
FIX=${FIX:-$TOP/build/fixtures}
K=$Q/kernel		# the unpacked kernel package, cached
# loaded in the VM, with their dependencies: overlay, the bridge's, and
# nf_tables for masquerade and published ports (md's tables).
# crc32c_generic first: libcrc32c (nf_tables's, nf_conntrack's) wants a
# crc32c at its load and names it only as a soft dependency.
MODS="overlay veth bridge loop crc32c_generic nf_tables nft_chain_nat nft_nat
      nft_masq nft_ct nft_fib_ipv4 nf_conntrack_netlink"

unavailable() { echo "$*" >&2; exit 77; }
die() { echo "qemu build: $*" >&2; exit 1; }

command -v "${MD_QEMU:-qemu-system-x86_64}" >/dev/null ||
	unavailable "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
BB=$(command -v busybox) || unavailable "busybox not installed (busybox-static)"
file -L "$BB" 2>/dev/null | grep -q 'statically linked' ||
	unavailable "$BB is not static (install busybox-static)"
if command -v cpio >/dev/null; then CPIO=cpio; else CPIO="$BB cpio"; fi
[ -x "$MD" ] || die "no md binary at $MD (make md)"
[ -f "$FIX/busybox-docker.tar" ] || die "no $FIX/busybox-docker.tar (sh tests/fixtures.sh)"

mkdir -p "$Q"
exec 9>"$Q/lock"
flock 9			# another run may be fetching or building

# --- the kernel: linux-image-<version>-amd64, as linux-image-amd64 names it --
if ! ls "$K"/boot/vmlinuz-* >/dev/null 2>&1; then
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		unavailable "no apt-get/dpkg-deb to fetch Debian's kernel"
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	[ -n "$pkg" ] || unavailable "apt-cache knows no linux-image-amd64 (apt-get update?)"
	rm -f "$Q"/linux-image-*.deb
	(cd "$Q" && apt-get download -q -o APT::Sandbox::User=root "$pkg") \
		>"$Q/download.log" 2>&1 ||
		unavailable "apt-get download $pkg failed: $(tail -1 "$Q/download.log")"
	rm -rf "$K.new"
	dpkg-deb -x "$Q"/"$pkg"_*.deb "$K.new" || die "dpkg-deb -x $pkg failed"
	rm -rf "$K"; mv "$K.new" "$K"
	rm -f "$Q"/linux-image-*.deb
fi
vmlinuz=$(ls "$K"/boot/vmlinuz-* | head -1)
kver=${vmlinuz##*/vmlinuz-}
moddir=$K/lib/modules/$kver
[ -d "$moddir" ] || die "no $moddir"

# --- the initramfs staging tree ---------------------------------------------
S=$Q/staging
rm -rf "$S"
mkdir -p "$S/bin" "$S/proc" "$S/sys" "$S/dev" "$S/tmp" "$S/etc" \
	"$S/lib/modules" "$S/root"
mknod -m 600 "$S/dev/console" c 5 1 2>/dev/null || :	# for init's stdio
cp "$BB" "$S/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] || ln -s busybox "$S/bin/$a"
done
cp "$MD" "$S/bin/md"
# Every applet the spec names, and any the binary lists: a missing one
# then fails in the VM with md's own message, not "not found".
for a in run pull images rmi load import ps inspect logs exec stop kill rm \
	$("$MD" 2>/dev/null | sed -n 's/^  md-//p'); do
	ln -sf md "$S/bin/md-$a"
done
cp "$FIX/busybox-docker.tar" "$S/busybox-docker.tar"
cp "$TOP/tests/qemu/init" "$S/init"
cp "$TOP/tests/qemu/vmtests.sh" "$S/vmtests.sh"
chmod 755 "$S/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$S/etc/passwd"
echo "root:x:0:" >"$S/etc/group"

# Modules: the .ko files (Debian 12 ships them uncompressed; .ko.xz is
# unpacked here) in dependency order, from each module's depends= field
# (the package has no modules.dep: depmod makes it on install).
modfile() {	# NAME -> path of NAME.ko* in the tree ('-' and '_' alike)
	n=$(echo "$1" | sed 's/[-_]/[-_]/g')
	find "$moddir/kernel" -regex ".*/$n\.ko\(\.xz\|\.zst\|\.gz\)?" | head -1
}
moddeps() {
	case $1 in *.xz) xz -dc "$1";; *.zst) zstd -dc "$1";; *.gz) gzip -dc "$1";;
	*) cat "$1";; esac | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}
ORDER=""
addmod() {	# depth-first: dependencies first
	case " $ORDER " in *" $1 "*) return;; esac
	f=$(modfile "$1"); [ -n "$f" ] || die "module $1 not in $moddir"
	for d in $(moddeps "$f"); do addmod "$d"; done
	f=$(modfile "$1")
	case $f in
	*.xz) xz -dc "$f";; *.zst) zstd -dc "$f";; *.gz) gzip -dc "$f";; *) cat "$f";;
	esac >"$S/lib/modules/$1.ko"
	ORDER="$ORDER $1"
}
for m in $MODS; do addmod "$m"; done
echo $ORDER >"$S/lib/modules/order"

(cd "$S" && find . | LC_ALL=C sort | $CPIO -o -H newc 2>"$Q/cpio.log") |
	gzip -1 >"$Q/initrd.gz.new"
gzip -dc "$Q/initrd.gz.new" | $CPIO -t 2>/dev/null | grep -Eqx "(\./)?init" ||
	die "cpio made no archive: $(cat "$Q/cpio.log")"
mv "$Q/initrd.gz.new" "$Q/initrd.gz"
ln -sf "$vmlinuz" "$Q/vmlinuz"
rm -rf "$S"
