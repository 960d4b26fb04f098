/* A container's network: md's bridge and the container's veth (net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "ini.h"
#include "lock.h"
#include "names.h"
#include "netlink.h"
#include "nft.h"
#include "util.h"

#define DEFAULT_BRIDGE_SUBNET "10.88.0.1/16"

int net_default(struct netconf *nc, struct md_err *err)
{
	struct md_defaults d;

	memset(nc, 0, sizeof(*nc));
	if (config_defaults(&d, err) < 0)
		return -1;
	snprintf(nc->name, sizeof(nc->name), "bridge");
	snprintf(nc->bridge, sizeof(nc->bridge), "md0");
	if (subnet_parse(d.bridge_subnet[0] ? d.bridge_subnet : DEFAULT_BRIDGE_SUBNET,
			 &nc->sn, err) < 0)
		return err_wrap(err, "md.ini [defaults] bridge_subnet");
	return 0;
}

/* The bridge's index, the bridge made (with its address, up) if it was
 * missing (*made then 1). Two md may make it at once: EEXIST is the
 * other's. */
static int bridge(struct nl *nl, const struct netconf *nc, int *made,
		  struct md_err *err)
{
	struct md_err e2;	/* (for answers that are no error here) */
	int br = nl_link_index(nl, nc->bridge, err);

	*made = 0;
	if (br < 0)
		return -1;
	if (!br) {
		if (nl_bridge_add(nl, nc->bridge, &e2) == 0)
			*made = 1;
		else if (e2.errnum != EEXIST) {
			*err = e2;
			return -1;
		}
		if ((br = nl_link_index(nl, nc->bridge, err)) <= 0)
			return br < 0 ? -1 : err_set(err, ENODEV, "bridge %s", nc->bridge);
	}
	/* (Again each time: cheap, and it mends a bridge whose address or
	 * state someone changed.) */
	if (nl_addr4_add(nl, br, nc->sn.gw, nc->sn.prefix, &e2) < 0 &&
	    e2.errnum != EEXIST) {
		*err = e2;
		return err_wrap(err, "bridge %s", nc->bridge);
	}
	if (nl_link_set(nl, br, 0, NULL, 1, err) < 0)
		return err_wrap(err, "bridge %s", nc->bridge);
	return br;
}

/* ---- outbound NAT ---- */

/* IPv4 forwarding: on while md has a bridge (the containers' packets
 * leave through md's network namespace; the setting is the namespace's
 * own). md records that it turned it on, in this boot (networks.forward
 * holds the boot's ID; written before, so that a crash between leaves
 * the record, not forwarding unrecorded): then its forward chain drops
 * what is not md's (nft.h), and its last bridge gone turns it off again,
 * leaving the host as md found it. Forwarding that was on before md is
 * left on, as Docker does. The caller holds networks.lock. For on: 1 if
 * md turned it on (now or before), 0 if not, -1. */
#define FORWARD_PATH "/proc/sys/net/ipv4/ip_forward"

static int forwarding(struct store *s, int on, struct md_err *err)
{
	const char *boot = host_boot_id();
	char cur = 0, *was = file_read_at(s->fd, "networks.forward", 64, NULL, err);
	int ours = was && boot[0] && !strcmp(was, boot), rc = -1;
	int fd = open(FORWARD_PATH, O_RDWR | O_CLOEXEC), e = errno, rw = fd >= 0;

	free(was);
	/* (A read-only /proc/sys, as in a container, with it on is fine.) */
	if (!rw)
		fd = open(FORWARD_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, &cur, 1) != 1)
		cur = 0;
	if (!on) {
		/* (A record of forwarding off now is stale: gone too.) */
		if (ours && (cur != '1' || (rw && pwrite(fd, "0\n", 2, 0) == 2)))
			unlinkat(s->fd, "networks.forward", 0);
		rc = 0;
	} else if (cur == '1') {
		rc = ours;
	} else if (!rw) {
		err_set(err, e, "%s", FORWARD_PATH);
	} else if (file_write_at(s->fd, "networks.forward", boot, strlen(boot),
				 0644, err) == 0) {
		if (pwrite(fd, "1\n", 2, 0) == 2) {
			rc = 1;
		} else {
			err_set(err, errno, "%s", FORWARD_PATH);
			unlinkat(s->fd, "networks.forward", 0);
		}
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Masquerade (nft.h) for each md network whose bridge is there now,
 * but skip (one being removed), and extra (one being made, not in the
 * store yet). The caller holds networks.lock: two md never interleave
 * their list and their write (the last write would miss the other's
 * network). 0, 1 (no nf_tables: err says so), 2 (masquerade only:
 * the kernel has no ct expression or filter chain for the forward
 * chain), -1. */
static int nat_sync(struct store *s, const char *skip,
		    const struct netconf *extra, struct md_err *err)
{
	struct netconf *list, def;
	struct nft_masq *v = NULL;
	struct nl nl = { .fd = -1 };
	struct md_err e2;
	size_t n, k = 0;
	int rc = -1, drop = 0;

	if (net_list(s, &list, &n, err) < 0)
		return -1;
	if (!(v = calloc(n + 2, sizeof(*v)))) {
		err_set(err, ENOMEM, "networks");
		goto out;
	}
	if (net_default(&def, err) < 0 || nl_open(&nl, err) < 0)
		goto out;
	for (size_t i = 0; i < n + 2; i++) {
		const struct netconf *nc = i < n ? &list[i] : i == n ? &def : extra;
		int br;
		if (!nc || (skip && !strcmp(nc->name, skip)))
			continue;
		if ((br = nl_link_index(&nl, nc->bridge, err)) < 0)
			goto out;
		if (br)
			v[k++] = (struct nft_masq){ nc->sn.net, nc->sn.prefix, nc->bridge };
	}
	/* (Forwarding on before the table; off only once it is gone.) */
	if (k && (drop = forwarding(s, 1, err)) < 0)
		goto out;
	rc = nft_masq_set(v, k, drop > 0 ? NFT_FILTER_DROP : NFT_FILTER_ACCEPT, err);
	if (!k && rc >= 0)
		forwarding(s, 0, &e2);
	/* A kernel with nat but without what the forward chain needs (the
	 * ct expression, filter chains): masquerade alone, and said (2). */
	if (rc > 0 && k && nft_masq_set(v, k, NFT_FILTER_NONE, &e2) == 0)
		rc = 2;
out:
	nl_close(&nl);
	free(list);
	free(v);
	return rc;
}

/* nat_sync's 1 or 2, said (once, by whoever made the bridge). */
static int no_nat(const struct netconf *nc, int rc, struct md_err *err)
{
	if (rc == 2)
		err_set(err, 0, "no nf_tables conntrack matching in this kernel: "
			"containers on %s are not filtered (not isolated from "
			"other networks and the outside)", nc->bridge);
	else
		err_set(err, 0, "no nf_tables in this kernel: containers on %s "
			"have no outbound NAT", nc->bridge);
	return 1;
}

/* After nc's bridge was made: the table again, under networks.lock. */
static int load_user(struct store *s, const char *name, struct netconf *nc,
		     struct md_err *err);

static int nat_made(struct store *s, const struct netconf *nc, struct md_err *err)
{
	cleanup_close int lock = lock_at(s->fd, "networks.lock", LOCK_EX, err);
	int rc;

	if (lock < 0)
		return -1;
	/* A user network's bridge made again (its bridge was missing) is
	 * one that md-network rm may have deleted, with the network, since
	 * this md looked the network up: rm holds the lock from the
	 * bridge's end to the network's, so under it the network is there
	 * or the bridge just made is a leak to take back. */
	if (nc->id[0]) {
		struct netconf now;
		struct md_err e2;
		if (load_user(s, nc->name, &now, &e2) < 0 || strcmp(now.id, nc->id)) {
			net_bridge_down(nc, NULL);
			return err_set(err, 0, "network %s not found", nc->name);
		}
	}
	rc = nat_sync(s, NULL, NULL, err);
	return rc > 0 ? no_nat(nc, rc, err) : rc;
}

static int bridge_up(const struct netconf *nc, int *made, struct md_err *err)
{
	struct nl nl;
	int rc;

	if (nl_open(&nl, err) < 0)
		return -1;
	rc = bridge(&nl, nc, made, err) < 0 ? -1 : 0;
	nl_close(&nl);
	return rc;
}

int net_bridge_up(struct store *s, const struct netconf *nc, struct md_err *err)
{
	int made;

	if (bridge_up(nc, &made, err) < 0)
		return -1;
	/* (The note of no NAT only with a bridge made: a table that cannot
	 * be made is never there, and would be said at every start.) */
	if (made)
		return nat_made(s, nc, err);
	return nft_table_gone(NFT_TABLE) && nat_made(s, nc, err) < 0 ? -1 : 0;
}

/* The host end's name. */
static void veth_name(const char *id, char out[16])
{
	snprintf(out, 16, "veth%.11s", id);
}

/* Deletes the link host (none: not an error). */
static int link_del(const char *host, struct md_err *err)
{
	struct nl nl;
	int vh, rc = 0;

	if (nl_open(&nl, err) < 0)
		return -1;
	if ((vh = nl_link_index(&nl, host, err)) < 0 ||
	    (vh > 0 && nl_link_del(&nl, vh, err) < 0 && err->errnum != ENODEV))
		rc = -1;
	nl_close(&nl);
	return rc;
}

int net_detach(const char *id, struct md_err *err)
{
	char host[16];

	veth_name(id, host);
	return link_del(host, err);
}

/* md-network connect's: "vx", 11 digits of the ID, the index (never
 * one of veth_name's). */
static void more_names(const char *id, int idx, char host[16], char eth[16])
{
	snprintf(host, 16, "vx%.11s%d", id, idx);
	snprintf(eth, 16, "eth%d", idx);
}

int net_detach_more(const char *id, int idx, struct md_err *err)
{
	char host[16], eth[16];

	more_names(id, idx, host, eth);
	return link_del(host, err);
}

static int attach(struct store *s, const struct netconf *nc, const char *host,
		  const char *ethn, int netns_fd, uint32_t addr, int nat,
		  struct md_err *err);

int net_attach(struct store *s, const struct netconf *nc, const char *id,
	       int netns_fd, uint32_t addr, struct md_err *err)
{
	char host[16];

	veth_name(id, host);
	return attach(s, nc, host, "eth0", netns_fd, addr, 1, err);
}

int net_attach_more(struct store *s, const struct netconf *nc, const char *id,
		    int netns_fd, int idx, uint32_t addr, int nat,
		    struct md_err *err)
{
	char host[16], eth[16];

	more_names(id, idx, host, eth);
	return attach(s, nc, host, eth, netns_fd, addr, nat, err);
}

/* eth0 (with the default route) or another. nat: md's table may be
 * made again here (networks.lock; never under a container's lock:
 * md-network rm holds networks.lock while it reads containers). */
static int attach(struct store *s, const struct netconf *nc, const char *host,
		  const char *ethn, int netns_fd, uint32_t addr, int nat,
		  struct md_err *err)
{
	struct nl nl, in = { .fd = -1 };
	int br, made, vh, eth, rc = -1;

	if (nl_open(&nl, err) < 0)
		return -1;
	/* (md-run made the bridge already, and said if there is no NAT;
	 * one made here, silently, is one gone since: a reboot before
	 * md-start or a restart, or md-network prune meanwhile. md's table
	 * deleted by someone else is made again here too: without it, no
	 * NAT, and nothing keeps the outside and other networks out.) */
	if ((br = bridge(&nl, nc, &made, err)) < 0 ||
	    (nat && (made || nft_table_gone(NFT_TABLE)) && nat_made(s, nc, err) < 0))
		goto out;
	/* A host end of this name is this container's own, of its run
	 * before: the kernel deletes it a few ms after that run's network
	 * namespace ends, from a work queue, and a restart or md-start can
	 * come sooner. It goes now, and the pair is made again. */
	if (nl_veth_add(&nl, host, ethn, netns_fd, err) < 0) {
		if (err->errnum != EEXIST || link_del(host, err) < 0 ||
		    nl_veth_add(&nl, host, ethn, netns_fd, err) < 0)
			goto out;
	}
	if ((vh = nl_link_index(&nl, host, err)) <= 0) {
		if (!vh)
			err_set(err, ENODEV, "veth %s", host);
		goto out;
	}
	if (nl_link_set(&nl, vh, br, NULL, 1, err) < 0)
		goto out;
	/* Inside: eth0 up with its address, the default route. (lo is up
	 * already: the container's first process did that.) */
	if (nl_open_in(&in, netns_fd, err) < 0 ||
	    (eth = nl_link_index(&in, ethn, err)) < 0)
		goto out;
	if (!eth) {
		err_set(err, ENODEV, "%s", ethn);
		goto out;
	}
	if (nl_link_set(&in, eth, 0, NULL, 1, err) < 0 ||
	    nl_addr4_add(&in, eth, addr, nc->sn.prefix, err) < 0 ||
	    (!strcmp(ethn, "eth0") && nl_route4_default(&in, nc->sn.gw, err) < 0))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		err_wrap(err, "network %s", nc->name);
	nl_close(&in);
	nl_close(&nl);
	return rc;
}

/* ---- user networks ---- */

int net_bridged(const char *network)
{
	return strcmp(network, "none") && strcmp(network, "host") &&
	       strncmp(network, "container:", 10);
}

int net_join_open(struct store *s, const char *name, char id[65],
		  struct container *other, struct md_err *err)
{
	char path[64];
	int fd;

	if (container_lookup(s, name, other, err) < 0)
		return -1;
	snprintf(id, 65, "%s", other->id);
	if (!container_live(other) || !container_alive(other)) {
		container_free(other);
		return err_set(err, 0, "cannot join network namespace of a non "
			       "running container: %s", name);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)other->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* (Still its process, after the open: not a recycled pid's.) */
	if (fd < 0 || !container_alive(other)) {
		if (fd >= 0)
			close(fd);
		container_free(other);
		return err_set(err, 0, "cannot join network namespace of a non "
			       "running container: %s", name);
	}
	return fd;
}

int net_predefined(const char *name)
{
	return !strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none");
}

int net_name_check(const char *what, const char *name, struct md_err *err)
{
	size_t n = strlen(name);

	if (!n || n >= 64 || !isalnum((unsigned char)name[0]) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") != n)
		return err_set(err, 0, "invalid %s \"%s\": only "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", what, name);
	return 0;
}

struct ini_net {
	struct netconf *nc;
	char subnet[64], gateway[INET_ADDRSTRLEN];
};

static int net_key(void *user, const char *section, const char *key,
		   const char *value, struct md_err *err)
{
	struct ini_net *in = user;
	struct netconf *nc = in->nc;

	if (!strcmp(key, "name"))
		snprintf(nc->name, sizeof(nc->name), "%s", value);
	else if (!strcmp(key, "id"))
		snprintf(nc->id, sizeof(nc->id), "%s", value);
	else if (!strcmp(key, "bridge"))
		snprintf(nc->bridge, sizeof(nc->bridge), "%s", value);
	else if (!strcmp(key, "created"))
		snprintf(nc->created, sizeof(nc->created), "%s", value);
	else if (!strcmp(key, "subnet"))
		snprintf(in->subnet, sizeof(in->subnet), "%s", value);
	else if (!strcmp(key, "gateway"))
		snprintf(in->gateway, sizeof(in->gateway), "%s", value);
	return 0;
}

static int load_user(struct store *s, const char *name, struct netconf *nc,
		     struct md_err *err)
{
	struct ini_net in = { nc, "", "" };
	struct in_addr gw;
	char path[160];

	memset(nc, 0, sizeof(*nc));
	snprintf(path, sizeof(path), "networks/%s/network.ini", name);
	if (ini_parse_at(s->fd, path, 0, net_key, &in, err) < 0) {
		if (err->errnum == ENOENT)
			err_set(err, 0, "network %s not found", name);
		return -1;
	}
	if (subnet_parse(in.subnet, &nc->sn, err) < 0 ||
	    inet_pton(AF_INET, in.gateway, &gw) != 1 || !nc->bridge[0] ||
	    strcmp(nc->name, name))
		return err_set(err, 0, "network %s: %s is damaged", name, path);
	nc->sn.gw = gw.s_addr;
	return 0;
}

int net_lookup(struct store *s, const char *name, struct netconf *nc,
	       struct md_err *err)
{
	if (!strcmp(name, "bridge"))
		return net_default(nc, err);
	if (net_predefined(name))
		return err_set(err, EINVAL, "network %s has no bridge", name);
	if (net_name_check("network name", name, err) < 0)
		return err_set(err, 0, "network %s not found", name);
	return load_user(s, name, nc, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct netconf *)a)->name, ((const struct netconf *)b)->name);
}

int net_list(struct store *s, struct netconf **list, size_t *n,
	     struct md_err *err)
{
	int dfd = openat(s->fd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*list = NULL;
	*n = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "networks");
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return err_set(err, errno, "networks");
	}
	while ((de = readdir(d))) {
		struct md_err e2;
		struct netconf nc;
		if (de->d_name[0] == '.' || net_predefined(de->d_name) ||
		    load_user(s, de->d_name, &nc, &e2) < 0)
			continue;
		if (*n == cap) {
			struct netconf *nl = realloc(*list, (cap = cap ? cap * 2 : 8) * sizeof(nc));
			if (!nl) {
				closedir(d);
				return err_set(err, ENOMEM, "networks");
			}
			*list = nl;
		}
		(*list)[(*n)++] = nc;
	}
	closedir(d);
	qsort(*list, *n, sizeof(**list), by_name);
	return 0;
}

static int overlap(const struct subnet *a, const struct subnet *b)
{
	int p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t mask = htonl(~0u << (32 - p));

	return (a->net & mask) == (b->net & mask);
}

/* The network (the default one included) sn overlaps, or NULL. */
static const char *overlapping(struct store *s, const struct subnet *sn,
			       const struct netconf *list, size_t n)
{
	struct netconf def;
	struct md_err e2;

	if (net_default(&def, &e2) == 0 && overlap(&def.sn, sn))
		return "bridge";
	for (size_t i = 0; i < n; i++)
		if (overlap(&list[i].sn, sn))
			return list[i].name;
	return NULL;
}

static int pick_subnet(struct store *s, const char *subnet, const char *gateway,
		       struct subnet *sn, struct md_err *err)
{
	struct netconf *list;
	const char *other = NULL;
	size_t n;
	int rc = 0;

	if (net_list(s, &list, &n, err) < 0)
		return -1;
	if (subnet) {
		if (subnet_parse(subnet, sn, err) < 0)
			rc = -1;
		else if ((other = overlapping(s, sn, list, n)))
			rc = err_set(err, 0, "invalid pool request: Pool overlaps "
				     "with other one on this address space (network %s)",
				     other);
	} else {
		/* 10.89.0.0/24 and up, as podman's. */
		rc = err_set(err, 0, "could not find an available, non-overlapping "
			     "IPv4 address pool among the defaults to assign to the network");
		for (int i = 0; i < 256 && rc; i++) {
			char cidr[32];
			snprintf(cidr, sizeof(cidr), "10.89.%d.0/24", i);
			if (subnet_parse(cidr, sn, err) == 0 && !overlapping(s, sn, list, n))
				rc = 0;
		}
	}
	free(list);
	if (rc == 0 && gateway) {
		struct in_addr gw;
		uint32_t mask = htonl(~0u << (32 - sn->prefix));
		if (inet_pton(AF_INET, gateway, &gw) != 1 || (gw.s_addr & mask) != sn->net ||
		    gw.s_addr == sn->net || (gw.s_addr | mask) == 0xffffffffu)
			return err_set(err, 0, "invalid gateway %s for subnet", gateway);
		sn->gw = gw.s_addr;
	}
	return rc;
}

int net_create(struct store *s, const char *name, const char *subnet,
	       const char *gateway, struct netconf *nc, struct md_err *err)
{
	unsigned char rnd[32];
	char dir[96], sub[32], gw[INET_ADDRSTRLEN];
	cleanup_close int lock = -1;
	struct ini_out o = { 0 };
	struct timespec ts;
	struct md_err e2;
	int rc, made;

	if (net_predefined(name))
		return err_set(err, 0, "%s is a pre-defined network and cannot be created", name);
	if (net_name_check("network name", name, err) < 0)
		return -1;
	if (mkdir_p_at(s->fd, "networks", 0700) < 0)
		return err_set(err, errno, "networks");
	if ((lock = lock_at(s->fd, "networks.lock", LOCK_EX, err)) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "networks/%s", name);
	if (faccessat(s->fd, dir, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return err_set(err, 0, "network with name %s already exists", name);
	memset(nc, 0, sizeof(*nc));
	if (pick_subnet(s, subnet, gateway, &nc->sn, err) < 0)
		return -1;
	if (random_bytes(rnd, sizeof(rnd)) < 0)
		return err_set(err, errno, "network id");
	snprintf(nc->name, sizeof(nc->name), "%s", name);
	hex_encode(nc->id, rnd, sizeof(rnd));
	snprintf(nc->bridge, sizeof(nc->bridge), "md-%.12s", nc->id);
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(nc->created, sizeof(nc->created), ts.tv_sec, ts.tv_nsec);
	subnet_format(&nc->sn, sub, sizeof(sub));
	ip4_format(nc->sn.gw, gw, sizeof(gw));
	ini_kv(&o, "name", nc->name);
	ini_kv(&o, "id", nc->id);
	ini_kv(&o, "subnet", sub);
	ini_kv(&o, "gateway", gw);
	ini_kv(&o, "bridge", nc->bridge);
	ini_kv(&o, "created", nc->created);
	/* The directory whole or not at all: made aside, then renamed. */
	snprintf(dir, sizeof(dir), "networks/.new-%.12s", nc->id);
	if (mkdirat(s->fd, dir, 0700) < 0) {
		ini_out_free(&o);
		return err_set(err, errno, "%s", dir);
	}
	rc = ini_out_write_at(&o, s->fd, strcat(dir, "/network.ini"), 0600, err);
	ini_out_free(&o);
	*strrchr(dir, '/') = 0;
	/* Its bridge, the table with it, then the network is there. */
	if (rc == 0 && bridge_up(nc, &made, err) == 0) {
		char final[96];
		snprintf(final, sizeof(final), "networks/%s", name);
		if ((rc = nat_sync(s, NULL, nc, err)) >= 0) {
			if (renameat(s->fd, dir, s->fd, final) == 0)
				return rc > 0 ? no_nat(nc, rc, err) : 0;
			err_set(err, errno, "%s", final);
			nat_sync(s, NULL, NULL, &e2);	/* (without it) */
		}
		net_bridge_down(nc, NULL);
	}
	rm_rf_at(s->fd, dir);
	return -1;
}

int net_bridge_down(const struct netconf *nc, struct md_err *err)
{
	struct md_err e2;
	struct nl nl;
	int br, rc = 0;

	if (!err)
		err = &e2;
	if (nl_open(&nl, err) < 0)
		return -1;
	if ((br = nl_link_index(&nl, nc->bridge, err)) < 0 ||
	    (br > 0 && nl_link_del(&nl, br, err) < 0 && err->errnum != ENODEV))
		rc = -1;
	nl_close(&nl);
	return rc;
}

/* 1 if a running (or paused, restarting) container uses network name,
 * 0 if none, -1 failed. */
static int in_use(struct store *s, const char *name, struct md_err *err)
{
	struct container *list;
	size_t n;
	int busy = 0;

	if (container_list(s, &list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		busy |= names_on(&list[i], name) && container_live(&list[i]);
	container_list_free(list, n);
	return busy;
}

int net_remove(struct store *s, const char *name, struct md_err *err)
{
	char dir[96], gone[96];
	cleanup_close int lock = -1;
	struct netconf nc;
	int busy;

	if (net_predefined(name))
		return err_set(err, 0, "%s is a pre-defined network and cannot "
			       "be removed", name);
	if (net_name_check("network name", name, err) < 0)
		return err_set(err, 0, "network %s not found", name);
	if ((lock = lock_at(s->fd, "networks.lock", LOCK_EX, err)) < 0)
		return err->errnum == ENOENT ? err_set(err, 0, "network %s not found", name) : -1;
	if (load_user(s, name, &nc, err) < 0 || (busy = in_use(s, name, err)) < 0)
		return -1;
	if (busy)
		return err_set(err, 0, "error while removing network: network %s "
			       "id %s has active endpoints", name, nc.id);
	/* The table without it first: if that fails, nothing changed. */
	if (nat_sync(s, name, NULL, err) < 0 || net_bridge_down(&nc, err) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "networks/%s", name);
	snprintf(gone, sizeof(gone), "networks/.gone-%.12s", nc.id);
	if (renameat(s->fd, dir, s->fd, gone) < 0)
		return err_set(err, errno, "%s", dir);
	rm_rf_at(s->fd, gone);
	return 0;
}

int net_default_down(struct store *s, struct md_err *err)
{
	cleanup_close int lock = lock_at(s->fd, "networks.lock", LOCK_EX, err);
	struct netconf def;
	int busy;

	if (lock < 0 || net_default(&def, err) < 0 ||
	    (busy = in_use(s, def.name, err)) < 0)
		return -1;
	if (busy)
		return 0;
	if (nat_sync(s, def.name, NULL, err) < 0 || net_bridge_down(&def, err) < 0)
		return -1;
	return 1;
}

int net_ports_bridge(struct store *s, const char *network, char bridge[16])
{
	struct md_defaults d;
	struct netconf nc;
	struct md_err err;

	if (!net_bridged(network) || config_defaults(&d, &err) < 0 || d.no_port_nat ||
	    net_lookup(s, network, &nc, &err) < 0)
		return 0;
	memcpy(bridge, nc.bridge, sizeof(nc.bridge));
	return 1;
}
