/* Running a container's first process: md starts it (spawn.h), it makes
 * its namespaces while md prepares the rest, md hands it the rest (GO),
 * it sets up its root and execs (setup.h); md waits for it in the
 * foreground (wait.h). md itself is the parent: no helper process, no
 * re-exec. */
#ifndef MD_RUN_H
#define MD_RUN_H

#include <sys/types.h>

#include "cgroup.h"
#include "container.h"
#include "err.h"
#include "net.h"
#include "rootfs.h"
#include "setup.h"
#include "store.h"
#include "wait.h"

struct run_spec {
	struct store *s;
	struct container *c;
	struct proc_spec proc;	/* the command, its identity and privileges */
	int new_net;		/* a network namespace of its own */
	/* --network container:NAME: NAME's network namespace (an open fd,
	 * close-on-exec) that the child joins before anything else; 0:
	 * none (fd 0 is never one md opened). */
	int join_netns;
	/* --network bridge: its network, and the address ipam gave it;
	 * NULL: loopback only (or the host's, without new_net). */
	const struct netconf *net;
	uint32_t addr;
	/* md-network connect's networks (md-start, restarts): eth1... */
	const struct net_more *more;
	size_t nmore;
	/* own_stdio: the container's stdin, stdout and stderr are stdio[]
	 * (md-run -d: the monitor's pipes), not md's. */
	int own_stdio;
	int stdio[3];
	int interactive;
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
	pid_t pid;
	int sock;		/* md's end of the start-up socket */
	struct cgroup cg;
	int into_cg;		/* it started in its cgroup (v2) */
	int cg_made;		/* cg exists */
	int stop_signal;	/* a signal that ended the start, or 0 */
	struct fg_signals sig;
};

/* Starts the container's first process, which makes its namespaces
 * (pid, mount, uts, ipc, net unless r->new_net is 0), host name and
 * loopback while md goes on, then waits for GO. Its cgroup is made
 * first where it can start in it (cgroup v2), else by run_finish. What
 * the child takes from r now, in its own copy: c's id, hostname and
 * cgroup_parent, new_net, interactive, proc.tty, lim; the rest goes to
 * it with GO. */
int run_start(struct run_spec *r, struct run_proc *p, struct md_err *err);
/* Sets r->c's pid, its start time and status "running". */
void run_started(struct run_spec *r, const struct run_proc *p);
/* Ends a started process that is not to run (md failed meanwhile), and
 * removes its cgroup. */
void run_abort(struct run_proc *p);
/* Lets it go on (root file system, user, privileges, exec) and waits for
 * it. *status is Docker's exit code: the command's, 128+N for signal N,
 * 125/126/127 when it could not be started (err then says why; r->c is
 * then left "created", with that code and err's line as its error). -1 if
 * md could not start it (err says why; p->stop_signal if a signal came
 * first): the process is gone then, its cgroup too. */
int run_finish(struct run_spec *r, struct run_proc *p, int *status,
	       struct md_err *err);
/* run_finish for a detached container: lets it go on up to its exec
 * and returns: 1 it runs (p->pid; its cgroup stays; with proc.tty,
 * *master is its pty's master, the caller's to keep), 0 it could not be
 * started (*status, err; recorded in r->c as run_finish does), -1 md
 * failed (the process is gone). */
int run_detach(struct run_spec *r, struct run_proc *p, int *master,
	       int *status, struct md_err *err);
/* Removes the container's cgroup (it has ended). */
void run_remove_cgroup(struct run_proc *p);
#endif
