/* md's netfilter rules: nf_tables over NETLINK_NETFILTER, spoken by
 * md itself (no nft(8), no libnftnl). md keeps one table for its
 * networks, "ip md", and one per running container with published
 * ports (nft_ports_set, below); and forgets conntrack entries
 * (nft_conntrack_forget). Table ip md has three chains. "postrouting" (type nat, hook postrouting, priority srcnat
 * 100) holds one rule per network:
 *
 *     ip saddr SUBNET oifname != "BRIDGE" masquerade
 *
 * (Docker's MASQUERADE rule: what leaves the network for anywhere but
 * its own bridge goes out with the address of the interface it leaves
 * by.) "guard" (type filter, hook prerouting, priority raw -300) holds
 * one rule per network:
 *
 *     iifname "BRIDGE" ip daddr 127.0.0.0/8 drop
 *
 * (md's bridges route 127/8, for published ports: see nft_ports_set;
 * no container may use that to reach the host's loopback services.)
 * "forward" (type filter, hook forward, priority filter 0) holds,
 * for every network, first
 *
 *     oifname "BRIDGE" ct state established,related accept
 *     oifname "BRIDGE" ct status dnat accept
 *     iifname "BRIDGE" oifname "BRIDGE" accept
 *
 * then, for every network,
 *
 *     oifname "BRIDGE" drop
 *     iifname "BRIDGE" accept
 *
 * Docker's FORWARD rules and its isolation of networks: containers reach
 * out, answers come back, no one outside (a neighbour routing to md's
 * subnets) opens a connection to a container's unpublished ports
 * (published ones are sent on by the container's own table, below), and
 * one md network does not reach another's containers. Its policy is drop when
 * md turned IPv4 forwarding on (the host forwarded nothing before: it
 * does not become a router between its other interfaces), else accept
 * (whoever forwards already keeps doing so). nft_masq_set rewrites the
 * whole table in one batch, which the kernel applies whole or not at
 * all: no reader ever sees half a table.
 * The numbers and layouts md uses are written out in nft.c, from the
 * kernel's uapi (linux/netfilter/nfnetlink.h, nf_tables.h), stable ABI. */
#ifndef MD_NFT_H
#define MD_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct nft_masq {
	uint32_t net;		/* the subnet (network byte order) */
	int prefix;
	const char *bridge;	/* its bridge: what is not masqueraded */
};

/* Makes table ip md hold exactly the rules for v[0..n-1]: masquerade,
 * and the forward chain unless filter is NFT_FILTER_NONE (its policy
 * drop with NFT_FILTER_DROP); n == 0 deletes the table (if it is
 * there). 0 done; 1 the kernel has no nf_tables (or no nat, ct or
 * filter for it): nothing done, err says so; -1 failed, err names
 * what. */
enum { NFT_FILTER_NONE, NFT_FILTER_ACCEPT, NFT_FILTER_DROP };
int nft_masq_set(const struct nft_masq *v, size_t n, int filter,
		 struct md_err *err);

#define NFT_TABLE "md"

/* 1 if the kernel says table ip NAME is not there (NFT_TABLE: someone
 * deleted it: "nft flush ruleset", a firewall's reload), 0 if it is, or
 * if md cannot tell (no nf_tables). */
int nft_table_gone(const char *name);

/* A published port (ports.h), sent on to the container by the kernel. */
struct nft_port {
	uint32_t host;		/* the host address it is published on
				 * (network order); 0: all the host's */
	uint16_t port;		/* the host port */
	uint16_t ctr;		/* the container's port */
	int udp;
};

/* A container's published ports, in table ip NAME of its own, owned by
 * the netlink socket *fd (opened at the first call, close-on-exec, kept
 * by the caller for the next calls): the kernel deletes the table when
 * that socket closes, so when the process holding it ends, however it
 * ends, and no "nft flush ruleset" by someone else removes it. For the
 * container at addr (network order) on bridge BRIDGE, each port p:
 *
 *   prerouting (nat, dstnat), unless HOST is in 127/8:
 *     iifname != "BRIDGE" DST meta l4proto P th dport PORT dnat to ADDR:CTR
 *   output (nat, dstnat):
 *     DST meta l4proto P th dport PORT dnat to ADDR:CTR
 *
 * DST is "ip daddr HOST", or "fib daddr type local" (any of the host's
 * addresses) for host 0. (A packet from outside to 127.0.0.1 is a
 * martian, dropped, unless a prerouting rule sends it on first: a port
 * published on 127.0.0.1 must not be reachable from the LAN, the hole
 * Docker closed in 28.0.) And once:
 *
 *   postrouting (nat, srcnat): oifname "BRIDGE" ip saddr 127.0.0.0/8 masquerade
 *   guard (filter, raw):       iifname "BRIDGE" ip daddr 127.0.0.0/8 drop
 *
 * Docker's DNAT rules (as with userland-proxy off): a connection to a
 * published port is the container's, no process copies its bytes.
 * Connections from the container's own bridge are not sent on (they
 * would come back past the host, to the wrong address: hairpin): they
 * reach the host's socket, the forwarder's. One sent on from 127.0.0.1
 * needs route_localnet on the bridge (the caller's), hence the
 * masquerade (the container answers the bridge's address) and the
 * guard (no container sends to the host's 127/8 through it). Replaced
 * whole in one batch; addr 0 or n 0 deletes it. 0 done; 1 the kernel
 * lacks something for it (nf_tables, nat, fib, owned tables: 5.12):
 * err says what; -1 failed. */
int nft_ports_set(int *fd, const char *name, const struct nft_port *v, size_t n,
		  uint32_t addr, const char *bridge, struct md_err *err);

/* How many containers' tables (nft_ports_set) are there for bridge,
 * named as md names them, md-ID12-BRIDGE; -1 if md cannot tell. */
int nft_port_tables(const char *bridge);

/* Forgets the kernel's conntrack entries of connections sent on to addr
 * by DNAT (their answers come from addr): a container's, once its
 * address is no longer its own (it stopped, or restarts with another).
 * Else a UDP client that keeps sending from one port would keep going to
 * the old address, for good: each datagram renews its entry. (Docker
 * forgets them too.) Reads the whole conntrack table: called only when a
 * container with published ports stops. 0 done, 1 no nf_tables (nothing
 * to forget), -1 failed. */
int nft_conntrack_forget(uint32_t addr, struct md_err *err);

/* The answers to a batch whose messages were numbered up to last_seq,
 * as one recv() gave them (buf, n): notes in *error the first error
 * (-errno as the kernel gives it, 0 none) and in *error_seq its
 * message's number, unless one is noted already. 1 if last_seq's
 * acknowledgement is among them, 0 if not, -1 if they are malformed.
 * (Apart for tests: it reads what the kernel wrote.) */
int nft_answers(const void *buf, size_t n, uint32_t last_seq, int *error,
		uint32_t *error_seq);

#endif
