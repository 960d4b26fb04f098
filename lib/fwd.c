/* The port forwarder (see fwd.h).
 *
 * Memory: the forwarder itself is ~100 bytes and an epoll fd (and with
 * fwd_nat a netlink socket); a published
 * port 24 bytes; a TCP connection 72 bytes of heap and six fds (two
 * sockets, two pipes of PIPE_BYTES: their pages are the kernel's, taken
 * only while bytes wait in them; a peer that does not read holds at most
 * 256 KiB there, beside its socket buffers, so the cap bounds the whole
 * at FWD_CONN_MAX * 512 KiB); a UDP flow 48 bytes and a socket. The UDP
 * datagram buffer (64 KiB, static) is touched only as far as datagrams
 * reach. The monitor's VmRSS with ports: 116-120 KiB, idle or after
 * traffic (make bench). */
#include "fwd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nft.h"
#include "ports.h"

/* What an epoll event's pointer points to begins with its kind. */
enum { K_TCP = 1, K_UDP, K_SIDE, K_FLOW };

/* Pipe bytes per direction (F_SETPIPE_SZ; the default, 64 KiB, if that
 * fails), and turns of a busy connection's relay per event before it
 * yields to the others. */
#ifndef PIPE_BYTES
#define PIPE_BYTES (256 << 10)
#endif
#define BUDGET 16

struct lsn {
	uint8_t kind;
	uint8_t udp;
	uint16_t ctr;
	int fd;
	struct lsn *next;
};

/* One direction's source: bytes read from fd wait in pipe for the other
 * side's fd. */
struct side {
	uint8_t kind, which;
	uint8_t eof;		/* fd read EOF */
	uint8_t shut;		/* and all of it relayed: the other side
				 * shut for writing */
	uint32_t inpipe, cap;	/* bytes in pipe, and its size */
	int fd;
	int pipe[2];
};

struct conn {
	struct side s[2];	/* 0 the client, 1 the container */
	uint8_t connected;
	struct conn *next, **prev;
};

struct flow {
	uint8_t kind;
	uint8_t replied;	/* the container has answered it */
	int fd;			/* connected to the container */
	struct lsn *l;
	struct sockaddr_in client;
	time_t last;
	struct flow *next, **prev;
};

struct fwd {
	int ep;
	uint32_t addr;
	/* The kernel's part (fwd_nat): the container's table, owned by
	 * nat_fd (nft_ports_set); nat 0 when there is none. */
	int nat, nat_fd;
	int localnet;		/* route_localnet set for it on bridge */
	char table[40];		/* md-ID12-BRIDGE (nft_port_tables) */
	char bridge[16];
	unsigned nconn, nflow, conn_max;
	struct lsn *lsns;
	struct conn *conns;
	struct flow *flows;
	/* Closed during fwd_handle, freed at its end: a later event of the
	 * same batch may still name them (their kind is 0 then). */
	struct conn *dead_conns;
	struct flow *dead_flows;
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int watch(struct fwd *f, int op, int fd, void *obj, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = obj };

	return epoll_ctl(f->ep, op, fd, &e);
}

struct fwd *fwd_new(void)
{
	struct fwd *f = calloc(1, sizeof(*f));
	struct rlimit rl;

	if (!f || (f->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(f);
		return NULL;
	}
	f->conn_max = FWD_CONN_MAX;
	f->nat_fd = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		/* (Six fds a connection; some left for the caller and the
		 * flows.) */
		if (rl.rlim_cur < (FWD_CONN_MAX * 6 + FWD_FLOW_MAX + 64))
			f->conn_max = rl.rlim_cur > FWD_FLOW_MAX + 64 + 6 ?
				      (unsigned)(rl.rlim_cur - FWD_FLOW_MAX - 64) / 6 : 1;
	}
	return f;
}

int fwd_listen(struct fwd *f, int fd, int udp, uint16_t ctr)
{
	struct lsn *l = calloc(1, sizeof(*l));

	if (!l || watch(f, EPOLL_CTL_ADD, fd, l, EPOLLIN | EPOLLET) < 0) {
		free(l);
		close(fd);
		return -1;
	}
	l->kind = udp ? K_UDP : K_TCP;
	l->udp = (uint8_t)udp;
	l->ctr = ctr;
	l->fd = fd;
	l->next = f->lsns;
	f->lsns = l;
	return 0;
}

int fwd_fd(const struct fwd *f)
{
	return f->ep;
}

/* (Closing an fd takes it out of the epoll set: none is dup'd.) */
static void conn_close(struct fwd *f, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->s[i].fd >= 0)
			close(c->s[i].fd);
		close(c->s[i].pipe[0]);
		close(c->s[i].pipe[1]);
	}
	if ((*c->prev = c->next))
		c->next->prev = c->prev;
	c->s[0].kind = c->s[1].kind = 0;
	c->next = f->dead_conns;
	f->dead_conns = c;
	f->nconn--;
}

static void flow_close(struct fwd *f, struct flow *fl)
{
	close(fl->fd);
	if ((*fl->prev = fl->next))
		fl->next->prev = fl->prev;
	fl->kind = 0;
	fl->next = f->dead_flows;
	f->dead_flows = fl;
	f->nflow--;
}

static void bury(struct fwd *f)
{
	while (f->dead_conns) {
		struct conn *c = f->dead_conns;
		f->dead_conns = c->next;
		free(c);
	}
	while (f->dead_flows) {
		struct flow *fl = f->dead_flows;
		f->dead_flows = fl->next;
		free(fl);
	}
}

void fwd_nat(struct fwd *f, const char *id, const char *bridge)
{
	snprintf(f->table, sizeof(f->table), "md-%.12s-%s", id, bridge);
	snprintf(f->bridge, sizeof(f->bridge), "%s", bridge);
	f->nat = 1;
}

/* route_localnet on the bridge (1 or 0): the kernel routes packets
 * from 127.0.0.1 out of it (a connection to 127.0.0.1:PORT sent on to
 * the container), and their answers back. What that would open, the
 * guard rules close (nft.h): they are in each container's table that
 * wants the setting, and in md's. */
static int localnet(const char *bridge, int on)
{
	char path[80];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet",
		 bridge);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* This container's table is gone: route_localnet off again unless a
 * container's table on the bridge is left (the kernel's list of tables
 * says, nft_port_tables). No lock between containers: one that wants
 * the setting sets it on after its table is made; every one whose table
 * goes looks (so the last one turns it off, whoever set it), and after
 * turning it off looks again, and turns it back on if a table came
 * meanwhile, until what it saw holds. So it is on whenever a table that
 * wants it is there, and ends off once none is. Where md cannot tell
 * (-1), it is left on. (A killed process leaves it on, still behind
 * md's own guard rules, until the next stop of a container with ports
 * on that bridge.) */
static void localnet_release(struct fwd *f)
{
	f->localnet = 0;
	for (int i = 0; i < 8; i++) {
		if (nft_port_tables(f->bridge) != 0)
			return;
		localnet(f->bridge, 0);
		if (nft_port_tables(f->bridge) == 0)
			return;
		localnet(f->bridge, 1);
	}
}

/* The kernel carries no more: the table goes with its socket. */
static void nat_off(struct fwd *f)
{
	int had = f->nat_fd >= 0;

	if (had)
		close(f->nat_fd);
	f->nat_fd = -1;
	f->nat = 0;
	if (had)
		localnet_release(f);
}

/* The container's table made for addr (0: emptied). Whatever fails,
 * the forwarder carries every connection from then on (its listening
 * sockets are there all along). */
static void nat_aim(struct fwd *f, uint32_t addr)
{
	struct nft_port v[PORTS_MAX];
	struct md_err err;
	size_t n = 0;
	int loopback = 0;

	for (struct lsn *l = f->lsns; l && n < PORTS_MAX; l = l->next) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);
		if (getsockname(l->fd, (struct sockaddr *)&a, &len) < 0 ||
		    a.sin_family != AF_INET)
			continue;
		v[n++] = (struct nft_port){ a.sin_addr.s_addr, ntohs(a.sin_port),
					    l->ctr, l->udp };
		loopback |= !a.sin_addr.s_addr ||
			    (ntohl(a.sin_addr.s_addr) >> 24) == 127;
	}
	/* Conntrack's entries of what rules sent on to the new address
	 * before (a killed process's table), and after the table changed,
	 * to the old one: see nft_conntrack_forget. */
	if (addr && addr != f->addr)
		nft_conntrack_forget(addr, &err);
	if (nft_ports_set(&f->nat_fd, f->table, v, n, addr, f->bridge, &err) != 0) {
		nat_off(f);
	} else if (!addr) {
		localnet_release(f);
	} else if (loopback && !f->localnet) {
		if (localnet(f->bridge, 1) == 0)
			f->localnet = 1;
		else
			nat_off(f);
	}
	if (f->addr && f->addr != addr)
		nft_conntrack_forget(f->addr, &err);
}

void fwd_target(struct fwd *f, uint32_t addr)
{
	if (f->nat)
		nat_aim(f, addr);
	f->addr = addr;
	if (addr)
		return;
	while (f->conns)
		conn_close(f, f->conns);
	while (f->flows)
		flow_close(f, f->flows);
	bury(f);
}

void fwd_free(struct fwd *f)
{
	if (!f)
		return;
	fwd_target(f, 0);
	while (f->lsns) {
		struct lsn *l = f->lsns;
		f->lsns = l->next;
		close(l->fd);
		free(l);
	}
	nat_off(f);
	close(f->ep);
	free(f);
}

static struct sockaddr_in target(const struct fwd *f, uint16_t port)
{
	/* (Not htons: musl's is a function outside the monitor's text
	 * section, and its call costs the monitor 64 KiB of RSS.) */
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = ((union { uint8_t b[2]; uint16_t v; })
						  { { port >> 8, port & 255 } }).v,
				     .sin_addr = { f->addr } };
}

/* A new connection on fd to the container's port. */
static void conn_new(struct fwd *f, int fd, uint16_t port)
{
	struct sockaddr_in sa = target(f, port);
	struct conn *c;
	int s;

	if (!f->addr || f->nconn >= f->conn_max || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->s[0] = (struct side){ K_SIDE, 0, 0, 0, 0, 0, fd, { -1, -1 } };
	c->s[1] = (struct side){ K_SIDE, 1, 0, 0, 0, 0, -1, { -1, -1 } };
	c->next = f->conns;
	c->prev = &f->conns;
	if (f->conns)
		f->conns->prev = &c->next;
	f->conns = c;
	f->nconn++;
	if (pipe2(c->s[0].pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(c->s[1].pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		goto fail;
	for (int i = 0; i < 2; i++)
		c->s[i].cap = fcntl(c->s[i].pipe[1], F_SETPIPE_SZ, PIPE_BYTES) < 0 ?
			      65536 : PIPE_BYTES;
	c->s[1].fd = s;
	if ((connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	     errno != EINPROGRESS) ||
	    watch(f, EPOLL_CTL_ADD, fd, &c->s[0], EPOLLIN | EPOLLOUT |
		  EPOLLRDHUP | EPOLLET) < 0 ||
	    watch(f, EPOLL_CTL_ADD, s, &c->s[1], EPOLLIN | EPOLLOUT |
		  EPOLLRDHUP | EPOLLET) < 0)
		goto fail;
	return;
fail:
	conn_close(f, c);
}

static void accept_all(struct fwd *f, struct lsn *l)
{
	for (int n = 0; n < 64; n++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN; EMFILE: the cap's job */
		}
		conn_new(f, fd, l->ctr);
	}
	/* More may wait: the edge again. */
	watch(f, EPOLL_CTL_MOD, l->fd, l, EPOLLIN | EPOLLET);
}

/* Relays side i's bytes to the other side: 0 nothing more now, 1 the
 * budget is spent, -1 the connection failed. */
static int pump(struct conn *c, int i, int *budget)
{
	struct side *a = &c->s[i], *b = &c->s[!i];
	ssize_t n;

	for (;;) {
		int moved = 0;
		if (!a->eof && a->inpipe < a->cap) {
			n = splice(a->fd, NULL, a->pipe[1], NULL,
				   a->cap - a->inpipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				a->inpipe += (uint32_t)n;
				moved = 1;
			} else if (n == 0) {
				a->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (a->inpipe) {
			n = splice(a->pipe[0], NULL, b->fd, NULL, a->inpipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				a->inpipe -= (uint32_t)n;
				moved = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (a->eof && !a->inpipe && !a->shut) {
			shutdown(b->fd, SHUT_WR);
			a->shut = 1;
		}
		if (!moved)
			return 0;
		if (--*budget <= 0)
			return 1;
	}
}

static void side_event(struct fwd *f, struct side *sd, uint32_t ev)
{
	struct conn *c = (struct conn *)((char *)(sd - sd->which) -
					 offsetof(struct conn, s));
	int budget = BUDGET, r0, r1, e = 0;
	socklen_t len = sizeof(e);

	if (!c->connected) {
		/* (The client's bytes wait in its socket meanwhile.) */
		if (sd->which == 0) {
			if (ev & EPOLLERR)
				conn_close(f, c);
			return;
		}
		if (getsockopt(sd->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			conn_close(f, c);
			return;
		}
	}
	/* Readable: its bytes to the other side; writable: the other's
	 * to it; connected just now, an error or a hang-up: both. */
	r0 = r1 = 0;
	if (!c->connected) {
		ev |= EPOLLIN | EPOLLOUT;
		c->connected = 1;
	}
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		r0 = pump(c, sd->which, &budget);
	budget = BUDGET;
	if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		r1 = pump(c, !sd->which, &budget);
	if (r0 < 0 || r1 < 0 || (c->s[0].shut && c->s[1].shut)) {
		conn_close(f, c);
		return;
	}
	/* Spent: MOD makes epoll look again, and report both sides anew
	 * if they are still ready. */
	if (r0 > 0 || r1 > 0)
		for (int i = 0; i < 2; i++)
			watch(f, EPOLL_CTL_MOD, c->s[i].fd, &c->s[i],
			      EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
}

static char dgram[65536];

static void flow_event(struct fwd *f, struct flow *fl)
{
	for (int n = 0; n < 64; n++) {
		ssize_t k = recv(fl->fd, dgram, sizeof(dgram), 0);
		if (k < 0) {
			/* (ECONNREFUSED: an ICMP error from the container;
			 * the flow stays.) */
			if (errno == EAGAIN)
				return;
			continue;
		}
		fl->last = now_s();
		fl->replied = 1;
		sendto(fl->l->fd, dgram, (size_t)k, 0,
		       (struct sockaddr *)&fl->client, sizeof(fl->client));
	}
	watch(f, EPOLL_CTL_MOD, fl->fd, fl, EPOLLIN | EPOLLET);
}

static void expire(struct fwd *f)
{
	time_t now = now_s();

	for (struct flow *fl = f->flows, *next; fl; fl = next) {
		next = fl->next;
		if (now - fl->last >= FWD_UDP_IDLE)
			flow_close(f, fl);
	}
}

static struct flow *flow_new(struct fwd *f, struct lsn *l,
			     const struct sockaddr_in *client)
{
	struct sockaddr_in sa = target(f, l->ctr);
	struct flow *fl;

	/* Idle flows end when a new client comes (no timer: an idle
	 * forwarder keeps its flows, at most FWD_FLOW_MAX sockets); at the
	 * cap, one the container never answered, else the one idle longest
	 * (fwd.h). */
	expire(f);
	if (!f->addr)
		return NULL;
	if (f->nflow >= FWD_FLOW_MAX) {
		struct flow *old = f->flows;
		for (struct flow *o = f->flows; o; o = o->next)
			if (o->replied < old->replied ||
			    (o->replied == old->replied && o->last <= old->last))
				old = o;
		flow_close(f, old);
	}
	if (!(fl = calloc(1, sizeof(*fl))))
		return NULL;
	fl->kind = K_FLOW;
	fl->l = l;
	fl->client = *client;
	fl->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fl->fd < 0 || connect(fl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    watch(f, EPOLL_CTL_ADD, fl->fd, fl, EPOLLIN | EPOLLET) < 0) {
		if (fl->fd >= 0)
			close(fl->fd);
		free(fl);
		return NULL;
	}
	fl->next = f->flows;
	fl->prev = &f->flows;
	if (f->flows)
		f->flows->prev = &fl->next;
	f->flows = fl;
	f->nflow++;
	return fl;
}

static void udp_event(struct fwd *f, struct lsn *l)
{
	for (int n = 0; n < 64; n++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		struct flow *fl;
		ssize_t k = recvfrom(l->fd, dgram, sizeof(dgram), 0,
				     (struct sockaddr *)&from, &len);
		if (k < 0) {
			if (errno == EAGAIN)
				return;
			continue;
		}
		for (fl = f->flows; fl; fl = fl->next)
			if (fl->l == l && fl->client.sin_port == from.sin_port &&
			    fl->client.sin_addr.s_addr == from.sin_addr.s_addr)
				break;
		/* (Stopped, or out of memory or fds: dropped, as a full
		 * queue would.) */
		if (!fl && !(fl = flow_new(f, l, &from)))
			continue;
		fl->last = now_s();
		send(fl->fd, dgram, (size_t)k, 0);
	}
	watch(f, EPOLL_CTL_MOD, l->fd, l, EPOLLIN | EPOLLET);
}

void fwd_handle(struct fwd *f)
{
	struct epoll_event ev[32];
	int n = epoll_wait(f->ep, ev, 32, 0);

	/* (An event may close a connection or flow that a later event of
	 * the batch names: see dead_conns.) */
	for (int i = 0; i < n; i++) {
		uint8_t kind = *(uint8_t *)ev[i].data.ptr;
		switch (kind) {
		case K_TCP: accept_all(f, ev[i].data.ptr); break;
		case K_UDP: udp_event(f, ev[i].data.ptr); break;
		case K_FLOW: flow_event(f, ev[i].data.ptr); break;
		case K_SIDE: side_event(f, ev[i].data.ptr, ev[i].events); break;
		}
	}
	bury(f);
}
