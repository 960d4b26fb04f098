/* The device policy of a container that is not --privileged: which
 * device nodes it may make and use. Docker's default allowlist, written
 * as rules of the v1 devices controller or, on cgroup v2, as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program md builds itself. See devcg.c. */
#ifndef MD_DEVCG_H
#define MD_DEVCG_H

#include "err.h"

/* Sets the policy on the v1 devices cgroup at dir, a new leaf without
 * processes: deny everything, then allow the list. */
int devcg_v1_apply(const char *dir, struct md_err *err);
/* Loads the policy's program and attaches it to the cgroup v2 directory
 * cgfd (BPF_F_ALLOW_MULTI: programs of the cgroups above still run, and
 * an access passes only if all allow it). The cgroup keeps the program
 * until it is removed. */
int devcg_v2_attach(int cgfd, const char *what, struct md_err *err);

/* For tests: the program's instructions (8 bytes each), up to max of
 * them copied; returns how many there are. */
unsigned devcg_program(void *insns, unsigned max);

#endif
