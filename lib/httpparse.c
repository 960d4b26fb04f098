/* HTTP parsing without sockets: response heads, the chunked transfer
 * coding, URLs and NO_PROXY lists. Everything from the network is
 * untrusted: every length is bounded and every framing ambiguity (RFC 9112
 * section 6) is an error, never a guess. Fuzzed (tests/fuzz). */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpint.h"
#include "util.h"

#define CHUNK_LINE_MAX 4096	/* chunk-size line with extensions */

/* ---- response head ---- */

int http_is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Field values and reasons: no control characters except HTAB. */
int http_bad_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 1;
	}
	return 0;
}

size_t http_head_end(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;

	while ((nl = memchr(p, '\n', end - p))) {
		p = nl + 1;
		if (p < end && *p == '\n')
			return p + 1 - buf;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			return p + 2 - buf;
	}
	return 0;
}

/* Cuts the next line out of [*p, end) and NUL-terminates it. */
static char *next_line(char **p, char *end, size_t *n)
{
	char *line = *p, *nl = memchr(line, '\n', end - line), *e;

	if (!nl)
		return NULL;
	e = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
	if (memchr(line, '\r', e - line))
		return NULL;
	*e = 0;
	*n = e - line;
	*p = nl + 1;
	return line;
}

static char *trim(char *s, char **end)
{
	while (s < *end && (*s == ' ' || *s == '\t'))
		s++;
	while (*end > s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
	return s;
}

/* Calls fn on each non-empty element of a comma-separated list value. */
static int each_element(const char *v, int (*fn)(void *, const char *, size_t),
			void *arg)
{
	while (*v) {
		size_t n = strcspn(v, ",");
		const char *s = v, *e = v + n;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s && fn(arg, s, e - s) < 0)
			return -1;
		v += n + (v[n] == ',');
	}
	return 0;
}

struct framing {
	int64_t cl;
	int te_seen, te_count, te_bad, keep_alive, close;
};

static int cl_element(void *arg, const char *s, size_t n)
{
	struct framing *f = arg;
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]) || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (f->cl >= 0 && f->cl != v)
		return -1;
	f->cl = v;
	return 0;
}

static int te_element(void *arg, const char *s, size_t n)
{
	struct framing *f = arg;

	f->te_count++;
	if (n != 7 || strncasecmp(s, "chunked", 7))
		f->te_bad = 1;
	return 0;
}

static int conn_element(void *arg, const char *s, size_t n)
{
	struct framing *f = arg;

	if (n == 5 && !strncasecmp(s, "close", 5))
		f->close = 1;
	if (n == 10 && !strncasecmp(s, "keep-alive", 10))
		f->keep_alive = 1;
	return 0;
}

static int parse_framing(struct http_head *h, struct md_err *err)
{
	struct framing f = { .cl = -1 };

	for (size_t i = 0; i < h->nfields; i++) {
		const char *name = h->fields[i].name, *v = h->fields[i].value;
		if (!strcasecmp(name, "content-length")) {
			if (!*v || each_element(v, cl_element, &f) < 0)
				return err_set(err, 0, "bad or conflicting "
					       "Content-Length");
		} else if (!strcasecmp(name, "transfer-encoding")) {
			f.te_seen = 1;
			each_element(v, te_element, &f);
		} else if (!strcasecmp(name, "connection")) {
			each_element(v, conn_element, &f);
		}
	}
	if (f.te_seen && (f.te_bad || f.te_count != 1))
		return err_set(err, 0, "unsupported Transfer-Encoding");
	h->content_length = f.cl;
	h->chunked = f.te_count == 1;
	h->close = f.close || (h->minor == 0 && !f.keep_alive);
	/* Both: the transfer coding wins, and the connection cannot be
	 * trusted to be in sync afterwards. */
	if (h->chunked && f.cl >= 0) {
		h->content_length = -1;
		h->close = 1;
	}
	return 0;
}

int http_parse_head(char *buf, size_t len, struct http_head *h,
		    struct md_err *err)
{
	char *p = buf, *end = buf + len, *line, *colon, *v, *ve;
	size_t n;

	h->nfields = 0;
	h->content_length = -1;
	h->chunked = h->close = 0;
	if (len > HTTP_HEAD_MAX)
		return err_set(err, 0, "response head longer than %d bytes",
			       HTTP_HEAD_MAX);
	if (!(line = next_line(&p, end, &n)) || n < 12 ||
	    memcmp(line, "HTTP/1.", 7) || !is_digit(line[7]) ||
	    line[8] != ' ' || line[9] < '1' || line[9] > '5' ||
	    !is_digit(line[10]) || !is_digit(line[11]) ||
	    (n > 12 && line[12] != ' ') || http_bad_text(line, n))
		return err_set(err, 0, "bad status line");
	h->minor = line[7] - '0';
	h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
		    (line[11] - '0');
	h->reason = n > 12 ? line + 13 : "";
	for (;;) {
		if (!(line = next_line(&p, end, &n)))
			return err_set(err, 0, "truncated or bad response head");
		if (!n)
			break;
		if (*line == ' ' || *line == '\t')
			return err_set(err, 0, "folded header line");
		if (!(colon = memchr(line, ':', n)) || colon == line)
			return err_set(err, 0, "bad header line");
		for (char *q = line; q < colon; q++)
			if (!http_is_tchar(*q))
				return err_set(err, 0, "bad header name");
		*colon = 0;
		ve = line + n;
		v = trim(colon + 1, &ve);
		if (http_bad_text(v, ve - v))
			return err_set(err, 0, "control character in header %s",
				       line);
		*ve = 0;
		if (h->nfields == HTTP_FIELDS_MAX)
			return err_set(err, 0, "too many header fields");
		h->fields[h->nfields].name = line;
		h->fields[h->nfields++].value = v;
	}
	return parse_framing(h, err);
}

const char *http_head_get(const struct http_head *h, const char *name,
			  size_t *i)
{
	size_t k = i ? *i : 0;

	for (; k < h->nfields; k++)
		if (!strcasecmp(h->fields[k].name, name)) {
			if (i)
				*i = k;
			return h->fields[k].value;
		}
	return NULL;
}

/* ---- chunked transfer coding ---- */

enum {
	CH_SIZE, CH_SIZE_MORE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR,
	CH_DATA_LF, CH_TRAILER, CH_TRAILER_LINE, CH_TRAILER_LF, CH_END_LF,
	CH_DONE,
};

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

int http_chunked_done(const struct http_chunked *c)
{
	return c->state == CH_DONE;
}

int http_hexval(int ch)
{
	if (is_digit(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

ssize_t http_chunked_decode(struct http_chunked *c, const char *in,
			    size_t inlen, char *out, size_t outcap,
			    size_t *outlen, struct md_err *err)
{
	size_t i = 0, o = 0;

	while (i < inlen && c->state != CH_DONE) {
		unsigned char ch = in[i];
		if (c->state == CH_DATA) {
			size_t n = inlen - i;
			if (n > c->left)
				n = c->left;
			if (n > outcap - o)
				n = outcap - o;
			if (!n)
				break;		/* out is full */
			memmove(out + o, in + i, n);
			o += n;
			i += n;
			if (!(c->left -= n))
				c->state = CH_DATA_CR;
			continue;
		}
		i++;
		if (c->state <= CH_SIZE_LF && ++c->line > CHUNK_LINE_MAX)
			return err_set(err, 0, "chunked: size line too long");
		if (c->state >= CH_TRAILER && ++c->trailer > HTTP_HEAD_MAX)
			return err_set(err, 0, "chunked: trailer too long");
		switch (c->state) {
		case CH_SIZE:
		case CH_SIZE_MORE:
			if (http_hexval(ch) >= 0) {
				if (c->left >> 56)	/* < 2^60 */
					return err_set(err, 0, "chunked: chunk "
						       "size too large");
				c->left = c->left << 4 | http_hexval(ch);
				c->state = CH_SIZE_MORE;
			} else if (c->state == CH_SIZE) {
				return err_set(err, 0, "chunked: bad chunk size");
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CH_EXT;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				return err_set(err, 0, "chunked: bad chunk size");
			}
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (http_bad_text((const char *)&ch, 1))
				return err_set(err, 0, "chunked: bad chunk "
					       "extension");
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return err_set(err, 0, "chunked: missing CRLF "
					       "after chunk size");
			c->line = 0;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA_CR:
		case CH_DATA_LF:
			if (ch != (c->state == CH_DATA_CR ? '\r' : '\n'))
				return err_set(err, 0, "chunked: missing CRLF "
					       "after chunk data");
			c->state = c->state == CH_DATA_CR ? CH_DATA_LF : CH_SIZE;
			break;
		case CH_TRAILER:
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = c->state == CH_TRAILER ? CH_END_LF :
					   CH_TRAILER_LF;
			else if (http_bad_text((const char *)&ch, 1))
				return err_set(err, 0, "chunked: bad trailer");
			else
				c->state = CH_TRAILER_LINE;
			break;
		case CH_TRAILER_LF:
		case CH_END_LF:
			if (ch != '\n')
				return err_set(err, 0, "chunked: missing CRLF "
					       "in trailer");
			c->state = c->state == CH_END_LF ? CH_DONE : CH_TRAILER;
			break;
		}
	}
	*outlen = o;
	return i;
}

/* ---- URLs ---- */

/* A URL as messages show it: without userinfo, query or fragment, which
 * may carry credentials (proxy passwords, presigned blob URLs). */
const char *http_url_show(char *out, size_t len, const char *url)
{
	const char *sep = strstr(url, "://");
	const char *host = sep ? sep + 3 : url, *at = NULL;
	size_t auth = strcspn(host, "/?#");

	for (const char *q = host; q < host + auth; q++)
		if (*q == '@')
			at = q;
	if (at)
		host = at + 1;
	snprintf(out, len, "%.*s%.*s", (int)(sep ? sep + 3 - url : 0), url,
		 (int)strcspn(host, "?#"), host);
	return out;
}

static int host_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       is_digit(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '~';
}

int http_url_parse(const char *url, struct http_url *u, struct md_err *err)
{
	const char *p, *auth, *end, *host, *hend, *port = NULL, *t;
	char show[200];
	size_t n;

	memset(u, 0, sizeof(*u));
	for (t = url; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			goto bad;
	if (!strncasecmp(url, "http://", 7)) {
		p = url + 7;
	} else if (!strncasecmp(url, "https://", 8)) {
		p = url + 8;
		u->https = 1;
	} else {
		goto bad;
	}
	end = p + strcspn(p, "/?#");
	auth = p;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			auth = q + 1;
	if (auth > p) {
		u->userinfo = p;
		u->userinfo_len = auth - 1 - p;
	}
	if (*auth == '[') {
		host = auth + 1;
		if (!(hend = memchr(host, ']', end - host)))
			goto bad;
		for (const char *q = host; q < hend; q++)
			if (http_hexval(*q) < 0 && *q != ':' && *q != '.')
				goto bad;
		if (hend + 1 < end && hend[1] != ':')
			goto bad;
		if (hend + 1 < end)
			port = hend + 2;
	} else {
		host = auth;
		hend = memchr(host, ':', end - host);
		if (hend)
			port = hend + 1;
		else
			hend = end;
		for (const char *q = host; q < hend; q++)
			if (!host_char(*q))
				goto bad;
	}
	n = hend - host;
	if (!n || n >= sizeof(u->host))
		goto bad;
	memcpy(u->host, host, n);
	if (port && port < end) {
		long v = 0;
		if (end - port > 5)
			goto bad;
		for (const char *q = port; q < end; q++) {
			if (!is_digit(*q))
				goto bad;
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			goto bad;
		snprintf(u->port, sizeof(u->port), "%ld", v);
	} else {
		strcpy(u->port, u->https ? "443" : "80");
	}
	u->target = end;
	u->target_len = strcspn(end, "#");
	return 0;
bad:
	return err_set(err, 0, "bad URL %s (not http:// or https://, or bad "
		       "characters)", http_url_show(show, sizeof(show), url));
}

int http_same_origin(const char *a, const char *b)
{
	struct http_url ua, ub;

	return http_url_parse(a, &ua, NULL) == 0 &&
	       http_url_parse(b, &ub, NULL) == 0 && ua.https == ub.https &&
	       !strcasecmp(ua.host, ub.host) && !strcmp(ua.port, ub.port);
}

/* Appends path to out (at *o) with "." and ".." segments removed. */
static int add_path(char *out, size_t outlen, size_t *o, const char *path,
		    size_t n)
{
	size_t start = *o, i = 0;

	while (i < n) {
		size_t s = i + (path[i] == '/'), e = s;
		while (e < n && path[e] != '/')
			e++;
		int last = e == n;
		if (e - s == 1 && path[s] == '.') {
			/* dropped */
		} else if (e - s == 2 && path[s] == '.' && path[s + 1] == '.') {
			while (*o > start && out[--*o] != '/')
				;
		} else {
			if (*o + 1 + (e - s) >= outlen)
				return -1;
			out[(*o)++] = '/';
			memcpy(out + *o, path + s, e - s);
			*o += e - s;
			last = 0;
		}
		if (last) {
			if (*o + 1 >= outlen)
				return -1;
			out[(*o)++] = '/';
		}
		i = e;
	}
	if (*o == start) {
		if (*o + 1 >= outlen)
			return -1;
		out[(*o)++] = '/';
	}
	out[*o] = 0;
	return 0;
}

/* True if ref[0..n) starts with "scheme:". */
static int has_scheme(const char *ref, size_t n)
{
	size_t i = 0;

	if (!n || !((ref[0] | 0x20) >= 'a' && (ref[0] | 0x20) <= 'z'))
		return 0;
	while (i < n && (host_char(ref[i]) || ref[i] == '+') &&
	       ref[i] != '_' && ref[i] != '~')
		i++;
	return i < n && ref[i] == ':';
}

static int add_raw(char *out, size_t outlen, size_t *o, const char *s,
		   size_t n)
{
	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = 0;
	return 0;
}

int http_url_resolve(const char *base, const char *ref, char *out,
		     size_t outlen, struct md_err *err)
{
	struct http_url b;
	size_t rlen = strcspn(ref, "#"), o = 0, bplen, rplen, qlen;
	const char *bpath, *rq, *query;
	char show[200];
	int r;

	if (has_scheme(ref, rlen)) {
		if (add_raw(out, outlen, &o, ref, rlen) < 0)
			goto toolong;
		return http_url_parse(out, &b, err);
	}
	if (http_url_parse(base, &b, err) < 0)
		return -1;
	if (rlen >= 2 && ref[0] == '/' && ref[1] == '/') {
		const char *sch = b.https ? "https:" : "http:";
		if (add_raw(out, outlen, &o, sch, strlen(sch)) < 0 ||
		    add_raw(out, outlen, &o, ref, rlen) < 0)
			goto toolong;
		return http_url_parse(out, &b, err);
	}
	if (add_raw(out, outlen, &o, base, b.target - base) < 0)
		goto toolong;
	bpath = b.target;
	bplen = strcspn(bpath, "?#");
	rq = memchr(ref, '?', rlen);
	rplen = rq ? (size_t)(rq - ref) : rlen;
	query = rq;
	qlen = rq ? rlen - rplen : 0;
	if (!rplen) {			/* "" or "?q": the base path */
		r = add_raw(out, outlen, &o, bpath, bplen);
		if (!rq) {
			query = bpath + bplen;
			qlen = strcspn(query, "#");
		}
	} else if (ref[0] == '/') {
		r = add_path(out, outlen, &o, ref, rplen);
	} else {	/* merge: the base path up to its last slash, then ref */
		char tmp[HTTP_URL_MAX];
		size_t keep = bplen;
		while (keep && bpath[keep - 1] != '/')
			keep--;
		int n = snprintf(tmp, sizeof(tmp), "%s%.*s%.*s",
				 keep ? "" : "/", (int)keep, bpath,
				 (int)rplen, ref);
		r = n < 0 || (size_t)n >= sizeof(tmp) ? -1 :
		    add_path(out, outlen, &o, tmp, n);
	}
	if (r < 0 || add_raw(out, outlen, &o, query ? query : "", qlen) < 0)
		goto toolong;
	return http_url_parse(out, &b, err);
toolong:
	return err_set(err, 0, "redirect to %s: URL too long",
		       http_url_show(show, sizeof(show), ref));
}

int http_no_proxy(const char *list, const char *host, const char *port)
{
	size_t hlen = strlen(host);

	while (list && *list) {
		size_t n = strcspn(list, ", \t");
		const char *e = list, *eend = list + n, *pe = NULL, *pend = eend;
		list += n + (list[n] != 0);
		if (!n)
			continue;
		if (n == 1 && *e == '*')
			return 1;
		if (*e == '[') {	/* [v6] or [v6]:port */
			const char *rb = memchr(e, ']', n);
			if (!rb)
				continue;
			if (rb + 1 < eend && rb[1] == ':')
				pe = rb + 2;
			e++;
			eend = rb;
		} else {
			const char *c1 = memchr(e, ':', n);
			if (c1 && !memchr(c1 + 1, ':', eend - c1 - 1)) {
				pe = c1 + 1;
				eend = c1;
			}
		}
		if (pe && (strlen(port) != (size_t)(pend - pe) ||
			   strncmp(pe, port, pend - pe)))
			continue;
		if (eend - e >= 2 && e[0] == '*' && e[1] == '.')
			e++;
		if (e < eend && *e == '.')
			e++;
		size_t m = eend - e;
		if (!m || m > hlen)
			continue;
		if (!strncasecmp(host + hlen - m, e, m) &&
		    (m == hlen || host[hlen - m - 1] == '.'))
			return 1;
	}
	return 0;
}

