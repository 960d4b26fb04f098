/* HTTP client and TLS: the head parser and chunked decoder on nasty input
 * first, URL resolution and NO_PROXY, then real requests against servers
 * forked on 127.0.0.1 (keep-alive, chunked, redirects that must not carry
 * the Authorization elsewhere, timeouts, proxies) and TLS against
 * `openssl s_server` with certificates made by `openssl` (trusted,
 * untrusted, wrong name, expired, insecure). Traffic stays on 127.0.0.1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "sha256.h"
#include "tls.h"

static int fails;

#define CHECK(cond, ...) do { if (!(cond)) { fails++; \
	printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
	printf("\n"); } } while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- head parser ---- */

static char pbuf[HTTP_HEAD_MAX * 2];
static struct http_head ph;

/* Finds the end and parses: -2 if incomplete, else http_parse_head's. */
static int parse(const char *s, size_t len, struct md_err *e)
{
	size_t n;

	memcpy(pbuf, s, len);
	if (!(n = http_head_end(pbuf, len)))
		return -2;
	return http_parse_head(pbuf, n, &ph, e);
}

static int parse_s(const char *s, struct md_err *e)
{
	return parse(s, strlen(s), e);
}

#define BAD(s, why) do { struct md_err e_ = { 0 }; \
	CHECK(parse_s(s, &e_) == -1 && strstr(e_.msg, why), \
	      "parse %.60s: want error '%s', got '%s'", s, why, e_.msg); } while (0)
#define GOOD(s) do { struct md_err e_ = { 0 }; \
	CHECK(parse_s(s, &e_) == 0, "parse %.60s: %s", s, e_.msg); } while (0)

static void test_head(void)
{
	struct md_err e = { 0 };
	char *big;
	size_t n;

	/* overlong: 70000 bytes of fields */
	big = malloc(80000);
	n = sprintf(big, "HTTP/1.1 200 OK\r\n");
	while (n < 70000)
		n += sprintf(big + n, "X-Pad: %0100d\r\n", 0);
	n += sprintf(big + n, "\r\n");
	CHECK(parse(big, n, &e) == -1 && strstr(e.msg, "longer than"),
	      "overlong head: %s", e.msg);
	/* too many fields */
	n = sprintf(big, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP_FIELDS_MAX; i++)
		n += sprintf(big + n, "X-%d: y\r\n", i);
	n += sprintf(big + n, "\r\n");
	CHECK(parse(big, n, &e) == -1 && strstr(e.msg, "too many"),
	      "too many fields: %s", e.msg);
	free(big);

	/* bad status lines */
	BAD("HTTP/2 200 OK\r\n\r\n", "status line");
	BAD("HTTP/1.1 20 OK\r\n\r\n", "status line");
	BAD("HTTP/1.1 2000 OK\r\n\r\n", "status line");
	BAD("HTTP/1.1 099 Low\r\n\r\n", "status line");
	BAD("HTTP/1.1 600 High\r\n\r\n", "status line");
	BAD("HTTP/1.1  200 OK\r\n\r\n", "status line");
	BAD("HTTP/1.1 200OK\r\n\r\n", "status line");
	BAD("ICY 200 OK\r\n\r\n", "status line");
	BAD("http/1.1 200 OK\r\n\r\n", "status line");
	BAD("\r\n\r\n", "status line");
	BAD("HTTP/1.1 200 O\x01K\r\n\r\n", "status line");
	CHECK(parse("\x15\x03\x01\x00\x02\x02\x0a\n\n", 9, &e) == -1 &&
	      strstr(e.msg, "status line"), "TLS alert as a head: %s", e.msg);
	/* Content-Length */
	BAD("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	    "Content-Length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    "conflicting");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "conflicting");
	GOOD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n");
	CHECK(ph.content_length == 5, "duplicate equal CL: %lld",
	      (long long)ph.content_length);
	GOOD("HTTP/1.1 200 OK\r\nContent-Length: 7 , 7\r\n\r\n");
	CHECK(ph.content_length == 7, "CL list");
	GOOD("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n");
	CHECK(ph.content_length == 1000000000000LL, "CL 1e12");
	/* Transfer-Encoding */
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    "Transfer-Encoding");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
	    "Transfer-Encoding");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", "Transfer-Encoding");
	GOOD("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n");
	CHECK(ph.chunked && !ph.close && ph.content_length == -1, "TE chunked");
	GOOD("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n");
	CHECK(ph.chunked && ph.close && ph.content_length == -1,
	      "TE wins over CL and closes");
	/* field syntax */
	BAD("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", "folded");
	BAD("HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n\r\n", "folded");
	BAD("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", "header name");
	BAD("HTTP/1.1 200 OK\r\n: x\r\n\r\n", "header line");
	BAD("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "header line");
	BAD("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "bad response head");
	BAD("HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", "control character");
	CHECK(parse("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", 29, &e) == -1 &&
	      strstr(e.msg, "control character"), "NUL in value: %s", e.msg);
	CHECK(parse_s("HTTP/1.1 200 OK\r\nX-A: b\r\n", &e) == -2,
	      "incomplete head found complete");
	/* good ones */
	GOOD("HTTP/1.1 200\r\n\r\n");
	CHECK(ph.status == 200 && !*ph.reason, "no reason");
	GOOD("HTTP/1.0 404 Not Found\nServer: x\n\n");
	CHECK(ph.status == 404 && ph.minor == 0 && ph.close &&
	      !strcmp(ph.reason, "Not Found"), "HTTP/1.0, LF only");
	GOOD("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n");
	CHECK(!ph.close, "1.0 keep-alive");
	GOOD("HTTP/1.1 200 OK\r\nConnection: foo, close\r\n\r\n");
	CHECK(ph.close, "Connection: close");
	GOOD("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate:  Bearer realm=\"x\"  \r\n"
	     "Www-Authenticate: Basic\r\nEmpty:\r\n\r\n");
	size_t i = 0;
	const char *v = http_head_get(&ph, "www-authenticate", &i);
	CHECK(v && !strcmp(v, "Bearer realm=\"x\"") && i == 0, "lookup 1: %s", v);
	i++;
	v = http_head_get(&ph, "WWW-AUTHENTICATE", &i);
	CHECK(v && !strcmp(v, "Basic") && i == 1, "lookup 2: %s", v);
	i++;
	CHECK(!http_head_get(&ph, "www-authenticate", &i), "lookup 3");
	v = http_head_get(&ph, "empty", NULL);
	CHECK(v && !*v, "empty value");
}

/* ---- chunked ---- */

static int dechunk(const char *in, size_t len, size_t step, char *out,
		   size_t outcap, size_t *outlen, size_t *used,
		   struct md_err *e)
{
	struct http_chunked c;
	size_t o = 0, i = 0;

	http_chunked_init(&c);
	while (i < len && !http_chunked_done(&c)) {
		size_t n = len - i < step ? len - i : step, got;
		ssize_t r = http_chunked_decode(&c, in + i, n, out + o,
						outcap - o, &got, e);
		if (r < 0)
			return -1;
		i += r;
		o += got;
		if ((size_t)r < n && !http_chunked_done(&c) && !got)
			break;
	}
	*outlen = o;
	*used = i;
	return http_chunked_done(&c) ? 1 : 0;
}

#define CBAD(s, why) do { struct md_err e_ = { 0 }; char o_[64]; size_t ol_, u_; \
	CHECK(dechunk(s, sizeof(s) - 1, 1000, o_, sizeof(o_), &ol_, &u_, &e_) == -1 && \
	      strstr(e_.msg, why), "chunked %.40s: want '%s', got '%s'", s, why, \
	      e_.msg); } while (0)

static void test_chunked(void)
{
	static const char good[] = "5;name=value\r\nhello\r\n7 ; x\r\n, world\r\n"
				   "000\r\nX-Trailer: a\r\nY: b\r\n\r\nEXTRA";
	char out[256];
	size_t olen, used;
	struct md_err e = { 0 };

	for (size_t step = 1; step <= sizeof(good); step++) {
		int r = dechunk(good, sizeof(good) - 1, step, out, sizeof(out),
				&olen, &used, &e);
		CHECK(r == 1 && olen == 12 && !memcmp(out, "hello, world", 12) &&
		      used == sizeof(good) - 1 - 5,
		      "chunked step %zu: r=%d olen=%zu used=%zu %s", step, r,
		      olen, used, e.msg);
	}
	/* a small output buffer: progress in pieces */
	{
		struct http_chunked c;
		size_t i = 0, o = 0, got;
		http_chunked_init(&c);
		while (!http_chunked_done(&c) && i < sizeof(good) - 1) {
			ssize_t r = http_chunked_decode(&c, good + i,
				sizeof(good) - 1 - i, out + o, 3, &got, &e);
			CHECK(r >= 0 && got <= 3, "small out");
			if (r < 0)
				break;
			i += r;
			o += got;
		}
		CHECK(o == 12 && !memcmp(out, "hello, world", 12), "small out");
	}
	/* in place */
	{
		char buf[sizeof(good)];
		struct http_chunked c;
		size_t got;
		memcpy(buf, good, sizeof(good));
		http_chunked_init(&c);
		ssize_t r = http_chunked_decode(&c, buf, sizeof(good) - 1, buf,
						sizeof(buf), &got, &e);
		CHECK(r == (ssize_t)sizeof(good) - 1 - 5 && got == 12 &&
		      !memcmp(buf, "hello, world", 12), "in place");
	}
	CBAD("zz\r\n", "chunk size");
	CBAD("5x\r\nhello\r\n0\r\n\r\n", "chunk size");
	CBAD("\r\n", "chunk size");
	CBAD("-5\r\n", "chunk size");
	CBAD(";x\r\n", "chunk size");
	CBAD("FFFFFFFFFFFFFFFFF\r\n", "too large");
	CBAD("1000000000000000\r\n", "too large");
	CBAD("5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF");
	CBAD("5\r\nhello\n0\r\n\r\n", "missing CRLF");
	CBAD("5\nhello\r\n0\r\n\r\n", "chunk size");
	CBAD("5\rhello\r\n0\r\n\r\n", "missing CRLF");
	CBAD("5;a\x01\r\nhello\r\n", "extension");
	CBAD("0\r\nX: a\rb\r\n\r\n", "missing CRLF");
	CBAD("0\r\nX: a\x01\r\n\r\n", "trailer");
	CBAD("0\r\n\rX", "missing CRLF");
	{
		/* 15 hex digits is still a (huge) valid size */
		struct http_chunked c;
		size_t got;
		http_chunked_init(&c);
		CHECK(http_chunked_decode(&c, "fffffffffffffff\r\nab", 19, out,
					  sizeof(out), &got, &e) == 19 &&
		      got == 2, "15 hex digits: %s", e.msg);
	}
	/* overlong size line and trailer */
	{
		char *s = malloc(HTTP_HEAD_MAX + 100);
		size_t n = sprintf(s, "5;");
		memset(s + n, 'a', 5000);
		memcpy(s + n + 5000, "\r\n", 2);
		CHECK(dechunk(s, n + 5002, 4096, out, sizeof(out), &olen, &used,
			      &e) == -1 && strstr(e.msg, "size line too long"),
		      "long size line: %s", e.msg);
		n = sprintf(s, "0\r\nX: ");
		memset(s + n, 'a', HTTP_HEAD_MAX);
		CHECK(dechunk(s, n + HTTP_HEAD_MAX, 4096, out, sizeof(out), &olen,
			      &used, &e) == -1 && strstr(e.msg, "trailer too long"),
		      "long trailer: %s", e.msg);
		free(s);
	}
}

/* ---- URLs and NO_PROXY ---- */

static void test_urls(void)
{
	struct http_url u;
	struct md_err e = { 0 };
	char out[HTTP_URL_MAX];
	static const char *bad[] = {
		"ftp://x/", "http://", "http:///x", "http://h:0/", "http://h:65536/",
		"http://h:x/", "http://h h/", "http://h/a b", "http://h/\x01",
		"http://[::1/", "http://[zz]/", "http://h:123456/", "https://h\r\n/",
		"//h/x",
	};

	CHECK(http_url_parse("https://Registry-1.docker.io/v2/?n=1#frag", &u, &e) == 0 &&
	      u.https && !strcmp(u.host, "Registry-1.docker.io") &&
	      !strcmp(u.port, "443") && u.target_len == 8 &&
	      !strncmp(u.target, "/v2/?n=1", 8), "parse https: %s", e.msg);
	CHECK(http_url_parse("http://[::1]:5000/x", &u, &e) == 0 && !u.https &&
	      !strcmp(u.host, "::1") && !strcmp(u.port, "5000"), "parse v6");
	CHECK(http_url_parse("HTTP://h", &u, &e) == 0 && !strcmp(u.port, "80") &&
	      u.target_len == 0, "parse bare host");
	CHECK(http_url_parse("http://u:p@h:8/", &u, &e) == 0 && u.userinfo &&
	      u.userinfo_len == 3 && !strcmp(u.host, "h"), "userinfo");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = http_url_parse(bad[i], &u, &e);
		CHECK(r < 0, "bad URL accepted: %s", bad[i]);
	}
	CHECK(http_url_parse("http://h:/%", &u, &e) == 0 && !strcmp(u.port, "80"),
	      "empty port is the default");

	static const char *base = "https://r.io/v2/a/blobs/sha256:x?q=1";
	static const struct { const char *ref, *want; } res[] = {
		{ "https://cdn.io/p?sig=1&x=2", "https://cdn.io/p?sig=1&x=2" },
		{ "http://cdn.io", "http://cdn.io" },
		{ "//cdn.io/p", "https://cdn.io/p" },
		{ "/v2/b", "https://r.io/v2/b" },
		{ "c/d", "https://r.io/v2/a/blobs/c/d" },
		{ "../x", "https://r.io/v2/a/x" },
		{ "../../../../../x", "https://r.io/x" },
		{ "./", "https://r.io/v2/a/blobs/" },
		{ "..", "https://r.io/v2/a/" },
		{ "?y=2", "https://r.io/v2/a/blobs/sha256:x?y=2" },
		{ "", "https://r.io/v2/a/blobs/sha256:x?q=1" },
		{ "#f", "https://r.io/v2/a/blobs/sha256:x?q=1" },
		{ "/a/./b/../c?z#frag", "https://r.io/a/c?z" },
		{ "/a//b/", "https://r.io/a//b/" },
		{ "g:h", NULL },
		{ "mailto:x@y", NULL },
		{ "/a b", NULL },
	};
	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		int r = http_url_resolve(base, res[i].ref, out, sizeof(out), &e);
		if (res[i].want)
			CHECK(r == 0 && !strcmp(out, res[i].want),
			      "resolve '%s': got %s (%s)", res[i].ref,
			      r ? "error" : out, e.msg);
		else
			CHECK(r < 0, "resolve '%s' should fail, got %s",
			      res[i].ref, out);
	}
	CHECK(http_url_resolve("http://h", "x", out, sizeof(out), &e) == 0 &&
	      !strcmp(out, "http://h/x"), "resolve on empty path: %s", out);
	CHECK(http_url_resolve(base, "/x", out, 13, &e) < 0 &&
	      strstr(e.msg, "too long"), "resolve overflow");

	CHECK(http_same_origin("https://a.io/x", "https://A.IO:443/y?z"), "origin 1");
	CHECK(!http_same_origin("https://a.io/x", "http://a.io/x"), "origin 2");
	CHECK(!http_same_origin("http://a.io:80/", "http://a.io:8080/"), "origin 3");
	CHECK(!http_same_origin("http://a.io/", "http://b.a.io/"), "origin 4");
	CHECK(!http_same_origin("bad", "bad"), "origin 5");

	const char *np = " localhost,.example.com, corp.net:8080,[::1]:5000,10.1.2.3";
	CHECK(http_no_proxy(np, "localhost", "80"), "np localhost");
	CHECK(http_no_proxy(np, "a.example.com", "443"), "np suffix");
	CHECK(http_no_proxy(np, "example.com", "443"), "np dot domain itself");
	CHECK(!http_no_proxy(np, "badexample.com", "443"), "np not a suffix");
	CHECK(http_no_proxy(np, "x.corp.net", "8080"), "np port");
	CHECK(!http_no_proxy(np, "x.corp.net", "80"), "np wrong port");
	CHECK(http_no_proxy(np, "::1", "5000"), "np v6");
	CHECK(!http_no_proxy(np, "::1", "5001"), "np v6 port");
	CHECK(http_no_proxy(np, "10.1.2.3", "80"), "np ip");
	CHECK(!http_no_proxy(np, "10.1.2.33", "80"), "np ip 2");
	CHECK(http_no_proxy("*", "anything", "1"), "np star");
	CHECK(http_no_proxy("*.corp", "a.corp", "1"), "np star dot");
	CHECK(!http_no_proxy("", "a", "1") && !http_no_proxy(NULL, "a", "1"),
	      "np empty");
}


/* ---- a scripted HTTP server (and proxy) forked on 127.0.0.1 ---- */

static char tmp[256];

struct server {
	pid_t pid;
	int port;
	int other;		/* where /redirect-other points */
	char log[300];
};

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (void *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (void *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static void put(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			_exit(0);
		s += w;
		n -= w;
	}
}

static void puts_(int fd, const char *s)
{
	put(fd, s, strlen(s));
}

static void logreq(const char *log, int id, const char *req)
{
	char line[80000];
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	int n = snprintf(line, sizeof(line), "conn=%d %s\n", id, req);

	if (fd >= 0) {
		if (write(fd, line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1) < 0)
			_exit(1);
		close(fd);
	}
}

/* One request head (byte by byte: nothing of the next one is eaten) and
 * its Content-Length body; 0 at EOF. */
static size_t read_req(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char *cl;

	while (n < cap - 1) {
		if (read(fd, buf + n, 1) != 1)
			return 0;
		n++;
		if (n >= 4 && !memcmp(buf + n - 4, "\r\n\r\n", 4))
			break;
	}
	buf[n] = 0;
	if ((cl = strcasestr(buf, "\r\nContent-Length: "))) {
		size_t bl = strtoul(cl + 18, NULL, 10);
		if (bl > cap - 1 - n)
			return 0;
		for (size_t got = 0; got < bl;) {
			ssize_t r = read(fd, buf + n + got, bl - got);
			if (r <= 0)
				return 0;
			got += r;
		}
		n += bl;
		buf[n] = 0;
	}
	return n;
}

static void relay(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN },
			       { .fd = b, .events = POLLIN } };
	char buf[65536];

	for (;;) {
		if (poll(p, 2, 10000) <= 0)
			return;
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return;
			put(p[!i].fd, buf, n);
		}
	}
}

static void serve_conn(int fd, int id, const struct server *s)
{
	static char req[70000];
	char method[16], target[4096], path[4096], out[512];
	int die_next = 0;

	for (;;) {
		if (!read_req(fd, req, sizeof(req)))
			return;
		logreq(s->log, id, req);
		if (die_next || sscanf(req, "%15s %4095s", method, target) != 2)
			return;
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(target, "?"),
			 target);
		if (!strcmp(method, "CONNECT")) {
			int up = connect_port(atoi(strrchr(target, ':') + 1));
			if (up < 0)
				return puts_(fd, "HTTP/1.1 502 Bad Gateway\r\n\r\n");
			puts_(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
			relay(fd, up);
			return;
		}
		if (!strncmp(target, "http://", 7)) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied");
		} else if (!strcmp(method, "HEAD")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
		} else if (!strcmp(path, "/hello")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
		} else if (!strcmp(path, "/landing")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nlanding");
		} else if (!strcmp(path, "/chunked")) {
			static const char *parts[] = {
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
				"\r\n5;ext=1\r", "\nhel", "lo\r\n7\r\n, w", "orld\r\n0",
				"\r\nX-Trailer: y\r\n", "\r\n",
			};
			for (size_t i = 0; i < 7; i++) {
				puts_(fd, parts[i]);
				usleep(2000);
			}
		} else if (!strcmp(path, "/redirect-other")) {
			snprintf(out, sizeof(out), "HTTP/1.1 302 Found\r\nLocation: "
				 "http://127.0.0.1:%d/landing\r\nContent-Length: 4\r\n"
				 "\r\nmove", s->other);
			puts_(fd, out);
		} else if (!strcmp(path, "/redirect-to")) {
			snprintf(out, sizeof(out), "HTTP/1.1 307 Temporary Redirect\r\n"
				 "Location: %s\r\nContent-Length: 0\r\n\r\n",
				 strchr(target, '?') + 1);
			puts_(fd, out);
		} else if (!strcmp(path, "/redirect-rel")) {
			puts_(fd, "HTTP/1.1 301 Moved\r\nLocation: hello?x=1\r\n"
			      "Content-Length: 0\r\n\r\n");
		} else if (!strcmp(path, "/redirect-303")) {
			puts_(fd, "HTTP/1.1 303 See Other\r\nLocation: /hello\r\n"
			      "Content-Length: 0\r\n\r\n");
		} else if (!strcmp(path, "/redirect-loop")) {
			puts_(fd, "HTTP/1.1 302 Found\r\nLocation: /redirect-loop\r\n"
			      "Content-Length: 0\r\n\r\n");
		} else if (!strcmp(path, "/close")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close");
			return;
		} else if (!strcmp(path, "/short")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
			return;
		} else if (!strcmp(path, "/slow")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
			sleep(3);
			return;
		} else if (!strcmp(path, "/bighead")) {
			puts_(fd, "HTTP/1.1 200 OK\r\n");
			for (int i = 0; i < 1000; i++)
				puts_(fd, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				      "aaaaaaaaaaaaaaaaaaaaaaa\r\n");
			puts_(fd, "\r\n");
		} else if (!strcmp(path, "/100")) {
			puts_(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\n"
			      "Link: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		} else if (!strcmp(path, "/304")) {
			puts_(fd, "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n");
		} else if (!strcmp(path, "/401")) {
			puts_(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
			      "realm=\"x\"\r\nContent-Length: 6\r\n\r\ndenied");
		} else if (!strcmp(path, "/once")) {
			puts_(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			die_next = 1;
		} else if (!strcmp(path, "/big")) {
			static char blk[65536];
			size_t total = 64 << 20;
			for (size_t i = 0; i < sizeof(blk); i++)
				blk[i] = i * 7;
			snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: "
				 "%zu\r\n\r\n", total);
			puts_(fd, out);
			for (size_t i = 0; i < total; i += sizeof(blk))
				put(fd, blk, sizeof(blk));
		} else {
			puts_(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		}
	}
}

static int start_server(struct server *s, int other, const char *name)
{
	int lfd = listen_any(&s->port);

	if (lfd < 0)
		return -1;
	s->other = other;
	snprintf(s->log, sizeof(s->log), "%s/%s.log", tmp, name);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		setpgid(0, 0);		/* its connection handlers die with it */
		signal(SIGCHLD, SIG_IGN);
		alarm(120);
		for (int id = 1;; id++) {
			int c = accept(lfd, NULL, NULL);
			if (c < 0)
				_exit(0);
			if (fork() == 0) {
				close(lfd);
				serve_conn(c, id, s);
				_exit(0);
			}
			close(c);
		}
	}
	setpgid(s->pid, s->pid);
	close(lfd);
	return 0;
}

static void stop_server(struct server *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Connection number the server logged for the request line "line". */
static int conn_of(const char *log, const char *line)
{
	char *all = slurp(log), *p = strstr(all, line);

	while (p && p > all && strncmp(p, "conn=", 5))
		p--;
	return p && !strncmp(p, "conn=", 5) ? atoi(p + 5) : -1;
}

static char url[HTTP_URL_MAX], final_buf[HTTP_URL_MAX];

static const char *U(const struct server *s, const char *path)
{
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
	return url;
}

/* GET (or req as given) and read the whole body; NULL on error. */
static char *fetch(struct http_client *c, struct http_request *rq, int *status,
		   struct md_err *e)
{
	struct http_response r;
	char *body;

	*status = 0;
	if (http_request(c, rq, &r, e) < 0)
		return NULL;
	*status = r.status;
	body = http_read_all(&r, 1 << 20, NULL, e);
	http_response_end(&r);
	return body;
}

static char *get(struct http_client *c, const char *u, int *status,
		 struct md_err *e)
{
	struct http_request rq = { .url = u };

	return fetch(c, &rq, status, e);
}

struct digest_sink {
	struct sha256 s;
	uint64_t n;
};

static int to_sha(void *user, const void *buf, size_t len, struct md_err *e)
{
	struct digest_sink *d = user;

	sha256_update(&d->s, buf, len);
	d->n += len;
	return 0;
}

static struct server a, b;

static void test_live(void)
{
	struct http_client c;
	struct md_err e = { 0 };
	char *body, final[HTTP_URL_MAX];
	int st;

	if (start_server(&b, 0, "b") < 0 || start_server(&a, b.port, "a") < 0) {
		CHECK(0, "cannot start test servers: %s", strerror(errno));
		return;
	}
	http_client_init(&c);

	/* keep-alive: two requests, one connection */
	body = get(&c, U(&a, "/hello?ka1"), &st, &e);
	CHECK(body && st == 200 && !strcmp(body, "hello"), "ka1: %s", e.msg);
	free(body);
	body = get(&c, U(&a, "/hello?ka2"), &st, &e);
	CHECK(body && st == 200 && !strcmp(body, "hello"), "ka2: %s", e.msg);
	free(body);
	int c1 = conn_of(a.log, "GET /hello?ka1 "), c2 = conn_of(a.log, "GET /hello?ka2 ");
	CHECK(c1 > 0 && c1 == c2, "keep-alive not reused: conn %d then %d", c1, c2);
	CHECK(strstr(slurp(a.log), "Host: 127.0.0.1:") &&
	      strstr(slurp(a.log), "User-Agent: md/0.1"), "request headers");

	/* chunked, in dribbles */
	body = get(&c, U(&a, "/chunked"), &st, &e);
	CHECK(body && !strcmp(body, "hello, world"), "chunked: %s %s", body, e.msg);
	free(body);
	body = get(&c, U(&a, "/hello?after-chunked"), &st, &e);
	CHECK(body && conn_of(a.log, "GET /hello?after-chunked ") == c1,
	      "conn not reused after a chunked body: %s", e.msg);
	free(body);

	/* redirect to another port: the Authorization stays behind */
	{
		struct http_request rq = { .url = U(&a, "/redirect-other"),
					   .authorization = "Bearer s3cret",
					   .accept = "application/json" };
		struct http_response r;
		CHECK(http_request_follow(&c, &rq, 5, &r, final, sizeof(final),
					  &e) == 0, "follow: %s", e.msg);
		body = http_read_all(&r, 100, NULL, &e);
		http_response_end(&r);
		CHECK(body && r.status == 200 && !strcmp(body, "landing"),
		      "redirect body: %s", body);
		free(body);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/landing", b.port);
		CHECK(!strcmp(final, url), "final url %s", final);
		CHECK(strstr(slurp(a.log), "Authorization: Bearer s3cret"),
		      "first server did not get the Authorization");
		CHECK(strstr(slurp(b.log), "GET /landing ") &&
		      strstr(slurp(b.log), "Accept: application/json") &&
		      !strcasestr(slurp(b.log), "Authorization"),
		      "Authorization forwarded to another port:\n%s", slurp(b.log));
	}
	/* a relative redirect on the same origin keeps it */
	{
		struct http_request rq = { .url = U(&a, "/redirect-rel"),
					   .authorization = "Bearer same" };
		struct http_response r;
		CHECK(http_request_follow(&c, &rq, 5, &r, final, sizeof(final),
					  &e) == 0 && r.status == 200, "rel: %s", e.msg);
		http_response_end(&r);
		char *log = slurp(a.log), *p = strstr(log, "GET /hello?x=1 ");
		CHECK(p && strstr(p, "Authorization: Bearer same"),
		      "same-origin redirect lost the Authorization");
		CHECK(strstr(final, "/hello?x=1"), "final %s", final);
	}
	/* POST, 303 -> GET without the body */
	{
		struct http_request rq = { .method = "POST", .url = U(&a, "/redirect-303"),
					   .body = "a=1&b=2", .body_len = 7 };
		struct http_response r;
		CHECK(http_request_follow(&c, &rq, 5, &r, NULL, 0, &e) == 0 &&
		      r.status == 200, "303: %s", e.msg);
		http_response_end(&r);
		char *log = slurp(a.log);
		CHECK(strstr(log, "POST /redirect-303 ") &&
		      strstr(log, "Content-Length: 7\r\n\r\na=1&b=2"), "POST body");
		char *g = strstr(log, "GET /hello HTTP");
		CHECK(g && !strstr(g, "a=1&b=2"), "body sent after 303");
	}
	/* redirect loop */
	{
		struct http_request rq = { .url = U(&a, "/redirect-loop") };
		struct http_response r;
		CHECK(http_request_follow(&c, &rq, 3, &r, NULL, 0, &e) < 0 &&
		      strstr(e.msg, "more than 3 redirects"), "loop: %s", e.msg);
	}
	/* body until close; short body; 1xx skipped; HEAD; 304 */
	body = get(&c, U(&a, "/close"), &st, &e);
	CHECK(body && !strcmp(body, "until close"), "until close: %s", e.msg);
	free(body);
	body = get(&c, U(&a, "/short"), &st, &e);
	CHECK(!body && strstr(e.msg, "connection closed after 10 of 100") &&
	      strstr(e.msg, "GET http://127.0.0.1:"), "short: %s", e.msg);
	body = get(&c, U(&a, "/100"), &st, &e);
	CHECK(body && st == 200 && !strcmp(body, "ok"), "1xx: %s", e.msg);
	free(body);
	{
		struct http_request rq = { .method = "HEAD", .url = U(&a, "/hello?head") };
		body = fetch(&c, &rq, &st, &e);
		CHECK(body && st == 200 && !*body, "HEAD: %s", e.msg);
		free(body);
		body = get(&c, U(&a, "/hello?after-head"), &st, &e);
		CHECK(body && !strcmp(body, "hello") &&
		      conn_of(a.log, "GET /hello?after-head ") ==
		      conn_of(a.log, "HEAD /hello?head "), "after HEAD: %s", e.msg);
		free(body);
	}
	body = get(&c, U(&a, "/304"), &st, &e);
	CHECK(body && st == 304 && !*body, "304: %s", e.msg);
	free(body);
	/* an unread 401 body is drained and the connection reused */
	{
		struct http_request rq = { .url = U(&a, "/401") };
		struct http_response r;
		CHECK(http_request(&c, &rq, &r, &e) == 0 && r.status == 401 &&
		      !strcmp(http_header(&r, "www-authenticate"), "Bearer realm=\"x\""),
		      "401: %s", e.msg);
		http_response_end(&r);
		body = get(&c, U(&a, "/hello?after-401"), &st, &e);
		CHECK(body && conn_of(a.log, "GET /hello?after-401 ") ==
		      conn_of(a.log, "GET /401 "), "conn not reused after 401");
		free(body);
	}
	/* the server drops a kept-alive connection: one silent retry */
	body = get(&c, U(&a, "/once"), &st, &e);
	free(body);
	body = get(&c, U(&a, "/hello?retried"), &st, &e);
	CHECK(body && !strcmp(body, "hello"), "retry after a dropped conn: %s", e.msg);
	free(body);
	/* limits and timeouts */
	body = get(&c, U(&a, "/bighead"), &st, &e);
	CHECK(!body && strstr(e.msg, "longer than 65536"), "big head: %s", e.msg);
	c.read_timeout_ms = 300;
	double t0 = now();
	body = get(&c, U(&a, "/slow"), &st, &e);
	CHECK(!body && strstr(e.msg, "timed out after 300 ms") && now() - t0 < 2,
	      "stall: %s", e.msg);
	c.read_timeout_ms = HTTP_TIMEOUT_MS;
	{
		int p, fd = listen_any(&p);
		close(fd);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", p);
		body = get(&c, url, &st, &e);
		CHECK(!body && strstr(e.msg, "connect to 127.0.0.1:") &&
		      strstr(e.msg, "refused"), "refused: %s", e.msg);
		/* messages keep query strings and passwords out */
		strcat(url, "x?X-Amz-Signature=secret");
		body = get(&c, url, &st, &e);
		CHECK(!body && !strstr(e.msg, "secret") && strstr(e.msg, "/x:"),
		      "query in message: %s", e.msg);
		body = get(&c, "http://user:secret@127.0.0.1:1/", &st, &e);
		CHECK(!body && !strstr(e.msg, "secret") &&
		      strstr(e.msg, "credentials in the URL"), "userinfo: %s", e.msg);
		body = get(&c, "http://user:secret@bad host/?secret", &st, &e);
		CHECK(!body && !strstr(e.msg, "secret") && strstr(e.msg, "bad URL"),
		      "bad URL message: %s", e.msg);
	}
	/* bad caller input never reaches the wire */
	{
		struct http_request rq = { .url = U(&a, "/hello"),
					   .authorization = "Bearer x\r\nX-Evil: 1" };
		body = fetch(&c, &rq, &st, &e);
		CHECK(!body && strstr(e.msg, "bad character"), "header injection");
		const char *hs[] = { "X-Ok: 1", "Bad Name: 2", NULL };
		rq.authorization = NULL;
		rq.headers = hs;
		body = fetch(&c, &rq, &st, &e);
		CHECK(!body && strstr(e.msg, "bad request header"), "bad header");
	}
	/* throughput of a plain body into SHA-256 */
	{
		struct http_request rq = { .url = U(&a, "/big") };
		struct http_response r;
		struct digest_sink d = { .n = 0 };
		sha256_init(&d.s);
		t0 = now();
		if (http_request(&c, &rq, &r, &e) == 0 &&
		    http_read_body(&r, to_sha, &d, &e) == 0) {
			double dt = now() - t0;
			printf("http: 64 MiB plain body + sha256 in %.3f s: %.0f MB/s\n",
			       dt, d.n / dt / 1e6);
		}
		CHECK(d.n == 64 << 20 && http_content_length(&r) == 64 << 20,
		      "big body: %llu %s", (unsigned long long)d.n, e.msg);
		http_response_end(&r);
	}
	http_client_free(&c);

	/* proxies: absolute form with credentials, and NO_PROXY */
	snprintf(url, sizeof(url), "http://user:p%%40ss@127.0.0.1:%d", a.port);
	setenv("HTTP_PROXY", url, 1);
	setenv("no_proxy", "localhost,127.0.0.2", 1);
	http_client_init(&c);
	body = get(&c, "http://registry.invalid:5000/v2/", &st, &e);
	CHECK(body && !strcmp(body, "proxied"), "via proxy: %s", e.msg);
	free(body);
	CHECK(strstr(slurp(a.log), "GET http://registry.invalid:5000/v2/ HTTP/1.1") &&
	      strstr(slurp(a.log), "Proxy-Authorization: Basic dXNlcjpwQHNz"),
	      "proxy request:\n%s", slurp(a.log));
	http_client_free(&c);
	setenv("no_proxy", "localhost,127.0.0.1", 1);
	http_client_init(&c);
	body = get(&c, U(&b, "/hello?direct"), &st, &e);
	CHECK(body && strstr(slurp(b.log), "GET /hello?direct "), "NO_PROXY: %s",
	      e.msg);
	free(body);
	http_client_free(&c);
	setenv("HTTP_PROXY", "http://u:secret@bad proxy:1", 1);
	http_client_init(&c);
	body = get(&c, "http://example.invalid/", &st, &e);
	CHECK(!body && !strstr(e.msg, "secret") && strstr(e.msg, "HTTP proxy"),
	      "bad proxy: %s", e.msg);
	http_client_free(&c);
	unsetenv("HTTP_PROXY");
	unsetenv("no_proxy");
}

/* ---- TLS against openssl s_server ---- */

static int sh(const char *cmd)
{
	char full[4096];

	snprintf(full, sizeof(full), "cd '%s' && (%s) >/dev/null 2>&1", tmp, cmd);
	return system(full);
}

static pid_t s_server(int *port, const char *cert, const char *key,
		      const char *cipher)
{
	int fd = listen_any(port);
	char acc[32];
	pid_t pid;

	close(fd);	/* a free port for s_server to take */
	snprintf(acc, sizeof(acc), "127.0.0.1:%d", *port);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);
		if (chdir(tmp) < 0)
			_exit(127);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("openssl", "openssl", "s_server", "-quiet", "-WWW",
		       "-accept", acc, "-cert", cert, "-key", key,
		       cipher ? "-cipher" : NULL, cipher, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {	/* up to 5 s to listen */
		int c = connect_port(*port);
		if (c >= 0) {
			close(c);
			return pid;
		}
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void stop_pid(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Handshake with an explicit host name over a socket to 127.0.0.1. */
static int tls_try(int port, const char *host, const struct tls_opts *o,
		   struct md_err *e)
{
	int fd = connect_port(port);
	struct tls *t;

	if (fd < 0)
		return err_set(e, errno, "connect");
	t = tls_connect(fd, host, o, 5000, e);
	tls_free(t);
	close(fd);
	return t ? 0 : -1;
}

static void tls_speed(struct http_client *c, const char *u,
		      const struct tls_opts *o, const char *what,
		      const char *want)
{
	struct http_request rq = { .url = u, .tls = o };
	struct http_response r;
	struct digest_sink d = { .n = 0 };
	struct md_err e = { 0 };
	char got[SHA256_STR_LEN];
	double t0 = now();

	sha256_init(&d.s);
	if (http_request(c, &rq, &r, &e) == 0 &&
	    http_read_body(&r, to_sha, &d, &e) == 0) {
		double dt = now() - t0;
		printf("https: 64 MiB over %s + sha256 in %.3f s: %.0f MB/s\n",
		       what, dt, d.n / dt / 1e6);
	}
	http_response_end(&r);
	sha256_final_str(&d.s, got);
	CHECK(d.n == 64 << 20 && !strcmp(got, want), "TLS big body (%s): %llu %s",
	      what, (unsigned long long)d.n, e.msg);
}

static void test_tls(void)
{
	struct tls_opts ca = { .ca_file = NULL }, insecure = { .insecure = 1 };
	char ca_path[300], big_digest[SHA256_STR_LEN];
	struct http_client c;
	struct md_err e = { 0 };
	pid_t ec = -1, old = -1, rsa = -1;
	int pec, pold, prsa, st;
	char *body;

	if (sh("openssl version") != 0) {
		printf("tls: SKIPPED (no openssl command to make certificates "
		       "and run s_server)\n");
		return;
	}
	if (sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	       "-nodes -keyout ca.key -out ca.pem -subj '/CN=md test CA' -days 3 && "
	       "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n"
	       "extendedKeyUsage=serverAuth\\n' >ext && "
	       "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	       "-keyout ec.key -out ec.csr -subj /CN=localhost && "
	       "openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key "
	       "-CAcreateserial -days 2 -extfile ext -out ec.pem && "
	       "openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key "
	       "-CAcreateserial -days -1 -extfile ext -out expired.pem && "
	       "openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr "
	       "-subj /CN=localhost && "
	       "openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key "
	       "-CAcreateserial -days 2 -extfile ext -out rsa.pem && "
	       "echo 'hello tls' >hello.txt && "
	       "head -c 67108864 /dev/urandom >big.bin") != 0) {
		CHECK(0, "openssl could not make the test certificates");
		return;
	}
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", tmp);
	ca.ca_file = ca_path;
	{
		int fd = open(strcat(strcpy(final_buf, tmp), "/big.bin"), O_RDONLY);
		struct sha256 s;
		static char blk[1 << 16];
		ssize_t n;
		sha256_init(&s);
		while (fd >= 0 && (n = read(fd, blk, sizeof(blk))) > 0)
			sha256_update(&s, blk, n);
		sha256_final_str(&s, big_digest);
		if (fd >= 0)
			close(fd);
	}
	ec = s_server(&pec, "ec.pem", "ec.key", NULL);
	old = s_server(&pold, "expired.pem", "ec.key", NULL);
	rsa = s_server(&prsa, "rsa.pem", "rsa.key", "ECDHE-RSA-CHACHA20-POLY1305");
	if (ec < 0 || old < 0 || rsa < 0) {
		CHECK(0, "openssl s_server did not start");
		goto out;
	}

	/* SSL_CERT_FILE replaces the system bundle (in a child: the bundle
	 * loads once per process, and not yet in this one) */
	{
		pid_t pid = fork();
		if (pid == 0) {
			struct http_client cc;
			struct http_request r2 = { .url = url };
			setenv("SSL_CERT_FILE", ca_path, 1);
			http_client_init(&cc);
			snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pec);
			body = fetch(&cc, &r2, &st, &e);
			_exit(body && !strcmp(body, "hello tls\n") ? 0 : 1);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "SSL_CERT_FILE not honoured");
	}
	double t0 = now();
	int n = tls_system_anchors(&e);
	printf("tls: system trust store: %d anchors loaded in %.1f ms\n", n,
	       (now() - t0) * 1000);
	CHECK(n > 0 || access(TLS_SYSTEM_BUNDLE, R_OK) != 0, "system anchors: %s",
	      e.msg);

	http_client_init(&c);
	struct http_request rq = { .tls = &ca };
	/* trusted, by IP SAN and by DNS name (with SNI) */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello.txt", pec);
	rq.url = url;
	body = fetch(&c, &rq, &st, &e);
	CHECK(body && st == 200 && !strcmp(body, "hello tls\n"), "https by IP: %s",
	      e.msg);
	free(body);
	snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pec);
	body = fetch(&c, &rq, &st, &e);
	CHECK(body && !strcmp(body, "hello tls\n"), "https by name: %s", e.msg);
	free(body);
	snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", prsa);
	body = fetch(&c, &rq, &st, &e);
	CHECK(body && !strcmp(body, "hello tls\n"), "https RSA+ChaCha: %s", e.msg);
	free(body);
	/* not trusted without the CA */
	rq.tls = NULL;
	snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pec);
	body = fetch(&c, &rq, &st, &e);
	CHECK(!body && strstr(e.msg, "TLS handshake with localhost: certificate "
			      "not trusted"), "untrusted: %s", e.msg);
	/* wrong names */
	CHECK(tls_try(pec, "wrong.example", &ca, &e) < 0 &&
	      strstr(e.msg, "TLS handshake with wrong.example: host name mismatch"),
	      "name mismatch: %s", e.msg);
	CHECK(tls_try(pec, "127.0.0.2", &ca, &e) < 0 &&
	      strstr(e.msg, "host name mismatch"), "IP mismatch: %s", e.msg);
	CHECK(tls_try(pec, "localhost", &ca, &e) == 0, "tls_connect: %s", e.msg);
	/* expired */
	rq.tls = &ca;
	snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pold);
	body = fetch(&c, &rq, &st, &e);
	CHECK(!body && strstr(e.msg, "certificate expired"), "expired: %s", e.msg);
	/* insecure accepts all that */
	rq.tls = &insecure;
	body = fetch(&c, &rq, &st, &e);
	CHECK(body && !strcmp(body, "hello tls\n"), "insecure: %s", e.msg);
	free(body);
	CHECK(tls_try(pec, "wrong.example", &insecure, &e) == 0, "insecure name: %s",
	      e.msg);
	/* a bad CA file is a clear error */
	{
		struct tls_opts bad = { .ca_file = "/nonexistent/ca.pem" };
		rq.tls = &bad;
		snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pec);
		body = fetch(&c, &rq, &st, &e);
		CHECK(!body && strstr(e.msg, "/nonexistent/ca.pem"), "bad ca: %s", e.msg);
	}
	/* through an HTTP CONNECT proxy */
	{
		struct http_client pc;
		snprintf(final_buf, sizeof(final_buf), "http://127.0.0.1:%d", a.port);
		setenv("HTTPS_PROXY", final_buf, 1);
		http_client_init(&pc);
		rq.tls = &ca;
		snprintf(url, sizeof(url), "https://localhost:%d/hello.txt", pec);
		body = fetch(&pc, &rq, &st, &e);
		snprintf(final_buf, sizeof(final_buf), "CONNECT localhost:%d HTTP/1.1", pec);
		CHECK(body && !strcmp(body, "hello tls\n") &&
		      strstr(slurp(a.log), final_buf), "CONNECT: %s", e.msg);
		free(body);
		http_client_free(&pc);
		unsetenv("HTTPS_PROXY");
	}
	/* redirected elsewhere: the CA file follows, "insecure" does not */
	{
		struct http_response r;
		snprintf(final_buf, sizeof(final_buf), "/redirect-to?"
			 "https://localhost:%d/hello.txt", pec);
		rq.url = U(&a, final_buf);
		rq.tls = &ca;
		CHECK(http_request_follow(&c, &rq, 2, &r, NULL, 0, &e) == 0 &&
		      r.status == 200, "redirect to https: %s", e.msg);
		http_response_end(&r);
		snprintf(final_buf, sizeof(final_buf), "/redirect-to?"
			 "https://localhost:%d/hello.txt", pold);
		rq.url = U(&a, final_buf);
		rq.tls = &insecure;
		CHECK(http_request_follow(&c, &rq, 2, &r, NULL, 0, &e) < 0 &&
		      strstr(e.msg, "certificate"), "insecure followed a "
		      "redirect: %s", e.msg);
	}
	/* throughput: AES-GCM (EC server) and ChaCha20 (RSA server) */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/big.bin", pec);
	tls_speed(&c, url, &ca, "AES-GCM", big_digest);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/big.bin", prsa);
	tls_speed(&c, url, &ca, "ChaCha20", big_digest);
	http_client_free(&c);

out:
	stop_pid(ec);
	stop_pid(old);
	stop_pid(rsa);
}

int main(void)
{
	char cmd[300];

	signal(SIGPIPE, SIG_IGN);
	for (const char **v = (const char *[]){ "http_proxy", "HTTP_PROXY",
		"https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
		"SSL_CERT_FILE", NULL }; *v; v++)
		unsetenv(*v);
	snprintf(tmp, sizeof(tmp), "%s/md-test-http.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_head();
	test_chunked();
	test_urls();
	test_live();
	test_tls();
	stop_server(&a);
	stop_server(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("could not remove %s\n", tmp);
	if (fails)
		printf("%d failures\n", fails);
	return fails != 0;
}
