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
/* The same in the network namespace netns_fd names (an open
 * /proc/PID/ns/net): the caller must be single-threaded. */
int nl_open_in(struct nl *nl, int netns_fd, struct md_err *err);
void nl_close(struct nl *nl);

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
