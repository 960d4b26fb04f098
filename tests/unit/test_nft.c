/* The reader of nf_tables batch answers (nft_answers), nasty cases
 * first: cut and lying lengths, error messages too short to hold their
 * error, the first error kept, an ACK for the wrong message; then a
 * live batch in a network namespace of this test's own making, if
 * there is nf_tables: table and rules made, replaced, deleted. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nft.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

struct hdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

/* An NLMSG_ERROR answer to seq with error e at buf+at; len: its header's
 * length field (0: the real one). Returns the aligned end. */
static size_t answer(char *buf, size_t at, uint32_t seq, int e, uint32_t len)
{
	struct hdr h = { len ? len : sizeof(h) + 4 + sizeof(h), 2, 0, seq, 0 };
	struct hdr orig = { sizeof(h), 0, 0, seq, 0 };

	memcpy(buf + at, &h, sizeof(h));
	memcpy(buf + at + sizeof(h), &e, 4);
	memcpy(buf + at + sizeof(h) + 4, &orig, sizeof(orig));
	return at + ((sizeof(h) + 4 + sizeof(h) + 3) & ~3u);
}

static void reader(void)
{
	char buf[512] __attribute__((aligned(4)));
	uint32_t seq = 0;
	size_t n;
	int e = 0;

	memset(buf, 0, sizeof(buf));
	/* nothing at all: not acked, no error */
	CHECK(nft_answers(buf, 0, 7, &e, &seq) == 0 && e == 0);
	/* less than a header: ignored */
	CHECK(nft_answers(buf, 10, 7, &e, &seq) == 0 && e == 0);
	/* a length shorter than a header, or past the end */
	answer(buf, 0, 7, 0, 8);
	CHECK(nft_answers(buf, 36, 7, &e, &seq) == -1);
	answer(buf, 0, 7, 0, 400);
	CHECK(nft_answers(buf, 36, 7, &e, &seq) == -1);
	answer(buf, 0, 7, 0, 0xfffffff0u);
	CHECK(nft_answers(buf, 36, 7, &e, &seq) == -1);
	/* an error message with no room for its error */
	answer(buf, 0, 7, 0, 16);
	CHECK(nft_answers(buf, 16, 7, &e, &seq) == -1);
	/* an ACK for another message: not the batch's */
	n = answer(buf, 0, 6, 0, 0);
	CHECK(nft_answers(buf, n, 7, &e, &seq) == 0 && e == 0);
	/* the ACK of the last one */
	n = answer(buf, 0, 7, 0, 0);
	CHECK(nft_answers(buf, n, 7, &e, &seq) == 1 && e == 0);
	/* errors: the first kept, across calls too */
	n = answer(buf, 0, 3, -ENOENT, 0);
	n = answer(buf, n, 5, -EPERM, 0);
	CHECK(nft_answers(buf, n, 7, &e, &seq) == 0 && e == -ENOENT && seq == 3);
	n = answer(buf, 0, 4, -EINVAL, 0);
	CHECK(nft_answers(buf, n, 7, &e, &seq) == 0 && e == -ENOENT && seq == 3);
	/* other message types are passed over */
	e = 0;
	n = answer(buf, 0, 7, 0, 0);
	buf[4] = 3;	/* NLMSG_DONE */
	CHECK(nft_answers(buf, n, 7, &e, &seq) == 0 && e == 0);
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A container's table: made, replaced, emptied; only its socket may
 * change it; gone when that socket closes. */
static void ports(void)
{
	const char *t = "md-0123456789ab-md0";
	struct nft_port p[3] = { { ip4("127.0.0.1"), 18080, 80, 0 },
				 { 0, 18081, 80, 0 },
				 { ip4("127.0.0.1"), 15353, 5353, 1 } };
	struct md_err err;
	int fd = -1, other = -1, rc;

	rc = nft_ports_set(&fd, t, p, 3, ip4("10.88.0.2"), "md0", &err);
	if (rc == 1) {
		fprintf(stderr, "skip live nft port tests: %s\n", err.msg);
		return;
	}
	CHECK(rc == 0 && fd >= 0);
	CHECK(!nft_table_gone(t));
	CHECK(nft_port_tables("md0") == 1 && nft_port_tables("md-0123456789ab") == 0 &&
	      nft_port_tables("md") == 0);
	CHECK(nft_ports_set(&fd, t, p, 2, ip4("10.88.0.3"), "md0", &err) == 0);
	CHECK(nft_ports_set(&other, t, p, 1, ip4("10.88.0.4"), "md0", &err) == -1 &&
	      err.errnum == EPERM);
	CHECK(nft_ports_set(&fd, t, p, 3, 0, "md0", &err) == 0);
	CHECK(nft_table_gone(t));
	CHECK(nft_ports_set(&fd, t, p, 3, ip4("10.88.0.2"), "md0", &err) == 0);
	CHECK(!nft_table_gone(t));
	close(fd);
	CHECK(nft_table_gone(t));
	CHECK(nft_port_tables("md0") == 0);
	/* (now free for another socket) */
	CHECK(nft_ports_set(&other, t, p, 1, ip4("10.88.0.4"), "md0", &err) == 0);
	close(other);
}

static void live(void)
{
	struct nft_masq v[2] = { { ip4("10.88.0.0"), 16, "md0" },
				 { ip4("10.89.3.0"), 24, "md-0123456789ab" } };
	struct md_err err;
	int rc;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skip live nft tests: no network namespace (not root?)\n");
		return;
	}
	/* nothing there: deleting is no error */
	rc = nft_masq_set(v, 0, NFT_FILTER_NONE, &err);
	if (rc == 1) {
		fprintf(stderr, "skip live nft tests: %s\n", err.msg);
		return;
	}
	CHECK(rc == 0);
	CHECK(nft_masq_set(v, 2, NFT_FILTER_DROP, &err) == 0);
	CHECK(!nft_table_gone(NFT_TABLE));
	CHECK(nft_masq_set(v, 1, NFT_FILTER_ACCEPT, &err) == 0);	/* replaced whole */
	CHECK(nft_masq_set(v, 2, NFT_FILTER_NONE, &err) == 0);
	CHECK(nft_masq_set(v, 0, NFT_FILTER_DROP, &err) == 0);
	CHECK(nft_table_gone(NFT_TABLE));
	CHECK(nft_masq_set(v, 0, NFT_FILTER_NONE, &err) == 0);
	ports();
}

int main(void)
{
	reader();
	live();
	return fails != 0;
}
