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
 * whose end was never recorded deletes it.
 *
 * Outbound NAT: md's nf_tables table (nft.h) masquerades each network
 * whose bridge is there; it is rewritten whole, under networks.lock,
 * when md makes a bridge or removes one. A container (root in its own
 * network namespace) has no say in it: subnets and bridge names come
 * from md.ini and the store, never from the container. */
#ifndef MD_NET_H
#define MD_NET_H

#include <stdint.h>

#include "err.h"
#include "ipam.h"
#include "store.h"

struct container;

struct netconf {
	char name[64];		/* the network's name: "bridge" */
	char id[65];		/* 64 hex digits */
	char bridge[16];	/* its bridge: "md0" */
	char created[40];	/* RFC 3339 ("" for the default one) */
	struct subnet sn;
};

/* The default network: bridge md0, on [defaults] bridge_subnet of
 * md.ini (default 10.88.0.1/16). */
int net_default(struct netconf *nc, struct md_err *err);

/* User networks (md-network), each in the store:
 *   networks/NAME/network.ini   name, id, subnet, gateway, bridge, created
 *   networks/NAME/ipam          its addresses (ipam.h)
 *   networks.lock               held while one is made or removed
 * Each has a bridge of its own, md- and 12 digits of its ID, made with
 * the network. "bridge" (the default), "host" and "none" are Docker's
 * predefined names: never a user network's. */

/* The network a container joins by name: "bridge" or a user network. */
int net_lookup(struct store *s, const char *name, struct netconf *nc,
	       struct md_err *err);
/* Creates a user network (and its bridge, and its masquerade rule).
 * Returns 1 (not -1) when the kernel has no nf_tables: the network is
 * made, without outbound NAT, and err says so, for md to print. subnet: "10.89.3.0/24" or NULL (the first of
 * 10.89.0.0/24, 10.89.1.0/24, ... that overlaps no md network); gateway
 * NULL: the subnet's first address. */
int net_create(struct store *s, const char *name, const char *subnet,
	       const char *gateway, struct netconf *nc, struct md_err *err);
/* The user networks, sorted by name: *list (free it), *n. */
int net_list(struct store *s, struct netconf **list, size_t *n,
	     struct md_err *err);
/* Removes a user network, its masquerade rule and its bridge. Refused
 * while a running (or paused, restarting) container uses it. */
int net_remove(struct store *s, const char *name, struct md_err *err);
/* md-network prune: deletes md0 and its rule, unless a running (or
 * paused, restarting) container uses it ("bridge" stays a network: md0 is made again on
 * its next use). 1 deleted, 0 in use. */
int net_default_down(struct store *s, struct md_err *err);
/* Deletes nc's bridge (if it is there). */
int net_bridge_down(const struct netconf *nc, struct md_err *err);
/* A network's name or alias: [a-zA-Z0-9][a-zA-Z0-9_.-]*, under 64
 * characters (what says which in the error). */
int net_name_check(const char *what, const char *name, struct md_err *err);
/* 1 if a container on network gets a veth on one of md's bridges: not
 * none, host or container:NAME. */
int net_bridged(const char *network);
/* --network container:NAME: NAME's network namespace, to join (an open
 * fd, close-on-exec), NAME's ID in id; refused unless NAME runs. The
 * caller checks NAME's pid again after the open, so a recycled pid is
 * never taken for it. */
int net_join_open(struct store *s, const char *name, char id[65],
		  struct container *other, struct md_err *err);
/* 1 if the kernel is to carry published ports (fwd_nat) of a container
 * on network: one of md's bridges (its name in bridge), and md.ini's
 * port_nat not false; else 0. */
int net_ports_bridge(struct store *s, const char *network, char bridge[16]);
/* 1 if name is bridge, host or none. */
int net_predefined(const char *name);
/* Makes the bridge if it is missing, with its address, up; one made
 * (or md's table found deleted) turns IPv4 forwarding on and rewrites
 * md's nf_tables table (nft.h) for every md network whose bridge is
 * there. Takes networks.lock: never under a container's lock. Returns 1 (not
 * -1) when it made the bridge and the kernel has no nf_tables: it
 * works, without outbound NAT; err says so, for md to print once. */
int net_bridge_up(struct store *s, const struct netconf *nc, struct md_err *err);
/* Connects the network namespace netns_fd (a container's) to nc's
 * bridge, as eth0 with address addr (network byte order); makes the
 * bridge as net_bridge_up if it is missing (silently without NAT). */
int net_attach(struct store *s, const struct netconf *nc, const char *id,
	       int netns_fd, uint32_t addr, struct md_err *err);

/* md-network connect's: eth<idx> (1..8), its host end vx + 11 digits
 * of the ID + idx; no route. nat 0: the caller holds a container's lock,
 * so md's table is not made again here (net_bridge_up does, before). */
int net_attach_more(struct store *s, const struct netconf *nc, const char *id,
		    int netns_fd, int idx, uint32_t addr, int nat,
		    struct md_err *err);
int net_detach_more(const char *id, int idx, struct md_err *err);
/* An md-network connect's network at a start (run_spec.more). */
struct net_more {
	struct netconf nc;
	uint32_t addr;
	int idx;
};

/* Deletes the container's host end (and so its eth0), if it is still
 * there: the kernel would, once its network namespace is freed, but
 * that comes later, from a work queue. */
int net_detach(const char *id, struct md_err *err);

#endif
