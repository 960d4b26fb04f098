/* A new process in a running container: md-exec's side and its child's
 * (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "setup.h"
#include "spawn.h"
#include "spec.h"
#include "util.h"
#include "wait.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The namespaces the child enters (md-exec enters the PID one for it).
 * A container without a network namespace of its own (--network host)
 * has the host's: entering it changes nothing. */
#define NS_CHILD (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | \
		  CLONE_NEWCGROUP)

static const struct {
	const char *name;
	int type;
} ns_files[] = {
	{ "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS }, { "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
	{ "cgroup", CLONE_NEWCGROUP },
};
#define NS_N ARRAY_SIZE(ns_files)

/* The container's process as md-exec holds it, and what its child takes
 * (a copy, at the fork). */
struct target {
	const struct container *c;
	int pidfd;		/* -1: entered through ns[] */
	int ns[NS_N];		/* /proc/PID/ns/ files (or -1) */
	struct cgroup cg;
	int cgfd;		/* pure v2: the leaf, to be born in; or -1 */
	int into_cg;		/* the child was born in it */
	int null;		/* /dev/null */
	struct proc_spec proc;
	int interactive, detach;
	struct fg_signals sig;
};

/* Docker's words; errnum ESRCH tells it from md's own failures. */
static int not_running(const struct container *c, struct md_err *err)
{
	err_set(err, 0, "container %s is not running", c->id);
	err->errnum = ESRCH;
	return -1;
}

/* ---- the child ---- */

static void child_enter_ns(const struct target *t, int sock)
{
	if (t->pidfd >= 0) {
		if (setns(t->pidfd, NS_CHILD) == 0)
			return;
		if (errno == ESRCH)	/* it ended since md-exec looked */
			spawn_failf(sock, STAGE_NAMESPACES, 1, 0, "container "
				    "%s is not running", t->c->id);
		spawn_failf(sock, STAGE_NAMESPACES, 125, errno, "enter the "
			    "container's namespaces");
	}
	for (size_t i = 1; i < NS_N; i++)
		if (t->ns[i] >= 0 && setns(t->ns[i], ns_files[i].type) < 0)
			spawn_failf(sock, STAGE_NAMESPACES, 125, errno, "enter the "
				    "container's %s namespace", ns_files[i].name);
}

__attribute__((noreturn))
static void child_main(const struct target *t, int sock)
{
	struct md_err err = { 0 };

	fg_signals_child(&t->sig);
	if (t->proc.die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "parent-death signal");
	for (int fd = 0; fd < 3; fd++)
		if ((t->detach || (fd == 0 && !t->interactive && !t->proc.tty)) &&
		    dup2(t->null, fd) < 0)
			spawn_failf(sock, STAGE_START, 125, errno, "stdio: /dev/null");
	/* Its cgroup first, by the host's paths (and v1's "tasks" door, as
	 * md-run's first process): its devices allowlist and limits hold
	 * before anything of the container is touched. */
	if (!t->into_cg && t->cg.mode != CG_NONE &&
	    cgroup_enter_self(&t->cg, &err) < 0)
		spawn_fail(sock, STAGE_CGROUP, 125, &err);
	child_enter_ns(t, sock);
	/* No host fd may reach the container's side: the pidfd, ns and
	 * cgroup fds go now, before a path of the container is resolved. */
	if (spawn_close_fds(sock) < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "close_range");
	/* A session of its own (as the container's first process): the
	 * caller's terminal is not its controlling terminal. */
	if (setsid() < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "setsid");
	if (t->proc.tty)
		setup_tty(sock);
	setup_exec(&t->proc, sock);
}

/* ---- md-exec's side ---- */

static void close_target(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	for (size_t i = 0; i < NS_N; i++)
		if (t->ns[i] >= 0)
			close(t->ns[i]);
	if (t->cgfd >= 0)
		close(t->cgfd);
	if (t->null >= 0)
		close(t->null);
	t->pidfd = t->cgfd = t->null = -1;
	for (size_t i = 0; i < NS_N; i++)
		t->ns[i] = -1;
}

/* The namespaces by /proc/PID/ns/ files; those the kernel has not (an
 * old kernel's cgroup namespace) are left out. */
static int open_ns_files(struct target *t, struct md_err *err)
{
	char path[64];

	for (size_t i = 0; i < NS_N; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)t->c->pid,
			 ns_files[i].name);
		t->ns[i] = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (t->ns[i] >= 0 ||
		    (errno == ENOENT && ns_files[i].type == CLONE_NEWCGROUP))
			continue;
		/* (No /proc/PID: it has ended; "pid" is the first looked at.) */
		return errno == ENOENT || errno == ESRCH ? not_running(t->c, err) :
		       err_set(err, errno, "open %s", path);
	}
	return 0;
}

/* Holds the container's pid 1 (a pidfd, else its ns files), checked to
 * be the container's after it is held; enters its PID namespace for the
 * children to come. */
static int hold_target(struct target *t, struct md_err *err)
{
	const char *bad;
	int n, compat = kernel_compat(&bad, &n);

	if (compat < 0)
		return err_set(err, 0, "MD_KERNEL_COMPAT: unknown switch '%.*s'",
			       n, bad);
	if (!(compat & COMPAT_NO_PIDFD_SETNS)) {
		t->pidfd = syscall(SYS_pidfd_open, t->c->pid, 0);
		if (t->pidfd < 0 && errno == ESRCH)
			return not_running(t->c, err);
	}
	if (t->pidfd >= 0 && setns(t->pidfd, CLONE_NEWPID) < 0) {
		if (errno == ESRCH)
			return not_running(t->c, err);
		if (errno != EINVAL)	/* EINVAL: before Linux 5.8 */
			return err_set(err, errno, "enter the PID namespace of "
				       "container %s", t->c->id);
		close(t->pidfd);
		t->pidfd = -1;
	}
	if (t->pidfd < 0) {
		if (open_ns_files(t, err) < 0)
			return -1;
		if (setns(t->ns[0], CLONE_NEWPID) < 0)
			return err_set(err, errno, "enter the PID namespace of "
				       "container %s", t->c->id);
	}
	/* Is the process held the container's? It had the pid when it was
	 * opened; the process that has the pid now started when the
	 * container's did, so had it then too (a pid names one process at
	 * a time): they are the same. */
	if (!proc_running(t->c->pid, t->c->pid_start))
		return not_running(t->c, err);
	return 0;
}

static int prepare(struct target *t, struct md_err *err)
{
	const struct container *c = t->c;
	int n;

	if (c->status != CONTAINER_RUNNING || c->pid <= 0)
		return not_running(c, err);
	if (hold_target(t, err) < 0)
		return -1;
	if ((n = cgroup_load(&t->cg, c->cgroup_parent[0] ? c->cgroup_parent : NULL,
			     c->id, err)) < 0)
		return -1;
	if (n == 0 && t->cg.mode != CG_NONE)	/* removed: it has ended */
		return not_running(c, err);
	if (t->cg.mode == CG_V2 && (t->cgfd = cgroup_fd_v2(&t->cg, err)) < 0)
		return -1;
	t->null = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	if (t->null < 0)
		return err_set(err, errno, "open /dev/null");
	/* From here to its exec, the child must not be dumpable: it is born
	 * so (and md-exec stays so, which costs it nothing). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

/* The container's environment, TERM with -t (as Docker: unless the
 * container has one), then --env-file and -e. */
static int make_env(const struct container *c, const struct exec_opts *o,
		    struct strv *env, struct md_err *err)
{
	if (spec_json_strv(c->env, env, "state: env", err) < 0)
		return -1;
	if (o->tty && !env_lookup(env, "TERM") && env_put(env, "TERM=xterm") < 0)
		return err_set(err, ENOMEM, "environment");
	if (env_options(env, o->env_files, o->nenv_files, o->env_args,
			o->nenv_args, err) < 0)
		return -1;
	/* (An empty list stays a list.) */
	if (!env->v && !(env->v = calloc(1, sizeof(char *))))
		return err_set(err, ENOMEM, "environment");
	return 0;
}

/* Forks the child and sees it to its exec, then waits (unless detach). */
static int start_and_wait(struct target *t, struct md_err *err)
{
	int sv[2], master = -1, status = 125, rc, stop;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(err, errno, "socketpair");
		return 125;
	}
	/* Caught (and held) before the fork: the child resets them. */
	fg_signals_catch(&t->sig);
	pid = spawn_fork(t->cgfd, &t->into_cg);
	if (pid == 0) {
		close(sv[0]);
		child_main(t, sv[1]);
	}
	close(sv[1]);
	close_target(t);
	if (pid < 0) {
		/* (A PID namespace whose init has ended takes no child.) */
		if (!proc_running(t->c->pid, t->c->pid_start))
			not_running(t->c, err);
		else
			err_set(err, errno, "fork");
		fg_signals_restore(&t->sig);
		close(sv[0]);
		return err->errnum == ESRCH ? 1 : 125;
	}
	rc = spawn_until_exec(sv[0], pid, &t->sig, &master, &status, err);
	close(sv[0]);
	if (rc < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &rc, 0) < 0 && errno == EINTR)
			;
		if (master >= 0)
			close(master);
		stop = fg_stop_signal();
		fg_signals_restore(&t->sig);
		return stop ? 128 + stop : 125;
	}
	if (rc > 0 && t->detach) {
		/* It runs on, reparented when md-exec exits; its end is not
		 * waited for, as Docker's exec -d. */
		status = 0;
	} else if (rc > 0) {
		status = fg_wait_command(pid, master, t->interactive, &t->sig);
		master = -1;
	}
	if (master >= 0)
		close(master);
	fg_signals_restore(&t->sig);
	return status;
}

int exec_run(const struct container *c, const struct exec_opts *o,
	     struct md_err *err)
{
	struct target t = { .c = c, .pidfd = -1, .cgfd = -1, .null = -1,
			    .interactive = o->interactive, .detach = o->detach };
	struct strv env = { 0 };
	int status;

	err->msg[0] = 0;
	err->errnum = 0;
	for (size_t i = 0; i < NS_N; i++)
		t.ns[i] = -1;
	if (make_env(c, o, &env, err) < 0) {
		strv_free(&env);
		return 125;
	}
	t.proc = (struct proc_spec){
		.argv = o->argv, .env = env.v,
		.user = o->user ? o->user : c->user,
		.workdir = o->workdir ? o->workdir : c->workdir,
		.caps = c->caps, .privileged = c->privileged, .tty = o->tty,
		/* Nothing else waits for it: it dies with md-exec, unless
		 * detached. */
		.die_with_parent = !o->detach,
		.workdir_must_exist = 1 };
	if (prepare(&t, err) < 0)
		status = err->errnum == ESRCH ? 1 : 125;
	else
		status = start_and_wait(&t, err);
	close_target(&t);
	strv_free(&env);
	return status;
}
