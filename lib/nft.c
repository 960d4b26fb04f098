/* nf_tables batches: md's table (masquerade, guard, forward filter)
 * and containers' port tables; the lists of tables and conntrack
 * entries md reads (see nft.h). */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

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
#define NFTA_TABLE_FLAGS	2
#define NFT_TABLE_F_OWNER	2	/* deleted when its socket closes */
#define NFTA_TABLE_NAME		1
#define NFTA_CHAIN_TABLE	1
#define NFTA_CHAIN_NAME		3
#define NFTA_CHAIN_HOOK		4
#define NFTA_CHAIN_TYPE		7
#define NFTA_HOOK_HOOKNUM	1
#define NFTA_HOOK_PRIORITY	2
#define NFTA_CHAIN_POLICY	5
#define NF_INET_PRE_ROUTING	0
#define NF_INET_FORWARD		2
#define NF_INET_LOCAL_OUT	3
#define NF_INET_POST_ROUTING	4
#define NF_IP_PRI_RAW		(-300)	/* "raw" */
#define NF_IP_PRI_NAT_DST	(-100)	/* "dstnat" */
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
#define NFT_PAYLOAD_TRANSPORT_HEADER 2
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
#define NFT_META_L4PROTO	16
#define NFTA_CT_DREG		1
#define NFTA_CT_KEY		2
#define NFT_CT_STATE		0
#define CT_ESTABLISHED		2	/* NF_CT_STATE_BIT(IP_CT_ESTABLISHED) */
#define CT_RELATED		4	/* NF_CT_STATE_BIT(IP_CT_RELATED) */
#define NFT_CT_STATUS		2
#define IPS_DST_NAT		0x20	/* linux/netfilter/nf_conntrack_common.h */
#define NFTA_FIB_DREG		1
#define NFTA_FIB_RESULT		2
#define NFTA_FIB_FLAGS		3
#define NFT_FIB_RESULT_ADDRTYPE	3
#define NFTA_FIB_F_DADDR	2
#define RTN_LOCAL		2	/* linux/rtnetlink.h */
#define NFTA_NAT_TYPE		1
#define NFTA_NAT_FAMILY		2
#define NFTA_NAT_REG_ADDR_MIN	3
#define NFTA_NAT_REG_ADDR_MAX	4
#define NFTA_NAT_REG_PROTO_MIN	5
#define NFTA_NAT_REG_PROTO_MAX	6
#define NFTA_NAT_FLAGS		7
#define NFT_NAT_DNAT		1
#define NF_NAT_RANGE_MAP_IPS	1
#define NF_NAT_RANGE_PROTO_SPECIFIED 2
#define NFT_REG_2		2
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

#define TABLE NFT_TABLE
#define CHAIN "postrouting"
#define FORWARD "forward"
#define GUARD "guard"

/* ---- the batch ---- */

/* What a message of the batch was: for an error. */
struct why {
	const char *what;	/* "masquerade rule for", "chain" */
	const char *name;	/* a bridge's, a table's, or NULL */
};

/* The messages, one after another, in one buffer: the kernel takes a
 * batch from one send() only. why[seq] says what message seq was. */
struct batch {
	const char *table;	/* the table every message is about */
	char *buf;
	size_t len;
	struct why *why, now;	/* now: what the next add()s are */
	uint32_t seq;		/* the last message's */
	size_t cap;		/* room for this many messages */
	int bad;
};

/* Room for nmsg messages (each fits an nl_req, or it is bad). */
static int batch_init(struct batch *b, const char *name, size_t nmsg)
{
	*b = (struct batch){ .table = name, .cap = nmsg };
	b->buf = malloc(nmsg * sizeof(((struct nl_req *)0)->u.buf));
	b->why = calloc(nmsg + 1, sizeof(*b->why));
	return b->buf && b->why ? 0 : -1;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->why);
}

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
	size_t n = b->seq < b->cap ? nl_req_finish(r, ++b->seq) : 0;

	if (!n) {
		b->bad = 1;
		return;
	}
	memcpy(b->buf + b->len, r->u.buf, n);
	b->len += n;
	b->why[b->seq] = b->now;
}

/* NEWTABLE or DELTABLE of the batch's table; flags for NEWTABLE's
 * NFTA_TABLE_FLAGS (NFT_TABLE_F_OWNER, or 0). */
static void table(struct batch *b, uint16_t type, uint16_t flags,
		  uint32_t table_flags)
{
	struct nl_req r;

	msg(&r, type, flags);
	nl_put_str(&r, NFTA_TABLE_NAME, b->table);
	if (table_flags)
		be32(&r, NFTA_TABLE_FLAGS, table_flags);
	b->now = (struct why){ "table ip", b->table };
	add(b, &r);
}

/* A base chain: name, hook, priority, type; policy accept (drop if
 * drop). */
static void chain(struct batch *b, const char *name, uint32_t hook_num,
		  int prio, const char *type, int drop)
{
	struct nl_req r;
	size_t hook;

	msg(&r, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nl_put_str(&r, NFTA_CHAIN_TABLE, b->table);
	nl_put_str(&r, NFTA_CHAIN_NAME, name);
	hook = nl_nest_begin(&r, NFTA_CHAIN_HOOK);
	be32(&r, NFTA_HOOK_HOOKNUM, hook_num);
	be32(&r, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nl_nest_end(&r, hook);
	be32(&r, NFTA_CHAIN_POLICY, drop ? NF_DROP : NF_ACCEPT);
	nl_put_str(&r, NFTA_CHAIN_TYPE, type);
	b->now = (struct why){ "chain", name };
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
static size_t rule_begin(struct batch *b, struct nl_req *r, const char *chain_name,
			 uint16_t flags)
{
	msg(r, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | flags);
	nl_put_str(r, NFTA_RULE_TABLE, b->table);
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

/* reg1 = len bytes of the packet at base + offset */
static void payload(struct nl_req *r, uint32_t base, uint32_t offset, uint32_t len)
{
	size_t d, e = expr_begin(r, "payload", &d);

	be32(r, NFTA_PAYLOAD_DREG, NFT_REG_1);
	be32(r, NFTA_PAYLOAD_BASE, base);
	be32(r, NFTA_PAYLOAD_OFFSET, offset);
	be32(r, NFTA_PAYLOAD_LEN, len);
	expr_end(r, e, d);
}

/* ip saddr|daddr NET/PREFIX: offset 12 the source, 16 the
 * destination. */
static void addr_match(struct nl_req *r, uint32_t offset, uint32_t net, int prefix)
{
	uint32_t bits = prefix > 0 ? htonl(~0u << (32 - prefix)) : 0;

	payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, 4);
	if (prefix < 32)
		mask(r, &bits, 4);
	cmp(r, NFT_CMP_EQ, &net, 4);
}

static void meta(struct nl_req *r, uint32_t key)
{
	size_t d, e = expr_begin(r, "meta", &d);

	be32(r, NFTA_META_DREG, NFT_REG_1);
	be32(r, NFTA_META_KEY, key);
	expr_end(r, e, d);
}

/* [iif|oif]name OP "BRIDGE": key NFT_META_IIFNAME or _OIFNAME. */
static void ifname(struct nl_req *r, uint32_t key, uint32_t op, const char *name)
{
	char v[16] = { 0 };	/* IFNAMSIZ: the register holds it all */

	strncpy(v, name, sizeof(v) - 1);
	meta(r, key);
	cmp(r, op, v, sizeof(v));
}

/* ct KEY & bits != 0 (ct state and status are host order) */
static void ct_any(struct nl_req *r, uint32_t key, uint32_t bits)
{
	static const uint32_t none;
	size_t d, e = expr_begin(r, "ct", &d);

	be32(r, NFTA_CT_DREG, NFT_REG_1);
	be32(r, NFTA_CT_KEY, key);
	expr_end(r, e, d);
	mask(r, &bits, 4);
	cmp(r, NFT_CMP_NEQ, &none, 4);
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

static void masq(struct nl_req *r)
{
	size_t d, e = expr_begin(r, "masq", &d);

	expr_end(r, e, d);
}

/* ip saddr NET/PREFIX oifname != "BRIDGE" masquerade */
static void masq_rule(struct batch *b, const struct nft_masq *m, uint16_t flags)
{
	struct nl_req r;
	size_t list = rule_begin(b, &r, CHAIN, flags);

	addr_match(&r, 12, m->net, m->prefix);
	ifname(&r, NFT_META_OIFNAME, NFT_CMP_NEQ, m->bridge);
	masq(&r);
	b->now = (struct why){ "masquerade rule for", m->bridge };
	rule_end(b, &r, list);
}

/* iifname "BRIDGE" ip daddr 127.0.0.0/8 drop, and the same for ip
 * saddr, in chain name: md's bridges may carry route_localnet
 * (nft_ports_set), which would let a container reach the host's
 * loopback services (CVE-2020-8558's hole in kube-proxy), or pass for
 * one of the host's own loopback clients: these close it before routing
 * sees such a packet. (No packet of md's own comes from a bridge to or
 * from 127/8: those to containers are masqueraded.) flags go on the
 * second rule. */
static void guard_rules(struct batch *b, const char *name, const char *bridge,
			uint16_t flags)
{
	for (int i = 0; i < 2; i++) {
		struct nl_req r;
		size_t list = rule_begin(b, &r, name, i ? flags : 0);
		ifname(&r, NFT_META_IIFNAME, NFT_CMP_EQ, bridge);
		addr_match(&r, i ? 12 : 16, htonl(0x7f000000), 8);
		verdict(&r, NF_DROP);
		b->now = (struct why){ "loopback guard for", bridge };
		rule_end(b, &r, list);
	}
}

/* The forward chain's rules for one network, in the order of FWD_*:
 *   oifname "BRIDGE" ct state established,related accept
 *   oifname "BRIDGE" ct status dnat accept
 *   iifname "BRIDGE" oifname "BRIDGE" accept
 *   oifname "BRIDGE" drop
 *   iifname "BRIDGE" accept
 * (the first three of every network before the last two of any: a
 * packet from one md network to another is dropped, either way, unless
 * it is to a published port). */
enum { FWD_REPLY, FWD_PUBLISHED, FWD_WITHIN, FWD_DROP_IN, FWD_OUT, FWD_RULES };

static void forward_rule(struct batch *b, const struct nft_masq *m, int which,
			 uint16_t flags)
{
	struct nl_req r;
	size_t list = rule_begin(b, &r, FORWARD, flags);

	if (which == FWD_OUT || which == FWD_WITHIN)
		ifname(&r, NFT_META_IIFNAME, NFT_CMP_EQ, m->bridge);
	if (which != FWD_OUT)
		ifname(&r, NFT_META_OIFNAME, NFT_CMP_EQ, m->bridge);
	if (which == FWD_REPLY)
		ct_any(&r, NFT_CT_STATE, CT_ESTABLISHED | CT_RELATED);
	if (which == FWD_PUBLISHED)
		ct_any(&r, NFT_CT_STATUS, IPS_DST_NAT);
	verdict(&r, which == FWD_DROP_IN ? NF_DROP : NF_ACCEPT);
	b->now = (struct why){ "forward rule for", m->bridge };
	rule_end(b, &r, list);
}

/* BATCH_BEGIN and BATCH_END: for the nf_tables subsystem. */
static void batch_mark(struct batch *b, uint16_t type)
{
	struct nl_req r;
	struct nfgenmsg *g = nl_req_init(&r, type, 0, sizeof(*g));

	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	b->now = (struct why){ "batch", NULL };
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

/* Sends the batch, closed with BATCH_END, on fd, and reads the
 * answers: its last message asked for the one acknowledgement (one
 * per message could overflow the socket's buffer with many networks;
 * the kernel answers before send() returns: what is not in the socket
 * then never comes). 0 done; 1 the kernel has no nf_tables (or not what
 * the batch needs); -1 failed: err names the message. */
static int batch_send(struct batch *b, int fd, struct md_err *err)
{
	uint32_t last = b->seq, error_seq = 0;
	int error = 0, acked = 0;
	const struct why *w;

	batch_mark(b, NFNL_MSG_BATCH_END);
	if (b->bad)
		return err_set(err, EMSGSIZE, "nf_tables: batch");
	/* (netlink takes a message no larger than the socket's send
	 * buffer: about 200 networks' rules fill the default one.) */
	if (b->len > 65536) {
		int sz = (int)b->len + 4096;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	}
	if (send(fd, b->buf, b->len, 0) < 0)
		return err_set(err, errno, "nf_tables: netlink send");
	for (;;) {
		char in[4096] __attribute__((aligned(4)));
		ssize_t got = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		int a;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if ((a = nft_answers(in, (size_t)got, last, &error, &error_seq)) < 0)
			return err_set(err, EPROTO, "nf_tables: bad netlink answer");
		acked |= a;
	}
	if (!error)
		return acked ? 0 : err_set(err, EPROTO, "nf_tables: no answer to the batch");
	error = -error;
	/* No nf_tables, or no nat chain type, masq, ct, fib or nat
	 * expression, or no owned tables: a kernel without them (or
	 * without the modules). */
	if (error == EOPNOTSUPP || error == EAFNOSUPPORT || error == ENOENT ||
	    error == EPROTONOSUPPORT) {
		err_set(err, error, "no nf_tables in this kernel");
		return 1;
	}
	w = error_seq <= last ? &b->why[error_seq] : &b->why[0];
	return err_set(err, error, "nf_tables: %s%s%s", w->what ? w->what : "batch",
		       w->name ? " " : "", w->name ? w->name : "");
}

/* A netlink socket for nf_tables: 0, 1 (no nf_tables: err says so) or
 * -1. */
static int nft_open(struct nl *nl, struct md_err *err)
{
	if (nl_open_proto(nl, NETLINK_NETFILTER, err) == 0)
		return 0;
	if (err->errnum != EPROTONOSUPPORT)
		return err_wrap(err, "nf_tables");
	err_set(err, EPROTONOSUPPORT, "no nf_tables in this kernel");
	return 1;
}

int nft_masq_set(const struct nft_masq *v, size_t n, int filter,
		 struct md_err *err)
{
	struct batch b;
	struct nl nl;
	int rc;

	if ((rc = nft_open(&nl, err)) != 0)
		return rc;
	/* (BEGIN, 3 table messages, 3 chains, per network a masquerade,
	 * 2 guard and FWD_RULES forward rules, END) */
	if (batch_init(&b, TABLE, n * (3 + FWD_RULES) + 8) < 0) {
		batch_free(&b);
		nl_close(&nl);
		return err_set(err, ENOMEM, "nf_tables");
	}
	/* Delete the table if it is there: made (or kept) first, so that
	 * the delete cannot fail, and so the batch stays whole. */
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, 0);
	table(&b, NFT_MSG_DELTABLE, n ? 0 : NLM_F_ACK, 0);
	if (n) {
		table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, 0);
		chain(&b, CHAIN, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, "nat", 0);
		for (size_t i = 0; i < n; i++)
			masq_rule(&b, &v[i], 0);
		chain(&b, GUARD, NF_INET_PRE_ROUTING, NF_IP_PRI_RAW, "filter", 0);
		for (size_t i = 0; i < n; i++)
			guard_rules(&b, GUARD, v[i].bridge, !filter && i == n - 1 ?
				    NLM_F_ACK : 0);
		if (filter) {
			chain(&b, FORWARD, NF_INET_FORWARD, NF_IP_PRI_FILTER,
			      "filter", filter == NFT_FILTER_DROP);
			for (int w = 0; w < FWD_RULES; w++)
				for (size_t i = 0; i < n; i++)
					forward_rule(&b, &v[i], w, w == FWD_RULES - 1 &&
						     i == n - 1 ? NLM_F_ACK : 0);
		}
	}
	rc = batch_send(&b, nl.fd, err);
	batch_free(&b);
	nl_close(&nl);
	return rc;
}

int nft_table_gone(const char *name)
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
	nl_put_str(&r, NFTA_TABLE_NAME, name);
	/* (The answers come before send() returns: the table's, then an
	 * acknowledgement; or an error alone.) */
	if ((n = nl_req_finish(&r, 1)) && send(nl.fd, r.u.buf, n, 0) == (ssize_t)n &&
	    (got = recv(nl.fd, in, sizeof(in), MSG_DONTWAIT)) > 0 &&
	    nft_answers(in, (size_t)got, 1, &error, &error_seq) >= 0)
		gone = error == -ENOENT;
	nl_close(&nl);
	return gone;
}

/* ---- published ports ---- */

#define PORTS_PRE "prerouting"
#define PORTS_OUT "output"

/* reg = v (n bytes) */
static void load(struct nl_req *r, uint32_t reg, const void *v, size_t n)
{
	size_t d, e = expr_begin(r, "immediate", &d);

	be32(r, NFTA_IMMEDIATE_DREG, reg);
	value(r, NFTA_IMMEDIATE_DATA, v, n);
	expr_end(r, e, d);
}

/* [iifname != "BRIDGE"] DST meta l4proto PROTO th dport PORT
 * dnat to ADDR:CTR, DST "ip daddr HOST", or for 0 "fib daddr type
 * local" (any of the host's addresses). */
static void dnat_rule(struct batch *b, const char *chain_name, const struct nft_port *p,
		      uint32_t addr, const char *bridge, uint16_t flags)
{
	static const uint32_t local = RTN_LOCAL;	/* (host order) */
	uint8_t proto = p->udp ? IPPROTO_UDP : IPPROTO_TCP;
	uint16_t port = htons(p->port), ctr = htons(p->ctr);
	struct nl_req r;
	size_t list = rule_begin(b, &r, chain_name, flags), d, e;

	if (bridge)
		ifname(&r, NFT_META_IIFNAME, NFT_CMP_NEQ, bridge);
	if (p->host) {
		addr_match(&r, 16, p->host, 32);
	} else {
		e = expr_begin(&r, "fib", &d);
		be32(&r, NFTA_FIB_DREG, NFT_REG_1);
		be32(&r, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		be32(&r, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
		expr_end(&r, e, d);
		cmp(&r, NFT_CMP_EQ, &local, 4);
	}
	meta(&r, NFT_META_L4PROTO);
	cmp(&r, NFT_CMP_EQ, &proto, 1);
	payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp(&r, NFT_CMP_EQ, &port, 2);
	load(&r, NFT_REG_1, &addr, 4);
	load(&r, NFT_REG_2, &ctr, 2);
	e = expr_begin(&r, "nat", &d);
	be32(&r, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	be32(&r, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	be32(&r, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	be32(&r, NFTA_NAT_REG_ADDR_MAX, NFT_REG_1);
	be32(&r, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	be32(&r, NFTA_NAT_REG_PROTO_MAX, NFT_REG_2);
	be32(&r, NFTA_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	expr_end(&r, e, d);
	b->now = (struct why){ "port rule of table ip", b->table };
	rule_end(b, &r, list);
}

/* oifname "BRIDGE" ip saddr 127.0.0.0/8 masquerade: a host process's
 * connection to 127.0.0.1, sent on to the container, comes from the
 * bridge's address (the container's 127.0.0.1 is its own). */
static void loopback_masq_rule(struct batch *b, const char *bridge)
{
	struct nl_req r;
	size_t list = rule_begin(b, &r, CHAIN, 0);

	ifname(&r, NFT_META_OIFNAME, NFT_CMP_EQ, bridge);
	addr_match(&r, 12, htonl(0x7f000000), 8);
	masq(&r);
	b->now = (struct why){ "loopback masquerade for", bridge };
	rule_end(b, &r, list);
}

static int loopback(uint32_t host)
{
	return (ntohl(host) >> 24) == 127;
}

int nft_ports_set(int *fd, const char *name, const struct nft_port *v, size_t n,
		  uint32_t addr, const char *bridge, struct md_err *err)
{
	struct batch b;
	struct nl nl;
	int rc;

	if (*fd < 0) {
		if ((rc = nft_open(&nl, err)) != 0)
			return rc;
		*fd = nl.fd;
	}
	/* (BEGIN, 3 table messages, 4 chains, 2 rules a port, a
	 * masquerade, 2 guard rules, END) */
	if (batch_init(&b, name, 2 * n + 12) < 0) {
		batch_free(&b);
		return err_set(err, ENOMEM, "nf_tables");
	}
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, NFT_TABLE_F_OWNER);
	table(&b, NFT_MSG_DELTABLE, addr && n ? 0 : NLM_F_ACK, 0);
	if (addr && n) {
		table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE, NFT_TABLE_F_OWNER);
		chain(&b, PORTS_PRE, NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST, "nat", 0);
		/* (A port on 127/8 is for the host's own clients: none
		 * from outside, whose packets to 127.0.0.1 a rule here
		 * would turn from martians into the container's.) */
		for (size_t i = 0; i < n; i++)
			if (!loopback(v[i].host))
				dnat_rule(&b, PORTS_PRE, &v[i], addr, bridge, 0);
		chain(&b, PORTS_OUT, NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST, "nat", 0);
		for (size_t i = 0; i < n; i++)
			dnat_rule(&b, PORTS_OUT, &v[i], addr, NULL, 0);
		chain(&b, CHAIN, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, "nat", 0);
		loopback_masq_rule(&b, bridge);
		chain(&b, GUARD, NF_INET_PRE_ROUTING, NF_IP_PRI_RAW, "filter", 0);
		guard_rules(&b, GUARD, bridge, NLM_F_ACK);
	}
	rc = batch_send(&b, *fd, err);
	batch_free(&b);
	return rc;
}

/* ---- conntrack: ctnetlink (linux/netfilter/nfnetlink_conntrack.h) ---- */

#define NFNL_SUBSYS_CTNETLINK	1
#define IPCTNL_MSG_CT_GET	1
#define IPCTNL_MSG_CT_DELETE	2
#define CTA_TUPLE_ORIG		1
#define CTA_TUPLE_REPLY		2
#define CTA_STATUS		3
#define CTA_TUPLE_IP		1
#define CTA_IP_V4_SRC		1
#define NLM_F_DUMP		0x300
#define NLM_F_DUMP_INTR		0x10
#define NLMSG_DONE		3
#define NLA_F_NESTED		0x8000
#define NLA_TYPE_MASK		0x3fff

/* Attribute t among the n bytes at p: its payload, its length in *len;
 * NULL if it is not there (or the attributes are malformed). */
static const char *attr(const char *p, size_t n, uint16_t t, size_t *len)
{
	for (size_t off = 0; off + 4 <= n;) {
		uint16_t a[2];	/* nla_len, nla_type */
		memcpy(a, p + off, sizeof(a));
		if (a[0] < 4 || a[0] > n - off)
			return NULL;
		if ((a[1] & NLA_TYPE_MASK) == t) {
			*len = a[0] - 4u;
			return p + off + 4;
		}
		off += (a[0] + 3u) & ~3u;
	}
	return NULL;
}

/* 1 if the conntrack message (its attributes: p, n) is of a connection
 * sent on to addr by DNAT: its reply comes from addr. */
static int to_addr(const char *p, size_t n, uint32_t addr)
{
	const char *st, *rep, *ip, *src;
	size_t sl, rl, il, l;
	uint32_t status, a;

	if (!(st = attr(p, n, CTA_STATUS, &sl)) || sl != 4 ||
	    !(rep = attr(p, n, CTA_TUPLE_REPLY, &rl)) ||
	    !(ip = attr(rep, rl, CTA_TUPLE_IP, &il)) ||
	    !(src = attr(ip, il, CTA_IP_V4_SRC, &l)) || l != 4)
		return 0;
	memcpy(&status, st, 4);
	memcpy(&a, src, 4);
	return (ntohl(status) & IPS_DST_NAT) && a == addr;
}

/* A ctnetlink request of type, for IPv4. */
static void ct_msg(struct nl_req *r, uint16_t type, uint16_t flags)
{
	struct nfgenmsg *g = nl_req_init(r, (uint16_t)(NFNL_SUBSYS_CTNETLINK << 8 | type),
					 flags, sizeof(*g));
	g->family = NFPROTO_IPV4;
}

int nft_conntrack_forget(uint32_t addr, struct md_err *err)
{
	enum { BUF = 16384 };
	char *buf = malloc(BUF), *gone = NULL;
	size_t ngone = 0, cap = 0, n;
	struct nl_req r;
	struct nl nl;
	int done = 0, rc = -1;

	if (!buf)
		return err_set(err, ENOMEM, "conntrack");
	if ((rc = nft_open(&nl, err)) != 0) {
		free(buf);
		return rc;
	}
	rc = -1;
	/* (A dump always ends; should the kernel not answer, 2 s.) */
	setsockopt(nl.fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 2, 0 },
		   sizeof(struct timeval));
	ct_msg(&r, IPCTNL_MSG_CT_GET, NLM_F_DUMP);
	if (!(n = nl_req_finish(&r, 1)) || send(nl.fd, r.u.buf, n, 0) < 0) {
		err_set(err, errno, "conntrack: netlink send");
		goto out;
	}
	/* The dump, whole, first: the original tuples to delete (each as
	 * the kernel wrote it, with its length before it) in gone. */
	while (!done) {
		ssize_t got = recv(nl.fd, buf, BUF, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			err_set(err, got < 0 ? errno : EPROTO, "conntrack: netlink dump");
			goto out;
		}
		for (size_t off = 0; off + sizeof(struct nlmsghdr_) <= (size_t)got;) {
			struct nlmsghdr_ h;
			const char *m = buf + off, *p = m + sizeof(h) + sizeof(struct nfgenmsg), *o;
			size_t len, ol;
			memcpy(&h, m, sizeof(h));
			if (h.len < sizeof(h) || h.len > (size_t)got - off)
				break;
			off += (h.len + 3u) & ~3u;
			if (h.type == NLMSG_DONE || h.type == NLMSG_ERROR) {
				int e = 0;	/* (DONE's status, or the error) */
				if (h.len >= sizeof(h) + sizeof(e))
					memcpy(&e, m + sizeof(h), sizeof(e));
				if (e) {
					err_set(err, -e, "conntrack: netlink dump");
					goto out;
				}
				done = 1;
				break;
			}
			if (h.len < sizeof(h) + sizeof(struct nfgenmsg))
				continue;
			len = h.len - sizeof(h) - sizeof(struct nfgenmsg);
			if (!to_addr(p, len, addr) || !(o = attr(p, len, CTA_TUPLE_ORIG, &ol)) ||
			    ol > 512)
				continue;
			if (ngone + sizeof(uint16_t) + ol > cap) {
				char *g = realloc(gone, cap = (cap + ol + 2) * 2);
				if (!g) {
					err_set(err, ENOMEM, "conntrack");
					goto out;
				}
				gone = g;
			}
			memcpy(gone + ngone, &(uint16_t){ (uint16_t)ol }, sizeof(uint16_t));
			memcpy(gone + ngone + sizeof(uint16_t), o, ol);
			ngone += sizeof(uint16_t) + ol;
		}
	}
	/* Then each deleted by its tuple. (No acknowledgement asked: one
	 * already gone answers ENOENT, read and passed over.) */
	for (size_t at = 0; at < ngone;) {
		uint16_t ol;
		memcpy(&ol, gone + at, sizeof(ol));
		ct_msg(&r, IPCTNL_MSG_CT_DELETE, 0);
		nl_put(&r, CTA_TUPLE_ORIG | NLA_F_NESTED, gone + at + sizeof(ol), ol);
		at += sizeof(ol) + ol;
		if ((n = nl_req_finish(&r, 2)))
			send(nl.fd, r.u.buf, n, 0);
		while (recv(nl.fd, buf, BUF, MSG_DONTWAIT) > 0)
			;
	}
	rc = 0;
out:
	free(gone);
	free(buf);
	nl_close(&nl);
	return rc;
}

int nft_port_tables(const char *bridge)
{
	enum { BUF = 16384 };
	size_t blen = strlen(bridge), n;
	char *buf = malloc(BUF);
	struct md_err err;
	struct nl_req r;
	struct nl nl;
	int count = 0, done = 0;

	if (!buf)
		return -1;
	if (nl_open_proto(&nl, NETLINK_NETFILTER, &err) < 0) {
		free(buf);
		return -1;
	}
	setsockopt(nl.fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 2, 0 },
		   sizeof(struct timeval));
	msg(&r, NFT_MSG_GETTABLE, NLM_F_DUMP);
	if (!(n = nl_req_finish(&r, 1)) || send(nl.fd, r.u.buf, n, 0) < 0)
		count = -1;
	while (count >= 0 && !done) {
		ssize_t got = recv(nl.fd, buf, BUF, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			count = -1;
			break;
		}
		for (size_t off = 0; off + sizeof(struct nlmsghdr_) <= (size_t)got;) {
			struct nlmsghdr_ h;
			const char *name;
			size_t len;
			memcpy(&h, buf + off, sizeof(h));
			/* (A dump the kernel says was interrupted, or ended
			 * with an error, counts nothing for sure.) */
			if (h.flags & NLM_F_DUMP_INTR)
				count = -1;
			if (h.type == NLMSG_DONE || h.type == NLMSG_ERROR ||
			    h.len < sizeof(h) + sizeof(struct nfgenmsg) ||
			    h.len > (size_t)got - off) {
				int e = 0;
				if (h.type == NLMSG_DONE && h.len >= sizeof(h) + sizeof(e))
					memcpy(&e, buf + off + sizeof(h), sizeof(e));
				done = 1;
				if (h.type != NLMSG_DONE || e)
					count = -1;
				break;
			}
			/* md-ID12-BRIDGE: "md-", 12 digits, "-", the bridge */
			name = attr(buf + off + sizeof(h) + sizeof(struct nfgenmsg),
				    h.len - sizeof(h) - sizeof(struct nfgenmsg),
				    NFTA_TABLE_NAME, &len);
			if (name && len == 17 + blen && !strncmp(name, "md-", 3) &&
			    name[15] == '-' && !memcmp(name + 16, bridge, blen) &&
			    !name[16 + blen])
				count++;
			off += (h.len + 3u) & ~3u;
		}
	}
	free(buf);
	nl_close(&nl);
	return count;
}
