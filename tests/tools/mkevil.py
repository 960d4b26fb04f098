#!/usr/bin/env python3
"""Writes adversarial tar archives for md's extractor tests.

usage: mkevil.py build OUTDIR [--canary DIR]
       mkevil.py canary-init [DIR]
       mkevil.py canary-check [DIR]

build writes one archive per case (names after containerd's archive
tests), OUTDIR/cases.txt ("NAME EXPECT" per line) and OUTDIR/README.
Every path a naive extractor would write outside its target lands in the
canary directory (default /tmp/md-evil-canary; --canary picks another, so
parallel test runs can use their own). canary-init creates the canary
(passwd "canary\\n" 0644, perm400 "perm400\\n" 0400, dir 0755);
canary-check exits 1 and says what changed if anything did.

Archives come from python's tarfile; headers are patched by hand only
where tarfile cannot say the wrong thing (checksums, base-256, records
that lie about their length).
"""
import io
import os
import stat
import sys
import tarfile

CANARY = "/tmp/md-evil-canary"
UP = "../" * 24		# climbs out of any plausible layer directory
MTIME = 1700000000
CANARY_FILES = {"passwd": (b"canary\n", 0o644), "perm400": (b"perm400\n", 0o400)}


def ti(name, type_, mode, size=0, linkname=""):
    t = tarfile.TarInfo(name)
    t.type, t.mode, t.size, t.linkname = type_, mode, size, linkname
    t.mtime, t.uid, t.gid, t.uname, t.gname = MTIME, 0, 0, "", ""
    return t


def d(name, mode=0o755):
    return (ti(name, tarfile.DIRTYPE, mode), b"")


def f(name, data=b"", mode=0o644):
    return (ti(name, tarfile.REGTYPE, mode, len(data)), data)


def sym(name, target):
    return (ti(name, tarfile.SYMTYPE, 0o777, 0, target), b"")


def hl(name, target, mode=0o644):
    return (ti(name, tarfile.LNKTYPE, mode, 0, target), b"")


def tar(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.TarFile(fileobj=buf, mode="w", format=fmt) as tf:
        for info, data in entries:
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def checksum(h):
    """Recomputes a 512-byte header's checksum in place (bytearray)."""
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)


def b256(n, width):
    """GNU base-256 number field."""
    raw = n.to_bytes(width, "big")
    return bytes([raw[0] | 0x80]) + raw[1:]


def parents(canary):
    """Directory entries for every component of canary, relative."""
    out, p = [], ""
    for c in canary.strip("/").split("/"):
        p = p + c + "/"
        out.append(d(p))
    return out


def cases(C):
    """(name, expect, description, bytes) for every case."""
    rel = C.lstrip("/")
    up = UP + rel
    etc = [d("etc"), f("etc/passwd", b"inside\n")]
    out = []

    def add(name, expect, desc, data):
        out.append((name, expect, desc, data))

    add("symlink-absolute", "safe",
        f'symlink "etc" -> "{C}", then file "etc/evil": must not create {C}/evil',
        tar([sym("etc", C), f("etc/evil", b"evil\n")]))
    add("symlink-up-and-out", "safe",
        f'symlink "a" -> "{up}", then file "a/evil": must not create {C}/evil',
        tar([d("dummy"), sym("a", "dummy/" + up), f("a/evil", b"evil\n")]))
    add("symlink-parent-directory", "error",
        f'symlink named ".." -> "{C}/", then hardlink localpasswd -> etc/passwd: '
        'a ".." name must be rejected',
        tar(etc + [sym("..", C + "/"), hl("localpasswd", "etc/passwd")]))
    add("symlink-dot", "safe",
        f'symlink named "." -> "{C}", then file "evil": the root must stay a '
        f'directory, no {C}/evil',
        tar([sym(".", C), f("evil", b"evil\n")]))
    add("symlink-slash", "safe",
        f'symlink named "/" -> "{C}", then file "evil": the root must stay a '
        f'directory, no {C}/evil',
        tar([sym("/", C), f("evil", b"evil\n")]))
    add("symlink-empty-name", "safe",
        f'symlink with an empty name -> "{C}", then file "evil": no {C}/evil',
        tar([sym("", C), f("evil", b"evil\n")]))
    add("hardlink-down-and-out", "error",
        f'hardlink "passwd-link" -> "{up}/passwd", then a file "passwd-link" '
        f'"pwned": the link leaves the layer; {C}/passwd must keep nlink 1, '
        'content and mode',
        tar([hl("passwd-link", up + "/passwd", 0o666),
             f("passwd-link", b"pwned\n", 0o666)]))
    add("hardlink-absolute", "error",
        f'hardlink "passwd-link" -> "{C}/passwd" (no such member in the '
        'archive), then a file "passwd-link" "pwned": reject, host file '
        'untouched',
        tar([hl("passwd-link", C + "/passwd", 0o666),
             f("passwd-link", b"pwned\n", 0o666)]))
    add("hardlink-symlink-chmod", "safe",
        f'symlink "{C}/also-exists-outside-root" -> "{C}/perm400" (absolute '
        'name, lands inside), then hardlink "sketchylink" to that symlink with '
        f'mode 0777: chmod must not follow the symlink; {C}/perm400 stays 0400',
        tar(parents(C) +
            [sym(C + "/also-exists-outside-root", C + "/perm400"),
             hl("sketchylink", C + "/also-exists-outside-root", 0o777)]))
    add("whiteout-root-parent", "error",
        'etc/passwd, then ".wh..." (whiteout of ".."): reject; the directory '
        'holding the layer must survive',
        tar(etc + [f(".wh...")]))
    add("whiteout-parent", "error",
        'etc/passwd, then "etc/.wh..." (whiteout of "etc/.."): reject',
        tar(etc + [f("etc/.wh...")]))
    add("whiteout-symlink", "safe",
        f'symlink "localetc" -> "{C}", then "localetc/.wh.passwd": must not '
        f'remove or replace {C}/passwd',
        tar(etc + [sym("localetc", C), f("localetc/.wh.passwd")]))
    add("whiteout-symlink-up", "safe",
        f'symlink "localetc" -> "{up}", then "localetc/.wh.passwd": must not '
        f'remove or replace {C}/passwd',
        tar(etc + [sym("localetc", up), f("localetc/.wh.passwd")]))
    add("directory-override-symlink", "safe",
        f'dir "d", symlink "d" -> "{C}" replacing it, then file "d/file": '
        f'must not create {C}/file',
        tar([d("d"), sym("d", C), f("d/file", b"evil\n")]))
    add("dotdot-name", "error",
        f'file "../evil-dotdot", then file "{up}/evil-dotdot": reject ".." '
        'components; nothing next to the extraction dir, nothing in the canary',
        tar([f("../evil-dotdot", b"evil\n"), f(up + "/evil-dotdot", b"evil\n")]))
    add("dotdot-inner", "error",
        f'dir "sub", file "sub/{up}/evil-inner": reject ".." components',
        tar([d("sub"), f("sub/" + up + "/evil-inner", b"evil\n")]))
    add("absolute-name", "ok",
        f'file "/evil-abs" ("abs\\n"), dirs "/{rel}/" (mode 0700 on the last), '
        f'file "{C}/evil-abs": must succeed; both land inside as "evil-abs" '
        f'and "{rel}/evil-abs"; the real {C} keeps mode 0755 and no evil-abs',
        tar([f("/evil-abs", b"abs\n")] +
            [(ti("/" + e[0].name, tarfile.DIRTYPE, 0o755), b"")
             for e in parents(C)[:-1]] +
            [(ti(C + "/", tarfile.DIRTYPE, 0o700), b""),
             f(C + "/evil-abs", b"abs\n")]))
    add("wh-dotdot", "error",
        'etc/passwd, then ".wh.." (whiteout of "." = the root): reject',
        tar(etc + [f(".wh..")]))
    add("wh-dotdot-sub", "error",
        'etc/passwd, then "etc/.wh.." (whiteout of "etc/."): reject',
        tar(etc + [f("etc/.wh..")]))
    add("wh-empty", "error",
        'etc/passwd, then ".wh." (whiteout of an empty name): reject',
        tar(etc + [f(".wh.")]))

    big = tar([d("dir"), f("dir/big", bytes(range(256)) * 40)])
    add("truncated", "error",
        'dir/big (10240 bytes) cut after 5000 bytes of data, no end blocks: '
        'must fail, nothing registered',
        big[:512 + 512 + 5000])
    add("truncated-header", "error",
        'archive cut in the middle of the second header',
        big[:512 + 300])

    bad = bytearray(tar([f("ok", b"ok\n"), f("bad", b"bad\n")]))
    bad[1024 + 150] ^= 0x01		# second header's checksum digits
    add("bad-checksum", "error",
        'file "ok", then file "bad" whose header checksum is wrong: must fail',
        bytes(bad))

    huge = "h" * (2 << 20)
    t, _ = f("x")
    t.pax_headers = {"path": huge}
    add("huge-pax", "error",
        'PAX extended header of > 2 MiB (one "path" record): must fail without '
        'buffering it',
        tar([(t, b"")]))

    ov = bytearray(tar([f("payload", b"x\n")], tarfile.USTAR_FORMAT))
    rec = b"1500000 path=" + b"p" * 100 + b"\n"
    x = ti("PaxHeaders/payload", tarfile.XHDTYPE, 0o644, len(rec))
    xb = bytearray(x.tobuf(tarfile.USTAR_FORMAT))
    xb += rec + b"\0" * (-len(rec) % 512)
    add("pax-record-overflow", "error",
        'PAX header entry of 114 bytes whose record claims length 1500000: '
        'must fail',
        bytes(xb + ov))

    t, _ = f("l" * (2 << 20), b"x\n")
    add("gnu-longname-huge", "error",
        'GNU "L" long-name entry of 2 MiB: must fail without buffering it',
        tar([(t, b"x\n")], tarfile.GNU_FORMAT))
    t = ti("k", tarfile.SYMTYPE, 0o777, 0, "k" * (2 << 20))
    add("gnu-longlink-huge", "error",
        'GNU "K" long-link entry of 2 MiB: must fail without buffering it',
        tar([(t, b"")], tarfile.GNU_FORMAT))

    ok = bytearray(tar([f("b256", b"hello")], tarfile.GNU_FORMAT))
    ok[108:116] = b256(3000000, 8)		# uid
    ok[116:124] = b256(12345, 8)		# gid
    ok[124:136] = b256(5, 12)		# size
    ok[136:148] = b256(MTIME, 12)		# mtime
    hdr = bytearray(ok[:512])
    checksum(hdr)
    ok[:512] = hdr
    add("ok-base256", "ok",
        'valid: file "b256" = "hello", uid 3000000, gid 12345, mtime '
        f'{MTIME}, size/uid/gid/mtime all in GNU base-256: must extract',
        bytes(ok))
    return out


README_HEAD = """\
Adversarial tar archives, written by tests/tools/mkevil.py (run by
tests/fixtures.sh). One archive per case; cases.txt lists "NAME EXPECT".

Canary: every path a naive extractor would write outside its target
directory points into {C}. Before extracting, run
    python3 tests/tools/mkevil.py canary-init {C}
and afterwards
    python3 tests/tools/mkevil.py canary-check {C}
(exit 1 and a message if anything there changed: a new name, a changed
file, mode, owner or link count). For parallel runs, generate a private
set with "mkevil.py build OUTDIR --canary /tmp/SOMEDIR".

EXPECT:
  error  extraction must fail (nonzero, nothing registered/left behind)
  safe   may fail or succeed, but the canary stays intact and nothing is
         written outside the extraction directory
  ok     must succeed with the contents described

"""


def build(outdir, C):
    os.makedirs(outdir, exist_ok=True)
    cs = cases(C)
    for name, _, _, data in cs:
        with open(os.path.join(outdir, name + ".tar"), "wb") as fp:
            fp.write(data)
    with open(os.path.join(outdir, "cases.txt"), "w") as fp:
        for name, expect, _, _ in cs:
            fp.write("%s %s\n" % (name, expect))
    with open(os.path.join(outdir, "README"), "w") as fp:
        fp.write(README_HEAD.format(C=C))
        for name, expect, desc, _ in cs:
            fp.write("%s.tar  [%s]\n    %s\n" % (name, expect, desc))


def canary_init(C):
    if os.path.lexists(C):
        import shutil
        shutil.rmtree(C)
    os.makedirs(C)
    os.chmod(C, 0o755)
    for n, (data, mode) in CANARY_FILES.items():
        p = os.path.join(C, n)
        with open(p, "wb") as fp:
            fp.write(data)
        os.chmod(p, mode)


def canary_check(C):
    bad = []
    st = os.lstat(C)
    if not stat.S_ISDIR(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o755:
        bad.append("%s: now %o" % (C, st.st_mode))
    else:
        names = sorted(os.listdir(C))
        if names != sorted(CANARY_FILES):
            bad.append("%s holds %s" % (C, names))
        for n, (data, mode) in CANARY_FILES.items():
            p = os.path.join(C, n)
            try:
                st = os.lstat(p)
            except OSError as e:
                bad.append("%s: %s" % (p, e.strerror))
                continue
            if not stat.S_ISREG(st.st_mode):
                bad.append("%s: no longer a regular file" % p)
                continue
            if stat.S_IMODE(st.st_mode) != mode:
                bad.append("%s: mode %04o" % (p, stat.S_IMODE(st.st_mode)))
            if st.st_nlink != 1:
                bad.append("%s: nlink %d" % (p, st.st_nlink))
            if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                bad.append("%s: owner %d:%d" % (p, st.st_uid, st.st_gid))
            with open(p, "rb") as fp:
                if fp.read() != data:
                    bad.append("%s: content changed" % p)
    for b in bad:
        sys.stderr.write("canary: %s\n" % b)
    return 1 if bad else 0


def main(argv):
    use = "usage: mkevil.py build OUTDIR [--canary DIR] | canary-init [DIR] | canary-check [DIR]\n"
    if not argv:
        sys.stderr.write(use)
        return 2
    cmd, rest = argv[0], argv[1:]
    C = CANARY
    if "--canary" in rest:
        i = rest.index("--canary")
        C = os.path.abspath(rest[i + 1]).rstrip("/")
        del rest[i:i + 2]
    if cmd == "build" and len(rest) == 1:
        build(rest[0], C)
        return 0
    if cmd in ("canary-init", "canary-check") and len(rest) <= 1:
        if rest:
            C = os.path.abspath(rest[0])
        if cmd == "canary-init":
            canary_init(C)
            return 0
        return canary_check(C)
    sys.stderr.write(use)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
