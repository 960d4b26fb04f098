/* Running a container's first process: namespaces, cgroup, root file
 * system, identity, privileges, exec; and, in md, waiting for it with
 * signals and terminal passed through. md itself is the parent (the
 * monitor, for a detached container): no helper process, no re-exec. */
#ifndef MD_RUN_H
#define MD_RUN_H

#include <stdint.h>

#include "cgroup.h"
#include "container.h"
#include "err.h"
#include "rootfs.h"
#include "store.h"

struct run_spec {
	struct store *s;
	struct container *c;
	char **argv;		/* the command, resolved */
	char **env;		/* NULL-terminated */
	const char *user;	/* -u, or the image's User */
	const char *workdir;	/* absolute, "/" by default */
	uint64_t caps;
	int privileged;
	int new_net;		/* a network namespace of its own */
	int tty, interactive;
	struct cg_limits lim;
	struct rootfs_spec rootfs;
	/* Out: the container's mount namespace, held open (or -1) when
	 * run_container returns 0. Whoever closes it last unmounts the
	 * container's file systems: a --rm container's remover does, so
	 * md-run need not wait for that. */
	int mntns_fd;
};

/* Starts the container and waits for it. *status is Docker's exit code:
 * the command's, 128+N for signal N, 125/126/127 when it could not be
 * started (err then says why). Returns -1 only when md failed before the
 * container existed. */
int run_container(struct run_spec *r, int *status, struct md_err *err);

#endif
