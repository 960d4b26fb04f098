#!/bin/sh
# md's main job on a built-in default, offline: make a one-layer busybox
# image from the host's busybox-static with GNU tar, import it into a
# demo store, list it, inspect it, and run a container from it.
set -eu
cd "$(dirname "$0")/.."
export MD_ROOT="$PWD/build/demo-root"
work=$(mktemp -d /tmp/md-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh echo ls cat uname; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
echo 'root:x:0:' >"$work/rootfs/etc/group"
tar --numeric-owner -C "$work/rootfs" -czf "$work/busybox.tar.gz" .

echo '$ md-import busybox.tar.gz busybox:demo'
./md import "$work/busybox.tar.gz" busybox:demo
echo '$ md-images'
./md images
echo '$ md-inspect -f layer busybox:demo'
layer=$(./md inspect -f layer busybox:demo)
echo "$layer"
# (--network none: the demo makes no bridge, address or NAT rule on this
# machine's network; md-run's default, bridge, would make md0.)
echo '$ md-run --rm --network none busybox:demo sh -c ...'
./md run --rm --network none busybox:demo sh -c \
	'echo "hello from a container: pid $$, host $(hostname), $(uname -s)"'
