/* Control groups of containers: finds how the host mounts cgroups (v2,
 * v1, or hybrid = v1 controllers plus a v2 hierarchy for tracking),
 * creates PARENT/<id> in every hierarchy, writes the limits and the
 * device allowlist (devcg.h), moves
 * processes in, reports OOM kills and removes the cgroup again.
 *
 * How md-run uses it (lib/run.c):
 *   pure v2: cgroup_create() before the clone, and the child starts in
 *            it: clone3(CLONE_INTO_CGROUP, cgroup_fd_v2())
 *   else:    cgroup_create() while the child makes its namespaces; at
 *            GO the child joins it itself (cgroup_enter_self: v1's
 *            "tasks" door, no RCU wait), before anything of the
 *            container runs
 *   the child unshares CLONE_NEWCGROUP only after it is in the cgroup
 *   after reaping: cgroup_oom_killed(), then cgroup_destroy()
 * Other md processes (md-exec, md-rm) rebuild the paths with cgroup_load().
 * The shared PARENT directories (default "md") are kept, as Docker keeps
 * "docker": removing them would race with containers being created. */
#ifndef MD_CGROUP_H
#define MD_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum cg_mode { CG_NONE, CG_V1, CG_HYBRID, CG_V2 };

/* Controllers md uses (bit mask): for limits, the device policy,
 * accounting and (freezer) pausing. */
#define CG_CPU		0x01
#define CG_CPUACCT	0x02
#define CG_CPUSET	0x04
#define CG_MEMORY	0x08
#define CG_PIDS		0x10
#define CG_DEVICES	0x20	/* v1 only; v2 has a BPF program instead */
#define CG_FREEZER	0x40	/* v1 only; v2 has cgroup.freeze in every cgroup */

#define CG_MAX_HIER	16
#define CG_DEFAULT_PARENT "md"

/* Docker's bounds. */
#define CG_MIN_MEMORY	(6 << 20)
#define CG_CPU_PERIOD	100000
#define CG_MIN_SHARES	2
#define CG_MAX_SHARES	262144

struct cg_hier {
	char mnt[256];		/* mount point: /sys/fs/cgroup/memory */
	unsigned ctrl;		/* CG_* controllers it provides */
	unsigned char v2;	/* a cgroup2 hierarchy */
	unsigned char present;	/* the leaf exists there */
};

struct cgroup {
	enum cg_mode mode;
	int n;
	struct cg_hier h[CG_MAX_HIER];
	char rel[320];		/* "md/<id>", relative to each mount point */
};

/* Zero means "not set" for every field. */
struct cg_limits {
	int64_t memory;		/* bytes; no swap beyond it */
	int64_t nano_cpus;	/* CPUs * 1e9, as Docker's NanoCpus */
	int64_t cpu_shares;	/* v1 shares, clamped to 2..262144 */
	int64_t pids;		/* max tasks; <= 0 means unlimited */
	const char *cpuset_cpus; /* "0-3,7"; NULL or "" = all */
	/* Every device usable (--privileged). Otherwise the device policy
	 * (devcg.h) applies: v1 devices controller, v2 BPF program. */
	int all_devices;
};

/* "512m", "1g", "1.5GiB", "100k", "10b", "4096": binary units as
 * Docker's RAMInBytes. */
int cg_parse_memory(const char *s, int64_t *bytes, struct md_err *err);
/* "0.5", "1.25", "2": exact decimal to nano-CPUs. */
int cg_parse_cpus(const char *s, int64_t *nano_cpus, struct md_err *err);
/* Syntax of a CPU list: "0", "0-3", "0,2-5". */
int cg_parse_cpuset(const char *s, struct md_err *err);
/* Docker's checks: memory >= 6MB, cpus in 0.01..online CPUs, cpuset
 * syntax. cgroup_create() calls it too. */
int cgroup_check_limits(const struct cg_limits *lim, struct md_err *err);
/* cgroup v2 cpu.weight for v1 cpu.shares (runc's formula). */
uint64_t cg_shares_to_weight(uint64_t shares);

/* Fills mode and hierarchies from /sys/fs/cgroup and mountinfo. */
int cgroup_detect(struct cgroup *cg, struct md_err *err);
/* The same from the text of a /proc/PID/mountinfo (modified). */
int cgroup_detect_mountinfo(struct cgroup *cg, char *mountinfo, struct md_err *err);
/* Creates PARENT/<id> (parent NULL: "md") in every hierarchy and writes
 * the limits and, unless lim->all_devices, the device policy; no process
 * is added. Detects first unless cg->n is set. On failure nothing is
 * left behind. */
int cgroup_create(struct cgroup *cg, const char *parent, const char *id,
		  const struct cg_limits *lim, struct md_err *err);
/* Rebuilds cg for an existing container; returns how many hierarchies
 * still hold its leaf (0: already gone), or -1. */
int cgroup_load(struct cgroup *cg, const char *parent, const char *id,
		struct md_err *err);
/* A directory fd of the leaf for clone3(CLONE_INTO_CGROUP). Only on a
 * pure v2 host; elsewhere -1 with errnum EOPNOTSUPP: use cgroup_enter. */
int cgroup_fd_v2(const struct cgroup *cg, struct md_err *err);
/* Writes pid (0: the caller) to cgroup.procs of every hierarchy. */
int cgroup_enter(const struct cgroup *cg, pid_t pid, struct md_err *err);
/* Moves the calling (single-threaded) process into every hierarchy of
 * cg, by the fastest door each offers. */
int cgroup_enter_self(const struct cgroup *cg, struct md_err *err);
/* 1 if the kernel OOM-killed a process of the cgroup, 0 if not, -1 on
 * error. Call before cgroup_destroy(). */
int cgroup_oom_killed(const struct cgroup *cg, struct md_err *err);
/* SIGKILLs every process of the leaf and of the cgroups below it, in
 * every hierarchy (cgroup.kill where the kernel has it: a fork bomb
 * cannot outrun it), until none is listed; gives up after about a
 * second. Returns how many were still listed then (0: all gone). */
int cgroup_kill(const struct cgroup *cg);
/* Removes the leaf (and any cgroups the container made below it) from
 * every hierarchy. With kill, SIGKILLs what still runs there first
 * (cgroup.kill on v2). Waits briefly for dying processes; a missing
 * leaf is not an error. */
int cgroup_destroy(struct cgroup *cg, int kill, struct md_err *err);

#endif
