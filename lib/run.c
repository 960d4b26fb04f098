/* The container's first process, md's side and the child's first stage
 * (see run.h; the protocol is in spawn.h). */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

/* ---- the child ---- */

static int loopback_up(struct md_err *err)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return err_set(err, errno, "network: socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		close(fd);
		return err_set(err, errno, "network: lo up");
	}
	close(fd);
	return 0;
}

/* What GO carries: what md resolved after the clone. */
struct go {
	struct proc_spec proc;
	struct rootfs_spec fs;
	struct cgroup cg;
	int into_cg;
};

static void pack_go(struct pack *k, const struct run_spec *r,
		    const struct run_proc *p)
{
	const struct proc_spec *x = &r->proc;
	const struct rootfs_spec *fs = &r->rootfs;

	pack_strv(k, x->argv);
	pack_strv(k, x->env);
	pack_str(k, x->user);
	pack_str(k, x->workdir);
	pack_u64(k, x->caps);
	pack_u64(k, x->privileged);
	pack_str(k, fs->layers_dir);
	pack_strv(k, fs->layers);
	pack_str(k, fs->upper);
	pack_str(k, fs->work);
	pack_str(k, fs->target);
	for (int i = 0; i < 3; i++)
		pack_str(k, fs->etc_data[i]);
	pack_u64(k, fs->nvols);
	for (size_t i = 0; i < fs->nvols; i++) {
		pack_str(k, fs->vols[i].src);
		pack_str(k, fs->vols[i].dst);
		pack_u64(k, fs->vols[i].ro);
	}
	pack_u64(k, fs->readonly);
	pack_u64(k, fs->privileged);
	pack_u64(k, fs->cgroupns_v2);
	pack_u64(k, p->into_cg);
	pack_bytes(k, &p->cg, sizeof(p->cg));
}

/* Copies a string of GO into a fixed field; 0 if it does not fit. */
static int copy_str(char *out, size_t len, const char *s)
{
	return s && snprintf(out, len, "%s", s) < (int)len;
}

static int unpack_go(struct unpack *u, struct go *g, const struct run_spec *r)
{
	struct proc_spec *x = &g->proc;
	struct rootfs_spec *fs = &g->fs;
	uint64_t n;

	memset(g, 0, sizeof(*g));
	x->argv = unpack_strv(u);
	x->env = unpack_strv(u);
	x->user = unpack_str(u);
	x->workdir = unpack_str(u);
	x->caps = unpack_u64(u);
	x->privileged = unpack_u64(u);
	x->tty = r->proc.tty;
	x->die_with_parent = r->proc.die_with_parent;
	fs->layers_dir = unpack_str(u);
	fs->layers = unpack_strv(u);
	for (fs->nlayers = 0; fs->layers && fs->layers[fs->nlayers]; fs->nlayers++)
		;
	if (!copy_str(fs->upper, sizeof(fs->upper), unpack_str(u)) ||
	    !copy_str(fs->work, sizeof(fs->work), unpack_str(u)) ||
	    !copy_str(fs->target, sizeof(fs->target), unpack_str(u)))
		return -1;
	for (int i = 0; i < 3; i++)
		fs->etc_data[i] = unpack_str(u);
	n = unpack_u64(u);
	if (u->bad || n > 64 || !(fs->vols = calloc(n ? n : 1, sizeof(*fs->vols))))
		return -1;
	fs->nvols = n;
	for (size_t i = 0; i < n; i++) {
		struct volume *v = &fs->vols[i];
		if (!copy_str(v->src, sizeof(v->src), unpack_str(u)) ||
		    !copy_str(v->dst, sizeof(v->dst), unpack_str(u)))
			return -1;
		v->ro = unpack_u64(u);
		v->fd = -1;
	}
	fs->readonly = unpack_u64(u);
	fs->privileged = unpack_u64(u);
	fs->cgroupns_v2 = unpack_u64(u);
	g->into_cg = unpack_u64(u);
	unpack_bytes(u, &g->cg, sizeof(g->cg));
	return u->bad || !x->argv || !x->argv[0] || !x->env || !x->workdir ||
	       !fs->layers_dir || !fs->nlayers || u->off != u->len ? -1 : 0;
}

/* The child's first stage, up to NS_READY: all of it from its own copy
 * of r, taken at the clone. */
static void child_namespaces(const struct run_spec *r, int sock)
{
	const char *host = r->c->hostname;
	struct md_err err = { 0 };

	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
		    (r->new_net ? CLONE_NEWNET : 0)) < 0)
		spawn_failf(sock, STAGE_NAMESPACES, 125, errno, "unshare namespaces");
	if (!r->proc.tty && !r->interactive) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			spawn_failf(sock, STAGE_NAMESPACES, 125, errno,
				    "stdin: /dev/null");
		close(fd);
	}
	if (sethostname(host, strlen(host)) < 0)
		spawn_failf(sock, STAGE_NAMESPACES, 125, errno, "sethostname");
	if (r->new_net && loopback_up(&err) < 0)
		spawn_fail(sock, STAGE_NAMESPACES, 125, &err);
}

/* After GO: cgroup, root, terminal, then the shared setup and exec. */
__attribute__((noreturn))
static void child_go(const struct run_spec *r, int sock)
{
	struct spawn_msg_in m;
	struct md_err err = { 0 };
	struct unpack u;
	struct go g;
	int pre[PRE_N];

	/* EOF: md is gone (or gave up); nothing to report to. */
	if (spawn_recv(sock, &m) < 0 || m.h.type != MSG_GO)
		_exit(125);
	u = (struct unpack){ .buf = m.payload, .len = m.h.len };
	if (unpack_go(&u, &g, r) < 0)
		spawn_failf(sock, STAGE_GO, 125, EPROTO, "start: md's GO message");
	for (int i = 0; i < PRE_N; i++) {
		pre[i] = m.fds[i];
		m.fds[i] = -1;
	}
	/* Into the container's cgroup (unless it started there), then a
	 * cgroup namespace rooted there; all before anything of the
	 * container runs. */
	if (g.cg.mode != CG_NONE && !g.into_cg && cgroup_enter_self(&g.cg, &err) < 0)
		spawn_fail(sock, STAGE_CGROUP, 125, &err);
	if (g.cg.mode != CG_NONE && unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL)
		spawn_failf(sock, STAGE_CGROUP, 125, errno, "unshare cgroup namespace");
	if (rootfs_setup(&g.fs, pre, &err) < 0)
		spawn_fail(sock, STAGE_ROOTFS, 125, &err);
	if (g.proc.tty)
		setup_tty(sock);
	setup_exec(&g.proc, sock);
}

__attribute__((noreturn))
static void child_main(const struct run_spec *r, struct run_proc *p, int sock)
{
	struct spawn_hdr ready = { .type = MSG_NS_READY };

	fg_signals_child(&p->sig);
	for (int i = 0; r->own_stdio && i < 3; i++)
		if (r->stdio[i] != i && dup2(r->stdio[i], i) < 0)
			spawn_failf(sock, STAGE_START, 125, errno, "stdio");
	/* Until the command runs, the child dies with md (whoever kills
	 * md): nothing is left asleep waiting for a GO that never comes. */
	if (r->proc.die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "parent-death signal");
	/* --network container:NAME: joined first, before the fds go. */
	if (r->join_netns > 0 && setns(r->join_netns, CLONE_NEWNET) < 0)
		spawn_failf(sock, STAGE_NAMESPACES, 125, errno, "join network namespace");
	/* No host fd may reach the container, nor be reachable through
	 * /proc/self/fd while the image's paths are resolved. */
	if (spawn_close_fds(sock) < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "close_range");
	/* A session of its own, with or without -t (as runc): the caller's
	 * terminal is not the container's controlling terminal, so nothing
	 * inside can push input into it (TIOCSTI) or signal its jobs. With
	 * -t, setup_tty makes the container's own pty its terminal. */
	if (setsid() < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "setsid");
	child_namespaces(r, sock);
	if (spawn_send(sock, &ready, NULL, NULL, 0) < 0)
		_exit(125);
	child_go(r, sock);
}

/* ---- md's side ---- */

static int open_ns(pid_t pid, const char *ns)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

static void now_rfc3339(char *out, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(out, len, ts.tv_sec, ts.tv_nsec);
}

static int pure_cgroup_v2(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int make_cgroup(struct run_spec *r, struct run_proc *p, struct md_err *err)
{
	if (cgroup_create(&p->cg, r->c->cgroup_parent[0] ? r->c->cgroup_parent :
			  NULL, r->c->id, &r->lim, err) < 0)
		return -1;
	p->cg_made = 1;
	r->rootfs.cgroupns_v2 = p->cg.mode == CG_V2;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int run_start(struct run_spec *r, struct run_proc *p, struct md_err *err)
{
	int sv[2], cgfd = -1;
	struct md_err e2;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->sock = -1;
	r->mntns_fd = -1;
	/* A pure cgroup v2 host: the cgroup now, to start the child in it.
	 * Else md makes it while the child makes its namespaces, and the
	 * child joins it after GO. */
	if (pure_cgroup_v2()) {
		if (make_cgroup(r, p, err) < 0)
			return -1;
		cgfd = cgroup_fd_v2(&p->cg, &e2);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(err, errno, "socketpair");
		goto fail;
	}
	/* Caught (and held) before the clone: the child resets them. */
	fg_signals_catch(&p->sig);
	p->pid = spawn_clone(cgfd, &p->into_cg);
	if (p->pid == 0) {
		close(sv[0]);
		child_main(r, p, sv[1]);
	}
	close(sv[1]);
	if (p->pid < 0) {
		err_set(err, errno, "clone");
		fg_signals_restore(&p->sig);
		close(sv[0]);
		goto fail;
	}
	p->sock = sv[0];
	if (cgfd >= 0)
		close(cgfd);
	return 0;
fail:
	if (cgfd >= 0)
		close(cgfd);
	if (p->cg_made)
		cgroup_destroy(&p->cg, 1, NULL);
	p->cg_made = 0;
	return -1;
}

static void reap(pid_t pid, int *st)
{
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
}

void run_abort(struct run_proc *p)
{
	int st;

	/* (Its pid is still ours until reaped: no other process's.) */
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		reap(p->pid, &st);
		p->pid = -1;
	}
	p->stop_signal = fg_stop_signal();
	close_fd(&p->sock);
	if (p->cg_made)
		cgroup_destroy(&p->cg, 1, NULL);
	p->cg_made = 0;
	/* Last: a second Ctrl-C, restored to its default, ends md here,
	 * not before the cleanup. */
	fg_signals_restore(&p->sig);
}

/* Sends GO with the mounts md made ahead. */
static int send_go(struct run_spec *r, struct run_proc *p, struct md_err *err)
{
	struct spawn_hdr h = { .type = MSG_GO };
	struct pack k = { 0 };
	int pre[PRE_N], rc;

	/* Much of the root is made here, while the child made its
	 * namespaces (the overlay is the slowest part on ext4). */
	for (int i = 0; i < PRE_N; i++)
		pre[i] = -1;
	pre[PRE_OVERLAY] = rootfs_overlay_tree(&r->rootfs);
	pre[PRE_ETC + 1] = rootfs_file_tree(r->rootfs.hosts_path);
	if ((pre[PRE_DEV] = rootfs_dev_tree(&r->rootfs)) >= 0)
		rootfs_etc_trees(&r->rootfs, pre[PRE_DEV], &pre[PRE_ETC]);
	pack_go(&k, r, p);
	h.len = k.len;
	rc = k.oom ? err_set(err, ENOMEM, "start: GO message") :
	     spawn_send(p->sock, &h, k.buf, pre, PRE_N) < 0 ?
	     err_set(err, errno, "start: send GO") : 0;
	free(k.buf);
	for (int i = 0; i < PRE_N; i++)
		if (pre[i] >= 0)
			close(pre[i]);
	return rc;
}

/* From the clone to the exec. 1: it runs (*master: its pty or -1);
 * 0: it failed (*status, err); -1: md failed (the child is gone). */
static int start_command(struct run_spec *r, struct run_proc *p, int *master,
			 int *status, struct md_err *err)
{
	struct spawn_msg_in m;

	if (!p->cg_made && make_cgroup(r, p, err) < 0)
		return -1;
	if (spawn_next(p->sock, &p->sig, &m, err) < 0)
		return -1;
	if (m.h.type == MSG_FAIL) {
		spawn_failed(&m, p->pid, status, err);
		spawn_msg_free(&m);
		return 0;
	}
	spawn_msg_free(&m);
	if (m.h.type != MSG_NS_READY)
		return err_set(err, EPROTO, "start: the container's process ended "
			       "before its namespaces were ready");
	/* Here md acts on the child's new namespaces: it waits for GO. */
	if (r->net) {
		int ns = open_ns(p->pid, "net"), rc;
		rc = ns < 0 ? err_set(err, errno, "network: the container's namespace") :
		     net_attach(r->s, r->net, r->c->id, ns, r->addr, err);
		for (size_t i = 0; rc == 0 && i < r->nmore; i++)
			rc = net_attach_more(r->s, &r->more[i].nc, r->c->id, ns,
					     r->more[i].idx, r->more[i].addr, 1, err);
		if (ns >= 0)
			close(ns);
		if (rc < 0)
			return -1;
	}
	if (send_go(r, p, err) < 0)
		return -1;
	return spawn_until_exec(p->sock, p->pid, &p->sig, master, status, err);
}

/* Its end, in r->c: exit code, time, OOM kill; the cgroup removed
 * unless the caller keeps it. */
static void record_exit(struct run_spec *r, struct run_proc *p, int status)
{
	struct md_err e2;

	r->c->oom_killed = cgroup_oom_killed(&p->cg, &e2) == 1;
	r->c->exit_code = status;
	now_rfc3339(r->c->finished, sizeof(r->c->finished));
	r->c->status = CONTAINER_EXITED;
	r->c->pid = 0;
	container_net_release(r->s, r->c);
	if (!r->keep_cgroup)
		run_remove_cgroup(p);
}

/* A command that could not be started (not found, not executable, a
 * setup step that failed): as Docker, the container stays "created",
 * with the code and the reason in its state (State.ExitCode, .Error). */
static void record_unstarted(struct run_spec *r, struct run_proc *p,
			     int status, const struct md_err *err)
{
	r->c->exit_code = status;
	snprintf(r->c->error, sizeof(r->c->error), "%s", err->msg);
	r->c->status = CONTAINER_CREATED;
	r->c->pid = 0;
	r->c->pid_start = 0;
	r->c->started[0] = 0;
	container_net_release(r->s, r->c);
	if (!r->keep_cgroup)
		run_remove_cgroup(p);
}

int run_finish(struct run_spec *r, struct run_proc *p, int *status,
	       struct md_err *err)
{
	int master = -1, rc;

	err->msg[0] = 0;
	rc = start_command(r, p, &master, status, err);
	if (rc < 0) {
		if (master >= 0)
			close(master);
		run_abort(p);
		return -1;
	}
	close_fd(&p->sock);
	if (rc > 0) {
		/* Its mount namespace first, while it most likely still has
		 * one (a command that ends at once may not: then it unmounted
		 * everything itself as it exited). */
		r->mntns_fd = open_ns(p->pid, "mnt");
		*status = fg_wait_command(p->pid, master, r->interactive, &p->sig);
	}
	p->pid = -1;
	fg_signals_restore(&p->sig);
	if (rc > 0)
		record_exit(r, p, *status);
	else
		record_unstarted(r, p, *status, err);
	return 0;
}

int run_detach(struct run_spec *r, struct run_proc *p, int *master,
	       int *status, struct md_err *err)
{
	int rc;

	err->msg[0] = 0;
	*master = -1;
	rc = start_command(r, p, master, status, err);
	if (rc <= 0 && *master >= 0)
		close_fd(master);
	if (rc < 0) {
		run_abort(p);
		return -1;
	}
	close_fd(&p->sock);
	fg_signals_restore(&p->sig);
	if (rc == 0) {
		p->pid = -1;
		record_unstarted(r, p, *status, err);
		return 0;
	}
	return 1;
}

void run_remove_cgroup(struct run_proc *p)
{
	struct md_err e2;

	/* The pid namespace died with its init: nothing should be left to
	 * kill, and if something is, it is killed. */
	if (p->cg_made && cgroup_destroy(&p->cg, 0, &e2) < 0)
		cgroup_destroy(&p->cg, 1, &e2);
	p->cg_made = 0;
}

void run_started(struct run_spec *r, const struct run_proc *p)
{
	r->c->pid = p->pid;
	r->c->pid_start = proc_start_time(p->pid);
	now_rfc3339(r->c->started, sizeof(r->c->started));
	r->c->status = CONTAINER_RUNNING;
}
