/* rtnetlink requests: links, addresses, routes (see netlink.h). */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the kernel's uapi, as far as md uses it ---- */

#define NETLINK_ROUTE	0
#define NLM_F_REQUEST	0x001
#define NLM_F_ACK	0x004
#define NLM_F_EXCL	0x200
#define NLM_F_CREATE	0x400
#define NLMSG_ERROR	2
#define RTM_NEWLINK	16
#define RTM_DELLINK	17
#define RTM_GETLINK	18
#define RTM_NEWADDR	20
#define RTM_NEWROUTE	24
#define IFLA_IFNAME	3
#define IFLA_MASTER	10
#define IFLA_LINKINFO	18
#define IFLA_NET_NS_FD	28
#define IFLA_INFO_KIND	1
#define IFLA_INFO_DATA	2
#define VETH_INFO_PEER	1
#define IFA_ADDRESS	1
#define IFA_LOCAL	2
#define IFA_BROADCAST	4
#define RTA_GATEWAY	5
#define RT_TABLE_MAIN	254
#define RTPROT_BOOT	3
#define RT_SCOPE_UNIVERSE 0
#define RTN_UNICAST	1

struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid, nl_groups;
};

struct nlmsghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nlmsgerr {
	int error;		/* -errno, 0 for an ACK */
	struct nlmsghdr msg;
};

struct rtattr {
	uint16_t len, type;
};

struct ifinfomsg {
	unsigned char family, pad;
	unsigned short type;
	int index;
	unsigned flags, change;
};

struct ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

struct rtmsg {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};

#define NL_ALIGN(n) (((n) + 3u) & ~3u)

/* ---- building a request (netlink.h) ---- */

#define HDR(r) ((struct nlmsghdr *)(void *)(r)->u.buf)

void *nl_req_init(struct nl_req *r, uint16_t type, uint16_t flags, size_t fixed)
{
	memset(r, 0, sizeof(*r));
	HDR(r)->type = type;
	HDR(r)->flags = NLM_F_REQUEST | flags;
	r->len = NL_ALIGN(sizeof(struct nlmsghdr)) + NL_ALIGN(fixed);
	return r->u.buf + NL_ALIGN(sizeof(struct nlmsghdr));
}

size_t nl_req_finish(struct nl_req *r, uint32_t seq)
{
	if (r->bad)
		return 0;
	HDR(r)->len = (uint32_t)r->len;
	HDR(r)->seq = seq;
	return r->len;
}

size_t nl_put(struct nl_req *r, uint16_t type, const void *data, size_t n)
{
	size_t at = r->len;
	struct rtattr a = { (uint16_t)(sizeof(a) + n), type };

	if (r->bad || at + NL_ALIGN(sizeof(a) + n) > sizeof(r->u.buf)) {
		r->bad = 1;
		return 0;
	}
	memcpy(r->u.buf + at, &a, sizeof(a));
	if (n)
		memcpy(r->u.buf + at + sizeof(a), data, n);
	r->len = at + NL_ALIGN(sizeof(a) + n);
	return at;
}

void nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	nl_put(r, type, s, strlen(s) + 1);
}

void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_put(r, type, &v, sizeof(v));
}

size_t nl_nest_begin(struct nl_req *r, uint16_t type)
{
	return nl_put(r, type, NULL, 0);
}

void nl_nest_end(struct nl_req *r, size_t at)
{
	struct rtattr a;

	if (r->bad)
		return;
	memcpy(&a, r->u.buf + at, sizeof(a));
	a.len = (uint16_t)(r->len - at);
	memcpy(r->u.buf + at, &a, sizeof(a));
}

/* ---- talking ---- */

int nl_open(struct nl *nl, struct md_err *err)
{
	return nl_open_proto(nl, NETLINK_ROUTE, err);
}

int nl_open_proto(struct nl *nl, int proto, struct md_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (nl->fd < 0)
		return err_set(err, errno, "netlink socket");
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(nl->fd);
		nl->fd = -1;
		return err_set(err, errno, "netlink bind");
	}
	return 0;
}

int nl_open_in(struct nl *nl, int netns_fd, struct md_err *err)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc;

	if (self < 0)
		return err_set(err, errno, "netlink: /proc/self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		close(self);
		return err_set(err, errno, "netlink: enter network namespace");
	}
	rc = nl_open(nl, err);
	/* Back, or md would go on in the container's network: that cannot
	 * be undone by any caller, so it ends md here. */
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "md: cannot return to its network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	return rc;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* Sends r and reads up to its ACK. 0, or -1 with err's errnum the
 * kernel's answer (err says what failed: what). *index, if not NULL, is the
 * index of a link the answer describes (RTM_GETLINK). */
static int talk(struct nl *nl, struct nl_req *r, int *index, const char *what,
		struct md_err *err)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr h;
		char buf[8192];
	} in;
	ssize_t n;

	HDR(r)->flags |= NLM_F_ACK;
	if (!nl_req_finish(r, ++nl->seq))
		return err_set(err, EMSGSIZE, "%s: request too long", what);
	if (sendto(nl->fd, r->u.buf, r->len, 0, (const struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return err_set(err, errno, "%s: netlink send", what);
	for (;;) {
		while ((n = recv(nl->fd, in.buf, sizeof(in.buf), 0)) < 0 && errno == EINTR)
			;
		if (n < 0)
			return err_set(err, errno, "%s: netlink receive", what);
		for (size_t off = 0; off + sizeof(struct nlmsghdr) <= (size_t)n;) {
			struct nlmsghdr h;
			memcpy(&h, in.buf + off, sizeof(h));
			if (h.len < sizeof(h) || off + h.len > (size_t)n)
				return err_set(err, EPROTO, "%s: bad netlink answer", what);
			if (h.seq == nl->seq && h.type == NLMSG_ERROR &&
			    h.len >= sizeof(h) + sizeof(int)) {
				int e;
				memcpy(&e, in.buf + off + sizeof(h), sizeof(e));
				if (!e)
					return 0;
				return err_set(err, -e, "%s", what);
			}
			if (h.seq == nl->seq && h.type == RTM_NEWLINK && index &&
			    h.len >= sizeof(h) + sizeof(struct ifinfomsg)) {
				struct ifinfomsg ifi;
				memcpy(&ifi, in.buf + off + NL_ALIGN(sizeof(h)), sizeof(ifi));
				*index = ifi.index;
			}
			off += NL_ALIGN(h.len);
		}
	}
}

/* ---- links ---- */

static int name_ok(const char *name, struct md_err *err)
{
	size_t n = strlen(name);

	if (!n || n >= IFNAMSIZ || strchr(name, '/') || strpbrk(name, " \t\n:"))
		return err_set(err, EINVAL, "bad interface name '%s'", name);
	return 0;
}

int nl_link_index(struct nl *nl, const char *name, struct md_err *err)
{
	struct nl_req r;
	int index = 0;

	if (name_ok(name, err) < 0)
		return -1;
	nl_req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	nl_put_str(&r, IFLA_IFNAME, name);
	if (talk(nl, &r, &index, "find link", err) < 0) {
		if (err->errnum != ENODEV)
			return -1;
		err->errnum = 0;	/* (none: not an error) */
		err->msg[0] = 0;
		return 0;
	}
	return index;
}

int nl_bridge_add(struct nl *nl, const char *name, struct md_err *err)
{
	struct nl_req r;
	size_t info;

	if (name_ok(name, err) < 0)
		return -1;
	nl_req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	nl_put_str(&r, IFLA_IFNAME, name);
	info = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&r, info);
	return talk(nl, &r, NULL, "create bridge", err);
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer_name,
		int peer_netns_fd, struct md_err *err)
{
	struct ifinfomsg peer = { 0 };
	struct nl_req r;
	size_t info, data, p;

	if (name_ok(name, err) < 0 || name_ok(peer_name, err) < 0)
		return -1;
	nl_req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	nl_put_str(&r, IFLA_IFNAME, name);
	info = nl_nest_begin(&r, IFLA_LINKINFO);
	nl_put_str(&r, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&r, IFLA_INFO_DATA);
	/* The peer: an ifinfomsg of its own, then its attributes. */
	p = nl_put(&r, VETH_INFO_PEER, &peer, sizeof(peer));
	nl_put_str(&r, IFLA_IFNAME, peer_name);
	if (peer_netns_fd >= 0)
		nl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	nl_nest_end(&r, p);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	return talk(nl, &r, NULL, "create veth pair", err);
}

int nl_link_set(struct nl *nl, int index, int master, const char *new_name,
		int up, struct md_err *err)
{
	struct ifinfomsg *ifi;
	struct nl_req r;

	if (new_name && name_ok(new_name, err) < 0)
		return -1;
	ifi = nl_req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->index = index;
	if (up) {
		ifi->flags = IFF_UP;
		ifi->change = IFF_UP;
	}
	if (master)
		nl_put_u32(&r, IFLA_MASTER, (uint32_t)master);
	if (new_name)
		nl_put_str(&r, IFLA_IFNAME, new_name);
	return talk(nl, &r, NULL, "set link", err);
}

int nl_link_del(struct nl *nl, int index, struct md_err *err)
{
	struct ifinfomsg *ifi;
	struct nl_req r;

	ifi = nl_req_init(&r, RTM_DELLINK, 0, sizeof(*ifi));
	ifi->index = index;
	return talk(nl, &r, NULL, "delete link", err);
}

/* ---- addresses and routes ---- */

int nl_addr4_add(struct nl *nl, int index, uint32_t addr, int prefix,
		 struct md_err *err)
{
	struct ifaddrmsg *ifa;
	struct nl_req r;
	uint32_t mask;

	if (prefix < 0 || prefix > 32)
		return err_set(err, EINVAL, "bad prefix length %d", prefix);
	/* (host order for the arithmetic: prefix 0 is no mask at all) */
	mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	ifa = nl_req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->family = AF_INET;
	ifa->prefixlen = (uint8_t)prefix;
	ifa->scope = RT_SCOPE_UNIVERSE;
	ifa->index = (uint32_t)index;
	nl_put(&r, IFA_LOCAL, &addr, 4);
	nl_put(&r, IFA_ADDRESS, &addr, 4);
	if (prefix < 31)
		nl_put_u32(&r, IFA_BROADCAST, addr | ~mask);
	return talk(nl, &r, NULL, "add address", err);
}

int nl_route4_default(struct nl *nl, uint32_t gw, struct md_err *err)
{
	struct rtmsg *rt;
	struct nl_req r;

	rt = nl_req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
	rt->family = AF_INET;
	rt->table = RT_TABLE_MAIN;
	rt->protocol = RTPROT_BOOT;
	rt->scope = RT_SCOPE_UNIVERSE;
	rt->type = RTN_UNICAST;
	nl_put(&r, RTA_GATEWAY, &gw, 4);
	return talk(nl, &r, NULL, "add default route", err);
}
