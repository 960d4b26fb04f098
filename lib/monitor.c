/* md-run -d's monitor: spawning it, the starter's reports, and the
 * monitor's own loop (see monitor.h). */
#include "monitor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "fwd.h"
#include "log.h"
#include "net.h"
#include "ports.h"
#include "restart.h"
#include "spawn.h"
#include "store.h"
#include "util.h"

/* The monitor's fds after exec. */
enum { MON_OUT = 3, MON_ERR = 4, MON_CTL = 5 };

/* Puts fd at want (not close-on-exec), or dies: only in a fork. */
static void place(int fd, int want)
{
	if (fd == want ? fcntl(fd, F_SETFD, 0) < 0 : dup2(fd, want) < 0)
		_exit(125);
}

/* The monitor's side of the fork, before its exec. */
__attribute__((noreturn))
static void become_monitor(const char *id, int out, int err, int ctl)
{
	char *argv[] = { "md", "monitor", (char *)id, NULL };
	extern char **environ;
	/* Each fd to its place, by way of fds above 5 (out, err and ctl
	 * may sit on 3..5 themselves). */
	int o = fcntl(out, F_DUPFD_CLOEXEC, 10), e = fcntl(err, F_DUPFD_CLOEXEC, 10),
	    c = fcntl(ctl, F_DUPFD_CLOEXEC, 10);
	int null = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);

	if (o < 0 || e < 0 || c < 0 || null < 0)
		_exit(125);
	place(null, 0);
	place(null, 1);
	place(null, 2);
	place(o, MON_OUT);
	place(e, MON_ERR);
	place(c, MON_CTL);
	/* The store md-run uses (--root, or MD_ROOT, or the default), for
	 * the monitor's store_open. */
	if (setenv("MD_ROOT", store_root(), 1) < 0)
		_exit(125);
	execve("/proc/self/exe", argv, environ);
	_exit(125);
}

int monitor_spawn(const char *id, int *report, struct monitor_link *l,
		  struct md_err *err)
{
	int rp[2], out[2], er[2], ctl[2];
	pid_t m, s;

	if (pipe2(rp, O_CLOEXEC) < 0)
		return err_set(err, errno, "monitor: pipe");
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
		return err_set(err, errno, "monitor: pipes");
	fflush(NULL);
	if ((m = fork()) < 0)
		return err_set(err, errno, "monitor: fork");
	if (m > 0) {
		/* md-run keeps only the report's read end. */
		close(rp[1]);
		close(out[0]);
		close(out[1]);
		close(er[0]);
		close(er[1]);
		close(ctl[0]);
		close(ctl[1]);
		*report = rp[0];
		return 0;
	}
	/* The monitor: out of md-run's session (a hangup of its terminal
	 * is not ours), and the parent of whatever its starter leaves. */
	close(rp[0]);
	if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		_exit(125);
	signal(SIGPIPE, SIG_IGN);
	if ((s = fork()) < 0)
		_exit(125);
	if (s > 0) {
		close(rp[1]);
		close(out[1]);
		close(er[1]);
		close(ctl[1]);
		become_monitor(id, out[0], er[0], ctl[0]);
	}
	/* The starter. */
	close(out[0]);
	close(er[0]);
	close(ctl[0]);
	l->report = rp[1];
	l->ctl = ctl[1];
	l->out = out[1];
	l->err = er[1];
	return 1;
}

int monitor_wait(int report, struct md_err *err)
{
	char buf[32];
	ssize_t n = read_full(report, buf, sizeof(buf) - 1);
	int code;

	close(report);
	err->msg[0] = 0;
	if (n > 0) {
		buf[n] = 0;
		if (!strcmp(buf, "ok\n"))
			return 0;
		if (sscanf(buf, "fail %d", &code) == 1 && code > 0 && code < 256)
			return code;
	}
	err_set(err, 0, "the container's start was cut short: its monitor "
		"or starter ended first");
	return 125;
}

int monitor_started(struct monitor_link *l, pid_t pid, int watch_fd,
		    int master)
{
	char text[32];
	struct spawn_hdr h = { .type = MSG_STARTED };
	/* The container's input, held by the monitor: its pty, or its
	 * stdin pipe. */
	int fds[2] = { watch_fd, master >= 0 ? master : l->in }, st;

	h.len = snprintf(text, sizeof(text), "%d %s", (int)pid,
			 master >= 0 ? "tty" : l->in >= 0 ? "stdin" : "-");
	if (spawn_send(l->ctl, &h, text, fds, 2) < 0) {
		/* No monitor to hand it to: it must not run unwatched. */
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	/* ("ok": code 0) */
	monitor_failed(l, 0);
	return 0;
}

int monitor_ports(struct monitor_link *l, const struct ports *p)
{
	for (size_t i = 0; i < p->n; i += SPAWN_FDS_MAX) {
		char text[SPAWN_FDS_MAX * 8];
		int fds[SPAWN_FDS_MAX], k, len = 0;
		struct spawn_hdr h = { .type = MSG_PORTS };
		for (k = 0; k < SPAWN_FDS_MAX && i + k < p->n; k++) {
			const struct port_map *m = &p->v[i + k];
			len += snprintf(text + len, sizeof(text) - len, "%c%u ",
					m->udp ? 'u' : 't', m->ctr);
			fds[k] = m->fd;
		}
		h.len = (uint32_t)len;
		if (spawn_send(l->ctl, &h, text, fds, k) < 0)
			return -1;
	}
	return 0;
}

void monitor_failed(struct monitor_link *l, int code)
{
	char buf[32];
	int n = code ? snprintf(buf, sizeof(buf), "fail %d\n", code) :
		       snprintf(buf, sizeof(buf), "ok\n");

	if (l->ctl >= 0)
		close(l->ctl);
	l->ctl = -1;
	if (l->in >= 0)
		close(l->in);
	l->in = -1;
	/* (A restart's starter reports to no one.) */
	if (l->report >= 0) {
		write_all(l->report, buf, n);
		close(l->report);
	}
	l->report = -1;
}

/* ---- the monitor ---- */

/* What the monitor reads: the stdout and stderr pipes, and the pty's
 * master (logged as stdout). */
enum { SRC_OUT, SRC_ERR, SRC_TTY, SRC_N };

enum { TAKEN_START = 1, TAKEN_RESTART };

struct mon {
	const char *id;
	struct store s;
	pid_t pid;		/* the container's, once the starter says */
	int watch;		/* its watch lock, from the starter */
	int input;		/* its stdin pipe's write end, or -1; held
				 * open (see monitor.h) */
	int status, ended;	/* its wait status, once reaped */
	int taken_over;		/* not handed over: TAKEN_*, see take_over */
	int fds[SRC_N];		/* SRC_*; -1 once at EOF (or none) */
	int dirfd;
	struct log_writer log;
	int log_open;
	struct fwd *fwd;	/* published ports, or NULL */
	int nat_asked;		/* fwd_nat decided (aim) */
	int64_t t0;		/* when the run began (ms, monotonic) */
	long backoff;		/* the last back-off (restart_backoff) */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A PORTS message's sockets, to the forwarder. */
static void read_ports(struct mon *m, struct spawn_msg_in *msg)
{
	char *s = msg->payload;

	for (int i = 0; i < SPAWN_FDS_MAX && msg->fds[i] >= 0; i++) {
		char kind;
		unsigned long ctr;
		s += strspn(s, " ");
		kind = *s++;
		ctr = strtoul(s, &s, 10);
		if ((kind != 't' && kind != 'u') || !ctr || ctr > 65535 ||
		    (!m->fwd && !(m->fwd = fwd_new())))
			break;
		fwd_listen(m->fwd, msg->fds[i], kind == 'u', (uint16_t)ctr);
		msg->fds[i] = -1;
	}
	spawn_msg_free(msg);
}

/* The forwarder's target: the container's address as this run's state
 * has it. */
static void aim(struct mon *m)
{
	struct container c;
	struct md_err err;
	struct in_addr a = { 0 };

	if (!m->fwd || container_load(&m->s, m->id, &c, &err) < 0)
		return;
	/* (Once: a restart keeps the network.) */
	if (!m->nat_asked) {
		char bridge[16];
		m->nat_asked = 1;
		if (net_ports_bridge(&m->s, c.network, bridge))
			fwd_nat(m->fwd, m->id, bridge);
	}
	if (c.ip[0])
		inet_pton(AF_INET, c.ip, &a);
	container_free(&c);
	fwd_target(m->fwd, a.s_addr);
}

/* The starter's STARTED message on ctl (closed here), after its PORTS
 * if any, or its end without one. */
static int read_started(struct mon *m, int ctl)
{
	struct spawn_msg_in msg;
	pid_t pid;
	int rc;

	while ((rc = spawn_recv(ctl, &msg)) == 0 && msg.h.type == MSG_PORTS)
		read_ports(m, &msg);
	if (rc < 0 || msg.h.type != MSG_STARTED) {
		if (msg.payload || msg.fds[0] >= 0)
			spawn_msg_free(&msg);
		close(ctl);
		return -1;
	}
	close(ctl);
	if ((pid = atoi(msg.payload)) <= 0) {
		spawn_msg_free(&msg);
		return -1;
	}
	m->pid = pid;
	/* The new watch lock first, then the old one let go: never none. */
	if (m->watch >= 0)
		close(m->watch);
	m->watch = msg.fds[0];
	msg.fds[0] = -1;
	/* (The last run's input, if any, is no one's now.) */
	if (m->input >= 0)
		close(m->input);
	m->input = -1;
	if (strstr(msg.payload, " tty"))
		m->fds[SRC_TTY] = msg.fds[1];
	else
		m->input = msg.fds[1];
	msg.fds[1] = -1;
	spawn_msg_free(&msg);
	m->ended = 0;
	m->t0 = now_ms();
	aim(m);
	return 0;
}

/* Reaps every child that ended (the starter, then the container). */
static void reap(struct mon *m)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == m->pid) {
			m->status = st;
			m->ended = 1;
		}
	/* (None left, and the container's was never seen: it was not
	 * ours. Its end is the next md's to record, as for one that ended
	 * unwatched.) */
	if (p < 0 && errno == ECHILD && !m->ended) {
		m->ended = 1;
		m->pid = -1;
	}
}

/* The starter ended without handing the container over: killed after
 * the state said "running" (else it failed, and said so to md-run, or
 * recorded why). md-run has told its caller the start failed (a
 * restart's start has no caller, and its run no pty to log), so the
 * container must not go on: the monitor watches it (so no other md
 * settles it meanwhile), kills all of it (by its cgroup: no pid is
 * trusted), and goes on as if it had been handed over: drains its
 * output, reaps it (an orphan of the starter comes to this subreaper)
 * and records its end with the reason, and no restart. 0 if there is a
 * container to do that for. */
static int take_over(struct mon *m, int restart)
{
	struct container c = { 0 };
	struct cgroup cg = { 0 };
	struct md_err err;
	int rc = -1, w;

	/* (The last run's watch, if any, let go only once this one is
	 * held.) */
	if ((w = container_watch(&m->s, m->id, &err)) < 0)
		return -1;
	if (m->watch >= 0)
		close(m->watch);
	m->watch = w;
	if (container_load(&m->s, m->id, &c, &err) < 0)
		return -1;
	if (container_live(&c) && c.pid > 0) {
		if (cgroup_load(&cg, c.cgroup_parent[0] ? c.cgroup_parent : NULL,
				c.id, &err) > 0)
			cgroup_kill(&cg);
		if (m->input >= 0)
			close(m->input);
		m->input = -1;
		m->pid = c.pid;
		m->ended = 0;
		m->taken_over = restart ? TAKEN_RESTART : TAKEN_START;
		m->t0 = now_ms();
		rc = 0;
	}
	container_free(&c);
	return rc;
}

static void drain(struct mon *m, int i)
{
	char buf[8 << 10];
	struct md_err err;
	ssize_t n = read(m->fds[i], buf, sizeof(buf));

	if (n > 0) {
		/* A log that cannot be written loses output, not the
		 * container. */
		if (m->log_open && log_write(&m->log, i == SRC_ERR, buf, n,
					     &err) < 0) {
			log_close(&m->log);
			m->log_open = 0;
		}
		return;
	}
	/* (A pty's master reads EIO once no process of the container
	 * holds the terminal.) */
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(m->fds[i]);
	m->fds[i] = -1;
}

/* What the monitor ignores (it ends with its container, not by a
 * signal). */
static const int deaf[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE,
			    SIGUSR2, SIGTSTP, SIGTTIN, SIGTTOU };

struct end {
	struct mon *m;
	int oom;
	int restart;		/* out: the policy restarts it */
};

/* Under the state's lock (start.h): the end, and whether a restart
 * follows. */
static int end_fields(struct container *c, void *arg, struct md_err *err)
{
	struct end *e = arg;
	struct timespec ts;

	/* (No longer this run's: md-stop recorded it during a restart.) */
	if (c->pid != e->m->pid || !container_live(c))
		return 1;
	c->exit_code = WIFEXITED(e->m->status) ? WEXITSTATUS(e->m->status) :
		       128 + WTERMSIG(e->m->status);
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->finished, sizeof(c->finished), ts.tv_sec, ts.tv_nsec);
	c->pid = 0;
	c->oom_killed = e->oom;
	/* Its address is free (a restart takes one again), its veth
	 * gone. */
	container_net_release(&e->m->s, c);
	/* (Taken over: md-run said the start failed; it must not run.) */
	if (e->m->taken_over)
		snprintf(c->error, sizeof(c->error), "%s was killed while it "
			 "started the container: the container was stopped",
			 e->m->taken_over == TAKEN_START ? "md-run" : "its restart");
	e->restart = !e->m->taken_over && restart_wanted(c);
	if (e->restart) {
		c->status = CONTAINER_RESTARTING;
		c->restart_count++;
	} else {
		c->status = CONTAINER_EXITED;
		/* (Closed: ports_off. A restart keeps them.) */
		free(c->ports);
		c->ports = NULL;
		c->monitor_pid = 0;
		c->monitor_start = 0;
	}
	return 0;
}

/* The container's end, recorded: exit code, time, OOM; its cgroup
 * removed; with --rm, the container. 1 if its policy restarts it. */
static int record_end(struct mon *m)
{
	struct container c;
	struct end e = { m, 0, 0 };
	struct cgroup cg = { 0 };
	struct md_err err;
	int n, r;

	/* (The cgroup's name comes from the state, which no one changes
	 * while this monitor holds the watch.) */
	if (container_load(&m->s, m->id, &c, &err) < 0)
		return 0;
	if (m->pid < 0) {
		container_free(&c);
		return 0;
	}
	n = cgroup_load(&cg, c.cgroup_parent[0] ? c.cgroup_parent : NULL, c.id, &err);
	e.oom = n > 0 && cgroup_oom_killed(&cg, &err) == 1;
	if (n > 0 && cgroup_destroy(&cg, 0, &err) < 0)
		cgroup_destroy(&cg, 1, &err);
	container_free(&c);
	r = container_update(&m->s, m->id, &c, end_fields, &e, 1, &err);
	if (r == 0 && c.auto_remove) {
		if (m->log_open)
			log_close(&m->log);
		m->log_open = 0;
		container_remove(&m->s, &c, 0, -1, NULL, &err);
	}
	if (r >= 0)
		container_free(&c);
	return r == 0 && e.restart;
}

/* Waits ms, or less if md-stop (or md-rm -f) ends the restart meanwhile
 * (SIGUSR1): 0 when it is time to restart, -1 if not to. */
static int backoff(struct mon *m, int sfd, long ms)
{
	int64_t end = now_ms() + ms;
	struct container c;
	struct md_err err;
	int64_t left;

	while ((left = end - now_ms()) > 0) {
		struct pollfd p = { sfd, POLLIN, 0 };
		struct signalfd_siginfo si;
		int woken = 0;
		if (poll(&p, 1, left) <= 0)
			continue;
		while (read(sfd, &si, sizeof(si)) > 0)
			woken |= si.ssi_signo == SIGUSR1;
		reap(m);
		if (!woken)
			continue;
		if (container_load(&m->s, m->id, &c, &err) < 0)
			return -1;
		woken = c.status != CONTAINER_RESTARTING || c.monitor_pid != getpid();
		container_free(&c);
		if (woken)
			return -1;
	}
	return 0;
}

/* Forks and execs "md starter ID" (start.h) with new log pipes and a
 * socket; 0 once it has handed over the container's new run. */
static int restart_run(struct mon *m)
{
	char *argv[] = { "md", "starter", (char *)m->id, NULL };
	extern char **environ;
	int out[2], er[2], ctl[2];
	pid_t s;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(er, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0 ||
	    (s = fork()) < 0) {
		close(out[0]);
		close(out[1]);
		close(er[0]);
		close(er[1]);
		return -1;
	}
	if (s == 0) {
		sigset_t none;
		/* The container inherits what the starter has: none of the
		 * monitor's signal dispositions. */
		sigemptyset(&none);
		for (size_t i = 0; i < ARRAY_SIZE(deaf); i++)
			signal(deaf[i], SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int o = fcntl(out[1], F_DUPFD_CLOEXEC, 10),
		    e = fcntl(er[1], F_DUPFD_CLOEXEC, 10),
		    c = fcntl(ctl[1], F_DUPFD_CLOEXEC, 10);
		if (o < 0 || e < 0 || c < 0)
			_exit(125);
		place(o, MON_OUT);
		place(e, MON_ERR);
		place(c, MON_CTL);
		execve("/proc/self/exe", argv, environ);
		_exit(125);
	}
	close(out[1]);
	close(er[1]);
	close(ctl[1]);
	m->fds[0] = out[0];
	m->fds[1] = er[0];
	return read_started(m, ctl[0]) < 0 ? take_over(m, 1) : 0;
}

/* md's code and constants as mapped so far leave the monitor's RSS:
 * start-up touched pages all over them, and the kernel maps the 64 KiB
 * around each page touched ("fault-around"). The loop maps back what it
 * runs. These pages are the page cache's, shared with every md process,
 * but they count in each monitor's VmRSS; its own memory is its RssAnon
 * (72 KiB: stack, bss, heap).
 * What the loop runs (its code, the log writer, the libc functions they
 * call and their constants: about 5 KiB) config/monitor.ld gathers in
 * one section, and MADV_RANDOM here makes that section a mapping of its
 * own: fault-around stops at a mapping's edge, so the loop maps back the
 * two pages it spans, not 64 KiB windows (before, with the loop's code
 * spread over md's text: 228 KiB of code and 72 of constants, a VmRSS
 * of 388 KiB; now 96). Random is also
 * true of those pages: one missing from the page cache is read alone,
 * without readahead. The cost: a page fault per page on the loop's first
 * turn, and two more mappings. clock_gettime finds the vDSO on its first
 * call, with code and strings outside the section: called here first. */
static void drop_text(void)
{
	extern char __executable_start[], __init_array_start[];
	/* (Weak: a build without the script, as the fuzzers', has none.) */
	extern char monitor_text_start[] __attribute__((weak)),
		    monitor_text_end[] __attribute__((weak));
	uintptr_t a = (uintptr_t)__executable_start & ~(uintptr_t)4095,
		  b = (uintptr_t)__init_array_start & ~(uintptr_t)4095,
		  ma = (uintptr_t)monitor_text_start & ~(uintptr_t)4095,
		  mb = ((uintptr_t)monitor_text_end + 4095) & ~(uintptr_t)4095;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ma && mb > ma)
		madvise((void *)ma, mb - ma, MADV_RANDOM);
	madvise((void *)a, b - a, MADV_DONTNEED);
}

static void run_loop(struct mon *m, int sfd);

/* The run ended: its connections end; the published ports are free
 * again before the state says it exited, unless its policy restarts it
 * (record_end decides for good, under the lock: a stop meanwhile only
 * means they are closed at the monitor's exit). */
static void ports_off(struct mon *m)
{
	struct container c;
	struct md_err err;
	int keep = 0;

	if (!m->fwd)
		return;
	fwd_target(m->fwd, 0);
	if (m->pid > 0 && !m->taken_over &&
	    container_load(&m->s, m->id, &c, &err) == 0) {
		c.exit_code = WIFEXITED(m->status) ? WEXITSTATUS(m->status) :
			      128 + WTERMSIG(m->status);
		keep = restart_wanted(&c);
		container_free(&c);
	}
	if (!keep) {
		fwd_free(m->fwd);
		m->fwd = NULL;
	}
}

int monitor_main(int argc, char **argv)
{
	struct mon m = { .id = argc > 1 ? argv[1] : "",
			 .fds = { MON_OUT, MON_ERR, -1 },
			 .watch = -1, .input = -1, .dirfd = -1 };

	struct md_err err;
	char dir[128];
	sigset_t chld;
	int sfd;

	if (argc != 2 || strlen(m.id) != CONTAINER_ID_LEN)
		return 125;
	for (size_t i = 0; i < ARRAY_SIZE(deaf); i++)
		signal(deaf[i], SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGUSR1);	/* md-stop: a restart is off */
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if ((sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return 125;
	if (store_open(&m.s, STORE_READ, &err) < 0 ||
	    (read_started(&m, MON_CTL) < 0 && take_over(&m, 0) < 0)) {
		/* The starter failed, and said so to md-run; it is ours to
		 * reap. */
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return 125;
	}
	snprintf(dir, sizeof(dir), "containers/%s", m.id);
	m.dirfd = openat(m.s.fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m.log_open = m.dirfd >= 0 && log_open(&m.log, m.dirfd, "container.log", 0,
					      0, &err) == 0;
	drop_text();
	do {
		run_loop(&m, sfd);
		ports_off(&m);
	} while (record_end(&m) &&
	       backoff(&m, sfd, restart_backoff(&m.backoff, now_ms() - m.t0)) == 0 &&
	       restart_run(&m) == 0);
	/* (A restart that did not happen: whoever stopped it, or the
	 * starter, recorded why; with neither, the next md does.) */
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (m.input >= 0)
		close(m.input);
	if (m.log_open)
		log_close(&m.log);
	fwd_free(m.fwd);
	return 0;
}

/* One run: until the container has ended and no process of it holds
 * the pipes or the pty (they all end with its pid namespace). */
static void run_loop(struct mon *m, int sfd)
{
	while (!m->ended || m->fds[0] >= 0 || m->fds[1] >= 0 || m->fds[2] >= 0) {
		struct pollfd p[2 + SRC_N] = { { sfd, POLLIN, 0 } };
		for (int i = 0; i < SRC_N; i++)
			p[i + 1] = (struct pollfd){ m->fds[i], POLLIN, 0 };
		p[1 + SRC_N] = (struct pollfd){ m->fwd ? fwd_fd(m->fwd) : -1,
						POLLIN, 0 };
		if (poll(p, 2 + SRC_N, -1) < 0 && errno != EINTR)
			break;
		if (p[1 + SRC_N].revents)
			fwd_handle(m->fwd);
		if (p[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap(m);
		}
		for (int i = 0; i < SRC_N; i++)
			if (m->fds[i] >= 0 && p[i + 1].revents)
				drain(m, i);
		if (!m->ended)
			reap(m);	/* (a SIGCHLD before the block) */
	}
}
