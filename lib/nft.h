/* md's netfilter rules: nf_tables over NETLINK_NETFILTER, spoken by
 * md itself (no nft(8), no libnftnl). md owns one table, "ip md", with
 * two chains. "postrouting" (type nat, hook postrouting, priority srcnat
 * 100) holds one rule per network:
 *
 *     ip saddr SUBNET oifname != "BRIDGE" masquerade
 *
 * (Docker's MASQUERADE rule: what leaves the network for anywhere but
 * its own bridge goes out with the address of the interface it leaves
 * by.) "forward" (type filter, hook forward, priority filter 0) holds,
 * for every network, first
 *
 *     oifname "BRIDGE" ct state established,related accept
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
 * (published ones are the forwarder's: the host's sockets), and one md
 * network does not reach another's containers. Its policy is drop when
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

/* 1 if the kernel says table ip md is not there (someone deleted it:
 * "nft flush ruleset", a firewall's reload), 0 if it is, or if md
 * cannot tell (no nf_tables). */
int nft_table_gone(void);

/* The answers to a batch whose messages were numbered up to last_seq,
 * as one recv() gave them (buf, n): notes in *error the first error
 * (-errno as the kernel gives it, 0 none) and in *error_seq its
 * message's number, unless one is noted already. 1 if last_seq's
 * acknowledgement is among them, 0 if not, -1 if they are malformed.
 * (Apart for tests: it reads what the kernel wrote.) */
int nft_answers(const void *buf, size_t n, uint32_t last_seq, int *error,
		uint32_t *error_seq);

#endif
