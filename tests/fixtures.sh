#!/bin/sh
# Builds the images and archives tests read from $FIX, with real tools
# only (umoci, skopeo, GNU tar, busybox-static, python3), never md.
# Quiet on success; on failure prints the build log and exits 1. A stamp
# holding VERSION and a hash of this script and mkevil.py makes a second
# run a no-op; editing either rebuilds. What each fixture holds:
# tests/tools/README.
set -eu
VERSION=1
TOP=$(cd "$(dirname "$0")/.." && pwd)
FIX=${FIX:-$TOP/build/fixtures}
case $FIX in /*) ;; *) FIX=$(pwd)/$FIX ;; esac
TOOLS=$TOP/tests/tools
stamp="v$VERSION $(cat "$TOP/tests/fixtures.sh" "$TOOLS/mkevil.py" | sha256sum | cut -c1-16)"
[ "$(cat "$FIX/.stamp" 2>/dev/null)" = "$stamp" ] && exit 0

mkdir -p "$(dirname "$FIX")"
exec 9>"$FIX.lock"
flock 9		# another run may be building the same $FIX
[ "$(cat "$FIX/.stamp" 2>/dev/null)" = "$stamp" ] && exit 0

W=$FIX.new.$$		# the new fixtures; renamed to $FIX when complete
T=$FIX.tmp.$$		# scratch
LOG=$FIX.log
trap 'umount "$T/big" 2>/dev/null || :; rm -rf "$W" "$T"' EXIT
trap 'exit 1' HUP INT TERM
rm -rf "$W" "$T"
mkdir -p "$W" "$T"

PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EPOCH=1600000000
CREATED=2020-09-13T12:26:40Z	# = EPOCH; fixed so image digests are stable
SKOPEO="skopeo --insecure-policy --tmpdir $T"

die() { echo "fixtures: $*" >&2; exit 1; }
treecmp() { python3 "$TOOLS/treecmp.py" "$@"; }
rep() { python3 -c "import sys; print(sys.argv[1] * int(sys.argv[2]))" "$@"; }
# randbytes FILE MIB SEED: deterministic random data
randbytes() {
	python3 -c "import random, sys
sys.stdout.buffer.write(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[1]) << 20))" \
		"$2" "$3" >"$1"
}
# stamp_tree DIR: fixed mtimes everywhere, deepest first
stamp_tree() { find "$1" -depth -exec touch -h -d @$EPOCH {} +; }
# stamp_changed DIR MARKER SECS: whole-second mtimes on what changed since
# MARKER (by ctime). umoci's tar writer rounds mtimes to the nearest
# second, so sub-second ones would not survive unpack unchanged.
stamp_changed() { find "$1" -cnewer "$2" -exec touch -h -d @$3 {} +; }
# mark: the marker for stamp_changed; the pause puts later changes past
# the kernel's coarse timestamp tick
mark() { touch "$T/mark"; sleep 0.05; }
# repack IMAGE BUNDLE WHAT: one new layer from the bundle's changes
repack() {
	umoci repack --refresh-bundle --image "$1" --history.created $CREATED \
		--history.created_by "tests/fixtures.sh: $3" "$2"
}
# json_get FILE EXPR: prints a python expression over the JSON in FILE (j)
json_get() {
	python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($2)" "$1"
}

check_tools() {
	[ "$(id -u)" = 0 ] || die "needs root (mknod, chown)"
	for t in umoci skopeo tar gzip python3 busybox flock; do
		command -v $t >/dev/null || die "missing tool: $t"
	done
	BB=$(command -v busybox)
	tar --version | grep -q 'GNU tar' || die "tar is not GNU tar"
}

# --- busybox: one layer, busybox-static and its applets in /bin -----------
busybox_rootfs() {
	r=$1
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" \
		"$r/root" "$r/home/app"
	cp "$BB" "$r/bin/busybox"
	chmod 0755 "$r/bin/busybox"
	for a in $("$BB" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
	cat >"$r/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	app:x:1000:1000:app:/home/app:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$r/etc/group" <<-EOF
	root:x:0:
	app:x:1000:
	nobody:x:65534:
	EOF
	chmod 1777 "$r/tmp"
	chmod 0700 "$r/root"
	chown 1000:1000 "$r/home/app"
	stamp_tree "$r"
}

build_busybox() {
	I=$W/busybox
	umoci init --layout "$I"
	umoci new --image "$I:latest"
	umoci unpack --image "$I:latest" "$T/bb"
	busybox_rootfs "$T/bb/rootfs"
	repack "$I:latest" "$T/bb" "busybox rootfs"
	umoci config --image "$I:latest" --os linux --architecture amd64 \
		--config.cmd sh --config.env "$PATH_ENV" \
		--created $CREATED --history.created $CREATED \
		--history.created_by "tests/fixtures.sh: config"
	umoci gc --layout "$I"
	[ "$(json_get "$I/index.json" "len(j['manifests'])")" = 1 ] ||
		die "busybox: expected one manifest"

	tar --numeric-owner --sort=name -C "$T/bb/rootfs" -cf "$W/busybox-rootfs.tar" .
	gzip -n -c "$W/busybox-rootfs.tar" >"$W/busybox-rootfs.tar.gz"
	$SKOPEO copy -q "oci:$I:latest" "docker-archive:$W/busybox-docker.tar:busybox:latest"
	$SKOPEO copy -q "oci:$I:latest" "oci-archive:$W/busybox-oci.tar:latest"

	umoci unpack --image "$I:latest" "$T/bb-check"
	treecmp diff "$T/bb/rootfs" "$T/bb-check/rootfs" --mtime ||
		die "busybox: umoci unpack differs from the source tree"
}

# --- multi: busybox layer + layers exercising whiteouts, links, modes -----
multi_layer1() {	# base content that later layers change
	mark
	cd "$1"
	mkdir -p del/gone2dir emptied opq/sub opq2/sub d2f/sub hl long sym \
		perm special owner/dir files mt/a/b
	echo keep >del/keep; echo gone1 >del/gone1; echo x >del/gone2dir/x
	echo gone3 >del/gone3
	echo a >emptied/a; echo b >emptied/b
	echo 1 >opq/old1; echo 2 >opq/sub/old2
	echo 1 >opq2/old1; echo 2 >opq2/sub/old2
	echo "file, becomes a dir" >f2d
	echo child >d2f/child; echo x >d2f/sub/x
	echo "file, becomes a dir, then a file again" >x3
	echo trio >hl/a; ln hl/a hl/b; ln hl/a hl/c
	echo pair >hl/p; ln hl/p hl/q
	n150=$(rep n 150); m120=$(rep m 120)
	mkdir -p "long/$n150/$m120"
	echo "path longer than 255" >"long/$n150/$m120/file"
	echo "150-char name" >"long/$(rep f 150)"
	ln "long/$n150/$m120/file" hl/to-long
	ln -s "/$(rep t 60)/$(rep u 60)" sym/long-target
	ln -s "../long/$n150/$m120/file" sym/to-long
	ln -s ../hl/a sym/rel
	ln -s /nonexistent sym/dangling
	echo s >perm/suid; chmod 4755 perm/suid
	echo g >perm/sgid; chmod 2755 perm/sgid
	echo b >perm/both; chmod 6755 perm/both
	echo t >perm/sticky-file; chmod 1644 perm/sticky-file
	mkdir perm/sticky perm/sgid-dir
	chmod 1777 perm/sticky; chmod 2775 perm/sgid-dir
	echo z >perm/zero; chmod 0000 perm/zero
	mkfifo special/fifo
	echo o >owner/odd; chown 12345:54321 owner/odd owner/dir
	echo in >owner/dir/f
	ln -s odd owner/link; chown -h 12345:54321 owner/link
	echo s >owner/suid-odd; chown 12345:54321 owner/suid-odd
	chmod 4750 owner/suid-odd
	: >files/empty
	randbytes files/random5m 5 5
	echo f >mt/a/b/f
	cd - >/dev/null
	stamp_changed "$1" "$T/mark" 1600001000
}

multi_layer2() {	# deletions, type changes, links across layers
	mark
	cd "$1"
	rm del/gone1; rm -r del/gone2dir
	rm emptied/a emptied/b
	rm -r opq
	rm f2d; mkdir f2d; echo inner >f2d/inner
	rm x3; mkdir x3; echo y >x3/y
	ln hl/p hl/r
	mkdir hl2; echo three >hl2/one; ln hl2/one hl2/two; ln hl2/one hl2/three
	chown 12345:54321 files/empty
	chmod 0640 del/keep
	stamp_changed . "$T/mark" 1600002000
	touch -d @1600002000 files	# else the layer has files/empty, no files/
	cd - >/dev/null
}

# Layer 3 is written with GNU tar the way Docker/BuildKit write layers,
# because umoci repack never emits an opaque whiteout and describes a
# directory replaced by a file as "file d" followed by "d/.wh.child".
multi_layer3() {
	s=$1
	mkdir -p "$s/opq2" "$s/del"
	: >"$s/opq2/.wh..wh..opq"
	echo new >"$s/opq2/new"
	echo "was a directory" >"$s/d2f"
	echo "a file again" >"$s/x3"
	: >"$s/del/.wh.gone3"
	stamp_tree "$s"
	tar --format=posix --numeric-owner --sort=name \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-C "$s" -cf "$2" del opq2 d2f x3
}

multi_layer4() {	# refill, recreate, fixed directory mtimes
	mark
	cd "$1"
	echo new >emptied/new
	mkdir opq; echo new >opq/new
	echo changed >mt/a/b/f
	stamp_changed . "$T/mark" 1600004000
	touch -d @900000000 mt/a/b/f
	touch -d @1000000000 mt/a/b
	touch -d @1100000000 mt/a
	touch -d @1200000000 mt
	touch -d @1300000000 emptied
	cd - >/dev/null
}

build_multi() {
	I=$W/multi
	$SKOPEO copy -q "oci:$W/busybox:latest" "oci:$I:latest"
	umoci unpack --image "$I:latest" "$T/m"
	multi_layer1 "$T/m/rootfs"
	repack "$I:latest" "$T/m" "base content"
	multi_layer2 "$T/m/rootfs"
	repack "$I:latest" "$T/m" "deletions and type changes"
	multi_layer3 "$T/l3" "$T/l3.tar"
	umoci raw add-layer --image "$I:latest" --history.created $CREATED \
		--history.created_by "tests/fixtures.sh: opaque dir, dir->file (GNU tar)" \
		"$T/l3.tar"
	umoci unpack --image "$I:latest" "$T/m2"
	multi_layer4 "$T/m2/rootfs"
	repack "$I:latest" "$T/m2" "refill, recreate, mtimes"
	umoci gc --layout "$I"

	umoci unpack --image "$I:latest" "$T/mr"
	mv "$T/mr/rootfs" "$W/multi-rootfs"
	treecmp diff "$T/m2/rootfs" "$W/multi-rootfs" --mtime ||
		die "multi: umoci unpack differs from the tree it was packed from"
	check_multi "$W/multi-rootfs"
	$SKOPEO copy -q "oci:$I:latest" "docker-archive:$W/multi-docker.tar:multi:latest"
	$SKOPEO copy -q "oci:$I:latest" "oci-archive:$W/multi-oci.tar:latest"
}

# The merged tree must show what each layer meant, whatever umoci did.
check_multi() {
	treecmp list "$1" --mtime >"$T/multi.list"
	have() { grep -Eq "^$1( |\$)" "$T/multi.list" || die "multi-rootfs: no '$1'"; }
	lacks() { ! grep -Eq "^$1( |\$)" "$T/multi.list" || die "multi-rootfs: has '$1'"; }
	have 'del/keep f 0640'; lacks 'del/gone1'; lacks 'del/gone2dir'; lacks 'del/gone3'
	have 'emptied/new f'; lacks 'emptied/a'; have 'emptied d .* mtime=1300000000'
	have 'opq/new f'; lacks 'opq/old1'; lacks 'opq/sub'
	have 'opq2/new f'; lacks 'opq2/old1'; lacks 'opq2/sub'; lacks 'opq2/\.wh\.\.wh\.\.opq'
	have 'f2d d'; have 'f2d/inner f'
	have 'd2f f'; lacks 'd2f/child'
	have 'x3 f'; lacks 'x3/y'
	have 'hl/a f .* link=1'; have 'hl/b f .* link=1'; have 'hl/c f .* link=1'
	have 'perm/suid f 4755'; have 'perm/both f 6755'; have 'perm/sticky d 1777'
	have 'perm/zero f 0000'; have 'special/fifo p'
	have 'owner/odd f 0644 12345:54321'; have 'owner/suid-odd f 4750 12345:54321'
	have 'files/random5m f 0644 0:0 size=5242880'
	have 'files/empty f 0644 12345:54321 size=0'
	have 'mt/a/b/f f .* mtime=900000000'; have 'mt d .* mtime=1200000000'
	[ "$(grep -c ' link=' "$T/multi.list")" -ge 10 ] || die "multi-rootfs: hardlinks lost"
}

# --- index: linux/amd64 (busybox) + linux/arm64 (one file) ----------------
build_index() {
	X=$T/idx
	$SKOPEO copy -q "oci:$W/busybox:latest" "oci:$X:amd64"
	umoci new --image "$X:arm64"
	umoci unpack --image "$X:arm64" "$T/arm"
	echo "arm64 image" >"$T/arm/rootfs/hello"
	stamp_tree "$T/arm/rootfs"
	repack "$X:arm64" "$T/arm" "one file"
	umoci config --image "$X:arm64" --os linux --architecture arm64 \
		--config.env "$PATH_ENV" --created $CREATED --history.created $CREATED \
		--history.created_by "tests/fixtures.sh: config"
	umoci gc --layout "$X"
	mkdir -p "$W/index"
	cp -a "$X/blobs" "$X/oci-layout" "$W/index/"
	python3 - "$X/index.json" "$W/index" <<-'EOF'
	import hashlib, json, os, sys
	old = json.load(open(sys.argv[1]))
	by = {m["annotations"]["org.opencontainers.image.ref.name"]: m
	      for m in old["manifests"]}
	ms = []
	for arch, extra in (("amd64", {}), ("arm64", {"variant": "v8"})):
	    m = {k: by[arch][k] for k in ("mediaType", "digest", "size")}
	    m["platform"] = dict(architecture=arch, os="linux", **extra)
	    ms.append(m)
	idx = {"schemaVersion": 2,
	       "mediaType": "application/vnd.oci.image.index.v1+json",
	       "manifests": ms}
	raw = json.dumps(idx, separators=(",", ":")).encode()
	dg = hashlib.sha256(raw).hexdigest()
	with open(os.path.join(sys.argv[2], "blobs/sha256", dg), "wb") as f:
	    f.write(raw)
	top = {"schemaVersion": 2, "manifests": [{
	    "mediaType": idx["mediaType"], "digest": "sha256:" + dg,
	    "size": len(raw),
	    "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
	with open(os.path.join(sys.argv[2], "index.json"), "w") as f:
	    json.dump(top, f, separators=(",", ":"))
	EOF
	$SKOPEO copy -q --all "oci:$W/index:latest" "oci-archive:$W/index-oci.tar:latest"
	# real tools must agree it is a two-platform index
	$SKOPEO inspect --raw "oci:$W/index:latest" >"$T/idx.raw"
	[ "$(json_get "$T/idx.raw" "' '.join(m['platform']['architecture'] for m in j['manifests'])")" = "amd64 arm64" ] ||
		die "index: platforms"
	$SKOPEO copy -q --override-arch arm64 "oci:$W/index:latest" "oci:$T/arm-check:x"
	$SKOPEO inspect --config "oci:$T/arm-check:x" >"$T/arm.cfg"
	[ "$(json_get "$T/arm.cfg" "j['architecture']")" = arm64 ] || die "index: arm64 config"
}

# --- tar: GNU tar streams (gnu, pax, ustar) of one source tree ------------
tar_tree() {	# DIR full|ustar
	d=$1
	mkdir -p "$d/dir/sub" "$d/hl" "$d/sym" "$d/perm" "$d/special" \
		"$d/owner" "$d/files"
	echo hello >"$d/dir/file"
	echo space >"$d/dir/with space"
	echo utf8 >"$d/dir/h$(printf '\303\251')llo-$(printf '\303\261').txt"
	echo sub >"$d/dir/sub/f"
	echo trio >"$d/hl/a"; ln "$d/hl/a" "$d/hl/b"; ln "$d/hl/a" "$d/hl/c"
	ln -s ../dir/file "$d/sym/rel"
	ln -s /etc/passwd "$d/sym/abs"
	ln -s nowhere "$d/sym/dangling"
	ln -s ../dir "$d/sym/dir"
	echo s >"$d/perm/suid"; chmod 4755 "$d/perm/suid"
	echo g >"$d/perm/sgid"; chmod 2755 "$d/perm/sgid"
	mkdir "$d/perm/sticky" "$d/perm/sgid-dir"
	chmod 1777 "$d/perm/sticky"; chmod 2775 "$d/perm/sgid-dir"
	echo z >"$d/perm/zero"; chmod 0000 "$d/perm/zero"
	mkfifo "$d/special/fifo"
	mknod "$d/special/null" c 1 3
	mknod "$d/special/loop" b 7 200
	echo o >"$d/owner/odd"; chown 12345:54321 "$d/owner/odd"
	: >"$d/files/empty"
	randbytes "$d/files/random" 1 7
	# > 100 bytes but fits ustar's prefix + name split
	p="$d/deep/$(rep d 40)/$(rep d 40)/$(rep d 40)/$(rep d 40)"
	mkdir -p "$p"; echo deep >"$p/$(rep f 50)"
	[ "$2" = ustar ] && return 0

	n150=$(rep a 150); m150=$(rep b 150)
	mkdir -p "$d/long/$n150/$m150"
	echo "path longer than 255" >"$d/long/$n150/$m150/file"
	echo "150-char name" >"$d/long/$(rep c 150)"
	ln "$d/long/$n150/$m150/file" "$d/hl/to-long"
	ln "$d/hl/a" "$d/long/$(rep l 120)"
	ln -s "/$(rep t 70)/$(rep u 70)" "$d/sym/long-target"
	echo big >"$d/owner/big-ids"; chown 3000000:3000001 "$d/owner/big-ids"
	mkdir "$d/xattr"; echo x >"$d/xattr/file"
	python3 -c "import os, sys; os.setxattr(sys.argv[1], 'user.md', b'hello')" \
		"$d/xattr/file"
	# 20 MiB: 1 MiB random at 0 and at 10 MiB, zeros (holes) elsewhere
	randbytes "$T/r1" 1 20
	dd if="$T/r1" of="$d/files/big20m" bs=1M count=1 status=none
	dd if="$T/r1" of="$d/files/big20m" bs=1M seek=10 count=1 conv=notrunc status=none
	truncate -s 20M "$d/files/big20m"
}

build_tar() {
	D=$W/tar
	mkdir -p "$D"
	tar_tree "$D/src" full
	tar_tree "$D/src-ustar" ustar
	stamp_tree "$D/src"; stamp_tree "$D/src-ustar"
	touch -d @1500000000 "$D/src/dir" "$D/src-ustar/dir"
	touch -h -d @1400000000 "$D/src/sym/rel" "$D/src-ustar/sym/rel"
	common="--numeric-owner --sort=name"
	tar --format=gnu $common -C "$D/src" -cf "$D/gnu.tar" .
	tar --format=posix --xattrs --xattrs-include='user.*' $common \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-C "$D/src" -cf "$D/pax.tar" .
	tar --format=ustar $common -C "$D/src-ustar" -cf "$D/ustar.tar" .
	for f in gnu pax ustar; do gzip -n -c "$D/$f.tar" >"$D/$f.tar.gz"; done

	# GNU tar must read back exactly the source trees
	for f in gnu pax ustar; do
		src=$D/src
		[ $f = ustar ] && src=$D/src-ustar
		mkdir "$T/x-$f"
		if [ $f = pax ]; then
			tar --xattrs --xattrs-include='user.*' --numeric-owner \
				-xpzf "$D/$f.tar.gz" -C "$T/x-$f"
			treecmp diff "$src" "$T/x-$f" --mtime --xattrs
		else
			tar --numeric-owner -xpzf "$D/$f.tar.gz" -C "$T/x-$f"
			treecmp diff "$src" "$T/x-$f" --mtime
		fi || die "tar: $f.tar does not round-trip"
		rm -rf "$T/x-$f"
	done
	tar -tvf "$D/pax.tar" | grep -q ' 3000000/3000001 ' || die "tar: big ids (pax)"
	tar -tvf "$D/gnu.tar" | grep -q ' 3000000/3000001 ' || die "tar: big ids (gnu)"
	python3 -c "import tarfile, sys
m = tarfile.open(sys.argv[1]).getmember('./xattr/file')
assert m.pax_headers.get('SCHILY.xattr.user.md') == 'hello', m.pax_headers" "$D/pax.tar" ||
		die "tar: xattr missing from pax.tar"
}

# --- dir2file: umoci's own layers for a directory that becomes a file ------
# umoci repack writes the file "data/swap", then whiteouts under it
# ("data/swap/.wh.inner"), which hide nothing.
build_dir2file() {
	I=$W/dir2file
	$SKOPEO copy -q "oci:$W/busybox:latest" "oci:$I:latest"
	umoci unpack --image "$I:latest" "$T/d2f"
	mkdir -p "$T/d2f/rootfs/data/swap/sub" "$T/d2f/rootfs/data/keep"
	echo inner >"$T/d2f/rootfs/data/swap/inner"
	echo sub >"$T/d2f/rootfs/data/swap/sub/f"
	echo keep >"$T/d2f/rootfs/data/keep/f"
	repack "$I:latest" "$T/d2f" "a directory"
	rm -rf "$T/d2f"
	umoci unpack --image "$I:latest" "$T/d2f"
	rm -r "$T/d2f/rootfs/data/swap"
	echo "a file now" >"$T/d2f/rootfs/data/swap"
	repack "$I:latest" "$T/d2f" "the directory becomes a file"
	umoci gc --layout "$I"
	umoci unpack --image "$I:latest" "$T/d2f-check"
	mv "$T/d2f-check/rootfs" "$W/dir2file-rootfs"
	[ "$(cat "$W/dir2file-rootfs/data/swap")" = "a file now" ] ||
		die "dir2file: umoci unpack has no file data/swap"
	python3 - "$I" <<-'EOF' || die "dir2file: no whiteout under a file"
	import json, sys, tarfile
	i = sys.argv[1]
	idx = json.load(open(i + "/index.json"))
	m = json.load(open(i + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
	names = tarfile.open(i + "/blobs/sha256/" + m["layers"][-1]["digest"][7:]).getnames()
	sys.exit("data/swap/.wh.inner" not in names)
	EOF
	$SKOPEO copy -q "oci:$I:latest" "oci-archive:$W/dir2file-oci.tar:latest"
}

# --- interop: GNU tar archives in every format ---------------------------
# interop_tree DIR v7|ustar|full: what each format can hold.
interop_tree() {
	d=$1
	mkdir -p "$d/dir/sub" "$d/hl" "$d/sym" "$d/mode"
	echo hello >"$d/dir/file"
	echo sub >"$d/dir/sub/f"
	echo pair >"$d/hl/a"; ln "$d/hl/a" "$d/hl/b"
	ln -s ../dir/file "$d/sym/rel"
	echo s >"$d/mode/suid"; chmod 4755 "$d/mode/suid"
	mkdir "$d/mode/sticky"; chmod 1777 "$d/mode/sticky"
	echo o >"$d/owner"; chown 12345:54321 "$d/owner"
	echo v7 >"$d/dir/$(rep n 80)"
	[ "$2" = v7 ] && return 0
	mkfifo "$d/fifo"; mknod "$d/null" c 1 3
	p="$d/deep/$(rep d 60)/$(rep e 60)"
	mkdir -p "$p"; echo deep >"$p/$(rep f 60)"
	[ "$2" = ustar ] && return 0
	p="$d/long/$(rep a 150)/$(rep b 150)"
	mkdir -p "$p"; echo long >"$p/file"
	ln "$d/dir/file" "$d/long/$(rep l 120)"
	ln -s "/$(rep t 150)" "$d/sym/long-target"
	echo big >"$d/big-ids"; chown 4000000:4000001 "$d/big-ids"
	# sparse files: holes between, before, after the data; only holes;
	# data to an end that is not on a block;
	# 30 pieces of data (old GNU needs two extension blocks for them)
	python3 - "$d/sparse" <<-'EOF'
	import os, sys
	os.mkdir(sys.argv[1])
	def mk(name, size, chunks):
	    with open(os.path.join(sys.argv[1], name), "wb") as f:
	        for off, n in chunks:
	            f.seek(off)
	            f.write(bytes((off >> 12) % 251 + 1 for _ in range(n)))
	        f.truncate(size)
	mk("mid", 1 << 20, [(256 << 10, 4096), (512 << 10, 8192)])
	mk("many", 2 << 20, [(i << 16, 4096) for i in range(30)])
	mk("holes-only", 1 << 20, [])
	mk("data-at-end", (1 << 20) + 1000, [((1 << 20) - 4096, 5096)])
	EOF
	# before 1970: GNU tar writes these in base-256 (PAX: "mtime=-1.5")
	mkdir "$d/old"
	echo 1960 >"$d/old/f"; touch -d @-315619200 "$d/old/f"
	echo m1 >"$d/old/minus1"; touch -d @-1 "$d/old/minus1"
	echo frac >"$d/old/frac"; touch -d @-1.5 "$d/old/frac"
	touch -d @-2000000000 "$d/old"
}

# tar_interop FORMAT SRC NAME [TAR OPTIONS]: dir/sub/f is named twice, so
# GNU tar writes it again as a hard link to itself.
tar_interop() {
	f=$1 src=$2 out=$W/interop/$3.tar
	shift 3
	tar --format=$f --numeric-owner "$@" -C "$src" -cf "$out" . ./dir/sub/f
	tar -tvf "$out" | grep -q ' \./dir/sub/f link to \./dir/sub/f$' ||
		die "interop: $out has no self-link"
}

build_interop() {
	D=$W/interop
	mkdir -p "$D"
	interop_tree "$T/i-full" full
	interop_tree "$T/i-ustar" ustar
	interop_tree "$T/i-v7" v7
	for f in gnu oldgnu posix; do
		tar_interop $f "$T/i-full" $f --sparse
	done
	for v in 0.0 0.1 1.0; do
		tar_interop pax "$T/i-full" pax-sparse-$v --sparse --sparse-version=$v
	done
	tar_interop ustar "$T/i-ustar" ustar
	tar_interop v7 "$T/i-v7" v7
	tar -tvf "$D/gnu.tar" | grep -q ' 1960-01-01 .*/old/f$' || die "interop: 1960"
	python3 - "$D/oldgnu.tar" <<-'EOF' || die "interop: no old GNU sparse extension"
	import sys, tarfile
	m = tarfile.open(sys.argv[1]).getmember("./sparse/many")
	sys.exit(not (m.type == tarfile.GNUTYPE_SPARSE and len(m.sparse) == 30))
	EOF
	# 100k directories, made on a tmpfs: ext4 takes minutes to remove them
	mkdir "$T/big"
	mount -t tmpfs md-fixtures "$T/big"
	python3 -c "import os
for i in range(100):
    for j in range(1000):
        os.makedirs('$T/big/d%02d/e%03d' % (i, j))"
	touch -d @1000000000 "$T/big"/d00/e000 "$T/big"/d99
	tar --format=gnu --numeric-owner -C "$T/big" -czf "$D/dirs100k.tar.gz" .
	umount "$T/big"
}

# Archives GNU tar does not write, from Python's tarfile: a directory, a
# hard link, a symlink, devices and a fifo with a size field (no data
# follows them); uid/gid 4294967295; directories in no depth-first order
# and 70 levels deep; repeated PAX and GNU long-name headers before one
# entry. odd-nodes-ref and odd-order-ref are Python's extractions (GNU tar
# reads the first otherwise than Go, and leaves directories it comes back
# to with the time of extraction).
build_interop_odd() {
	python3 - "$W/interop" <<-'EOF'
	import io, os, sys, tarfile
	T = tarfile.TarInfo
	os.chdir(sys.argv[1])
	def member(name, kind=tarfile.REGTYPE, size=0, **kw):
	    m = T(name)
	    m.type, m.size, m.mtime, m.mode = kind, size, 1234567890, 0o755
	    for k, v in kw.items():
	        setattr(m, k, v)
	    return m
	def put(t, m, data=b""):
	    m.size = len(data) if m.isreg() else m.size
	    t.addfile(m, io.BytesIO(data) if m.isreg() else None)
	def sized(path, names, size):	# sets the size field of those headers
	    raw = bytearray(open(path, "rb").read())
	    for off in range(0, len(raw), 512):
	        h = raw[off:off + 512]
	        if h[:100].rstrip(b"\0").decode() in names and h[156:157] != b"0":
	            h[124:136] = b"%011o\0" % size
	            h[148:156] = b" " * 8
	            h[148:156] = b"%06o\0 " % sum(h)
	            raw[off:off + 512] = h
	    open(path, "wb").write(raw)
	with tarfile.open("odd-sized.tar", "w", format=tarfile.USTAR_FORMAT) as t:
	    put(t, member("f"), b"abc")
	    put(t, member("d", tarfile.DIRTYPE))
	    put(t, member("after-d"), b"1")
	    put(t, member("l", tarfile.LNKTYPE, linkname="f"))
	    put(t, member("after-l"), b"2")
	sized("odd-sized.tar", ("d", "l"), 1000)
	with tarfile.open("odd-nodes.tar", "w", format=tarfile.USTAR_FORMAT) as t:
	    for name, kind in (("s", tarfile.SYMTYPE), ("c", tarfile.CHRTYPE),
	                       ("p", tarfile.FIFOTYPE), ("b", tarfile.BLKTYPE)):
	        put(t, member(name, kind, linkname="target", devmajor=1, devminor=3))
	        put(t, member("after-" + name), b"ok")
	sized("odd-nodes.tar", ("s", "c", "p", "b"), 700)
	tarfile.open("odd-nodes.tar").extractall("odd-nodes-ref", numeric_owner=True)
	with tarfile.open("odd-ids.tar", "w", format=tarfile.GNU_FORMAT) as t:
	    put(t, member("neg-one", uid=4294967295, gid=4294967295), b"x")
	with tarfile.open("odd-order.tar", "w", format=tarfile.PAX_FORMAT) as t:
	    for n, (name, kind) in enumerate([
	            ("a", tarfile.DIRTYPE), ("b", tarfile.DIRTYPE),
	            ("a/f", tarfile.REGTYPE), ("b/sub", tarfile.DIRTYPE),
	            ("a/sub", tarfile.DIRTYPE), ("b/sub/g", tarfile.REGTYPE),
	            ("c/x/y/f", tarfile.REGTYPE), ("c", tarfile.DIRTYPE),
	            ("c/x", tarfile.DIRTYPE), ("a/f2", tarfile.REGTYPE),
	            ("c/x/y", tarfile.DIRTYPE)]):
	        put(t, member(name, kind, mtime=100000 * (n + 1)))
	    deep = ["l%d" % i for i in range(70)]
	    for i in range(1, 71):
	        put(t, member("/".join(deep[:i]), tarfile.DIRTYPE, mtime=1000 * i))
	    put(t, member("/".join(deep) + "/f"))
	    put(t, member("a/late"))
	    put(t, member("/".join(deep[:35]) + "/g"))
	tarfile.open("odd-order.tar").extractall("odd-order-ref", numeric_owner=True)
	pax = lambda d: T._create_pax_generic_header(d, tarfile.XHDTYPE, "utf-8")
	gnu = lambda n: T._create_gnu_long_header(n, tarfile.GNUTYPE_LONGNAME,
	                                          "utf-8", "strict")
	def file(name, data):
	    m = member(name, size=len(data))
	    return m.tobuf(tarfile.USTAR_FORMAT) + data + b"\0" * (-len(data) % 512)
	open("odd-rep.tar", "wb").write(
	    pax({"path": "first", "uid": "7"}) + pax({"path": "second"}) +
	    file("hdr1", b"one") + gnu("long-one") + gnu("long-two") +
	    file("hdr2", b"two") + b"\0" * 1024)
	EOF
	tar -tf "$W/interop/odd-rep.tar" | grep -qx second || die "interop: odd-rep.tar"
}

# The canary is this checkout's own: test runs of other checkouts on the
# same machine remove theirs (tests/import.test computes the same name).
build_evil() {
	python3 "$TOOLS/mkevil.py" build "$W/evil" --canary \
		"/tmp/md-evil-canary.$(printf %s "$TOP" | cksum | cut -d' ' -f1)"
}

build() {
	check_tools
	build_busybox
	build_multi
	build_index
	build_tar
	build_dir2file
	build_interop
	build_interop_odd
	build_evil
	echo "$stamp" >"$W/.stamp"
}

set +e
(set -e; build) >"$LOG" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
	tail -n 40 "$LOG" >&2
	echo "fixtures: build failed (full log: $LOG)" >&2
	exit 1
fi
rm -rf "$T" "$FIX.old.$$"
[ -e "$FIX" ] && mv "$FIX" "$FIX.old.$$"
mv "$W" "$FIX"
rm -rf "$FIX.old.$$" "$LOG"
