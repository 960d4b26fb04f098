/* A container's network: md's bridge and the container's veth (net.h). */
#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "netlink.h"

#define DEFAULT_BRIDGE_SUBNET "10.88.0.1/16"

int net_default(struct netconf *nc, struct md_err *err)
{
	struct md_defaults d;

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
 * missing. Two md may make it at once: EEXIST is the other's. */
static int bridge(struct nl *nl, const struct netconf *nc, struct md_err *err)
{
	struct md_err e2;	/* (for answers that are no error here) */
	int br = nl_link_index(nl, nc->bridge, err);

	if (br < 0)
		return -1;
	if (!br) {
		if (nl_bridge_add(nl, nc->bridge, &e2) < 0 && e2.errnum != EEXIST) {
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

int net_bridge_up(const struct netconf *nc, struct md_err *err)
{
	struct nl nl;
	int rc;

	if (nl_open(&nl, err) < 0)
		return -1;
	rc = bridge(&nl, nc, err) < 0 ? -1 : 0;
	nl_close(&nl);
	return rc;
}

/* The host end's name. */
static void veth_name(const char *id, char out[16])
{
	snprintf(out, 16, "veth%.11s", id);
}

int net_detach(const char *id, struct md_err *err)
{
	char host[16];
	struct nl nl;
	int vh, rc = 0;

	veth_name(id, host);
	if (nl_open(&nl, err) < 0)
		return -1;
	if ((vh = nl_link_index(&nl, host, err)) < 0 ||
	    (vh > 0 && nl_link_del(&nl, vh, err) < 0 && err->errnum != ENODEV))
		rc = -1;
	nl_close(&nl);
	return rc;
}

int net_attach(const struct netconf *nc, const char *id, int netns_fd,
	       uint32_t addr, struct md_err *err)
{
	char host[16];
	struct nl nl, in = { .fd = -1 };
	int br, vh, eth, rc = -1;

	veth_name(id, host);
	if (nl_open(&nl, err) < 0)
		return -1;
	if ((br = bridge(&nl, nc, err)) < 0 ||
	    nl_veth_add(&nl, host, "eth0", netns_fd, err) < 0)
		goto out;
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
	    (eth = nl_link_index(&in, "eth0", err)) < 0)
		goto out;
	if (!eth) {
		err_set(err, ENODEV, "eth0");
		goto out;
	}
	if (nl_link_set(&in, eth, 0, NULL, 1, err) < 0 ||
	    nl_addr4_add(&in, eth, addr, nc->sn.prefix, err) < 0 ||
	    nl_route4_default(&in, nc->sn.gw, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		err_wrap(err, "network %s", nc->name);
	nl_close(&in);
	nl_close(&nl);
	return rc;
}
