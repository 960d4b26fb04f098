#!/usr/bin/env python3
"""nonft.py CMD ARGS...: runs CMD as on a kernel without nf_tables.

A seccomp filter (inherited by all that CMD starts) makes
socket(AF_NETLINK, *, NETLINK_NETFILTER) fail with EPROTONOSUPPORT, what
a kernel built without nfnetlink answers. x86-64 only: elsewhere it
exits 77 (skip).
"""
import ctypes
import os
import platform
import struct
import sys

if platform.machine() != "x86_64":
    sys.exit(77)

AUDIT_ARCH_X86_64 = 0xC000003E
NR_SOCKET = 41
AF_NETLINK = 16
NETLINK_NETFILTER = 12
EPROTONOSUPPORT = 93
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06


def insn(code, k, jt=0, jf=0):
    return struct.pack("=HBBI", code, jt, jf, k)


# struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8 i (low half
# first, little endian).
prog = b"".join([
    insn(LD_W_ABS, 4), insn(JEQ_K, AUDIT_ARCH_X86_64, 0, 7),
    insn(LD_W_ABS, 0), insn(JEQ_K, NR_SOCKET, 0, 5),
    insn(LD_W_ABS, 16), insn(JEQ_K, AF_NETLINK, 0, 3),
    insn(LD_W_ABS, 32), insn(JEQ_K, NETLINK_NETFILTER, 0, 1),
    insn(RET_K, RET_ERRNO | EPROTONOSUPPORT),
    insn(RET_K, RET_ALLOW),
])
buf = ctypes.create_string_buffer(prog)
fprog = struct.pack("=HxxxxxxQ", len(prog) // 8, ctypes.addressof(buf))
fbuf = ctypes.create_string_buffer(fprog)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or \
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fbuf), 0, 0):
    sys.exit("nonft: seccomp: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
