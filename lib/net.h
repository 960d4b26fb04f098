/* A container's network (--network bridge): md's bridge, made on first
 * use, and per container a veth pair whose host end is on the bridge
 * and whose other end is the container's eth0, with its address and a
 * default route via the bridge. All over rtnetlink (netlink.h), from
 * md, while the container's first process waits for GO (run.c): the
 * command never sees a network that is not ready.
 *
 * The host end is named veth + the first 11 characters of the ID; it
 * goes with the container's network namespace (the kernel deletes a
 * veth pair when either end's namespace ends), so nothing is left to
 * remove when the container ends, however it ends. The kernel does that
 * a few milliseconds after the last process of the namespace, from a
 * work queue: deleting the veth here instead (net_detach) would cost
 * md-run some 20 ms, the kernel's wait for every CPU to let go of the
 * device (RCU), on every container's end. Only md-rm of a container
 * whose end was never recorded deletes it. */
#ifndef MD_NET_H
#define MD_NET_H

#include <stdint.h>

#include "err.h"
#include "ipam.h"

struct netconf {
	char name[64];		/* the network's name: "bridge" */
	char bridge[16];	/* its bridge: "md0" */
	struct subnet sn;
};

/* The default network: bridge md0, on [defaults] bridge_subnet of
 * md.ini (default 10.88.0.1/16). */
int net_default(struct netconf *nc, struct md_err *err);
/* Makes the bridge if it is missing, with its address, up. */
int net_bridge_up(const struct netconf *nc, struct md_err *err);
/* Connects the network namespace netns_fd (a container's) to nc's
 * bridge, as eth0 with address addr (network byte order). */
int net_attach(const struct netconf *nc, const char *id, int netns_fd,
	       uint32_t addr, struct md_err *err);

/* Deletes the container's host end (and so its eth0), if it is still
 * there: the kernel would, once its network namespace is freed, but
 * that comes later, from a work queue. */
int net_detach(const char *id, struct md_err *err);

#endif
