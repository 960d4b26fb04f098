/* rtnetlink, spoken by md itself (no ip(8), no libnl): the links,
 * addresses and routes a container's network needs. musl has no kernel
 * headers, so the few message layouts and numbers md uses are written
 * out in netlink.c, from the kernel's uapi (linux/netlink.h,
 * linux/rtnetlink.h, linux/if_link.h, linux/veth.h), which are stable
 * ABI.
 *
 * One request at a time: each is sent with NLM_F_ACK and its answer read
 * before the next (the kernel answers in order). A socket works in the
 * network namespace it was made in: nl_open_in() makes one in another
 * namespace (say, a container's) by entering it just for the socket(2)
 * call. */
#ifndef MD_NETLINK_H
#define MD_NETLINK_H

#include <stdint.h>

#include "err.h"

struct nl {
	int fd;
	uint32_t seq;
};

/* A NETLINK_ROUTE socket in md's own network namespace. */
int nl_open(struct nl *nl, struct md_err *err);
/* The same for another netlink protocol (nft.c: NETLINK_NETFILTER). */
int nl_open_proto(struct nl *nl, int proto, struct md_err *err);
/* The same in the network namespace netns_fd names (an open
 * /proc/PID/ns/net): the caller must be single-threaded. */
int nl_open_in(struct nl *nl, int netns_fd, struct md_err *err);
void nl_close(struct nl *nl);

/* One request being built: a header, its fixed part, attributes (nested
 * ones patched at their end). Requests are small: a fixed buffer, and a
 * request that does not fit is marked bad, never cut. */
struct nl_req {
	union {
		uint32_t align;
		char buf[1024];
	} u;
	size_t len;
	int bad;
};

/* Starts a request of type (with NLM_F_REQUEST | flags; the calls
 * below add NLM_F_ACK, as they wait for it);
 * returns its fixed part, fixed bytes of zeroes. */
void *nl_req_init(struct nl_req *r, uint16_t type, uint16_t flags, size_t fixed);
/* Appends an attribute; returns its offset (for nl_nest_end), or 0. */
size_t nl_put(struct nl_req *r, uint16_t type, const void *data, size_t n);
void nl_put_str(struct nl_req *r, uint16_t type, const char *s);
void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v);
/* A nested attribute: nl_nest_end patches its length once what it
 * holds is in. */
size_t nl_nest_begin(struct nl_req *r, uint16_t type);
void nl_nest_end(struct nl_req *r, size_t at);
/* Sets the header's length and seq: the request is r->u.buf, of the
 * length returned (0: it was bad). */
size_t nl_req_finish(struct nl_req *r, uint32_t seq);

/* The index of the link called name: > 0, 0 if there is none, -1 on
 * failure. */
int nl_link_index(struct nl *nl, const char *name, struct md_err *err);
/* Creates a bridge. EEXIST if there is a link of that name. */
int nl_bridge_add(struct nl *nl, const char *name, struct md_err *err);
/* Creates a veth pair: name here, peer in the namespace peer_netns_fd
 * names (-1: here too), called peer_name there. */
int nl_veth_add(struct nl *nl, const char *name, const char *peer_name,
		int peer_netns_fd, struct md_err *err);
/* Link changes; each of master (an index, 0: none), new_name (NULL:
 * none) and up (1 up, 0 unchanged) applies if given. */
int nl_link_set(struct nl *nl, int index, int master, const char *new_name,
		int up, struct md_err *err);
/* Deletes the link (and a veth's peer with it). ENODEV if gone. */
int nl_link_del(struct nl *nl, int index, struct md_err *err);
/* Adds IPv4 address addr/prefix (network byte order) to the link, with
 * the broadcast address of its subnet. EEXIST if it has it. */
int nl_addr4_add(struct nl *nl, int index, uint32_t addr, int prefix,
		 struct md_err *err);
/* Adds the IPv4 default route via gw (network byte order). */
int nl_route4_default(struct nl *nl, uint32_t gw, struct md_err *err);

#endif
