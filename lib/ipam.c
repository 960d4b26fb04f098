/* Addresses of containers on md's networks (see ipam.h). */
#include "ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "lock.h"
#include "util.h"

/* A /8 holds 16M addresses: the file is bounded by what md gives out,
 * and read whole. */
#define IPAM_MAX (16 << 20)

int subnet_parse(const char *cidr, struct subnet *sn, struct md_err *err)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *slash = strchr(cidr, '/');
	struct in_addr a;
	uint32_t mask, host;
	long prefix;

	if (!slash || slash - cidr >= (long)sizeof(ip))
		return err_set(err, 0, "invalid subnet %s: want ADDRESS/PREFIX", cidr);
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - cidr), cidr);
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, ip, &a) != 1 || *end || end == slash + 1 || errno)
		return err_set(err, 0, "invalid subnet %s", cidr);
	if (prefix < 8 || prefix > 30)
		return err_set(err, 0, "invalid subnet %s: the prefix must be 8 to 30", cidr);
	mask = ~0u << (32 - prefix);
	host = ntohl(a.s_addr);
	sn->prefix = (int)prefix;
	sn->net = htonl(host & mask);
	/* (an all-zero host part names the network: its first address is
	 * the gateway) */
	sn->gw = htonl((host & ~mask) ? host : (host & mask) + 1);
	if ((ntohl(sn->gw) & ~mask) == ~mask)
		return err_set(err, 0, "invalid subnet %s: the gateway is the "
			       "broadcast address", cidr);
	return 0;
}

void ip4_format(uint32_t addr, char *out, size_t len)
{
	struct in_addr a = { addr };

	if (!inet_ntop(AF_INET, &a, out, (socklen_t)len) && len)
		out[0] = 0;
}

uint32_t ip4_parse(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1 ? a.s_addr : 0;
}

void subnet_format(const struct subnet *sn, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	ip4_format(sn->net, ip, sizeof(ip));
	snprintf(out, len, "%s/%d", ip, sn->prefix);
}

/* ---- the file ---- */

struct entry {
	uint32_t addr;		/* host order, for sorting */
	char id[CONTAINER_ID_LEN + 1];
	uint8_t kept;		/* --ip's: held while its container
				 * exists, run or not ("kept" in the
				 * file) */
};

struct table {
	struct entry *e;
	size_t n, cap;
};

static int add(struct table *t, uint32_t addr, const char *id, int kept)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct entry *ne = realloc(t->e, cap * sizeof(*ne));
		if (!ne)
			return -1;
		t->e = ne;
		t->cap = cap;
	}
	t->e[t->n].addr = addr;
	t->e[t->n].kept = (uint8_t)kept;
	snprintf(t->e[t->n].id, sizeof(t->e[t->n].id), "%s", id);
	t->n++;
	return 0;
}

/* The file's lines into t. A line that does not parse is dropped (the
 * address it held is free again): the file is md's alone. */
static int load(struct store *s, const char *path, struct table *t,
		struct md_err *err)
{
	size_t len;
	char *buf = file_read_at(s->fd, path, IPAM_MAX, &len, err), *p, *nl;

	t->e = NULL;
	t->n = t->cap = 0;
	if (!buf)
		return err->errnum == ENOENT ? 0 : -1;
	for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		char ip[INET_ADDRSTRLEN], id[CONTAINER_ID_LEN + 1], mark[8] = "";
		struct in_addr a;
		int k;
		*nl = 0;
		if ((k = sscanf(p, "%15s %64s %7s", ip, id, mark)) < 2 ||
		    strlen(id) != CONTAINER_ID_LEN || inet_pton(AF_INET, ip, &a) != 1)
			continue;
		if (add(t, ntohl(a.s_addr), id, k == 3 && !strcmp(mark, "kept")) < 0) {
			free(buf);
			free(t->e);
			return err_set(err, ENOMEM, "%s", path);
		}
	}
	free(buf);
	return 0;
}

static int save(struct store *s, const char *path, const struct table *t,
		struct md_err *err)
{
	size_t cap = t->n * (INET_ADDRSTRLEN + CONTAINER_ID_LEN + 7) + 1, len = 0;
	char *buf = malloc(cap);
	int rc;

	if (!buf)
		return err_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < t->n; i++) {
		char ip[INET_ADDRSTRLEN];
		ip4_format(htonl(t->e[i].addr), ip, sizeof(ip));
		len += snprintf(buf + len, cap - len, "%s %s%s\n", ip, t->e[i].id,
				t->e[i].kept ? " kept" : "");
	}
	/* Not synced: after a power loss no container runs, and an
	 * address the file still lists is taken back when needed. */
	rc = file_replace_at(s->fd, path, buf, len, 0600, 0, err);
	free(buf);
	return rc;
}

static int by_addr(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->addr, y = ((const struct entry *)b)->addr;

	return x < y ? -1 : x > y;
}

/* The lowest free host address of sn (t sorted), or 0. */
static uint32_t lowest_free(const struct subnet *sn, const struct table *t)
{
	uint32_t net = ntohl(sn->net), gw = ntohl(sn->gw),
		 last = net + (uint32_t)((1ull << (32 - sn->prefix)) - 2);
	size_t i = 0;

	for (uint32_t a = net + 1; a <= last; a++) {
		while (i < t->n && t->e[i].addr < a)
			i++;
		if (a != gw && (i == t->n || t->e[i].addr != a))
			return a;
	}
	return 0;
}

/* Drops the entries of containers no longer in the store. */
static void reclaim(struct store *s, struct table *t)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		char dir[128];
		struct stat st;
		snprintf(dir, sizeof(dir), "containers/%s", t->e[i].id);
		if (fstatat(s->fd, dir, &st, 0) == 0 || errno != ENOENT)
			t->e[k++] = t->e[i];
	}
	t->n = k;
}

/* networks/NAME/FILE into out; the directory made if mk. */
static int net_path(struct store *s, const char *net, const char *file,
		    char *out, size_t len, int mk, struct md_err *err)
{
	if (!*net || strchr(net, '/') || net[0] == '.')
		return err_set(err, EINVAL, "bad network name '%s'", net);
	snprintf(out, len, "networks/%s", net);
	if (mk && mkdir_p_at(s->fd, out, 0700) < 0)
		return err_set(err, errno, "%s", out);
	snprintf(out, len, "networks/%s/%s", net, file);
	return 0;
}

/* 1 if a is held in t. */
static int held(const struct table *t, uint32_t a)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].addr == a)
			return 1;
	return 0;
}

int ipam_check(const struct subnet *sn, uint32_t want, struct md_err *err)
{
	uint32_t a = ntohl(want), net = ntohl(sn->net), mask = ~0u << (32 - sn->prefix);
	char text[16];

	ip4_format(want, text, sizeof(text));
	if ((a & mask) != net)
		return err_set(err, 0, "no configured subnet or ip-range contain the "
			       "IP address %s", text);
	/* (Docker's ipam holds these from the start) */
	if (a == net || a == (net | ~mask) || a == ntohl(sn->gw))
		return err_set(err, 0, "Address already in use");
	return 0;
}

/* Whether address a (host order) can be given: ipam_check, and no
 * other container's. (Not reclaimed here: an md-run holds its address
 * before its container's directory is made, and another's --ip must
 * not take it then. Only a full network reclaims.) */
static int wanted(const struct subnet *sn, const struct table *t, uint32_t a,
		  struct md_err *err)
{
	if (ipam_check(sn, htonl(a), err) < 0)
		return -1;
	if (held(t, a))
		return err_set(err, 0, "Address already in use");
	return 0;
}

int ipam_alloc(struct store *s, const char *net, const struct subnet *sn,
	       const char *id, uint32_t want, uint32_t *addr, struct md_err *err)
{
	char path[256], lockp[256];
	cleanup_close int lock = -1;
	struct table t;
	uint32_t a = 0;
	size_t k = 0;
	int rc = -1;

	/* (Only the default network's directory is made here: a user
	 * network's is md-network create's, and one missing is one
	 * removed since the caller looked it up.) */
	if (net_path(s, net, "ipam.lock", lockp, sizeof(lockp), !strcmp(net, "bridge"),
		     err) < 0 ||
	    net_path(s, net, "ipam", path, sizeof(path), 0, err) < 0)
		return -1;
	if ((lock = lock_at(s->fd, lockp, LOCK_EX, err)) < 0)
		return err->errnum == ENOENT ? err_set(err, 0, "network %s not found", net) : -1;
	if (load(s, path, &t, err) < 0)
		return -1;
	for (size_t i = 0; i < t.n; i++)
		if (!strcmp(t.e[i].id, id) && (!want || htonl(t.e[i].addr) == want)) {
			*addr = htonl(t.e[i].addr);
			free(t.e);
			return 0;
		}
	/* (One it holds but did not ask for goes: --ip's wins.) */
	for (size_t i = 0; i < t.n; i++)
		if (strcmp(t.e[i].id, id))
			t.e[k++] = t.e[i];
	t.n = k;
	qsort(t.e, t.n, sizeof(*t.e), by_addr);
	if (want) {
		if (wanted(sn, &t, ntohl(want), err) < 0) {
			free(t.e);
			return -1;
		}
		a = ntohl(want);
	} else if (!(a = lowest_free(sn, &t))) {
		reclaim(s, &t);
		a = lowest_free(sn, &t);
	}
	if (!a) {
		char sub[32];
		subnet_format(sn, sub, sizeof(sub));
		err_set(err, 0, "network %s: no free address in %s", net, sub);
	} else if (add(&t, a, id, want != 0) < 0) {
		err_set(err, ENOMEM, "%s", path);
	} else if (save(s, path, &t, err) == 0) {
		*addr = htonl(a);
		rc = 0;
	}
	free(t.e);
	return rc;
}

int ipam_release(struct store *s, const char *net, const char *id, int forget,
		 struct md_err *err)
{
	char path[256], lockp[256];
	cleanup_close int lock = -1;
	struct table t;
	size_t k = 0;
	int rc = 0;

	if (net_path(s, net, "ipam.lock", lockp, sizeof(lockp), 0, err) < 0 ||
	    net_path(s, net, "ipam", path, sizeof(path), 0, err) < 0)
		return -1;
	if ((lock = lock_at(s->fd, lockp, LOCK_EX, err)) < 0)
		return err->errnum == ENOENT ? 0 : -1;	/* (no network: none held) */
	if (load(s, path, &t, err) < 0)
		return -1;
	for (size_t i = 0; i < t.n; i++)
		if (strcmp(t.e[i].id, id) || (t.e[i].kept && !forget))
			t.e[k++] = t.e[i];
	if (k != t.n) {
		t.n = k;
		rc = save(s, path, &t, err);
	}
	free(t.e);
	return rc;
}
