/* nf_tables batches: md's table, masquerade and forward filter (see
 * nft.h). */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink.h"

/* ---- the kernel's uapi, as far as md uses it: linux/netlink.h,
 * linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h and
 * netfilter_ipv4.h. Stable ABI. (nf_tables wants its u32 attributes in
 * network byte order: be32() below.) ---- */

#define NETLINK_NETFILTER	12
#define NLM_F_CREATE		0x400
#define NLM_F_APPEND		0x800
#define NLM_F_ACK		0x004
#define NLMSG_ERROR		2
#define NFNL_SUBSYS_NFTABLES	10
#define NFNL_MSG_BATCH_BEGIN	16	/* NLMSG_MIN_TYPE */
#define NFNL_MSG_BATCH_END	17
#define NFPROTO_IPV4		2
#define NFT_MSG_NEWTABLE	0
#define NFT_MSG_GETTABLE	1
#define NFT_MSG_DELTABLE	2
#define NFT_MSG_NEWCHAIN	3
#define NFT_MSG_NEWRULE		6
#define NFTA_TABLE_NAME		1
#define NFTA_CHAIN_TABLE	1
#define NFTA_CHAIN_NAME		3
#define NFTA_CHAIN_HOOK		4
#define NFTA_CHAIN_TYPE		7
#define NFTA_HOOK_HOOKNUM	1
#define NFTA_HOOK_PRIORITY	2
#define NFTA_CHAIN_POLICY	5
#define NF_INET_FORWARD		2
#define NF_INET_POST_ROUTING	4
#define NF_IP_PRI_FILTER	0	/* "filter" */
#define NF_IP_PRI_NAT_SRC	100	/* "srcnat" */
#define NF_DROP			0
#define NF_ACCEPT		1
#define NFTA_RULE_TABLE		1
#define NFTA_RULE_CHAIN		2
#define NFTA_RULE_EXPRESSIONS	4
#define NFTA_LIST_ELEM		1
#define NFTA_EXPR_NAME		1
#define NFTA_EXPR_DATA		2
#define NFTA_DATA_VALUE		1
#define NFT_REG_1		1	/* a 16-byte register */
#define NFTA_PAYLOAD_DREG	1
#define NFTA_PAYLOAD_BASE	2
#define NFTA_PAYLOAD_OFFSET	3
#define NFTA_PAYLOAD_LEN	4
#define NFT_PAYLOAD_NETWORK_HEADER 1
#define NFTA_BITWISE_SREG	1
#define NFTA_BITWISE_DREG	2
#define NFTA_BITWISE_LEN	3
#define NFTA_BITWISE_MASK	4
#define NFTA_BITWISE_XOR	5
#define NFTA_CMP_SREG		1
#define NFTA_CMP_OP		2
#define NFTA_CMP_DATA		3
#define NFT_CMP_EQ		0
#define NFT_CMP_NEQ		1
#define NFTA_META_DREG		1
#define NFTA_META_KEY		2
#define NFT_META_IIFNAME	6
#define NFT_META_OIFNAME	7
#define NFTA_CT_DREG		1
#define NFTA_CT_KEY		2
#define NFT_CT_STATE		0
#define CT_ESTABLISHED		2	/* NF_CT_STATE_BIT(IP_CT_ESTABLISHED) */
#define CT_RELATED		4	/* NF_CT_STATE_BIT(IP_CT_RELATED) */
#define NFT_REG_VERDICT		0
#define NFTA_IMMEDIATE_DREG	1
#define NFTA_IMMEDIATE_DATA	2
#define NFTA_DATA_VERDICT	2
#define NFTA_VERDICT_CODE	1

struct nlmsghdr_ {		/* struct nlmsghdr */
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nfgenmsg {
	uint8_t family, version;
	uint16_t res_id;	/* big endian */
};

#define TABLE "md"
#define CHAIN "postrouting"
#define FORWARD "forward"

/* ---- the batch ---- */

/* The messages, one after another, in one buffer: the kernel takes a
 * batch from one send() only. */
struct batch {
	char *buf;
	size_t len;
	uint32_t seq;		/* the last message's */
	int bad;
};

static void be32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_put_u32(r, type, htonl(v));
}

static struct nfgenmsg *msg(struct nl_req *r, uint16_t type, uint16_t flags)
{
	struct nfgenmsg *g = nl_req_init(r, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type),
					 flags, sizeof(*g));
	g->family = NFPROTO_IPV4;
	return g;
}

static void add(struct batch *b, struct nl_req *r)
{
	size_t n = nl_req_finish(r, ++b->seq);

	if (!n)
		b->bad = 1;
	memcpy(b->buf + b->len, r->u.buf, n);
	b->len += n;
}

static void table(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nl_req r;

	msg(&r, type, flags);
	nl_put_str(&r, NFTA_TABLE_NAME, TABLE);
	add(b, &r);
}

/* A base chain: name, hook, priority, type, policy. */
static void chain(struct batch *b, const char *name, uint32_t hook_num,
		  uint32_t prio, const char *type, uint32_t policy)
{
	struct nl_req r;
	size_t hook;

	msg(&r, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nl_put_str(&r, NFTA_CHAIN_TABLE, TABLE);
	nl_put_str(&r, NFTA_CHAIN_NAME, name);
	hook = nl_nest_begin(&r, NFTA_CHAIN_HOOK);
	be32(&r, NFTA_HOOK_HOOKNUM, hook_num);
	be32(&r, NFTA_HOOK_PRIORITY, prio);
	nl_nest_end(&r, hook);
	be32(&r, NFTA_CHAIN_POLICY, policy);
	nl_put_str(&r, NFTA_CHAIN_TYPE, type);
	add(b, &r);
}

/* An expression: name, then (between expr_begin and expr_end) its
 * attributes. Returns what expr_end needs. */
static size_t expr_begin(struct nl_req *r, const char *name, size_t *data)
{
	size_t elem = nl_nest_begin(r, NFTA_LIST_ELEM);

	nl_put_str(r, NFTA_EXPR_NAME, name);
	*data = nl_nest_begin(r, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct nl_req *r, size_t elem, size_t data)
{
	nl_nest_end(r, data);
	nl_nest_end(r, elem);
}

static void value(struct nl_req *r, uint16_t type, const void *v, size_t n)
{
	size_t at = nl_nest_begin(r, type);

	nl_put(r, NFTA_DATA_VALUE, v, n);
	nl_nest_end(r, at);
}

/* reg1 OP v (n bytes) */
static void cmp(struct nl_req *r, uint32_t op, const void *v, size_t n)
{
	size_t d, e = expr_begin(r, "cmp", &d);

	be32(r, NFTA_CMP_SREG, NFT_REG_1);
	be32(r, NFTA_CMP_OP, op);
	value(r, NFTA_CMP_DATA, v, n);
	expr_end(r, e, d);
}

/* A rule's message, up to its expressions' list (rule_end closes it). */
static size_t rule_begin(struct nl_req *r, const char *chain_name, uint16_t flags)
{
	msg(r, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | flags);
	nl_put_str(r, NFTA_RULE_TABLE, TABLE);
	nl_put_str(r, NFTA_RULE_CHAIN, chain_name);
	return nl_nest_begin(r, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct batch *b, struct nl_req *r, size_t list)
{
	nl_nest_end(r, list);
	add(b, r);
}

/* reg1 = (reg1 & mask) ^ 0, len bytes */
static void mask(struct nl_req *r, const void *m, size_t len)
{
	static const uint32_t zero;
	size_t d, e = expr_begin(r, "bitwise", &d);

	be32(r, NFTA_BITWISE_SREG, NFT_REG_1);
	be32(r, NFTA_BITWISE_DREG, NFT_REG_1);
	be32(r, NFTA_BITWISE_LEN, (uint32_t)len);
	value(r, NFTA_BITWISE_MASK, m, len);
	value(r, NFTA_BITWISE_XOR, &zero, len);
	expr_end(r, e, d);
}

/* [iif|oif]name OP "BRIDGE": key NFT_META_IIFNAME or _OIFNAME. */
static void ifname(struct nl_req *r, uint32_t key, uint32_t op, const char *name)
{
	char v[16] = { 0 };	/* IFNAMSIZ: the register holds it all */
	size_t d, e = expr_begin(r, "meta", &d);

	strncpy(v, name, sizeof(v) - 1);
	be32(r, NFTA_META_DREG, NFT_REG_1);
	be32(r, NFTA_META_KEY, key);
	expr_end(r, e, d);
	cmp(r, op, v, sizeof(v));
}

/* accept or drop */
static void verdict(struct nl_req *r, uint32_t code)
{
	size_t d, e = expr_begin(r, "immediate", &d), data, v;

	be32(r, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = nl_nest_begin(r, NFTA_IMMEDIATE_DATA);
	v = nl_nest_begin(r, NFTA_DATA_VERDICT);
	be32(r, NFTA_VERDICT_CODE, code);
	nl_nest_end(r, v);
	nl_nest_end(r, data);
	expr_end(r, e, d);
}

/* ip saddr NET/PREFIX oifname != "BRIDGE" masquerade */
static void masq_rule(struct batch *b, const struct nft_masq *m, uint16_t flags)
{
	uint32_t bits = m->prefix > 0 ? htonl(~0u << (32 - m->prefix)) : 0;
	struct nl_req r;
	size_t list = rule_begin(&r, CHAIN, flags), e, d;

	/* reg1 = the IPv4 header's source address (bytes 12-15) */
	e = expr_begin(&r, "payload", &d);
	be32(&r, NFTA_PAYLOAD_DREG, NFT_REG_1);
	be32(&r, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	be32(&r, NFTA_PAYLOAD_OFFSET, 12);
	be32(&r, NFTA_PAYLOAD_LEN, 4);
	expr_end(&r, e, d);
	mask(&r, &bits, 4);
	cmp(&r, NFT_CMP_EQ, &m->net, 4);
	ifname(&r, NFT_META_OIFNAME, NFT_CMP_NEQ, m->bridge);
	e = expr_begin(&r, "masq", &d);
	expr_end(&r, e, d);
	rule_end(b, &r, list);
}

/* The forward chain's rules for one network, in the order of FWD_*:
 *   oifname "BRIDGE" ct state established,related accept
 *   iifname "BRIDGE" oifname "BRIDGE" accept
 *   oifname "BRIDGE" drop
 *   iifname "BRIDGE" accept
 * (the first two of every network before the last two of any: a packet
 * from one md network to another is dropped, either way). */
enum { FWD_REPLY, FWD_WITHIN, FWD_DROP_IN, FWD_OUT, FWD_RULES };

static void forward_rule(struct batch *b, const struct nft_masq *m, int which,
			 uint16_t flags)
{
	static const uint32_t est = CT_ESTABLISHED | CT_RELATED, none;
	struct nl_req r;
	size_t list = rule_begin(&r, FORWARD, flags), e, d;

	if (which == FWD_OUT || which == FWD_WITHIN)
		ifname(&r, NFT_META_IIFNAME, NFT_CMP_EQ, m->bridge);
	if (which != FWD_OUT)
		ifname(&r, NFT_META_OIFNAME, NFT_CMP_EQ, m->bridge);
	if (which == FWD_REPLY) {
		e = expr_begin(&r, "ct", &d);
		be32(&r, NFTA_CT_DREG, NFT_REG_1);
		be32(&r, NFTA_CT_KEY, NFT_CT_STATE);
		expr_end(&r, e, d);
		mask(&r, &est, 4);	/* (ct state is host order) */
		cmp(&r, NFT_CMP_NEQ, &none, 4);
	}
	verdict(&r, which == FWD_DROP_IN ? NF_DROP : NF_ACCEPT);
	rule_end(b, &r, list);
}

/* BATCH_BEGIN and BATCH_END: for the nf_tables subsystem. */
static void batch_mark(struct batch *b, uint16_t type)
{
	struct nl_req r;
	struct nfgenmsg *g = nl_req_init(&r, type, 0, sizeof(*g));

	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	add(b, &r);
}

/* ---- the answers ---- */

int nft_answers(const void *buf, size_t n, uint32_t last_seq, int *error,
		uint32_t *error_seq)
{
	const char *p = buf;
	int acked = 0;

	for (size_t off = 0; off + sizeof(struct nlmsghdr_) <= n;) {
		struct nlmsghdr_ h;
		int e;
		memcpy(&h, p + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > n - off)
			return -1;
		if (h.type == NLMSG_ERROR) {
			if (h.len < sizeof(h) + sizeof(e))
				return -1;
			memcpy(&e, p + off + sizeof(h), sizeof(e));
			if (e && !*error) {
				*error = e;
				*error_seq = h.seq;
			}
			acked |= !e && h.seq == last_seq;
		}
		off += (h.len + 3u) & ~3u;
	}
	return acked;
}

/* What message seq (of a batch begun at first) was: for an error. The
 * batch: BEGIN, NEWTABLE, DELTABLE, then (n > 0) NEWTABLE, NEWCHAIN
 * postrouting, one NEWRULE per network, NEWCHAIN forward, FWD_RULES
 * NEWRULEs per network, END. */
static int failed(uint32_t seq, uint32_t first, const struct nft_masq *v,
		  size_t n, int e, struct md_err *err)
{
	uint32_t i = seq - first;

	/* No nf_tables, no nat chain type or no masq expression: a kernel
	 * without them (or without the modules). */
	if (e == EOPNOTSUPP || e == EAFNOSUPPORT || e == ENOENT ||
	    e == EPROTONOSUPPORT) {
		err_set(err, e, "no nf_tables in this kernel");
		return 1;
	}
	if (i >= 5 && i - 5 < n)
		return err_set(err, e, "nf_tables: masquerade rule for %s",
			       v[i - 5].bridge);
	if (i > 5 + n && i - 6 - n < n * FWD_RULES)
		return err_set(err, e, "nf_tables: forward rule for %s",
			       v[(i - 6 - n) % n].bridge);
	return err_set(err, e, "nf_tables: %s",
		       i == 4 ? "chain " CHAIN " of table ip " TABLE :
		       i == 5 + n ? "chain " FORWARD " of table ip " TABLE :
		       i >= 1 && i <= 3 ? "table ip " TABLE : "batch");
}

int nft_masq_set(const struct nft_masq *v, size_t n, int filter,
		 struct md_err *err)
{
	struct batch b = { 0 };
	struct nl nl;
	uint32_t first, last, error_seq = 0;
	int error = 0, acked = 0, rc = -1;

	if (nl_open_proto(&nl, NETLINK_NETFILTER, err) < 0) {
		if (err->errnum != EPROTONOSUPPORT)
			return err_wrap(err, "nf_tables");
		err_set(err, EPROTONOSUPPORT, "no nf_tables in this kernel");
		return 1;
	}
	/* (each message fits an nl_req, or it is bad) */
	if (!(b.buf = malloc((n * (1 + FWD_RULES) + 8) *
			     sizeof(((struct nl_req *)0)->u.buf)))) {
		nl_close(&nl);
		return err_set(err, ENOMEM, "nf_tables");
	}
	first = b.seq + 1;
	/* Delete the table if it is there: made (or kept) first, so that
	 * the delete cannot fail, and so the batch stays whole. */
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	/* One acknowledgement, for the last message: one per message
	 * could overflow the socket's buffer with many networks. The
	 * kernel answers before send() returns: what is not in the socket
	 * then never comes. */
	table(&b, NFT_MSG_DELTABLE, n ? 0 : NLM_F_ACK);
	if (n) {
		table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		chain(&b, CHAIN, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, "nat",
		      NF_ACCEPT);
		for (size_t i = 0; i < n; i++)
			masq_rule(&b, &v[i], !filter && i == n - 1 ? NLM_F_ACK : 0);
		if (filter) {
			chain(&b, FORWARD, NF_INET_FORWARD, NF_IP_PRI_FILTER,
			      "filter", filter == NFT_FILTER_DROP ? NF_DROP : NF_ACCEPT);
			for (int w = 0; w < FWD_RULES; w++)
				for (size_t i = 0; i < n; i++)
					forward_rule(&b, &v[i], w, w == FWD_RULES - 1 &&
						     i == n - 1 ? NLM_F_ACK : 0);
		}
	}
	last = b.seq;
	batch_mark(&b, NFNL_MSG_BATCH_END);
	if (b.bad) {
		err_set(err, EMSGSIZE, "nf_tables: batch");
		goto out;
	}
	/* (netlink takes a message no larger than the socket's send
	 * buffer: about 200 networks' rules fill the default one.) */
	if (b.len > 65536) {
		int sz = (int)b.len + 4096;
		setsockopt(nl.fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	}
	if (send(nl.fd, b.buf, b.len, 0) < 0) {
		err_set(err, errno, "nf_tables: netlink send");
		goto out;
	}
	for (;;) {
		char in[4096] __attribute__((aligned(4)));
		ssize_t got = recv(nl.fd, in, sizeof(in), MSG_DONTWAIT);
		int a;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if ((a = nft_answers(in, (size_t)got, last, &error, &error_seq)) < 0) {
			err_set(err, EPROTO, "nf_tables: bad netlink answer");
			goto out;
		}
		acked |= a;
	}
	if (error)
		rc = failed(error_seq, first, v, n, -error, err);
	else if (!acked)
		err_set(err, EPROTO, "nf_tables: no answer to the batch");
	else
		rc = 0;
out:
	free(b.buf);
	nl_close(&nl);
	return rc;
}

int nft_table_gone(void)
{
	char in[4096] __attribute__((aligned(4)));
	struct nl_req r;
	struct md_err err;
	struct nl nl;
	uint32_t error_seq = 0;
	int error = 0, gone = 0;
	ssize_t got;
	size_t n;

	if (nl_open_proto(&nl, NETLINK_NETFILTER, &err) < 0)
		return 0;
	msg(&r, NFT_MSG_GETTABLE, NLM_F_ACK);
	nl_put_str(&r, NFTA_TABLE_NAME, TABLE);
	/* (The answers come before send() returns: the table's, then an
	 * acknowledgement; or an error alone.) */
	if ((n = nl_req_finish(&r, 1)) && send(nl.fd, r.u.buf, n, 0) == (ssize_t)n &&
	    (got = recv(nl.fd, in, sizeof(in), MSG_DONTWAIT)) > 0 &&
	    nft_answers(in, (size_t)got, 1, &error, &error_seq) >= 0)
		gone = error == -ENOENT;
	nl_close(&nl);
	return gone;
}
