/* The container's first process and its parent (see run.h). */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "seccomp.h"
#include "user.h"
#include "util.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define CGROUP2_SUPER_MAGIC 0x63677270
#define FUTEX_WAIT_PRIVATE 128	/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* What the child says when it cannot exec: a code and a line. */
struct child_report {
	int code;
	char msg[500];
};

static void child_fail(int fd, int code, const char *msg)
{
	struct child_report rep = { .code = code };

	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	write_all(fd, &rep, sizeof(rep));
	_exit(code);
}

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

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* execve through the container's PATH; returns only on failure. */
static void exec_command(struct run_spec *r, int errfd)
{
	const char *path = env_get(r->env, "PATH"), *cmd = r->argv[0];
	char buf[4096], msg[600];
	int eacces = 0;

	if (strchr(cmd, '/')) {
		execve(cmd, r->argv, r->env);
		eacces = errno != ENOENT && errno != ENOTDIR;
		snprintf(msg, sizeof(msg), "exec: \"%s\": %s", cmd, strerror(errno));
		child_fail(errfd, eacces ? 126 : 127, msg);
	}
	for (const char *p = path ? path : ""; ; p++) {
		const char *e = strchrnul(p, ':');
		if (e > p && snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), p,
				      cmd) < (int)sizeof(buf)) {
			execve(buf, r->argv, r->env);
			if (errno == EACCES)
				eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR) {
				snprintf(msg, sizeof(msg), "exec: \"%s\": %s", buf,
					 strerror(errno));
				child_fail(errfd, 126, msg);
			}
		}
		if (!*e)
			break;
		p = e;
	}
	if (eacces) {
		snprintf(msg, sizeof(msg), "exec: \"%s\": permission denied", cmd);
		child_fail(errfd, 126, msg);
	}
	snprintf(msg, sizeof(msg), "exec: \"%s\": executable file not found in "
		 "$PATH", cmd);
	child_fail(errfd, 127, msg);
}

/* Identity and privileges, in the order capabilities allow. */
static int become_user(struct run_spec *r, const struct user_ids *u,
		       struct md_err *err)
{
	if (caps_drop_bounding(r->caps, err) < 0)
		return -1;
	/* Raw calls: the process has one thread, and libc's wrappers would
	 * block and restore all signals around each to reach the others. */
	if (syscall(SYS_setgroups, (int)u->ngroups, u->groups) < 0 ||
	    syscall(SYS_setresgid, u->gid, u->gid, u->gid) < 0 ||
	    syscall(SYS_setresuid, u->uid, u->uid, u->uid) < 0)
		return err_set(err, errno, "set user %u:%u", u->uid, u->gid);
	if (caps_apply(r->caps, err) < 0)
		return -1;
	if (r->privileged)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "no_new_privs");
	return seccomp_install_default(r->caps, err);
}

/* fds[0..n) (n <= 8) over a unix socket, those < 0 left out (a byte
 * says which). */
static int send_fds(int sock, const int *fds, int n)
{
	char buf[1] = { 0 }, cbuf[CMSG_SPACE(8 * sizeof(int))] = { 0 };
	struct iovec iov = { buf, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int k = 0;

	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			memcpy(CMSG_DATA(cm) + k++ * sizeof(int), &fds[i], sizeof(int));
			buf[0] |= 1 << i;
		}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(k * sizeof(int));
	mh.msg_controllen = k ? CMSG_SPACE(k * sizeof(int)) : 0;
	if (!k)
		mh.msg_control = NULL;
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* send_fds' fds into fds[0..n) (-1 where none came); -1 on failure. */
static int recv_fds(int sock, int *fds, int n)
{
	char buf[1], cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { buf, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t got;
	int k = 0, have = 0;

	for (int i = 0; i < n; i++)
		fds[i] = -1;
	while ((got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (got != 1)
		return -1;
	if ((cm = CMSG_FIRSTHDR(&mh)) && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS)
		have = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	for (int i = 0; i < n; i++)
		if (buf[0] & (1 << i) && k < have)
			memcpy(&fds[i], CMSG_DATA(cm) + k++ * sizeof(int), sizeof(int));
	/* Cut short (out of fds): which came is unsure, so none did. */
	if (mh.msg_flags & MSG_CTRUNC)
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
	return 0;
}

/* The terminal comes from the container's own devpts instance (so that
 * tty(1) and ttyname() work inside); its master goes to md over sock. */
static void child_tty(int sock, int errfd)
{
	int master, slave;
	char *name;

	master = openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0 || !(name = ptsname(master)) ||
	    (slave = openat(AT_FDCWD, name, O_RDWR | O_NOCTTY)) < 0)
		child_fail(errfd, 125, "terminal: cannot open a pty");
	if (send_fds(sock, &master, 1) < 0)
		child_fail(errfd, 125, "terminal: cannot pass the pty");
	close(master);
	close(sock);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 ||
	    dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		child_fail(errfd, 125, "terminal setup failed");
	close(slave);
}

/* Closes every fd from 3 up but keep1 and keep2 (-1: none). */
static int close_fds_except(int keep1, int keep2)
{
	int lo = 3, k[2] = { keep1 < keep2 ? keep1 : keep2,
			     keep1 < keep2 ? keep2 : keep1 };

	for (int i = 0; i < 2; i++) {
		if (k[i] < lo)
			continue;
		if (k[i] > lo && syscall(SYS_close_range, lo, k[i] - 1, 0) < 0)
			return -1;
		lo = k[i] + 1;
	}
	return syscall(SYS_close_range, lo, ~0U, 0);
}

/* md and the child share memory (CLONE_VM) from the clone to the exec:
 * while md prepares the rest of the spec, the child makes its namespaces,
 * then waits on go; from then on md sleeps until the exec. */
enum { GO_WAIT, GO_SLEEPING, GO_ON, GO_ABORT };

static void child_wait_go(int *go)
{
	/* md's part usually ends within a few hundred microseconds: a spin
	 * (about 0.5 ms; a sleep and a wakeup cost more on a virtual CPU),
	 * then the futex. */
	for (int i = 0; i < 20000 &&
	     __atomic_load_n(go, __ATOMIC_ACQUIRE) == GO_WAIT; i++)
#if defined(__x86_64__)
		__builtin_ia32_pause();
#else
		__asm__ volatile("" ::: "memory");
#endif
	int v = GO_WAIT;
	if (__atomic_compare_exchange_n(go, &v, GO_SLEEPING, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		while (__atomic_load_n(go, __ATOMIC_ACQUIRE) == GO_SLEEPING)
			syscall(SYS_futex, go, FUTEX_WAIT_PRIVATE, GO_SLEEPING, NULL);
}

static int child_main(void *arg)
{
	struct run_proc *p = arg;
	struct run_spec *r = p->r;
	const struct cgroup *cg = &p->cg;
	int errfd = p->errfd[1], sock = p->sock[1], pre[PRE_N];
	struct md_err err = { 0 };
	struct user_ids u;

	/* Until go: only system calls and the stack (md runs meanwhile and
	 * owns the heap), and none that may fail in the normal course: errno
	 * is md's too. */
	sigprocmask(SIG_SETMASK, &p->oldmask, NULL);
	/* No host fd may reach the container, nor be reachable through
	 * /proc/self/fd while the image's paths are resolved. */
	if (close_fds_except(errfd, sock) < 0)
		child_fail(errfd, 125, "close_range failed");
	/* A session of its own, with or without -t (as runc): the caller's
	 * terminal is not the container's controlling terminal, so nothing
	 * inside can push input into it (TIOCSTI) or signal its jobs. With
	 * -t, child_tty makes the container's own pty its terminal. */
	if (!r->tty && setsid() < 0)
		child_fail(errfd, 125, "setsid failed");
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
		    (r->new_net ? CLONE_NEWNET : 0)) < 0)
		child_fail(errfd, 125, "unshare namespaces");
	if (!r->tty && !r->interactive) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			child_fail(errfd, 125, "stdin: /dev/null");
		close(fd);
	}
	if (sethostname(r->c->hostname, strlen(r->c->hostname)) < 0)
		child_fail(errfd, 125, "sethostname failed");
	if (r->new_net && loopback_up(&err) < 0)
		child_fail(errfd, 125, err.msg);
	child_wait_go(&p->go);
	if (p->go == GO_ABORT)
		_exit(125);
	if (p->spread && sched_setaffinity(0, sizeof(p->cpus), &p->cpus) < 0)
		child_fail(errfd, 125, "sched_setaffinity failed");
	/* Into the container's cgroup (unless it started there), then a
	 * cgroup namespace rooted there; all before anything of the
	 * container runs. */
	if (cg->mode != CG_NONE && !p->into_cg && cgroup_enter_self(cg, &err) < 0)
		child_fail(errfd, 125, err.msg);
	if (cg->mode != CG_NONE && unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL)
		child_fail(errfd, 125, "unshare cgroup namespace");
	/* What md prepared of the root. */
	if (recv_fds(sock, pre, PRE_N) < 0)
		child_fail(errfd, 125, "rootfs: cannot receive md's mounts");
	if (rootfs_setup(&r->rootfs, pre, &err) < 0)
		child_fail(errfd, 125, err.msg);
	if (r->tty)
		child_tty(sock, errfd);
	if (user_resolve(r->user ? r->user : "", "/etc/passwd", "/etc/group",
			 &u, &err) < 0)
		child_fail(errfd, 125, err.msg);
	if (!env_get(r->env, "HOME")) {
		size_t n = 0;
		while (r->env[n])
			n++;
		char *home = malloc(strlen(u.home) + 6), **ne = realloc(r->env,
						(n + 2) * sizeof(char *));
		if (!home || !ne)
			child_fail(errfd, 125, "out of memory");
		sprintf(home, "HOME=%s", u.home);
		ne[n] = home;
		ne[n + 1] = NULL;
		r->env = ne;
	}
	/* Only the error pipe is left of the host's fds (close-on-exec). */
	if (close_fds_except(errfd, -1) < 0)
		child_fail(errfd, 125, "close_range failed");
	if (mkdir_p_at(AT_FDCWD, r->workdir, 0755) < 0 || chdir(r->workdir) < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "workdir %s: %s", r->workdir,
			 strerror(errno));
		child_fail(errfd, 126, msg);
	}
	if (become_user(r, &u, &err) < 0)
		child_fail(errfd, 125, err.msg);
	exec_command(r, errfd);
	return 125;
}

/* The child's stack: it shares md's memory until it execs (see spawn). */
static char child_stack[256 << 10] __attribute__((aligned(64)));

#if defined(__x86_64__)
/* clone3(2) with fn(arg) run in the child on a->stack, as libc's clone()
 * does for clone(2); the child exits with fn's value. */
static long clone3_run(struct clone_args_v2 *a, int (*fn)(void *), void *arg)
{
	register long ret __asm__("rax") = SYS_clone3;
	register void *f __asm__("r8") = (void *)fn;
	register void *x __asm__("r9") = arg;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r9, %%rdi\n\t"
			 "call *%%r8\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov $60, %%eax\n\t"	/* exit */
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "+r"(ret)
			 : "D"(a), "S"(sizeof(*a)), "r"(f), "r"(x)
			 : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
#endif

/* A new task waits on its parent's CPU (fork balancing leaves it there)
 * until the parent sleeps or a tick moves it: here, most of the time md
 * would make the container's namespaces after its own work, not
 * alongside it. So the child is sent to md's other CPUs; it takes all of
 * md's back at go, before it joins its cgroup (whose cpuset then
 * applies). */
static void spread_child(struct run_proc *p, pid_t pid)
{
	cpu_set_t others = p->cpus;
	int cpu = sched_getcpu();

	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &others) ||
	    CPU_COUNT(&others) < 2)
		return;
	CPU_CLR(cpu, &others);
	p->spread = sched_setaffinity(pid, sizeof(others), &others) == 0;
}

/* The child starts in a new PID namespace (its command is PID 1) and,
 * on cgroup v2, in its cgroup (CLONE_INTO_CGROUP); it makes the other
 * namespaces itself, while md goes on. Sharing md's memory (as
 * posix_spawn does) spares copying page tables and copy-on-write faults
 * in both. */
static pid_t start_child(struct run_proc *p, struct md_err *err)
{
	uint64_t flags = CLONE_NEWPID | CLONE_VM;
	struct md_err e2;
	int cgfd = p->cg.mode == CG_V2 ? cgroup_fd_v2(&p->cg, &e2) : -1;
	pid_t pid = -1;

#if defined(__x86_64__)
	if (cgfd >= 0) {
		struct clone_args_v2 a = {
			.flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
			.stack = (uintptr_t)child_stack, .stack_size = sizeof(child_stack),
			.cgroup = cgfd };
		p->into_cg = 1;
		if ((pid = clone3_run(&a, child_main, p)) < 0)
			p->into_cg = 0;
	}
#endif
	if (cgfd >= 0)
		close(cgfd);
	if (pid < 0)	/* no cgroup v2, or no clone3: the child joins it */
		pid = clone(child_main, child_stack + sizeof(child_stack),
			    (int)flags | SIGCHLD, p);
	if (pid < 0)
		err_set(err, errno, "clone");
	else
		spread_child(p, pid);
	return pid;
}

/* The parent's side: signals go to the container, as does the terminal. */
static volatile pid_t fwd_pid;
static int tty_master = -1;

static void forward(int sig)
{
	if (sig == SIGWINCH && tty_master >= 0) {
		struct winsize ws;
		if (ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(tty_master, TIOCSWINSZ, &ws);
		return;
	}
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

static const int fwd_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				SIGUSR2, SIGWINCH };

static void forward_signals(pid_t pid)
{
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };

	fwd_pid = pid;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout must not orphan it */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++)
		sigaction(fwd_sigs[i], &sa, NULL);
}

/* Copies between our stdin/stdout and the pty until the child exits. */
static int relay_tty(int *masterp, pid_t pid, int interactive)
{
	char buf[8192];
	int status, in_open = interactive, master = *masterp;

	for (;;) {
		struct pollfd p[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
		int n = poll(p, in_open ? 2 : 1, 100);
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = read(master, buf, sizeof(buf));
			/* Nobody reads our output any more: hang up the
			 * terminal, as closing a terminal window does (its
			 * processes get SIGHUP), and wait for the end. */
			if (k > 0 && write_all(1, buf, k) < 0) {
				close(master);
				*masterp = -1;
				break;
			}
			if (k < 0 && errno != EINTR && errno != EAGAIN)
				break;	/* EIO: the container closed the pty */
		}
		if (n > 0 && in_open && (p[1].revents & (POLLIN | POLLHUP |
							  POLLERR | POLLNVAL))) {
			ssize_t k = (p[1].revents & POLLNVAL) ? -1 :
				read(0, buf, sizeof(buf));
			if (k > 0) {
				write_all(master, buf, k);
			} else if (k == 0 || errno != EINTR) {
				/* End of input is the terminal's EOF key. */
				struct termios t;
				char eof = tcgetattr(master, &t) == 0 ? t.c_cc[VEOF] : 4;
				write_all(master, &eof, 1);
				in_open = 0;
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the name may hold anything */
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			"%*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		t = 0;
	return t;
}

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

static int can_clone_into_cgroup(void)
{
#if defined(__x86_64__)
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
#else
	return 0;
#endif
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
	sigset_t block;

	memset(p, 0, sizeof(*p));
	p->r = r;
	p->pid = -1;
	p->errfd[0] = p->errfd[1] = p->sock[0] = p->sock[1] = -1;
	r->mntns_fd = -1;
	/* A pure cgroup v2 host: the cgroup now, to start the child in it.
	 * Else md makes it while the child makes its namespaces; the child
	 * joins it after go. */
	if (can_clone_into_cgroup() && make_cgroup(r, p, err) < 0)
		return -1;
	if (sched_getaffinity(0, sizeof(p->cpus), &p->cpus) < 0)
		CPU_ZERO(&p->cpus);
	if (pipe2(p->errfd, O_CLOEXEC) < 0) {
		err_set(err, errno, "pipe");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock) < 0) {
		err_set(err, errno, "socketpair");
		goto fail;
	}
	/* Signals wait until they can be forwarded; the child restores the
	 * mask before anything else. */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++)
		sigaddset(&block, fwd_sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &p->oldmask);
	if ((p->pid = start_child(p, err)) < 0) {
		sigprocmask(SIG_SETMASK, &p->oldmask, NULL);
		goto fail;
	}
	caps_last_cap();	/* probed once, for the child too (after go) */
	/* (The child reads p: the numbers stay.) */
	close(p->errfd[1]);
	if (p->sock[1] >= 0)
		close(p->sock[1]);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		close_fd(&p->errfd[i]);
		close_fd(&p->sock[i]);
	}
	if (p->cg_made)
		cgroup_destroy(&p->cg, 1, NULL);
	return -1;
}

/* Lets the child go on (or end: abort) and waits for its exec. */
static void release(struct run_proc *p, int how)
{
	if (__atomic_exchange_n(&p->go, how, __ATOMIC_ACQ_REL) == GO_SLEEPING)
		syscall(SYS_futex, &p->go, FUTEX_WAKE_PRIVATE, 1);
}

void run_abort(struct run_proc *p)
{
	int st;

	release(p, GO_ABORT);
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &p->oldmask, NULL);
	close_fd(&p->errfd[0]);
	close_fd(&p->sock[0]);
	if (p->cg_made)
		cgroup_destroy(&p->cg, 1, NULL);
}

int run_finish(struct run_spec *r, struct run_proc *p, int *status,
	       struct md_err *err)
{
	struct termios saved;
	int master = -1, raw = 0, st;
	struct child_report rep = { 0 };
	struct md_err e2;
	pid_t pid = p->pid;
	ssize_t n;
	int pre[PRE_N], sent;

	/* Much of the root is made here, while the child makes its
	 * namespaces (the overlay is the slowest part on ext4). */
	for (int i = 0; i < PRE_N; i++)
		pre[i] = -1;
	pre[PRE_OVERLAY] = rootfs_overlay_tree(&r->rootfs);
	if ((pre[PRE_DEV] = rootfs_dev_tree(&r->rootfs)) >= 0)
		rootfs_etc_trees(&r->rootfs, pre[PRE_DEV], &pre[PRE_ETC]);
	sent = send_fds(p->sock[0], pre, PRE_N);
	for (int i = 0; i < PRE_N; i++)
		if (pre[i] >= 0)
			close(pre[i]);
	/* Else none: the child makes it all (if it is still there; if it
	 * failed meanwhile, its report follows). */
	if (sent < 0)
		send_fds(p->sock[0], pre, 0);
	if (!p->cg_made && make_cgroup(r, p, err) < 0) {
		run_abort(p);
		return -1;
	}
	release(p, GO_ON);
	/* The child has exec'd or failed when the error pipe reads. */
	n = read_full(p->errfd[0], &rep, sizeof(rep));
	close_fd(&p->errfd[0]);
	/* Its mount namespace first, while it most likely still has one (a
	 * command that ends at once may not: then it unmounted everything
	 * itself as it exited). */
	r->mntns_fd = open_ns(pid, "mnt");
	forward_signals(pid);
	sigprocmask(SIG_SETMASK, &p->oldmask, NULL);
	if (r->tty) {
		struct winsize ws;
		if (recv_fds(p->sock[0], &master, 1) < 0)
			master = -1;
		if (master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	close_fd(&p->sock[0]);
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
		tty_master = master;
	}
	if (master >= 0)
		st = relay_tty(&master, pid, r->interactive);
	else
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	fwd_pid = 0;
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	if (n == (ssize_t)sizeof(rep)) {	/* it never ran the command */
		rep.msg[sizeof(rep.msg) - 1] = 0;
		err_set(err, 0, "%s", rep.msg);
		*status = rep.code;
	} else {
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		err->msg[0] = 0;
	}
	r->c->oom_killed = cgroup_oom_killed(&p->cg, &e2) == 1;
	r->c->exit_code = *status;
	now_rfc3339(r->c->finished, sizeof(r->c->finished));
	strcpy(r->c->status, "exited");
	r->c->pid = 0;
	if (!r->keep_cgroup)
		run_remove_cgroup(p);
	if (master >= 0)
		close(master);
	return 0;
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
	strcpy(r->c->status, "running");
}
