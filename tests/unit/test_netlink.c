/* rtnetlink requests, live, in network namespaces this test makes
 * (never the machine's own): a bridge, a veth pair with its peer in a
 * second namespace, addresses, a default route, and a UDP datagram that
 * crosses them; renames, deletes and the errors the kernel gives. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netlink.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A UDP socket made in the namespace ns (then back to here). */
static int udp_in(int ns, int here)
{
	int fd;

	if (setns(ns, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(here, CLONE_NEWNET) < 0)
		_exit(2);
	return fd;
}

int main(void)
{
	struct md_err err;
	struct nl a, b;
	int here, other, br, vh, eth, va, vb;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skip netlink tests: no network namespace (not root?)\n");
		return 0;
	}
	/* Two namespaces of our own: "here" (the host side) and "other"
	 * (the container's). */
	here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(unshare(CLONE_NEWNET) == 0);
	other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(setns(here, CLONE_NEWNET) == 0);
	CHECK(here >= 0 && other >= 0);

	CHECK(nl_open(&a, &err) == 0);
	CHECK(nl_link_index(&a, "lo", &err) == 1);
	CHECK(nl_link_index(&a, "nosuch0", &err) == 0);
	CHECK(nl_link_index(&a, "bad/name", &err) < 0 && err.errnum == EINVAL);
	CHECK(nl_bridge_add(&a, "sixteen-chars-xx", &err) < 0 && err.errnum == EINVAL);

	/* The bridge, with the host's address on the subnet. */
	CHECK(nl_bridge_add(&a, "mdt0", &err) == 0);
	CHECK(nl_bridge_add(&a, "mdt0", &err) < 0 && err.errnum == EEXIST);
	CHECK((br = nl_link_index(&a, "mdt0", &err)) > 1);
	CHECK(nl_addr4_add(&a, br, ip4("10.88.0.1"), 16, &err) == 0);
	CHECK(nl_addr4_add(&a, br, ip4("10.88.0.1"), 16, &err) < 0 && err.errnum == EEXIST);
	CHECK(nl_link_set(&a, br, 0, NULL, 1, &err) == 0);

	/* A veth pair: one end on the bridge, the other made in "other"
	 * as eth0. */
	CHECK(nl_veth_add(&a, "vh0", "eth0", other, &err) == 0);
	CHECK((vh = nl_link_index(&a, "vh0", &err)) > 1);
	CHECK(nl_link_index(&a, "eth0", &err) == 0);	/* (not here) */
	CHECK(nl_link_set(&a, vh, br, NULL, 1, &err) == 0);
	CHECK(nl_link_set(&a, 99999, 0, NULL, 1, &err) < 0 && err.errnum == ENODEV);

	/* Inside: lo and eth0 up, an address, the default route. */
	CHECK(nl_open_in(&b, other, &err) == 0);
	CHECK((eth = nl_link_index(&b, "eth0", &err)) > 1);
	CHECK(nl_link_set(&b, 1, 0, NULL, 1, &err) == 0);
	CHECK(nl_link_set(&b, eth, 0, NULL, 1, &err) == 0);
	CHECK(nl_addr4_add(&b, eth, ip4("10.88.0.2"), 16, &err) == 0);
	CHECK(nl_route4_default(&b, ip4("10.88.0.1"), &err) == 0);
	CHECK(nl_route4_default(&b, ip4("10.88.0.1"), &err) < 0 && err.errnum == EEXIST);

	/* A datagram from inside to an address beyond its subnet's
	 * bridge address goes by the default route: here, to the
	 * bridge's own address, it crosses the veth and the bridge. */
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4711),
					  .sin_addr.s_addr = ip4("10.88.0.1") };
		struct timeval tv = { 5, 0 };
		int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), tx = udp_in(other, here);
		char buf[16] = { 0 };
		CHECK(rx >= 0 && tx >= 0);
		CHECK(bind(rx, (struct sockaddr *)&to, sizeof(to)) == 0);
		setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		CHECK(sendto(tx, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5);
		CHECK(recv(rx, buf, sizeof(buf), 0) == 5 && !memcmp(buf, "hello", 5));
		close(rx);
		close(tx);
	}

	/* Renaming a link that is down; deleting one end of a pair
	 * deletes the other (in its namespace). */
	CHECK(nl_veth_add(&a, "va0", "vb0", -1, &err) == 0);
	CHECK((va = nl_link_index(&a, "va0", &err)) > 1);
	CHECK((vb = nl_link_index(&a, "vb0", &err)) > 1);
	CHECK(nl_link_set(&a, vb, 0, "vc0", 0, &err) == 0);
	CHECK(nl_link_index(&a, "vc0", &err) == vb);
	CHECK(nl_link_index(&a, "vb0", &err) == 0);
	CHECK(nl_veth_add(&a, "va0", "vd0", -1, &err) < 0 && err.errnum == EEXIST);
	CHECK(nl_link_del(&a, va, &err) == 0);
	CHECK(nl_link_index(&a, "vc0", &err) == 0);
	CHECK(nl_link_del(&a, vh, &err) == 0);
	CHECK(nl_link_index(&b, "eth0", &err) == 0);
	CHECK(nl_link_del(&a, vh, &err) < 0 && err.errnum == ENODEV);
	CHECK(nl_link_del(&a, br, &err) == 0);

	nl_close(&b);
	nl_close(&a);
	/* (Both namespaces go with this process and their fds.) */
	if (fails)
		fprintf(stderr, "test_netlink: %d failed\n", fails);
	else
		printf("test_netlink: ok\n");
	return fails != 0;
}
