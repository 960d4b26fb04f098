#!/usr/bin/env python3
"""Normalized listing and comparison of directory trees, for tests.

usage: treecmp.py list DIR [--mtime] [--xattrs] [--overlay] [--no-owner]
                           [--ignore PATH...]
       treecmp.py diff A B [A2 B2...] [same options]

One line per entry, sorted by path (bytes order), fields separated by
one space:

    PATH TYPE MODE UID:GID [size=N sha256=HEX] [-> TARGET] [dev=MAJ,MIN]
         [link=N] [mtime=SECS] [xattr.NAME=VALUE]...

PATH is relative to DIR ("." for DIR itself); bytes outside printable
ASCII, space and backslash are written \\xHH. TYPE is one of f d l p c b s.
MODE is 4 octal digits incl. setuid/setgid/sticky. size/sha256 for
regular files; "-> TARGET" for symlinks; dev= for c and b. link=N marks
hardlinks: non-directories sharing an inode with another name in the tree
get the same N, numbered 1.. in path order. mtime (whole seconds) only
with --mtime, and only for f and d. --xattrs adds user.* and
trusted.overlay.* attributes. --overlay omits 0:0 character devices
(overlayfs whiteouts). --no-owner drops UID:GID (prints "-").
--ignore PATH skips PATH and everything below it (repeatable; "."
skips only the top directory's own line).

diff prints "only in A: PATH", "only in B: PATH" and "differs: PATH" with
both lines, and exits 1 when the trees differ, 0 when equal, 2 on error.
More pairs compare each A with its B ("== A B" before the differences of
a pair), for one python start.
For diff, hardlink groups are compared by their first path rather than by
number, so one extra group does not shift every later line.
"""
import argparse
import hashlib
import os
import stat
import sys

TYPES = [(stat.S_ISREG, "f"), (stat.S_ISDIR, "d"), (stat.S_ISLNK, "l"),
         (stat.S_ISFIFO, "p"), (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b"),
         (stat.S_ISSOCK, "s")]
XATTR_PREFIXES = (b"user.", b"trusted.overlay.")


def esc(b):
    """Bytes -> printable ASCII, no spaces."""
    out = []
    for c in b:
        if 0x21 <= c <= 0x7e and c != 0x5c:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def ftype(mode):
    for test, t in TYPES:
        if test(mode):
            return t
    return "?"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def under(rel, ignores):
    for ig in ignores:
        if rel == ig or rel.startswith(ig + b"/"):
            return True
    return False


def walk(top, opts):
    """Yields (relpath bytes, lstat) for every entry, unsorted."""
    top = os.fsencode(top)
    st = os.lstat(top)
    yield b".", st
    stack = [b""]
    while stack:
        rel = stack.pop()
        d = os.path.join(top, rel) if rel else top
        for name in os.listdir(d):
            r = os.path.join(rel, name) if rel else name
            st = os.lstat(os.path.join(top, r))
            yield r, st
            if stat.S_ISDIR(st.st_mode):
                stack.append(r)


def entries(top, opts):
    """Returns a sorted list of (path, fields dict) for the tree."""
    ignores = [os.fsencode(i.strip("/") or ".") for i in opts.ignore]
    ents = []
    for rel, st in walk(top, opts):
        if rel != b"." and under(rel, ignores):
            continue
        if rel == b"." and b"." in ignores:
            continue
        if opts.overlay and stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            continue
        ents.append((rel, st))
    ents.sort(key=lambda e: e[0])

    # hardlink groups: inodes with >1 name inside the tree
    names = {}
    for rel, st in ents:
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            names.setdefault((st.st_dev, st.st_ino), []).append(rel)
    group = {}
    n = 0
    for rel, st in ents:
        key = (st.st_dev, st.st_ino)
        if len(names.get(key, ())) > 1 and key not in group:
            n += 1
            group[key] = (n, names[key][0])

    out = []
    topb = os.fsencode(top)
    for rel, st in ents:
        full = os.path.join(topb, rel) if rel != b"." else topb
        t = ftype(st.st_mode)
        f = {"type": t, "mode": "%04o" % stat.S_IMODE(st.st_mode)}
        f["owner"] = "-" if opts.no_owner else "%d:%d" % (st.st_uid, st.st_gid)
        if t == "f":
            f["size"] = "size=%d" % st.st_size
            f["sha256"] = "sha256=" + sha256_file(full)
        if t == "l":
            f["target"] = "-> " + esc(os.readlink(full))
        if t in "cb":
            f["dev"] = "dev=%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        key = (st.st_dev, st.st_ino)
        if key in group:
            f["link"] = "link=%d" % group[key][0]
            f["linkfirst"] = "link=" + esc(group[key][1])
        if opts.mtime and t in "fd":
            f["mtime"] = "mtime=%d" % (st.st_mtime_ns // 1000000000)
        if opts.xattrs:
            try:
                xs = sorted(os.listxattr(full, follow_symlinks=False))
            except OSError:
                xs = []
            xl = []
            for x in xs:
                xb = os.fsencode(x)
                if not xb.startswith(XATTR_PREFIXES):
                    continue
                try:
                    v = os.getxattr(full, x, follow_symlinks=False)
                except OSError:
                    continue
                xl.append("xattr.%s=%s" % (esc(xb), esc(v)))
            if xl:
                f["xattrs"] = " ".join(xl)
        out.append((rel, f))
    return out


ORDER = ["type", "mode", "owner", "size", "sha256", "target", "dev", "link",
         "mtime", "xattrs"]


def line(rel, f, linkkey="link"):
    parts = [esc(rel)]
    for k in ORDER:
        if k == "link":
            k = linkkey
        if k in f:
            parts.append(f[k])
    return " ".join(parts)


def parse(argv):
    p = argparse.ArgumentParser(prog="treecmp.py")
    p.add_argument("cmd", choices=["list", "diff"])
    p.add_argument("dirs", nargs="+")
    p.add_argument("--mtime", action="store_true")
    p.add_argument("--xattrs", action="store_true")
    p.add_argument("--overlay", action="store_true")
    p.add_argument("--no-owner", action="store_true")
    p.add_argument("--ignore", action="extend", nargs="+", default=[])
    o = p.parse_args(argv)
    if o.cmd == "list" and len(o.dirs) != 1:
        p.error("list takes 1 directory")
    if o.cmd == "diff" and (len(o.dirs) < 2 or len(o.dirs) % 2):
        p.error("diff takes pairs of directories")
    for d in o.dirs:
        if not os.path.isdir(d):
            p.error("not a directory: " + d)
    return o


def main(argv):
    o = parse(argv)
    out = sys.stdout
    if o.cmd == "list":
        for rel, f in entries(o.dirs[0], o):
            out.write(line(rel, f) + "\n")
        return 0
    rc = 0
    for i in range(0, len(o.dirs), 2):
        if len(o.dirs) > 2:
            out.write("== %s %s\n" % (o.dirs[i], o.dirs[i + 1]))
        rc |= diff(o.dirs[i], o.dirs[i + 1], o, out)
    return rc


def diff(da, db, o, out):
    a = dict(entries(da, o))
    b = dict(entries(db, o))
    rc = 0
    for rel in sorted(set(a) | set(b)):
        if rel not in b:
            out.write("only in A: %s\n" % line(rel, a[rel], "linkfirst"))
            rc = 1
        elif rel not in a:
            out.write("only in B: %s\n" % line(rel, b[rel], "linkfirst"))
            rc = 1
        else:
            la = line(rel, a[rel], "linkfirst")
            lb = line(rel, b[rel], "linkfirst")
            if la != lb:
                out.write("differs: %s\n  A: %s\n  B: %s\n" % (esc(rel), la, lb))
                rc = 1
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.stderr.write("treecmp.py: %s\n" % e)
        sys.exit(2)
