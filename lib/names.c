/* Names on user networks: hosts files md keeps current; md-network
 * connect and disconnect (names.h). */
#include "names.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam.h"
#include "lock.h"
#include "net.h"
#include "spec.h"
#include "util.h"

/* A members file is bounded by the addresses of its network; one
 * container's hosts file by what md writes into it. */
#define MEMBERS_MAX (1 << 20)

size_t endpoints_parse(const char *s, struct endpoint *ep)
{
	size_t n = 0;

	while (s && *s && n < ENDPOINTS_MAX) {
		size_t w = strcspn(s, " ");
		char word[400];
		struct endpoint *e = &ep[n];
		char *p = word, *f[5] = { 0 };
		int k = 0;

		snprintf(word, sizeof(word), "%.*s", (int)(w < sizeof(word) ? w : 0), s);
		s += w + (s[w] == ' ');
		while (k < 5 && (f[k] = strsep(&p, ":")))
			k++;
		if (k < 4 || !*f[0] || strlen(f[0]) >= sizeof(e->net) ||
		    strlen(f[1]) >= sizeof(e->ip) || strlen(f[3]) >= sizeof(e->aliases) ||
		    (f[4] && strlen(f[4]) >= sizeof(e->want)) ||
		    (e->idx = atoi(f[2])) < 1 || e->idx > ENDPOINTS_MAX)
			continue;
		strcpy(e->net, f[0]);
		strcpy(e->ip, f[1]);
		strcpy(e->aliases, f[3]);
		strcpy(e->want, f[4] ? f[4] : "");
		n++;
	}
	return n;
}

char *endpoints_format(const struct endpoint *ep, size_t n)
{
	char *s = malloc(n * sizeof(struct endpoint) + 1), *o = s;

	if (!s)
		return NULL;
	*o = 0;
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s%s:%s:%d:%s%s%s", i ? " " : "", ep[i].net, ep[i].ip,
			     ep[i].idx, ep[i].aliases, ep[i].want[0] ? ":" : "", ep[i].want);
	return s;
}

int names_on(const struct container *c, const char *net)
{
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n = endpoints_parse(c->connected, ep);

	while (n--)
		if (!strcmp(ep[n].net, net))
			return 1;
	return !strcmp(c->network, net);
}

int names_add_alias(char list[256], const char *alias, struct md_err *err)
{
	/* (As a network's name: nothing a hosts file or md's lists would
	 * read as a separator.) */
	if (net_name_check("network alias", alias, err) < 0)
		return -1;
	if (strlen(list) + strlen(alias) + 2 > 256)
		return err_set(err, 0, "too many network aliases");
	if (*list)
		strcat(list, ",");
	strcat(list, alias);
	return 0;
}

/* ---- members files ---- */

static int user_net(const char *net)
{
	return *net && !net_predefined(net) && !strchr(net, '/') && net[0] != '.';
}

static char *members_read(struct store *s, const char *net)
{
	char path[128];
	struct md_err e2;
	size_t len;

	snprintf(path, sizeof(path), "networks/%s/members", net);
	return file_read_at(s->fd, path, MEMBERS_MAX, &len, &e2);
}

/* The next line of a members file (cut there), its ID's and address's
 * words; NULL at the end. */
static char *next_line(char **p, char **id, char **ip, char **rest)
{
	char *l;

	while ((l = strsep(p, "\n"))) {
		*id = l;
		if (strlen(l) > CONTAINER_ID_LEN + 1 && l[CONTAINER_ID_LEN] == ' ') {
			l[CONTAINER_ID_LEN] = 0;
			*ip = l + CONTAINER_ID_LEN + 1;
			if ((*rest = strchr(*ip, ' '))) {
				*(*rest)++ = 0;
				return l;
			}
		}
	}
	return NULL;
}

/* A word of a members line: bad characters (a host name is the user's)
 * make it "-". */
static void word(char **o, const char *w)
{
	const char *p = w;

	while (*p && isgraph((unsigned char)*p) && *p != '#')
		p++;
	*o += sprintf(*o, " %s", *w && !*p ? w : "-");
}

/* net's members file with id's line taken out, and put in again if
 * line (without a trailing newline) is set; the lines of containers no
 * longer in the store dropped too. */
static int members_write(struct store *s, const char *net, const char *id,
			 const char *line, struct md_err *err)
{
	char path[128], *old = members_read(s, net), *p = old, *out, *o;
	char *mid, *mip, *rest;
	int rc;

	if (!(out = o = malloc((old ? strlen(old) : 0) + (line ? strlen(line) : 0) + 2))) {
		free(old);
		return err_set(err, ENOMEM, "network %s", net);
	}
	*o = 0;
	while (p && next_line(&p, &mid, &mip, &rest)) {
		char dir[128];
		struct stat st;
		snprintf(dir, sizeof(dir), "containers/%s", mid);
		if (strcmp(mid, id) && (fstatat(s->fd, dir, &st, 0) == 0 || errno != ENOENT))
			o += sprintf(o, "%s %s %s\n", mid, mip, rest);
	}
	if (line)
		o += sprintf(o, "%s\n", line);
	free(old);
	snprintf(path, sizeof(path), "networks/%s/members", net);
	rc = file_replace_at(s->fd, path, out, (size_t)(o - out), 0600, 0, err);
	free(out);
	return rc;
}

/* ---- hosts files ---- */

struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *np = t->oom ? NULL : realloc(t->p, cap);
		if (!np) {
			t->oom = 1;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
}

/* The lines of every user network that lists id, as hosts lines ("IP
 * NAME ALIAS... SHORTID"), into t; id's own line's HOSTIP and HOSTNAME
 * into host (when one lists it). */
static void network_lines(struct store *s, const char *id, struct text *t,
			  char host[128])
{
	int dfd = openat(s->fd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char needle[CONTAINER_ID_LEN + 3];
	struct dirent *de;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	snprintf(needle, sizeof(needle), "\n%s ", id);
	while ((de = readdir(d))) {
		char *buf, *p, *mid, *mip, *rest;
		if (!user_net(de->d_name) || !(buf = members_read(s, de->d_name)))
			continue;
		/* (an ID begins a line) */
		if (strncmp(buf, needle + 1, CONTAINER_ID_LEN + 1) && !strstr(buf, needle)) {
			free(buf);
			continue;
		}
		put(t, "# network ");
		put(t, de->d_name);
		put(t, "\n");
		for (p = buf; next_line(&p, &mid, &mip, &rest);) {
			char *hn, *names, shortid[16];
			/* rest: "HOSTIP HOSTNAME NAME [ALIAS...]" */
			if (!(hn = strchr(rest, ' ')) || !(names = strchr(++hn, ' ')))
				continue;
			*names++ = 0;
			if (!strcmp(mid, id))
				snprintf(host, 128, "%.*s %s", (int)strcspn(rest, " "), rest, hn);
			put(t, mip);
			put(t, "\t");
			put(t, names);
			snprintf(shortid, sizeof(shortid), " %.12s\n", mid);
			put(t, shortid);
		}
		free(buf);
	}
	closedir(d);
}

/* Writes id's hosts file again, in place: it is bind-mounted into the
 * container, whose mount would still show the old inode if a new one
 * took its name. base: its first lines; NULL: made of host, "HOSTIP
 * HOSTNAME" of its members line.
 *
 * The container's root can write this file but cannot reach its name
 * (containers/ID is under the container's root mount in its mount
 * namespace): O_NOFOLLOW and the check for a regular file are the
 * second line of defence, and nothing of it is ever read.
 *
 * A reader inside may see, for the moment between the write and the
 * truncation, the new text followed by the tail of the old one: lines
 * of names that were just there, nothing a resolver reads wrong (a
 * line cut in two is a name that is not found, once). Resolvers read
 * /etc/hosts again on each lookup: the next one sees the whole. */
static int hosts_write(struct store *s, const char *id, const char *base,
		       int create, struct md_err *err)
{
	struct text t = { 0 };
	char host[128] = "", path[128];
	struct etc_files e;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "containers/%s/hosts", id);
	network_lines(s, id, &t, host);
	if (!base) {
		char hostip[64] = "-", hostname[64] = "-";
		sscanf(host, "%63s %63s", hostip, hostname);
		spec_hosts(&e, strcmp(hostname, "-") ? hostname : "",
			   strcmp(hostip, "-") ? hostip : "");
		base = e.hosts;
	}
	fd = openat(s->fd, path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		    (create ? O_CREAT : 0), 0644);
	if (fd < 0) {
		/* (none: a container that is not on md's bridges, or an
		 * older md's) */
		rc = errno == ENOENT && !create ? 0 : err_set(err, errno, "%s", path);
	} else if (t.oom) {
		rc = err_set(err, ENOMEM, "%s", path);
	} else {
		struct stat st;
		size_t blen = strlen(base);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    pwrite(fd, base, blen, 0) != (ssize_t)blen ||
		    (t.len && pwrite(fd, t.p, t.len, (off_t)blen) != (ssize_t)t.len) ||
		    ftruncate(fd, (off_t)(blen + t.len)) < 0)
			rc = err_set(err, errno ? errno : EINVAL, "%s", path);
	}
	if (fd >= 0)
		close(fd);
	free(t.p);
	return rc;
}

/* Every member of net's hosts file again. */
static void rewrite_members(struct store *s, const char *net)
{
	char *buf = members_read(s, net), *p = buf, *mid, *mip, *rest;
	struct md_err e2;

	while (p && next_line(&p, &mid, &mip, &rest))
		hosts_write(s, mid, NULL, 0, &e2);
	free(buf);
}

/* c's members line on net, into out. */
static void member_line(const struct container *c, const char *ip,
			const char *aliases, char *out)
{
	char *o = out;

	o += sprintf(o, "%s %s", c->id, ip);
	word(&o, c->ip);
	word(&o, c->hostname);
	word(&o, c->name);
	for (const char *a = aliases; *a;) {
		size_t n = strcspn(a, ",");
		*o++ = ' ';
		memcpy(o, a, n);
		*(o += n) = 0;
		a += n + (a[n] == ',');
	}
}

static int update(struct store *s, const struct container *c, const char *net,
		  const char *ip, const char *aliases, struct md_err *err)
{
	char line[CONTAINER_ID_LEN + 16 * 2 + 64 + 128 + 256 + 16];
	cleanup_close int lock = -1;

	if (!user_net(net))
		return 0;
	if ((lock = lock_at(s->fd, "names.lock", LOCK_EX, err)) < 0)
		return -1;
	if (aliases)
		member_line(c, ip, aliases, line);
	if (members_write(s, net, c->id, aliases ? line : NULL, err) < 0)
		return -1;
	rewrite_members(s, net);
	/* (Left: not among the members; its file says its other
	 * networks.) */
	if (!aliases && c->pid) {
		struct etc_files e;
		spec_hosts(&e, c->hostname, c->ip);
		hosts_write(s, c->id, e.hosts, 0, err);
	}
	return 0;
}

void names_update(struct store *s, const struct container *c, const char *net,
		  const char *ip, const char *aliases)
{
	struct md_err e2;

	update(s, c, net, ip, aliases, &e2);
}

int names_start(struct store *s, const struct container *c, const char *base,
		char *path, size_t len, struct md_err *err)
{
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n = endpoints_parse(c->connected, ep);

	container_path(s, c->id, "hosts", path, len);
	if (hosts_write(s, c->id, base, 1, err) < 0 ||
	    update(s, c, c->network, c->ip, c->aliases, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (ep[i].ip[0] && update(s, c, ep[i].net, ep[i].ip, ep[i].aliases, err) < 0)
			return -1;
	return 0;
}

/* ---- md-network connect, disconnect ---- */

struct conn {
	struct store *s;
	const struct netconf *nc;
	const char *aliases;	/* connect's; NULL: disconnect */
	const char *ip;		/* connect --ip's, or "" */
	int force;
	struct endpoint ep;	/* out: the endpoint made or removed */
};

/* Under the container's lock: c connected, and attached if it runs. The
 * container cannot end meanwhile: its monitor records an end under this
 * lock, and takes the address back then (container_net_release). */
static int connect_fn(struct container *c, void *arg, struct md_err *err)
{
	struct conn *k = arg;
	struct endpoint ep[ENDPOINTS_MAX + 1];
	size_t n = endpoints_parse(c->connected, ep), i;
	const char *net = k->nc->name;
	unsigned used = 0;
	char *str;

	for (i = 0; i < n && strcmp(ep[i].net, net); i++)
		used |= 1u << ep[i].idx;
	if (k->aliases) {
		if (!net_bridged(c->network))
			return err_set(err, 0, "container cannot be connected to "
				       "multiple networks with one of the networks "
				       "in %s mode", c->network);
		if (!strcmp(c->network, net) || i < n)
			return err_set(err, 0, "endpoint with name %s already "
				       "exists in network %s", c->name, net);
		if (n == ENDPOINTS_MAX)
			return err_set(err, 0, "too many networks");
		memset(&k->ep, 0, sizeof(k->ep));
		snprintf(k->ep.net, sizeof(k->ep.net), "%s", net);
		snprintf(k->ep.aliases, sizeof(k->ep.aliases), "%s", k->aliases);
		snprintf(k->ep.want, sizeof(k->ep.want), "%s", k->ip);
		for (k->ep.idx = 1; used & (1u << k->ep.idx); k->ep.idx++)
			;
		if ((c->status == CONTAINER_RUNNING || c->status == CONTAINER_PAUSED) &&
		    container_alive(c)) {
			char path[64];
			uint32_t addr;
			int ns, rc;
			snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pid);
			if (ipam_alloc(k->s, net, &k->nc->sn, c->id, ip4_parse(k->ep.want),
				       &addr, err) < 0)
				return -1;
			ns = open(path, O_RDONLY | O_CLOEXEC);
			rc = ns < 0 ? err_set(err, errno, "%s", path) :
			     net_attach_more(k->s, k->nc, c->id, ns, k->ep.idx, addr, 0, err);
			if (ns >= 0)
				close(ns);
			if (rc < 0) {
				struct md_err e2;
				ipam_release(k->s, net, c->id, 1, &e2);
				net_detach_more(c->id, k->ep.idx, &e2);
				return -1;
			}
			ip4_format(addr, k->ep.ip, sizeof(k->ep.ip));
		}
		ep[n++] = k->ep;
	} else {
		if (i == n && !strcmp(c->network, net))
			return err_set(err, 0, "container %s was run on network %s: "
				       "md cannot disconnect it", c->name, net);
		if (i == n)
			return err_set(err, 0, "container %s is not connected to "
				       "network %s", c->id, net);
		k->ep = ep[i];
		ep[i] = ep[--n];
		if (k->ep.ip[0] || k->ep.want[0]) {
			struct md_err e2;
			if (k->ep.ip[0] && net_detach_more(c->id, k->ep.idx, err) < 0 &&
			    !k->force)
				return -1;
			ipam_release(k->s, net, c->id, 1, &e2);
		}
	}
	if (!(str = endpoints_format(ep, n)))
		return err_set(err, ENOMEM, "networks");
	free(c->connected);
	c->connected = str;
	return 0;
}

int names_connect(struct store *s, const struct netconf *nc, const char *id,
		  const char *aliases, const char *ip, int force, struct md_err *err)
{
	struct conn k = { s, nc, aliases, ip ? ip : "", force };
	struct container c;
	struct netconf now;
	struct md_err e2;
	int lock = -1, rc;

	/* Its bridge and md's table first, outside the container's lock
	 * (see net_attach_more; without nf_tables it works, unsaid here).
	 * Then networks.lock shared, as md-network rm takes it (exclusive)
	 * before any container's: the network is still this one, and is
	 * not removed while the container is connected to it. */
	if (aliases) {
		if (net_bridge_up(s, nc, &e2) < 0) {
			*err = e2;
			return -1;
		}
		if ((lock = lock_at(s->fd, "networks.lock", LOCK_SH, err)) < 0)
			return -1;
		if (net_lookup(s, nc->name, &now, &e2) < 0 || strcmp(now.id, nc->id)) {
			close(lock);
			return err_set(err, 0, "network %s not found", nc->name);
		}
	}
	rc = container_update(s, id, &c, connect_fn, &k, 1, err);
	if (lock >= 0)
		close(lock);
	if (rc < 0)
		return -1;
	/* (Outside the container's lock: names.h's lock is taken under
	 * none.) */
	if (k.ep.ip[0])
		names_update(s, &c, nc->name, k.ep.ip, aliases);
	container_free(&c);
	return 0;
}
