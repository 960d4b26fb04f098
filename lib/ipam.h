/* Container addresses on md's networks: a subnet, its gateway (the
 * bridge's address), and which container holds which address, in a
 * file of the store that outlives md and reboots:
 *
 *   networks/NAME/ipam        one line per address: "10.88.0.2 <ID>"
 *   networks/NAME/ipam.lock   flock'd while the file is read and replaced
 *
 * where a line may end in " kept": an address --ip asked for, held
 * while its container exists, run or not (released at its removal or
 * disconnect: ipam_release's forget).
 *
 * Addresses are given lowest first, or as --ip asks. A container asking
 * again gets the one it has (a restart keeps its address). One released
 * (its container ended or was removed) is free at once. When none is
 * free, addresses of containers that are no longer in the store are
 * taken back first. */
#ifndef MD_IPAM_H
#define MD_IPAM_H

#include <stdint.h>

#include "err.h"
#include "store.h"

/* An IPv4 subnet; addresses in network byte order. */
struct subnet {
	uint32_t net;		/* the network's address */
	uint32_t gw;		/* the gateway (bridge) address */
	int prefix;		/* 8..30 */
};

/* "10.88.0.1/16": the gateway and its subnet. A CIDR whose host part is
 * zero ("10.88.0.0/16") takes the first address as gateway. */
int subnet_parse(const char *cidr, struct subnet *sn, struct md_err *err);
/* "10.88.0.0/16", "10.88.0.1" into out. */
void subnet_format(const struct subnet *sn, char *out, size_t len);
void ip4_format(uint32_t addr, char *out, size_t len);
/* "10.89.0.7" in network order; 0 for "" (or not an address). */
uint32_t ip4_parse(const char *s);

/* The address of container id on network net (sn its subnet), given
 * now if it has none: want (network order, as --ip asked) or, for 0,
 * the lowest free one. A wanted address outside the subnet, or held by
 * another container, fails with Docker's words. */
int ipam_alloc(struct store *s, const char *net, const struct subnet *sn,
	       const char *id, uint32_t want, uint32_t *addr, struct md_err *err);
/* Whether want (network order) may be asked for on sn, as Docker's words
 * say why not: in the subnet ("no configured subnet or ip-range contain
 * the IP address ..."), not its network, broadcast or gateway address
 * ("Address already in use"). */
int ipam_check(const struct subnet *sn, uint32_t want, struct md_err *err);
/* Gives id's address on net back (none: not an error); one --ip asked
 * for only if forget (its container removed, or disconnected). */
int ipam_release(struct store *s, const char *net, const char *id, int forget,
		 struct md_err *err);

#endif
