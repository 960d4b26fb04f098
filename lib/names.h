/* Names on user networks, and md-network connect: containers on one
 * reach each other by container name, by --network-alias and by short
 * ID (as Docker's embedded DNS answers them); on the default bridge by
 * address only.
 *
 * The smallest thing that works while containers come and go: hosts
 * files that md keeps current. A container with a network namespace on
 * md's bridges (not none, not host) has its /etc/hosts on the host, in
 * containers/ID/hosts, bind-mounted into it (rootfs_spec.hosts_path),
 * so that md can write it again while it runs. Each user network keeps
 * the list of its running members:
 *
 *   networks/NAME/members   "ID IP HOSTIP HOSTNAME NAME [ALIAS...]"
 *   names.lock              held while members files and hosts files
 *                           are written (one for all networks: a
 *                           container's hosts file says all of its
 *                           networks)
 *
 * (HOSTIP and HOSTNAME: the member's first address and host name, its
 * own /etc/hosts's line; "-" for none.) When a container joins (starts,
 * md-network connect) or leaves (ends, is found dead, md-rm, disconnect)
 * a network, every member's hosts file is written again, whole, from
 * these lists alone: what is in a container's /etc/hosts is never read
 * (its root can write it), and edits made there are lost, as Docker's
 * are. */
#ifndef MD_NAMES_H
#define MD_NAMES_H

#include <stddef.h>

#include "container.h"
#include "err.h"
#include "store.h"

/* One of a container's networks after its first (container.connected:
 * "NET:IP:IDX:ALIASES[:WANT]" words, space-separated; IP empty while the
 * container does not run; IDX its interface, ethIDX; ALIASES
 * comma-separated; WANT the address connect --ip asked, if any). */
struct endpoint {
	char net[64];
	char ip[16];
	int idx;
	char aliases[256];
	char want[16];
};
#define ENDPOINTS_MAX 8		/* eth1..eth8 */

/* The endpoints of a connected string into ep (at most ENDPOINTS_MAX);
 * their number. A damaged word is skipped. */
size_t endpoints_parse(const char *s, struct endpoint *ep);
/* The string for n endpoints: a new string, or NULL without memory. */
char *endpoints_format(const struct endpoint *ep, size_t n);

/* c is on net: its first or a connected one. */
int names_on(const struct container *c, const char *net);
/* Appends alias, checked (as a network's name), to the ","-joined
 * list. */
int names_add_alias(char list[256], const char *alias, struct md_err *err);

/* At a start, its address(es) given, before its root is made: writes
 * c's hosts file (base: the text spec_etc_files made) into
 * containers/ID/hosts, its path in path, and joins c's user networks. */
int names_start(struct store *s, const struct container *c, const char *base,
		char *path, size_t len, struct md_err *err);
/* c joins (aliases: "a,b" or "") or leaves (aliases NULL) net, if it is
 * a user network: the members' hosts files written again (c's too, if
 * it runs). Quiet: what fails leaves names out of date. */
void names_update(struct store *s, const struct container *c, const char *net,
		  const char *ip, const char *aliases);

struct netconf;
/* md-network connect (aliases: "a,b" or "") or disconnect (aliases
 * NULL; force: also if the interface cannot be deleted) of container id
 * and nc, at address ip (connect --ip: "10.89.0.7", kept for its starts;
 * NULL or "" any): recorded in its state (connected), and done at once if it
 * runs (eth1..., an address of nc, names). Docker's errors. */
int names_connect(struct store *s, const struct netconf *nc, const char *id,
		  const char *aliases, const char *ip, int force, struct md_err *err);

#endif
