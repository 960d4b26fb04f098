/* -p and -P, the host sockets, and their text (see ports.h). */
#include "ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipam.h"

/* "A" or "A-B" (A <= B), each 0..65535 (min..): 0 ok. */
static int range(const char *s, size_t len, unsigned min, unsigned *a,
		 unsigned *b)
{
	unsigned *cur = a;
	size_t i;

	*a = *b = 0;
	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '-' && cur == a && i) {
			cur = b;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || *cur > 65535)
			return -1;
		*cur = *cur * 10 + (unsigned)(s[i] - '0');
	}
	if (cur == a)
		*b = *a;
	else if (s[len - 1] == '-')
		return -1;
	return *a < min || *b > 65535 || *a > *b ? -1 : 0;
}

static int add(struct ports *p, const struct port_map *m, struct md_err *err)
{
	struct port_map *v;

	if (p->n >= PORTS_MAX)
		return err_set(err, 0, "too many published ports (at most %d)",
			       PORTS_MAX);
	if (!(v = realloc(p->v, (p->n + 1) * sizeof(*v))))
		return err_set(err, ENOMEM, "published ports");
	p->v = v;
	v[p->n++] = *m;
	return 0;
}

/* Docker's nat.ParsePortSpec, for IPv4, and its error words. */
int ports_parse(struct ports *p, const char *spec, struct md_err *err)
{
	const char *ctr = strrchr(spec, ':'), *proto = strchr(spec, '/'),
		   *host = NULL, *ip = NULL;
	size_t ctr_len, host_len = 0;
	unsigned ca, cb, ha = 0, hb = 0;
	struct port_map m = { .fd = -1 };
	char ipbuf[64];

	if (proto && ctr && proto < ctr)
		return err_set(err, 0, "invalid containerPort: %s", spec);
	ctr = ctr ? ctr + 1 : spec;
	ctr_len = proto ? (size_t)(proto - ctr) : strlen(ctr);
	if (proto && strcmp(proto + 1, "tcp") && strcmp(proto + 1, "udp"))
		return err_set(err, 0, "invalid proto: %s", proto + 1);
	m.udp = proto && !strcmp(proto + 1, "udp");
	if (ctr != spec) {
		/* [IP:]HOST: */
		const char *c1 = memchr(spec, ':', (size_t)(ctr - 1 - spec));
		host = c1 ? c1 + 1 : spec;
		host_len = (size_t)(ctr - 1 - host);
		if (c1) {
			size_t n = (size_t)(c1 - spec);
			struct in_addr a;
			if (n >= sizeof(ipbuf))
				return err_set(err, 0, "invalid IP address: %.*s",
					       (int)n, spec);
			memcpy(ipbuf, spec, n);
			ipbuf[n] = 0;
			if (n && inet_pton(AF_INET, ipbuf, &a) != 1)
				return err_set(err, 0, "invalid IP address: %s", ipbuf);
			m.ip = n ? a.s_addr : 0;
			ip = ipbuf;
		}
	}
	if (!ctr_len)
		return err_set(err, 0, "no port specified: %s<empty>", spec);
	if (range(ctr, ctr_len, 1, &ca, &cb) < 0)
		return err_set(err, 0, "invalid containerPort: %.*s", (int)ctr_len, ctr);
	if (host_len && range(host, host_len, 0, &ha, &hb) < 0)
		return err_set(err, 0, "invalid hostPort: %.*s", (int)host_len, host);
	(void)ip;
	/* A host range for one container port: the first free one. */
	if (host_len && ha != hb && ca == cb) {
		m.host = (uint16_t)ha;
		m.host_end = (uint16_t)hb;
		m.ctr = (uint16_t)ca;
		return add(p, &m, err);
	}
	if (host_len && hb - ha != cb - ca)
		return err_set(err, 0, "invalid ranges specified for container "
			       "and host Ports: %.*s and %.*s", (int)ctr_len,
			       ctr, (int)host_len, host);
	for (unsigned i = 0; i <= cb - ca; i++) {
		m.ctr = (uint16_t)(ca + i);
		m.host = m.host_end = host_len && ha ? (uint16_t)(ha + i) : 0;
		if (add(p, &m, err) < 0)
			return -1;
	}
	return 0;
}

int ports_expose(struct ports *p, const char *key, struct md_err *err)
{
	const char *slash = strchr(key, '/');

	/* ("80", "80/tcp", "53/udp"; sctp and the like are not forwarded.) */
	if (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp"))
		return 0;
	/* (A key naming a host address or port is the image's, not the
	 * user's, choice: refused.) */
	if (strchr(key, ':'))
		return err_set(err, 0, "invalid ExposedPorts key: %s", key);
	return ports_parse(p, key, err);
}

/* text appended to *buf (size *cap, used *len); -1: no memory. */
static int put(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *b = realloc(*buf, c);
		if (!b)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, text, n + 1);
	*len += n;
	return 0;
}

static char *join(const struct ports *p, int bound)
{
	char *buf = NULL, ip[16], host[16], one[64];
	size_t len = 0, cap = 0;

	if (put(&buf, &len, &cap, "") < 0)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct port_map *m = &p->v[i];
		ip4_format(m->ip, ip, sizeof(ip));
		/* (publish: "" ephemeral, "A", "A-B"; ports: the bound one) */
		snprintf(host, sizeof(host), m->host_end != m->host ? "%u-%u" :
			 m->host || bound ? "%u" : "", m->host, m->host_end);
		snprintf(one, sizeof(one), "%s%s:%s%s%u/%s", i ? ", " : "", ip,
			 host, bound ? "->" : ":", m->ctr, m->udp ? "udp" : "tcp");
		if (put(&buf, &len, &cap, one) < 0) {
			free(buf);
			return NULL;
		}
	}
	return buf;
}

char *ports_publish_text(const struct ports *p)
{
	return join(p, 0);
}

char *ports_text(const struct ports *p)
{
	return join(p, 1);
}

int ports_load(struct ports *p, const char *text, struct md_err *err)
{
	char one[64];

	while (*text) {
		size_t n = strcspn(text, ",");
		if (n >= sizeof(one))
			return err_set(err, 0, "invalid publish entry in state");
		memcpy(one, text, n);
		one[n] = 0;
		if (ports_parse(p, one, err) < 0)
			return -1;
		text += n;
		text += strspn(text, ", ");
	}
	return 0;
}

int ports_next(const char **s, struct port_map *m)
{
	const char *t = *s + strspn(*s, ", "), *arrow, *colon, *slash;
	char ip[16];
	unsigned h, hb, c, cb;
	struct in_addr a;

	if (!*t)
		return 0;
	arrow = strstr(t, "->");
	colon = arrow ? memrchr(t, ':', (size_t)(arrow - t)) : NULL;
	slash = arrow ? strchr(arrow, '/') : NULL;
	if (!colon || !slash || (size_t)(colon - t) >= sizeof(ip) ||
	    range(colon + 1, (size_t)(arrow - colon - 1), 0, &h, &hb) < 0 ||
	    range(arrow + 2, (size_t)(slash - arrow - 2), 1, &c, &cb) < 0)
		return -1;
	memcpy(ip, t, (size_t)(colon - t));
	ip[colon - t] = 0;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	m->ip = a.s_addr;
	m->host = m->host_end = (uint16_t)h;
	m->ctr = (uint16_t)c;
	m->udp = !strncmp(slash + 1, "udp", 3);
	m->fd = -1;
	*s = slash + 4;
	return 1;
}

/* One socket on ip:port (0: the kernel's choice); its port into *got. */
static int bind_one(const struct port_map *m, unsigned port, uint16_t *got)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { m->ip } };
	socklen_t len = sizeof(sa);
	int one = 1, e,
	    fd = socket(AF_INET, (m->udp ? SOCK_DGRAM : SOCK_STREAM) |
			SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	/* (TCP: a port whose last connections linger in TIME_WAIT is
	 * free; one that is listened on is not.) */
	if ((!m->udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				   sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (!m->udp && listen(fd, SOMAXCONN) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*got = ntohs(sa.sin_port);
	return fd;
}

int ports_bind(struct ports *p, struct md_err *err)
{
	for (size_t i = 0; i < p->n; i++) {
		struct port_map *m = &p->v[i];
		unsigned port = m->host;
		uint16_t got;
		char ip[16];
		struct in_addr a = { m->ip };
		do
			m->fd = bind_one(m, port, &got);
		while (m->fd < 0 && errno == EADDRINUSE && port++ < m->host_end);
		if (m->fd < 0) {
			int e = errno;
			inet_ntop(AF_INET, &a, ip, sizeof(ip));
			for (size_t j = 0; j < i; j++) {
				close(p->v[j].fd);
				p->v[j].fd = -1;
			}
			/* (Docker's words, and Go's for EADDRINUSE.) */
			return err_set(err, e == EADDRINUSE ? 0 : e, "ports are not "
				       "available: exposing port %s %s:%u -> %u: "
				       "listen %s %s:%u: bind%s",
				       m->udp ? "UDP" : "TCP", ip, m->host, m->ctr,
				       m->udp ? "udp" : "tcp", ip,
				       port > m->host_end ? m->host_end : port,
				       e == EADDRINUSE ? ": address already in use" : "");
		}
		m->host = m->host_end = got;
	}
	return 0;
}

void ports_free(struct ports *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0)
			close(p->v[i].fd);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Docker's order (cli's comparePorts): container port, address (as
 * text), host port, protocol. */
static int by_docker(const void *pa, const void *pb)
{
	const struct port_map *a = pa, *b = pb;
	char x[16], y[16];
	int d;

	if (a->ctr != b->ctr)
		return a->ctr < b->ctr ? -1 : 1;
	ip4_format(a->ip, x, sizeof(x));
	ip4_format(b->ip, y, sizeof(y));
	if ((d = strcmp(x, y)))
		return d;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	return a->udp - b->udp;
}

/* One group: "IP:A-B->A-B/tcp" (or one port). */
static int group(char **buf, size_t *len, size_t *cap, const struct port_map *m,
		 uint16_t last)
{
	char ip[16], ports[16], one[64];

	ip4_format(m->ip, ip, sizeof(ip));
	snprintf(ports, sizeof(ports), last != m->ctr ? "%u-%u" : "%u", m->ctr, last);
	snprintf(one, sizeof(one), "%s%s:%s->%s/%s", *len ? ", " : "", ip, ports,
		 ports, m->udp ? "udp" : "tcp");
	return put(buf, len, cap, one);
}

char *ports_display(const char *text)
{
	struct port_map v[PORTS_MAX], *m;
	uint16_t last[PORTS_MAX];
	size_t n = 0, head[PORTS_MAX], nh = 0, len = 0, cap = 0;
	const char *s = text;
	char *buf = NULL, ip[16], one[64];
	int r = 0, bad = 0;

	while (n < PORTS_MAX && (r = ports_next(&s, &v[n])) > 0)
		n++;
	if (r < 0 || put(&buf, &len, &cap, "") < 0)
		goto fail;
	qsort(v, n, sizeof(*v), by_docker);
	/* As Docker's DisplayablePorts: maps whose host port is the
	 * container's are grouped per address and protocol into runs (a
	 * run broken is shown at once, the last of each group in the
	 * order the groups began); the others follow, one by one. */
	for (size_t i = 0; i < n; i++) {
		size_t g;
		if (v[i].host != v[i].ctr)
			continue;
		for (g = 0; g < nh; g++)
			if (v[head[g]].ip == v[i].ip && v[head[g]].udp == v[i].udp)
				break;
		if (g == nh) {
			head[nh] = i;
			last[nh++] = v[i].ctr;
		} else if (v[i].ctr == last[g] + 1) {
			last[g] = v[i].ctr;
		} else {
			bad |= group(&buf, &len, &cap, &v[head[g]], last[g]);
			head[g] = i;
			last[g] = v[i].ctr;
		}
	}
	for (size_t g = 0; g < nh; g++)
		bad |= group(&buf, &len, &cap, &v[head[g]], last[g]);
	for (size_t i = 0; i < n; i++) {
		m = &v[i];
		if (m->host == m->ctr)
			continue;
		ip4_format(m->ip, ip, sizeof(ip));
		snprintf(one, sizeof(one), "%s%s:%u->%u/%s", len ? ", " : "", ip,
			 m->host, m->ctr, m->udp ? "udp" : "tcp");
		bad |= put(&buf, &len, &cap, one);
	}
	if (!bad)
		return buf;
fail:
	free(buf);
	return NULL;
}
