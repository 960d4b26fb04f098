/* Subnets and the address file: parsing, lowest-first allocation, the
 * same address for the same container, release, exhaustion, taking back
 * addresses of containers no longer in the store, a damaged file. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam.h"
#include "util.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

static struct store st;

static const char *id_of(int n)
{
	static char id[65];

	snprintf(id, sizeof(id), "%064d", n);
	return id;
}

static const char *ip(uint32_t a)
{
	static char buf[16];

	ip4_format(a, buf, sizeof(buf));
	return buf;
}

static void test_parse(void)
{
	struct subnet sn;
	struct md_err err;
	char buf[32];

	CHECK(subnet_parse("10.88.0.1/16", &sn, &err) == 0);
	CHECK(!strcmp(ip(sn.gw), "10.88.0.1") && !strcmp(ip(sn.net), "10.88.0.0") &&
	      sn.prefix == 16);
	subnet_format(&sn, buf, sizeof(buf));
	CHECK(!strcmp(buf, "10.88.0.0/16"));
	CHECK(subnet_parse("172.20.0.0/24", &sn, &err) == 0 && !strcmp(ip(sn.gw), "172.20.0.1"));
	CHECK(subnet_parse("172.20.5.9/24", &sn, &err) == 0 && !strcmp(ip(sn.gw), "172.20.5.9") &&
	      !strcmp(ip(sn.net), "172.20.5.0"));
	CHECK(subnet_parse("10.0.0.1", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.1/", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.1/16x", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.1/31", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.1/7", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.256/16", &sn, &err) < 0);
	CHECK(subnet_parse("10.0.0.255/24", &sn, &err) < 0);	/* broadcast */
}

static void test_alloc(void)
{
	struct subnet sn;
	struct md_err err;
	uint32_t a;

	/* A user network missing (removed meanwhile): not made again. */
	CHECK(subnet_parse("192.168.7.1/29", &sn, &err) == 0);
	CHECK(ipam_alloc(&st, "t", &sn, id_of(1), 0, &a, &err) < 0 &&
	      !strcmp(err.msg, "network t not found"));
	CHECK(mkdir_p_at(st.fd, "networks/t", 0700) == 0);
	/* A /29: 6 hosts, one of them the gateway. */
	for (int i = 1; i <= 5; i++) {
		CHECK(ipam_alloc(&st, "t", &sn, id_of(i), 0, &a, &err) == 0);
		char want[16];
		snprintf(want, sizeof(want), "192.168.7.%d", i + 1);
		CHECK(!strcmp(ip(a), want));
	}
	CHECK(ipam_alloc(&st, "t", &sn, id_of(3), 0, &a, &err) == 0 && !strcmp(ip(a), "192.168.7.4"));
	/* Containers 1 to 5 are in the store: nothing to take back. */
	for (int i = 1; i <= 5; i++) {
		char dir[128];
		snprintf(dir, sizeof(dir), "containers/%s", id_of(i));
		CHECK(mkdir_p_at(st.fd, dir, 0700) == 0);
	}
	CHECK(ipam_alloc(&st, "t", &sn, id_of(6), 0, &a, &err) < 0 &&
	      strstr(err.msg, "no free address in 192.168.7.0/29"));
	/* Released: the lowest free comes back first. */
	CHECK(ipam_release(&st, "t", id_of(2), 0, &err) == 0);
	CHECK(ipam_release(&st, "t", id_of(4), 0, &err) == 0);
	CHECK(ipam_release(&st, "t", id_of(4), 0, &err) == 0);	/* (again: nothing) */
	CHECK(ipam_alloc(&st, "t", &sn, id_of(7), 0, &a, &err) == 0 && !strcmp(ip(a), "192.168.7.3"));
	CHECK(ipam_alloc(&st, "t", &sn, id_of(8), 0, &a, &err) == 0 && !strcmp(ip(a), "192.168.7.5"));
	/* Full again; 7 and 8 are not in the store: theirs are taken back
	 * when none is free. */
	CHECK(ipam_alloc(&st, "t", &sn, id_of(9), 0, &a, &err) == 0 && !strcmp(ip(a), "192.168.7.3"));
	CHECK(ipam_release(&st, "nosuch", id_of(1), 0, &err) == 0);
	CHECK(ipam_alloc(&st, "../x", &sn, id_of(1), 0, &a, &err) < 0);
}

/* --ip: the address asked for, or Docker's words why not. */
static void test_wanted(void)
{
	struct subnet sn;
	struct md_err err;
	uint32_t a;

	CHECK(subnet_parse("10.2.0.1/24", &sn, &err) == 0);
	CHECK(mkdir_p_at(st.fd, "networks/w", 0700) == 0);
	CHECK(ipam_alloc(&st, "w", &sn, id_of(1), ip4_parse("10.2.0.50"), &a, &err) == 0 &&
	      !strcmp(ip(a), "10.2.0.50"));
	/* asked again: the one it has */
	CHECK(ipam_alloc(&st, "w", &sn, id_of(1), ip4_parse("10.2.0.50"), &a, &err) == 0 &&
	      !strcmp(ip(a), "10.2.0.50"));
	/* another's, the gateway, outside, the network or broadcast address */
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), ip4_parse("10.2.0.50"), &a, &err) < 0 &&
	      !strcmp(err.msg, "Address already in use"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), ip4_parse("10.2.0.1"), &a, &err) < 0 &&
	      !strcmp(err.msg, "Address already in use"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), ip4_parse("10.2.1.5"), &a, &err) < 0 &&
	      !strcmp(err.msg, "no configured subnet or ip-range contain the IP address 10.2.1.5"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), ip4_parse("10.2.0.0"), &a, &err) < 0);
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), ip4_parse("10.2.0.255"), &a, &err) < 0);
	/* the lowest free is still the lowest */
	CHECK(ipam_alloc(&st, "w", &sn, id_of(2), 0, &a, &err) == 0 && !strcmp(ip(a), "10.2.0.2"));
	/* kept while its container exists: a release at its end keeps it,
	 * the lowest free passes it over; its removal (forget) frees it */
	CHECK(ipam_release(&st, "w", id_of(1), 0, &err) == 0);
	CHECK(ipam_alloc(&st, "w", &sn, id_of(3), ip4_parse("10.2.0.50"), &a, &err) < 0 &&
	      !strcmp(err.msg, "Address already in use"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(1), ip4_parse("10.2.0.50"), &a, &err) == 0 &&
	      !strcmp(ip(a), "10.2.0.50"));
	CHECK(ipam_release(&st, "w", id_of(1), 1, &err) == 0);
	CHECK(ipam_alloc(&st, "w", &sn, id_of(3), ip4_parse("10.2.0.50"), &a, &err) == 0 &&
	      !strcmp(ip(a), "10.2.0.50"));
	/* one held that --ip did not ask for: the asked one wins */
	CHECK(ipam_alloc(&st, "w", &sn, id_of(4), 0, &a, &err) == 0 && !strcmp(ip(a), "10.2.0.3"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(4), ip4_parse("10.2.0.70"), &a, &err) == 0 &&
	      !strcmp(ip(a), "10.2.0.70"));
	CHECK(ipam_alloc(&st, "w", &sn, id_of(5), 0, &a, &err) == 0 && !strcmp(ip(a), "10.2.0.3"));
	/* not reclaimed for --ip: a holder not in the store yet (20: an
	 * md-run between its address and its directory) keeps it */
	CHECK(ipam_alloc(&st, "w", &sn, id_of(20), ip4_parse("10.2.0.60"), &a, &err) == 0);
	CHECK(ipam_alloc(&st, "w", &sn, id_of(6), ip4_parse("10.2.0.60"), &a, &err) < 0);
	CHECK(ip4_parse("") == 0 && ip4_parse("10.2.0.256") == 0);
}

static void test_damaged_file(void)
{
	const char bad[] = "garbage\n10.1.0.2 short\n10.1.0.3 " "0000000000000000000000000000000000000000000000000000000000000001\n999.1.1.1 x\n";
	struct subnet sn;
	struct md_err err;
	uint32_t a;

	CHECK(mkdir_p_at(st.fd, "networks/d", 0700) == 0);
	CHECK(file_write_at(st.fd, "networks/d/ipam", bad, sizeof(bad) - 1, 0600, &err) == 0);
	CHECK(subnet_parse("10.1.0.1/24", &sn, &err) == 0);
	/* The one good line stands; the others' addresses are free. */
	CHECK(ipam_alloc(&st, "d", &sn, id_of(1), 0, &a, &err) == 0 && !strcmp(ip(a), "10.1.0.3"));
	CHECK(ipam_alloc(&st, "d", &sn, id_of(2), 0, &a, &err) == 0 && !strcmp(ip(a), "10.1.0.2"));
	CHECK(ipam_alloc(&st, "d", &sn, id_of(3), 0, &a, &err) == 0 && !strcmp(ip(a), "10.1.0.4"));
}

int main(void)
{
	char dir[] = "/tmp/md-unit-ipam.XXXXXX";
	struct md_err err;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	store_set_root(dir);
	if (store_open(&st, STORE_WRITE, &err) < 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	test_parse();
	test_alloc();
	test_wanted();
	test_damaged_file();
	store_close(&st);
	rm_rf_at(AT_FDCWD, dir);
	if (fails)
		fprintf(stderr, "%d check(s) failed\n", fails);
	return fails != 0;
}
