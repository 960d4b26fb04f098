/* md's default seccomp filter: Docker's default profile, as a denylist.
 * See seccomp.c for the list and the choices. */
#ifndef MD_SECCOMP_H
#define MD_SECCOMP_H

#include <stdint.h>

#include "err.h"

/* Installs the filter on the calling thread (and what it execs). caps is
 * the container's capability set (caps.h): as in Docker, a capability
 * re-allows the syscalls that need it (CAP_SYS_ADMIN: mount, unshare,
 * setns...; CAP_SYS_TIME: settimeofday...). Call it last before execve,
 * after no_new_privs is set (it then needs no privilege) and after
 * capabilities and uid are set; --privileged skips it. Fails with EACCES
 * when no_new_privs is not set and CAP_SYS_ADMIN is gone. */
int seccomp_install_default(uint64_t caps, struct md_err *err);

/* For tests: the filter (classic BPF, 8 bytes an instruction, for a
 * kernel >= 4.8) and its count (up to max are copied); whether the table
 * denies syscall nr outright (arguments aside). */
unsigned seccomp_default_program(uint64_t caps, void *insns, unsigned max);
int seccomp_default_denies(uint64_t caps, int nr);

#endif
