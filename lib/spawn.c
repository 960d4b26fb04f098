/* The start-up protocol's messages and the clone (see spawn.h). */
#include "spawn.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "wait.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

int spawn_send(int sock, const struct spawn_hdr *h, const void *payload,
	       const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(SPAWN_FDS_MAX * sizeof(int))] = { 0 };
	struct spawn_hdr hdr = *h;
	struct iovec iov = { &hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int k = 0;

	hdr.fdmask = 0;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	for (int i = 0; i < nfds && i < SPAWN_FDS_MAX; i++)
		if (fds[i] >= 0) {
			memcpy(CMSG_DATA(cm) + k++ * sizeof(int), &fds[i], sizeof(int));
			hdr.fdmask |= 1u << i;
		}
	if (k) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(k * sizeof(int));
		mh.msg_controllen = CMSG_SPACE(k * sizeof(int));
	} else {
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	/* (A stream socket: one sendmsg of a small header is not split.) */
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	if (hdr.len && payload) {
		size_t off = 0;
		while (off < hdr.len) {
			ssize_t n = send(sock, (const char *)payload + off,
					 hdr.len - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			off += n;
		}
	}
	return 0;
}

/* The fds of a received header, by its fdmask; those that did not fit
 * (MSG_CTRUNC) make the message unusable. */
static int take_fds(struct msghdr *mh, struct spawn_msg_in *m)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(mh);
	int have = 0, k = 0;

	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		have = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	for (int i = 0; i < SPAWN_FDS_MAX; i++)
		if ((m->h.fdmask & (1u << i)) && k < have)
			memcpy(&m->fds[i], CMSG_DATA(cm) + k++ * sizeof(int),
			       sizeof(int));
	/* Any extra fds (a confused peer) are closed, not leaked. */
	for (; k < have; k++) {
		int fd;
		memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
		close(fd);
	}
	if (mh->msg_flags & MSG_CTRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int spawn_recv(int sock, struct spawn_msg_in *m)
{
	char cbuf[CMSG_SPACE(SPAWN_FDS_MAX * sizeof(int))];
	struct iovec iov = { &m->h, sizeof(m->h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < SPAWN_FDS_MAX; i++)
		m->fds[i] = -1;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL)) < 0 &&
	       errno == EINTR)
		;
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return -1;
	}
	if (take_fds(&mh, m) < 0 || n != sizeof(m->h) ||
	    m->h.len > SPAWN_PAYLOAD_MAX) {
		spawn_msg_free(m);
		errno = EPROTO;
		return -1;
	}
	if (!(m->payload = malloc(m->h.len + 1))) {
		spawn_msg_free(m);
		errno = ENOMEM;
		return -1;
	}
	if (read_full(sock, m->payload, m->h.len) != (ssize_t)m->h.len) {
		spawn_msg_free(m);
		errno = EPROTO;
		return -1;
	}
	m->payload[m->h.len] = 0;
	return 0;
}

void spawn_msg_free(struct spawn_msg_in *m)
{
	free(m->payload);
	m->payload = NULL;
	for (int i = 0; i < SPAWN_FDS_MAX; i++)
		if (m->fds[i] >= 0) {
			close(m->fds[i]);
			m->fds[i] = -1;
		}
}

void spawn_fail(int sock, enum spawn_stage stage, int code,
		const struct md_err *err)
{
	struct spawn_hdr h = { .type = MSG_FAIL, .stage = stage,
			       .errnum = err->errnum, .code = code,
			       .len = strlen(err->msg) };

	spawn_send(sock, &h, err->msg, NULL, 0);
	_exit(code);
}

void spawn_failf(int sock, enum spawn_stage stage, int code, int errnum,
		 const char *fmt, ...)
{
	struct md_err err;
	char line[sizeof(err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	err_set(&err, errnum, "%s", line);
	spawn_fail(sock, stage, code, &err);
}

int spawn_close_fds(int keep)
{
	if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) < 0)
		return -1;
	return syscall(SYS_close_range, keep < 3 ? 3 : keep + 1, ~0U, 0);
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* clone with flags, into the cgroup v2 directory cgfd if it is >= 0
 * and the kernel can (5.7), else without it. */
static pid_t clone_into(uint64_t flags, int cgfd, int *into_cgroup)
{
	pid_t pid;

	*into_cgroup = 0;
	if (cgfd >= 0) {
		/* No stack given: the child goes on on its copy of ours, as
		 * after fork. */
		struct clone_args_v2 a = {
			.flags = flags | CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd };
		pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*into_cgroup = 1;
			return pid;
		}
	}
	/* No cgroup v2, or a kernel before 5.7: the child joins it later. */
	return syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

pid_t spawn_clone(int cgfd, int *into_cgroup)
{
	return clone_into(CLONE_NEWPID, cgfd, into_cgroup);
}

pid_t spawn_fork(int cgfd, int *into_cgroup)
{
	return clone_into(0, cgfd, into_cgroup);
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	}
	return "a signal";
}

int spawn_next(int sock, const struct fg_signals *sig, struct spawn_msg_in *m,
	       struct md_err *err)
{
	int rc = fg_wait_readable(sock, sig);

	if (rc == 0)
		return err_set(err, 0, "start interrupted by %s",
			       signal_name(fg_stop_signal()));
	if (rc < 0 || spawn_recv(sock, m) < 0) {
		if (rc > 0 && errno == 0) {	/* EOF */
			m->h.type = 0;
			return 0;
		}
		return err_set(err, errno, "start: read from the container's process");
	}
	return 0;
}

void spawn_failed(const struct spawn_msg_in *m, pid_t pid, int *status,
		  struct md_err *err)
{
	int st;

	err_set(err, 0, "%s", m->payload);
	err->errnum = m->h.errnum;
	*status = m->h.code > 0 && m->h.code < 256 ? m->h.code : 125;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

int spawn_until_exec(int sock, pid_t pid, const struct fg_signals *sig,
		     int *master, int *status, struct md_err *err)
{
	struct spawn_msg_in m;

	for (;;) {
		if (spawn_next(sock, sig, &m, err) < 0)
			return -1;
		switch (m.h.type) {
		case 0:
			return 1;	/* exec'd (or died: waitpid tells) */
		case MSG_TTY:
			if (*master < 0) {
				*master = m.fds[0];
				m.fds[0] = -1;
			}
			break;
		case MSG_FAIL:
			spawn_failed(&m, pid, status, err);
			spawn_msg_free(&m);
			return 0;
		default:
			spawn_msg_free(&m);
			return err_set(err, EPROTO, "start: unexpected message %u",
				       m.h.type);
		}
		spawn_msg_free(&m);
	}
}

/* ---- packing ---- */

void pack_bytes(struct pack *p, const void *b, size_t n)
{
	if (p->oom)
		return;
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *nb;
		while (cap < p->len + n)
			cap *= 2;
		if (!(nb = realloc(p->buf, cap))) {
			p->oom = 1;
			return;
		}
		p->buf = nb;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, b, n);
	p->len += n;
}

void pack_u64(struct pack *p, uint64_t v)
{
	pack_bytes(p, &v, sizeof(v));
}

/* A string: its length + 1 (0 for NULL), then its bytes and NUL. */
void pack_str(struct pack *p, const char *s)
{
	size_t n = s ? strlen(s) + 1 : 0;

	pack_u64(p, n);
	pack_bytes(p, s, n);
}

void pack_strv(struct pack *p, char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	pack_u64(p, n);
	for (size_t i = 0; i < n; i++)
		pack_str(p, v[i]);
}

void unpack_bytes(struct unpack *u, void *out, size_t n)
{
	if (u->bad || n > u->len - u->off) {
		u->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, u->buf + u->off, n);
	u->off += n;
}

uint64_t unpack_u64(struct unpack *u)
{
	uint64_t v;

	unpack_bytes(u, &v, sizeof(v));
	return v;
}

char *unpack_str(struct unpack *u)
{
	uint64_t n = unpack_u64(u);
	char *s;

	if (u->bad || !n)
		return NULL;
	if (n > u->len - u->off || u->buf[u->off + n - 1] ||
	    memchr(u->buf + u->off, 0, n - 1)) {
		u->bad = 1;
		return NULL;
	}
	s = u->buf + u->off;
	u->off += n;
	return s;
}

char **unpack_strv(struct unpack *u)
{
	uint64_t n = unpack_u64(u);
	char **v;

	/* Each string takes at least 9 bytes: a bound before allocating. */
	if (u->bad || n > (u->len - u->off) / 9 ||
	    !(v = calloc(n + 1, sizeof(char *)))) {
		u->bad = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = unpack_str(u))) {
			u->bad = 1;
			free(v);
			return NULL;
		}
	return v;
}
