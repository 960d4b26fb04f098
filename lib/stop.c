/* Stopping containers (container.h): signalling a container's first
 * process without ever hitting a recycled pid, killing all of its
 * processes through its cgroup, and waiting for its end to be recorded.
 * md keeps no daemon: whoever watches the container (its monitor, or a
 * foreground md-run) reaps it and records the end; these only make it
 * end, and wait until the state says so. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "json.h"
#include "lock.h"
#include "util.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A pidfd of c's process (monitor: of its monitor), or -1: errno ESRCH
 * if it is not running, ENOSYS before Linux 5.3. */
static int pidfd_of_any(const struct container *c, int monitor)
{
	pid_t pid = monitor ? c->monitor_pid : c->pid;
	int fd;

#define ALIVE() (monitor ? c->monitor_pid > 0 && \
		 proc_running(c->monitor_pid, c->monitor_start) : container_alive(c))
	if (!ALIVE()) {
		errno = ESRCH;
		return -1;
	}
	if ((fd = syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -1;
	/* The pid may have named another process by the time it was opened;
	 * if it still has the start time of c's now, the pidfd is c's (a
	 * pid freed again cannot go back to an older process). */
	if (!ALIVE()) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
#undef ALIVE
	return fd;
}

static int pidfd_of(const struct container *c)
{
	return pidfd_of_any(c, 0);
}

int container_signal(const struct container *c, int sig, int *pidfd,
		     struct md_err *err)
{
	int fd = pidfd_of(c), r;

	if (pidfd)
		*pidfd = -1;
	if (fd < 0 && errno == ESRCH)
		return 1;
	if (fd >= 0)
		r = syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	else if (errno == ENOSYS)	/* no pidfds: the check above is all */
		r = kill(c->pid, sig);
	else
		return err_set(err, errno, "container %.12s: pidfd", c->id);
	if (r < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return e == ESRCH ? 1 : err_set(err, e, "container %.12s: signal %d",
						c->id, sig);
	}
	if (pidfd)
		*pidfd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int container_kill(const struct container *c, struct md_err *err)
{
	struct cgroup cg = { 0 };
	int n;

	/* Its first process first: it may be out of reach of the cgroup
	 * (a container whose cgroup could not be made). */
	if (container_signal(c, SIGKILL, NULL, err) < 0)
		return -1;
	n = cgroup_load(&cg, c->cgroup_parent[0] ? c->cgroup_parent : NULL,
			c->id, err);
	if (n < 0)
		return -1;
	/* (What the kernel holds longer than a second, a process in an
	 * uninterruptible sleep, ends later; the wait for the end sees it.) */
	if (n > 0)
		cgroup_kill(&cg);
	return 0;
}

/* The StopSignal of c's image, or -1. */
static int image_stop_signal(struct store *s, const struct container *c)
{
	struct image_info info = { 0 };
	struct md_err err;
	const char *v;
	int sig = -1;

	/* (Docker keeps it in the container's config; md reads the image's,
	 * which md-rmi keeps while a container uses it.) */
	if (c->image_id[0] && image_info_load(s, c->image_id, &info, &err) == 0) {
		v = json_get_str(json_get(info.doc, "config"), "StopSignal");
		sig = v ? signal_parse(v) : -1;
		image_info_free(&info);
	}
	return sig > 0 ? sig : -1;
}

int container_stop_signal(struct store *s, const struct container *c)
{
	int sig = image_stop_signal(s, c);

	return sig > 0 ? sig : SIGTERM;
}

int container_kill_cancels(struct store *s, const struct container *c, int sig)
{
	int stop = sig == SIGKILL ? SIGKILL : image_stop_signal(s, c);

	return stop < 0 || stop == sig;
}

/* ---- ending restarts ----
 *
 * A container with a restart policy is its monitor's to start again
 * (start.h has the whole protocol). md-stop, md-kill and md-rm -f first
 * record, under the state's lock, that it was stopped by hand (and that
 * no policy may restart it: restart_canceled), then act on the state
 * they read under that lock:
 * - running (pid): signal that pid. Its monitor records the end under
 *   the same lock, reads the flags, and does not restart it.
 * - restarting (the monitor waits out its back-off, or its starter is
 *   starting the next run): recorded exited right there, and the monitor
 *   woken (SIGUSR1, to the pid + start time state.ini has of it). A
 *   starter claims the container under the lock only while it is still
 *   restarting and its monitor's, so it finds it exited and gives up;
 *   the monitor, woken or told so, exits. The caller waits for that, so
 *   that no monitor outlives md-stop or md-rm -f. */

struct mark {
	int cancel, woke, restarting;
	struct container mon;	/* its monitor's pid and start time */
};

static int mark_stopped(struct container *c, void *arg, struct md_err *err)
{
	struct mark *m = arg;

	if (!container_live(c))
		return 1;
	c->stopped_by_hand = 1;
	c->restart_canceled |= m->cancel;
	m->restarting = c->status == CONTAINER_RESTARTING;
	if (c->status == CONTAINER_RESTARTING && m->cancel) {
		c->status = CONTAINER_EXITED;
		m->woke = 1;
		m->mon.monitor_pid = c->monitor_pid;
		m->mon.monitor_start = c->monitor_start;
		c->monitor_pid = 0;
		c->monitor_start = 0;
	}
	return 0;
}

int container_stop_restarts(struct store *s, struct container *c, int cancel,
			    struct md_err *err)
{
	static struct mark m;
	char id[CONTAINER_ID_LEN + 1];
	struct pollfd p;
	int r;

	if (!container_live(c))
		return 0;
	memset(&m, 0, sizeof(m));
	m.cancel = cancel;
	strcpy(id, c->id);
	container_free(c);
	if ((r = container_update(s, id, c, mark_stopped, &m, 1, err)) < 0)
		return -1;
	if (m.woke && (p.fd = pidfd_of_any(&m.mon, 1)) >= 0) {
		p.events = POLLIN;
		/* (A monitor that does not exit in time is left: the state
		 * is right without it.) */
		if (syscall(SYS_pidfd_send_signal, p.fd, SIGUSR1, NULL, 0) == 0)
			while (poll(&p, 1, 5000) < 0 && errno == EINTR)
				;
		close(p.fd);
	}
	return m.restarting;
}

/* Until c's process has ended: on its pidfd, or, without one (Linux <
 * 5.3, no fd left), looking again at growing intervals. */
static void wait_process(const struct container *c)
{
	struct pollfd p = { pidfd_of(c), POLLIN, 0 };
	int e = errno;
	long ms = 1;

	if (p.fd >= 0) {
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		close(p.fd);
		return;
	}
	while (e != ESRCH && container_alive(c)) {
		sleep_ms(ms);
		ms = ms < 100 ? ms * 2 : 100;
	}
}

/* An inotify fd on c's directory that wakes at a change of its state
 * (written by exchange: a rename) or its removal (the directory moves
 * away), or -1. */
static int watch_state(struct store *s, const char *id)
{
	char path[PATH_MAX];
	int fd = inotify_init1(IN_CLOEXEC);

	container_path(s, id, NULL, path, sizeof(path));
	if (fd >= 0 && inotify_add_watch(fd, path, IN_MOVED_TO | IN_CLOSE_WRITE |
					 IN_MOVE_SELF | IN_DELETE_SELF |
					 IN_ONLYDIR) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int container_wait_end(struct store *s, struct container *c, int created,
		       struct md_err *err)
{
	char id[CONTAINER_ID_LEN + 1];
	char buf[4096] __attribute__((aligned(8))), lock[128];
	long ms = 1;
	int ifd = -1, r;
	cleanup_close int wfd = -1;

	strcpy(id, c->id);
	/* Held while waiting: whoever removes it (md-rm -f, --rm) saves its
	 * end for us first, and waits for us to read it (container_remove).
	 * Then looked at again, as it may have gone meanwhile. */
	snprintf(lock, sizeof(lock), "containers/%s/wait.lock", id);
	if ((wfd = lock_at(s->fd, lock, LOCK_SH, NULL)) >= 0) {
		container_free(c);
		if (container_load(s, id, c, err) < 0)
			return err->errnum == ENOENT ? 1 : -1;
	}
	for (;;) {
		if (container_live(c) && container_alive(c)) {
			wait_process(c);
			ms = 1;
		} else if (container_live(c)) {
			/* It ended, and its watcher is recording that (with
			 * none left, the load below would have). */
			sleep_ms(ms);
			ms = ms < 100 ? ms * 2 : 100;
		} else if (c->status == CONTAINER_CREATED && created) {
			/* Watched first, then looked at again: no change is
			 * missed in between. */
			if (ifd < 0) {
				/* (ENOENT: removed; the load says so.) */
				if ((ifd = watch_state(s, id)) < 0 && errno != ENOENT)
					return err_set(err, errno, "container %s: inotify", id);
			} else {
				while (read(ifd, buf, sizeof(buf)) < 0 && errno == EINTR)
					;
			}
		} else if (c->status == CONTAINER_REMOVING && !c->started[0]) {
			/* (Never ran: no end to give; as if already gone.) */
			if (ifd >= 0)
				close(ifd);
			return 1;
		} else {
			break;
		}
		container_free(c);
		if (container_load(s, id, c, err) < 0) {
			r = err->errnum == ENOENT ? 1 : -1;
			if (ifd >= 0)
				close(ifd);
			return r;
		}
	}
	if (ifd >= 0)
		close(ifd);
	return 0;
}

/* ---- md-stop ---- */

/* Milliseconds until end (CLOCK_MONOTONIC), at least 0. */
static int ms_until(const struct timespec *end)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(end->tv_sec - now.tv_sec) * 1000 +
	     (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : ms;
}

/* Until every pidfd of st has fired or timeout seconds have passed;
 * those that fired are closed (-1). */
static void wait_pidfds(struct container_stop *st, size_t n, int timeout)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	struct timespec end;
	size_t left = 0;

	for (size_t i = 0; i < n; i++)
		left += st[i].pidfd >= 0;
	if (!p || timeout == 0) {
		free(p);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout;
	while (left) {
		int ms = timeout < 0 ? -1 : ms_until(&end);
		if (ms == 0)
			break;
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){ st[i].pidfd, POLLIN, 0 };
		if (poll(p, n, ms) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < n; i++)
			if (p[i].fd >= 0 && p[i].revents) {
				close(st[i].pidfd);
				st[i].pidfd = -1;
				left--;
			}
	}
	free(p);
}

void container_stop(struct store *s, struct container_stop *st, size_t n,
		    int sig, int timeout)
{
	for (size_t i = 0; i < n; i++) {
		struct container_stop *t = &st[i];
		int r;
		t->rc = 0;
		t->pidfd = -1;
		/* (md-stop always cancels restarts: Docker's stop signal
		 * does, and its SIGKILL after the timeout too.) */
		if (container_stop_restarts(s, &t->c, 1, &t->err) < 0) {
			t->rc = t->err.errnum == ENOENT ? 1 : -1;
			continue;
		}
		if (!container_live(&t->c))
			continue;
		r = container_signal(&t->c, sig ? sig : container_stop_signal(s, &t->c),
				     &t->pidfd, &t->err);
		/* A signal that could not be sent: killed without waiting,
		 * as Docker does. */
		if (r < 0 && container_kill(&t->c, &t->err) < 0)
			t->rc = -1;
	}
	wait_pidfds(st, n, timeout);
	for (size_t i = 0; i < n; i++) {
		struct container_stop *t = &st[i];
		if (t->pidfd >= 0) {
			close(t->pidfd);
			t->pidfd = -1;
			if (container_kill(&t->c, &t->err) < 0)
				t->rc = -1;
		}
		if (t->rc == 0 && container_live(&t->c))
			t->rc = container_wait_end(s, &t->c, 0, &t->err);
	}
}
