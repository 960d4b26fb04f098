/* HTTP/1.1 client: proxies, a small pool of kept-alive connections and
 * streamed bodies (the parsers are in httpparse.c).
 * Everything from the network is untrusted: every length is bounded and
 * every framing ambiguity (RFC 9112 section 6) is an error, never a guess. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "httpint.h"
#include "util.h"

#define RBUF_SIZE 16384		/* per connection; grows for long heads */
#define DRAIN_MAX 65536		/* unread body discarded to keep a conn */

enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct http_conn {
	int fd;
	struct tls *tls;
	char *key;		/* what the connection is to, for reuse */
	char name[270];		/* "host:port" for messages */
	int timeout_ms;
	int served;		/* responses read: the server may drop it */
	char *rbuf;
	size_t rcap, rpos, rlen;
};

/* ---- sockets ---- */

static int fd_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* "WHAT WHO: why", with timeouts spelled out. */
static int io_fail(struct md_err *err, int e, int ms, const char *what,
		   const char *who)
{
	if (e == ETIMEDOUT && ms % 1000)
		return err_set(err, 0, "%s %s: timed out after %d ms", what,
			       who, ms);
	if (e == ETIMEDOUT)
		return err_set(err, 0, "%s %s: timed out after %d s", what,
			       who, ms / 1000);
	return err_set(err, e, "%s %s", what, who);
}

static int tcp_connect(const char *host, const char *port, int timeout_ms,
		       struct md_err *err)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	}, *res, *ai;
	char who[270];
	int r, fd = -1, e = 0, one = 1;

	snprintf(who, sizeof(who), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if ((r = getaddrinfo(host, port, &hints, &res)))
		return err_set(err, r == EAI_SYSTEM ? errno : 0,
			       "resolve %s%s%s", host,
			       r == EAI_SYSTEM ? "" : ": ",
			       r == EAI_SYSTEM ? "" : gai_strerror(r));
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t len = sizeof(e);
		fd = socket(ai->ai_family,
			    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			if (fd_wait(fd, POLLOUT, timeout_ms) < 0)
				e = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			if (!e)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return io_fail(err, e, timeout_ms, "connect to", who);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void conn_close(struct http_conn *c)
{
	if (!c)
		return;
	tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	free(c->key);
	free(c);
}

static ssize_t conn_read(struct http_conn *c, void *buf, size_t len,
			 struct md_err *err)
{
	if (c->tls)
		return tls_read(c->tls, buf, len, err);
	/* Non-blocking: a wait (bounded) only when nothing is there. */
	for (;;) {
		ssize_t n = read(c->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN) {
			if (fd_wait(c->fd, POLLIN, c->timeout_ms) < 0)
				return io_fail(err, errno, c->timeout_ms,
					       "read from", c->name);
		} else if (errno != EINTR) {
			return io_fail(err, errno, 0, "read from", c->name);
		}
	}
}

static int conn_write(struct http_conn *c, const void *buf, size_t len,
		      struct md_err *err)
{
	const char *p = buf;

	if (c->tls)
		return tls_write(c->tls, buf, len, err);
	while (len) {
		ssize_t n;
		if (fd_wait(c->fd, POLLOUT, c->timeout_ms) < 0)
			return io_fail(err, errno, c->timeout_ms, "write to",
				       c->name);
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return io_fail(err, errno, 0, "write to", c->name);
		if (n > 0) {
			p += n;
			len -= n;
		}
	}
	return 0;
}

/* Reads a response head into a new buffer. Returns 0, -1 on error, or -2
 * if the connection ended before a single byte (a kept-alive connection
 * the server had closed: the caller may retry on a new one). */
static int read_head(struct http_conn *c, char **head, size_t *len,
		     struct md_err *err)
{
	size_t scanned = 0, got_any = c->rlen > c->rpos;

	for (;;) {
		size_t avail = c->rlen - c->rpos, back = scanned > 3 ? 3 : scanned;
		size_t n = http_head_end(c->rbuf + c->rpos + scanned - back,
					 avail - scanned + back);
		ssize_t r;
		if (n) {
			n += scanned - back;
			if (!(*head = malloc(n + 1)))
				return err_set(err, ENOMEM, "response head");
			memcpy(*head, c->rbuf + c->rpos, n);
			(*head)[n] = 0;
			*len = n;
			c->rpos += n;
			return 0;
		}
		scanned = avail;
		if (avail >= HTTP_HEAD_MAX)
			return err_set(err, 0, "response head longer than %d "
				       "bytes", HTTP_HEAD_MAX);
		if (c->rpos) {
			memmove(c->rbuf, c->rbuf + c->rpos, avail);
			c->rpos = 0;
			c->rlen = avail;
		}
		if (c->rlen == c->rcap) {
			size_t cap = c->rcap * 2;
			char *nb = realloc(c->rbuf, cap);
			if (!nb)
				return err_set(err, ENOMEM, "response head");
			c->rbuf = nb;
			c->rcap = cap;
		}
		r = conn_read(c, c->rbuf + c->rlen, c->rcap - c->rlen, err);
		if ((r == 0 || (r < 0 && err && (err->errnum == ECONNRESET ||
						 err->errnum == EPIPE))) &&
		    !got_any)
			return -2;
		if (r < 0)
			return -1;
		if (r == 0)
			return err_set(err, 0, "connection closed in the "
				       "response head");
		c->rlen += r;
		got_any = 1;
	}
}

/* ---- proxies ---- */

struct proxy {
	struct http_url url;
	char spec[HTTP_URL_MAX];	/* "http://..." form of the setting */
	char auth[400];			/* "Basic ..." or "" */
};

/* The proxy for u from the client's settings: 1 if one applies, 0 if
 * none, -1 on a bad setting. */
static int proxy_for(struct http_client *c, const struct http_url *u,
		     struct proxy *p, struct md_err *err)
{
	const char *env = u->https ? c->https_proxy : c->http_proxy;
	unsigned char user[256];
	size_t n = 0;

	if (!env || !*env || http_no_proxy(c->no_proxy, u->host, u->port))
		return 0;
	if (snprintf(p->spec, sizeof(p->spec), "%s%s",
		     strstr(env, "://") ? "" : "http://", env) >=
	    (int)sizeof(p->spec))
		return err_set(err, 0, "proxy setting too long");
	if (http_url_parse(p->spec, &p->url, NULL) < 0)
		return err_set(err, 0, "%s proxy setting: not a valid URL",
			       u->https ? "HTTPS" : "HTTP");
	if (p->url.https)
		return err_set(err, 0, "proxy %s: https:// proxies are not "
			       "supported", p->url.host);
	if (p->spec[strlen(p->spec) - 1] != '/' && p->url.target_len)
		return err_set(err, 0, "proxy %s: a path is not allowed",
			       p->url.host);
	p->auth[0] = 0;
	if (!p->url.userinfo)
		return 1;
	/* user:password from the URL, percent-decoded */
	for (size_t i = 0; i < p->url.userinfo_len; i++) {
		const char *s = p->url.userinfo + i;
		if (n == sizeof(user))
			return err_set(err, 0, "proxy credentials too long");
		if (*s == '%' && i + 2 < p->url.userinfo_len &&
		    http_hexval(s[1]) >= 0 && http_hexval(s[2]) >= 0) {
			user[n++] = http_hexval(s[1]) << 4 | http_hexval(s[2]);
			i += 2;
		} else {
			user[n++] = *s;
		}
	}
	strcpy(p->auth, "Basic ");
	base64_encode(p->auth + 6, sizeof(p->auth) - 6, user, n);
	return 1;
}

/* ---- request head ---- */

struct sb {
	char *p;
	size_t len, cap;
	int oom;
};

/* Appends the strings given, up to a NULL. */
static void sb_add(struct sb *b, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *))) {
		size_t n = strlen(s);
		if (b->len + n + 1 > b->cap) {
			size_t cap = b->cap ? b->cap : 512;
			while (cap < b->len + n + 1)
				cap *= 2;
			char *np = b->oom ? NULL : realloc(b->p, cap);
			if (!np) {
				b->oom = 1;
				continue;
			}
			b->p = np;
			b->cap = cap;
		}
		memcpy(b->p + b->len, s, n + 1);
		b->len += n;
	}
	va_end(ap);
}

/* Header values from the caller (some come from servers, like a token):
 * a CR or LF would inject header lines. */
static int bad_header_value(const char *v)
{
	return http_bad_text(v, strlen(v));
}

static void host_port(char *out, size_t len, const struct http_url *u,
		      int always_port)
{
	int v6 = strchr(u->host, ':') != NULL;
	int dflt = !strcmp(u->port, u->https ? "443" : "80");

	snprintf(out, len, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
		 dflt && !always_port ? "" : ":", dflt && !always_port ? "" : u->port);
}

/* ---- client ---- */

static char *env_dup(const char *lower, const char *upper)
{
	const char *v = getenv(lower);

	if (!v)
		v = getenv(upper);
	return v && *v ? strdup(v) : NULL;
}

void http_client_init(struct http_client *c)
{
	memset(c, 0, sizeof(*c));
	c->connect_timeout_ms = HTTP_TIMEOUT_MS;
	c->read_timeout_ms = HTTP_TIMEOUT_MS;
	c->user_agent = "md/0.1";
	c->http_proxy = env_dup("http_proxy", "HTTP_PROXY");
	c->https_proxy = env_dup("https_proxy", "HTTPS_PROXY");
	c->no_proxy = env_dup("no_proxy", "NO_PROXY");
}

void http_client_free(struct http_client *c)
{
	for (int i = 0; i < HTTP_CONNS; i++) {
		conn_close(c->idle[i]);
		c->idle[i] = NULL;
	}
	free(c->http_proxy);
	free(c->https_proxy);
	free(c->no_proxy);
	c->http_proxy = c->https_proxy = c->no_proxy = NULL;
}

void http_client_take_idle(struct http_client *dst, struct http_client *src)
{
	for (int i = 0; i < HTTP_CONNS; i++) {
		if (!dst->idle[i]) {
			dst->idle[i] = src->idle[i];
			src->idle[i] = NULL;
		}
	}
}

/* An idle connection for key, if one is still open. */
static struct http_conn *take_idle(struct http_client *cl, const char *key)
{
	for (int i = 0; i < HTTP_CONNS; i++) {
		struct http_conn *c = cl->idle[i];
		struct pollfd p;
		if (!c || strcmp(c->key, key))
			continue;
		cl->idle[i] = NULL;
		/* Readable while idle: closed by the server, or junk. */
		p = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 0) != 0 || (c->tls && tls_pending(c->tls))) {
			conn_close(c);
			return NULL;
		}
		return c;
	}
	return NULL;
}

/* Keeps one idle connection per key; the oldest goes when full. */
static void put_idle(struct http_client *cl, struct http_conn *c)
{
	int i, free_slot = -1;

	for (i = 0; i < HTTP_CONNS; i++) {
		if (cl->idle[i] && !strcmp(cl->idle[i]->key, c->key)) {
			conn_close(cl->idle[i]);
			cl->idle[i] = c;
			return;
		}
		if (!cl->idle[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		conn_close(cl->idle[0]);
		memmove(cl->idle, cl->idle + 1,
			(HTTP_CONNS - 1) * sizeof(cl->idle[0]));
		free_slot = HTTP_CONNS - 1;
	}
	cl->idle[free_slot] = c;
}

/* Opens a tunnel to u through the proxy c is connected to. */
static int proxy_connect(struct http_client *cl, struct http_conn *c,
			 const struct http_url *u, const struct proxy *p,
			 struct md_err *err)
{
	char hp[270], *head = NULL;
	struct http_head *h = NULL;
	struct sb b = { 0 };
	size_t len;
	int r;

	host_port(hp, sizeof(hp), u, 1);
	sb_add(&b, "CONNECT ", hp, " HTTP/1.1\r\nHost: ", hp,
	       "\r\nUser-Agent: ", cl->user_agent, "\r\n", NULL);
	if (p->auth[0])
		sb_add(&b, "Proxy-Authorization: ", p->auth, "\r\n", NULL);
	sb_add(&b, "\r\n", NULL);
	if (b.oom)
		r = err_set(err, ENOMEM, "proxy CONNECT");
	else if ((r = conn_write(c, b.p, b.len, err)) == 0 &&
		 (r = read_head(c, &head, &len, err)) == -2)
		r = err_set(err, 0, "connection closed");
	if (r == 0 && !(h = malloc(sizeof(*h))))
		r = err_set(err, ENOMEM, "proxy CONNECT");
	if (r == 0 && (r = http_parse_head(head, len, h, err)) == 0) {
		if (h->status / 100 != 2)
			r = err_set(err, 0, "%d %s", h->status, h->reason);
		else if (c->rpos != c->rlen)
			r = err_set(err, 0, "data after the response");
	}
	free(b.p);
	free(head);
	free(h);
	if (r < 0)
		return err_wrap(err, "proxy %s: CONNECT %s", c->name, hp);
	return 0;
}

static struct http_conn *conn_open(struct http_client *cl,
				   const struct http_url *u,
				   const struct proxy *p,
				   const struct tls_opts *tls,
				   const char *key, struct md_err *err)
{
	const struct http_url *dial = p ? &p->url : u;
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c || !(c->key = strdup(key)) || !(c->rbuf = malloc(RBUF_SIZE))) {
		if (c)
			free(c->key);
		free(c);
		return err_set(err, ENOMEM, "connection"), NULL;
	}
	c->rcap = RBUF_SIZE;
	c->timeout_ms = cl->read_timeout_ms;
	host_port(c->name, sizeof(c->name), dial, 1);
	c->fd = tcp_connect(dial->host, dial->port, cl->connect_timeout_ms,
			    err);
	if (c->fd < 0)
		goto fail;
	if (u->https && p && proxy_connect(cl, c, u, p, err) < 0)
		goto fail;
	if (u->https) {
		c->tls = tls_connect(c->fd, u->host, tls, cl->read_timeout_ms,
				     err);
		if (!c->tls)
			goto fail;
	}
	return c;
fail:
	conn_close(c);
	return NULL;
}

/* Builds the request head (and appends a small body). */
static int build_request(struct http_client *cl, const struct http_request *req,
			 const struct http_url *u, const struct proxy *p,
			 struct sb *b, struct md_err *err)
{
	const char *method = req->method ? req->method : "GET";
	char hp[270], num[24];

	for (const char *m = method; *m; m++)
		if (!http_is_tchar(*m))
			return err_set(err, 0, "bad method %s", method);
	host_port(hp, sizeof(hp), u, 0);
	sb_add(b, method, " ", NULL);
	if (p && !u->https)	/* absolute form to a plain proxy */
		sb_add(b, "http://", hp, NULL);
	if (!u->target_len || u->target[0] != '/')
		sb_add(b, "/", NULL);
	size_t at = b->len;
	sb_add(b, u->target, NULL);	/* trimmed to target_len below */
	if (!b->oom) {
		b->len = at + u->target_len;
		b->p[b->len] = 0;
	}
	sb_add(b, " HTTP/1.1\r\nHost: ", hp, "\r\nUser-Agent: ",
	       cl->user_agent, "\r\n", NULL);
	if (req->accept)
		sb_add(b, "Accept: ", req->accept, "\r\n", NULL);
	if (req->authorization)
		sb_add(b, "Authorization: ", req->authorization, "\r\n", NULL);
	if (req->range)
		sb_add(b, "Range: ", req->range, "\r\n", NULL);
	if ((req->accept && bad_header_value(req->accept)) ||
	    (req->authorization && bad_header_value(req->authorization)) ||
	    (req->range && bad_header_value(req->range)))
		return err_set(err, 0, "bad character in a request header");
	for (const char *const *h = req->headers; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		if (!colon || colon == *h || bad_header_value(*h))
			return err_set(err, 0, "bad request header %.40s", *h);
		for (const char *q = *h; q < colon; q++)
			if (!http_is_tchar(*q))
				return err_set(err, 0, "bad request header "
					       "%.40s", *h);
		sb_add(b, *h, "\r\n", NULL);
	}
	if (p && !u->https && p->auth[0])
		sb_add(b, "Proxy-Authorization: ", p->auth, "\r\n", NULL);
	if (req->body || !strcmp(method, "POST") || !strcmp(method, "PUT")) {
		snprintf(num, sizeof(num), "%zu", req->body ? req->body_len : 0);
		sb_add(b, "Content-Length: ", num, "\r\n", NULL);
	}
	sb_add(b, "\r\n", NULL);
	if (b->oom)
		return err_set(err, ENOMEM, "request");
	return 0;
}

static void set_what(struct http_response *r, const char *method,
		     const char *url)
{
	char show[200];

	snprintf(r->what, sizeof(r->what), "%s %s", method,
		 http_url_show(show, sizeof(show), url));
}

/* Sends the request on c and reads the final (non-1xx) head into r. */
static int exchange(struct http_conn *c, const struct http_request *req,
		    const struct sb *b, struct http_response *r,
		    struct md_err *err)
{
	size_t len;
	int rc;

	if (conn_write(c, b->p, b->len, err) < 0 ||
	    (req->body && req->body_len &&
	     conn_write(c, req->body, req->body_len, err) < 0))
		return err && (err->errnum == EPIPE || err->errnum == ECONNRESET)
		       ? -2 : -1;
	for (;;) {
		free(r->buf);
		r->buf = NULL;
		if ((rc = read_head(c, &r->buf, &len, err)) < 0)
			return rc;
		if (http_parse_head(r->buf, len, &r->head, err) < 0)
			return err_wrap(err, "bad response");
		if (r->head.status / 100 != 1)
			return 0;
		if (r->head.status == 101)
			return err_set(err, 0, "unexpected 101 response");
	}
}

int http_request(struct http_client *cl, const struct http_request *req,
		 struct http_response *r, struct md_err *err)
{
	const char *method = req->method ? req->method : "GET";
	int idempotent = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	struct proxy *p = NULL;
	struct http_url u;
	struct http_conn *c = NULL;
	struct sb b = { 0 };
	char key[600];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->client = cl;
	set_what(r, method, req->url);
	if (http_url_parse(req->url, &u, err) < 0)
		return -1;
	if (u.userinfo)
		return err_set(err, 0, "%s: credentials in the URL are not "
			       "supported", r->what);
	if (!(p = malloc(sizeof(*p))))
		return err_set(err, ENOMEM, "%s", r->what);
	switch (proxy_for(cl, &u, p, err)) {
	case -1:
		goto out;
	case 0:
		free(p);
		p = NULL;
	}
	if (build_request(cl, req, &u, p, &b, err) < 0)
		goto out;
	/* What a connection is to: a tunnel or TLS session is bound to the
	 * target and its trust settings; plain requests via a proxy share
	 * the proxy connection. */
	if (u.https)
		snprintf(key, sizeof(key), "s|%s|%s|%d|%s", u.host, u.port,
			 req->tls && req->tls->insecure,
			 req->tls && req->tls->ca_file ? req->tls->ca_file : "");
	else if (p)
		snprintf(key, sizeof(key), "p|%s|%s", p->url.host, p->url.port);
	else
		snprintf(key, sizeof(key), "h|%s|%s", u.host, u.port);
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = (c = take_idle(cl, key)) != NULL;
		if (!c && !(c = conn_open(cl, &u, p, req->tls, key, err)))
			goto out;
		c->timeout_ms = cl->read_timeout_ms;
		if (c->tls)
			tls_set_timeout(c->tls, cl->read_timeout_ms);
		rc = exchange(c, req, &b, r, err);
		if (rc == -2 && reused && idempotent) {
			conn_close(c);	/* dropped while idle: once more */
			c = NULL;
			continue;
		}
		break;
	}
	if (rc == -2)
		rc = err_set(err, 0, "connection closed before the response");
	if (rc < 0)
		goto out;
	c->served++;
	r->status = r->head.status;
	r->conn = c;
	c = NULL;
	if (!strcmp(method, "HEAD") || r->status == 204 || r->status == 304) {
		r->mode = BODY_NONE;
		r->done = 1;
	} else if (r->head.chunked) {
		r->mode = BODY_CHUNKED;
		http_chunked_init(&r->ch);
	} else if (r->head.content_length >= 0) {
		r->mode = BODY_LENGTH;
		r->left = r->head.content_length;
		r->done = r->left == 0;
	} else {
		r->mode = BODY_CLOSE;
		r->head.close = 1;
	}
out:
	conn_close(c);
	free(b.p);
	free(p);
	if (rc < 0) {
		free(r->buf);
		r->buf = NULL;
		return err_wrap(err, "%s", r->what);
	}
	return 0;
}

const char *http_header(const struct http_response *r, const char *name)
{
	return http_head_get(&r->head, name, NULL);
}

int64_t http_content_length(const struct http_response *r)
{
	return r->mode == BODY_LENGTH ? r->head.content_length : -1;
}

static ssize_t read_chunked(struct http_response *r, char *buf, size_t len,
			    struct md_err *err)
{
	struct http_conn *c = r->conn;

	for (;;) {
		size_t out;
		ssize_t n;
		if (c->rpos == c->rlen) {
			c->rpos = c->rlen = 0;
			n = conn_read(c, c->rbuf, c->rcap, err);
			if (n < 0)
				return -1;
			if (n == 0)
				return err_set(err, 0, "connection closed inside "
					       "the chunked body");
			c->rlen = n;
		}
		n = http_chunked_decode(&r->ch, c->rbuf + c->rpos,
					c->rlen - c->rpos, buf, len, &out, err);
		if (n < 0)
			return -1;
		c->rpos += n;
		r->done = http_chunked_done(&r->ch);
		if (out || r->done)
			return out;
	}
}

ssize_t http_read(struct http_response *r, void *buf, size_t len,
		  struct md_err *err)
{
	struct http_conn *c = r->conn;
	ssize_t n;

	if (r->done || !len)
		return 0;
	if (!c)
		return err_set(err, 0, "%s: response already ended", r->what);
	if (r->mode == BODY_CHUNKED) {
		n = read_chunked(r, buf, len, err);
	} else {
		if (r->mode == BODY_LENGTH && len > r->left)
			len = r->left;
		if (c->rpos < c->rlen) {
			n = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
			memcpy(buf, c->rbuf + c->rpos, n);
			c->rpos += n;
		} else if ((n = conn_read(c, buf, len, err)) == 0) {
			if (r->mode == BODY_CLOSE) {
				r->done = 1;
				return 0;
			}
			n = err_set(err, 0, "connection closed after %llu of "
				    "%lld body bytes",
				    (unsigned long long)r->got,
				    (long long)r->head.content_length);
		}
		if (n > 0 && r->mode == BODY_LENGTH && !(r->left -= n))
			r->done = 1;
	}
	if (n < 0) {
		r->head.close = 1;
		return err_wrap(err, "%s", r->what);
	}
	r->got += n;
	return n;
}

int http_read_body(struct http_response *r, http_body_fn fn, void *user,
		   struct md_err *err)
{
	char buf[32768];
	ssize_t n;

	while ((n = http_read(r, buf, sizeof(buf), err)) > 0)
		if (fn(user, buf, n, err) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

char *http_read_all(struct http_response *r, size_t max, size_t *len,
		    struct md_err *err)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	ssize_t got;

	for (;;) {
		if (cap - n < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;
			if (ncap > max + 4096)
				ncap = max + 4096;
			if (ncap <= cap) {
				free(buf);
				return err_set(err, 0, "%s: body longer than %zu "
					       "bytes", r->what, max), NULL;
			}
			if (!(nb = realloc(buf, ncap))) {
				free(buf);
				return err_set(err, ENOMEM, "%s", r->what), NULL;
			}
			buf = nb;
			cap = ncap;
		}
		got = http_read(r, buf + n, cap - n - 1, err);
		if (got < 0) {
			free(buf);
			return NULL;
		}
		if (!got)
			break;
		n += got;
		if (n > max) {
			free(buf);
			return err_set(err, 0, "%s: body longer than %zu bytes",
				       r->what, max), NULL;
		}
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

void http_response_end(struct http_response *r)
{
	struct http_conn *c = r->conn;

	if (c && !r->done && !r->head.close && r->mode != BODY_CLOSE &&
	    (r->mode == BODY_CHUNKED || r->left <= DRAIN_MAX)) {
		/* A short unread body (a 401's, a redirect's) is cheaper to
		 * skip than a new connection, TLS above all. */
		char buf[4096];
		uint64_t start = r->got;
		ssize_t n;
		while (r->got - start < DRAIN_MAX &&
		       (n = http_read(r, buf, sizeof(buf), NULL)) > 0)
			;
	}
	if (c && r->done && !r->head.close && c->rpos == c->rlen &&
	    r->client)
		put_idle(r->client, c);
	else
		conn_close(c);
	r->conn = NULL;
	free(r->buf);
	r->buf = NULL;
}

int http_request_follow(struct http_client *c, const struct http_request *req,
			int max_redirects, struct http_response *r,
			char *final_url, size_t final_len, struct md_err *err)
{
	struct http_request cur = *req;
	/* Elsewhere an extra CA still helps (a private CA usually signs all
	 * of a site's hosts); "insecure" was granted to one origin only. */
	struct tls_opts other = { .ca_file = req->tls ? req->tls->ca_file : NULL };
	char *url = malloc(HTTP_URL_MAX), *next = malloc(HTTP_URL_MAX);
	int rc = -1;

	if (!url || !next) {
		err_set(err, ENOMEM, "redirect");
		goto out;
	}
	if (snprintf(url, HTTP_URL_MAX, "%s", req->url) >= HTTP_URL_MAX) {
		err_set(err, 0, "URL too long");
		goto out;
	}
	for (int i = 0;; i++) {
		int same = http_same_origin(url, req->url);
		const char *loc;
		cur.url = url;
		cur.authorization = same ? req->authorization : NULL;
		cur.tls = same ? req->tls : &other;
		if (http_request(c, &cur, r, err) < 0)
			goto out;
		loc = http_header(r, "Location");
		if (!(r->status == 301 || r->status == 302 || r->status == 303 ||
		      r->status == 307 || r->status == 308) || !loc)
			break;
		if (i == max_redirects) {
			err_set(err, 0, "%s: more than %d redirects", r->what,
				max_redirects);
			http_response_end(r);
			goto out;
		}
		if (http_url_resolve(url, loc, next, HTTP_URL_MAX, err) < 0) {
			err_wrap(err, "%s", r->what);
			http_response_end(r);
			goto out;
		}
		if (r->status == 303 || (r->status != 307 && r->status != 308 &&
					 cur.method && !strcmp(cur.method, "POST"))) {
			if (!cur.method || strcmp(cur.method, "HEAD"))
				cur.method = "GET";
			cur.body = NULL;
			cur.body_len = 0;
		}
		http_response_end(r);
		char *t = url;
		url = next;
		next = t;
	}
	if (final_url)
		snprintf(final_url, final_len, "%s", url);
	rc = 0;
out:
	free(url);
	free(next);
	return rc;
}
