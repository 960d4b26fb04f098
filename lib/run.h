/* Running a container's first process: namespaces, cgroup, root file
 * system, identity, privileges, exec; and, in md, waiting for it with
 * signals and terminal passed through. md itself is the parent (the
 * monitor, for a detached container): no helper process, no re-exec. */
#ifndef MD_RUN_H
#define MD_RUN_H

#include <sched.h>
#include <signal.h>
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
	 * run_finish returns 0. Whoever closes it last unmounts the
	 * container's file systems: a --rm container's remover does, so
	 * md-run need not wait for that. */
	int mntns_fd;
	/* run_finish leaves the cgroup (run_proc's cg) to the caller, who
	 * removes it with run_remove_cgroup, or hands it to a remover. */
	int keep_cgroup;
};

/* The container's first process, from run_start to run_finish. */
struct run_proc {
	struct run_spec *r;
	pid_t pid;
	struct cgroup cg;
	int errfd[2];		/* [1]: the child's end, closed in md */
	int sock[2];		/* fds: md's mounts in, the tty's master out */
	int into_cg;		/* it started in its cgroup (v2) */
	int cg_made;		/* cg exists */
	int go;			/* shared with it, see run.c */
	sigset_t oldmask;	/* md's signal mask before */
	cpu_set_t cpus;		/* md's CPUs: the child's again at go */
	int spread;		/* the child was sent off md's CPU */
};

/* Starts the container's first process, which makes its namespaces
 * (pid, mount, uts, ipc, net unless r->new_net is 0), host name and
 * loopback while md goes on, then waits. Its cgroup is made first where
 * it can start in it (cgroup v2), else by run_finish, and joined (with a
 * cgroup namespace) before anything else. Needs of r: c (id, hostname,
 * cgroup_parent), new_net, tty, interactive, lim; the rest is read after
 * run_finish begins. */
int run_start(struct run_spec *r, struct run_proc *p, struct md_err *err);
/* Sets r->c's pid, its start time and status "running". */
void run_started(struct run_spec *r, const struct run_proc *p);
/* Ends a started process that is not to run (md failed meanwhile), and
 * removes its cgroup. */
void run_abort(struct run_proc *p);
/* Lets it go on (root file system, user, privileges, exec) and waits for
 * it. *status is Docker's exit code: the command's, 128+N for signal N,
 * 125/126/127 when it could not be started (err then says why). */
int run_finish(struct run_spec *r, struct run_proc *p, int *status,
	       struct md_err *err);
/* Removes the container's cgroup (it has ended). */
void run_remove_cgroup(struct run_proc *p);
#endif
