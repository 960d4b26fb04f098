/* Registry authentication pieces (see auth.h): the WWW-Authenticate
 * parser, base64, where credentials come from, and the token reply.
 * All of it reads untrusted or user-written text into fixed buffers;
 * anything that does not fit is an error, never silently cut. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini.h"
#include "json.h"
#include "util.h"

#define HDR_MAX 16384
#define AUTH_FILE_MAX (1 << 20)
#define DOCKER_CONFIG_MAX (4 << 20)

/* --- WWW-Authenticate (RFC 7235) --- */

struct lex {
	const char *start, *p, *end;
	struct md_err *err;
};

static int hdr_bad(struct lex *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int hdr_bad(struct lex *l, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(l->err, 0, "WWW-Authenticate header: %s at byte %zu",
		       why, (size_t)(l->p - l->start));
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int is_tchar(int c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_t68char(int c)
{
	return is_alnum(c) || (c && strchr("-._~+/", c));
}

static int is_ows(int c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && is_ows(*p))
		p++;
	return p;
}

static size_t token_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_tchar(*q))
		q++;
	return q - p;
}

/* Whether an auth-param (token BWS "=" BWS value) starts at p; if not, it
 * is a token68 or the scheme of the next challenge. */
static int param_ahead(const char *p, const char *end)
{
	size_t n = token_len(p, end);

	if (!n)
		return 0;
	p = skip_ows(p + n, end);
	if (p == end || *p != '=')
		return 0;
	p = skip_ows(p + 1, end);
	return p < end && (*p == '"' || is_tchar(*p));
}

/* Reads a token or quoted-string into dst (cap bytes with the NUL; NULL
 * to skip it). Returns its length, -1 on bad syntax, -2 if too long. */
static ssize_t read_value(struct lex *l, char *dst, size_t cap)
{
	size_t n = 0;
	int toolong = 0;

	if (*l->p != '"') {
		n = token_len(l->p, l->end);
		if (dst && n >= cap)
			return -2;
		if (dst) {
			memcpy(dst, l->p, n);
			dst[n] = 0;
		}
		l->p += n;
		return n;
	}
	for (l->p++;; l->p++) {
		unsigned char c;
		if (l->p == l->end)
			return hdr_bad(l, "unterminated quoted string");
		c = *l->p;
		if (c == '"')
			break;
		if (c == '\\') {
			if (++l->p == l->end)
				return hdr_bad(l, "unterminated quoted string");
			c = *l->p;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return hdr_bad(l, "control character in quoted string");
		if (dst && n + 1 < cap)
			dst[n] = c;
		else
			toolong = 1;
		n++;
	}
	l->p++;
	if (dst && toolong)
		return -2;
	if (dst)
		dst[n] = 0;
	return n;
}

/* Reads one auth-param into the challenge. */
static int read_param(struct lex *l, struct www_auth *c)
{
	const char *name = l->p;
	size_t nlen = token_len(l->p, l->end), used = 0, cap = 0;
	char *dst = NULL;
	ssize_t r;

	l->p = skip_ows(l->p + nlen, l->end) + 1;	/* past '=' */
	l->p = skip_ows(l->p, l->end);
#define IS(s) (nlen == sizeof(s) - 1 && !strncasecmp(name, s, nlen))
	if (IS("realm") || IS("service")) {
		dst = IS("realm") ? c->realm : c->service;
		cap = IS("realm") ? sizeof(c->realm) : sizeof(c->service);
		if (dst[0])
			return hdr_bad(l, "duplicate %.*s", (int)nlen, name);
	} else if (IS("scope")) {
		used = strlen(c->scope);
		if (used) {
			if (used + 2 > sizeof(c->scope))
				return hdr_bad(l, "scope too long");
			c->scope[used++] = ' ';
		}
		dst = c->scope + used;
		cap = sizeof(c->scope) - used;
	} else if (IS("error")) {
		dst = c->error;
		cap = sizeof(c->error);
	}
#undef IS
	r = read_value(l, dst, cap);
	if (r == -2)
		return hdr_bad(l, "%.*s longer than %zu bytes", (int)nlen, name,
			       cap - 1);
	if (r < 0)
		return -1;
	/* An empty realm would read as "not given"; drop an empty scope's
	 * separator. */
	if (r == 0 && dst == c->realm)
		return hdr_bad(l, "empty realm");
	if (r == 0 && dst == c->scope + used && used)
		c->scope[used - 1] = 0;
	return 0;
}

/* One challenge: scheme [ 1*SP ( token68 / #auth-param ) ]. Leaves l->p
 * at the end or at the ',' before the next challenge. */
static int read_challenge(struct lex *l, struct www_auth *c)
{
	size_t n = token_len(l->p, l->end);

	memset(c, 0, sizeof(*c));
	if (!n)
		return hdr_bad(l, "expected an authentication scheme");
	if (n >= sizeof(c->scheme_name))
		return hdr_bad(l, "scheme name too long");
	memcpy(c->scheme_name, l->p, n);
	if (!strcasecmp(c->scheme_name, "Bearer"))
		c->scheme = WWW_AUTH_BEARER;
	else if (!strcasecmp(c->scheme_name, "Basic"))
		c->scheme = WWW_AUTH_BASIC;
	l->p += n;
	if (l->p == l->end || *l->p == ',')
		return 0;
	if (!is_ows(*l->p))
		return hdr_bad(l, "expected a space after the scheme");
	l->p = skip_ows(l->p, l->end);
	if (l->p == l->end || *l->p == ',')
		return 0;
	if (!param_ahead(l->p, l->end)) {
		const char *q = l->p;
		while (q < l->end && is_t68char(*q))
			q++;
		if (q == l->p)
			return hdr_bad(l, "bad character");
		while (q < l->end && *q == '=')
			q++;
		l->p = skip_ows(q, l->end);
		if (l->p < l->end && *l->p != ',')
			return hdr_bad(l, "bad character after token68");
		return 0;
	}
	for (;;) {
		const char *q;
		if (read_param(l, c) < 0)
			return -1;
		l->p = skip_ows(l->p, l->end);
		if (l->p == l->end)
			return 0;
		if (*l->p != ',')
			return hdr_bad(l, "expected ','");
		/* Empty list elements are allowed; what follows the commas is
		 * either another parameter or the next challenge. */
		for (q = l->p; q < l->end && (*q == ',' || is_ows(*q)); q++)
			;
		if (!param_ahead(q, l->end))
			return 0;
		l->p = q;
	}
}

int www_auth_parse(const char *hdr, size_t len, struct www_auth *out,
		   struct md_err *err)
{
	static const int rank[] = { [WWW_AUTH_OTHER] = 1,
				    [WWW_AUTH_BASIC] = 2,
				    [WWW_AUTH_BEARER] = 3 };
	struct lex l = { hdr, hdr, hdr + len, err };
	struct www_auth cur;
	int best = 0;

	memset(out, 0, sizeof(*out));
	if (len > HDR_MAX)
		return err_set(err, 0, "WWW-Authenticate header: longer than "
			       "%d bytes", HDR_MAX);
	for (;;) {
		while (l.p < l.end && (*l.p == ',' || is_ows(*l.p)))
			l.p++;
		if (l.p == l.end)
			break;
		if (read_challenge(&l, &cur) < 0)
			return -1;
		if (rank[cur.scheme] > best) {
			*out = cur;
			best = rank[cur.scheme];
		}
	}
	if (!best)
		return err_set(err, 0, "WWW-Authenticate header: no challenge");
	if (out->scheme == WWW_AUTH_BEARER && !out->realm[0])
		return err_set(err, 0, "WWW-Authenticate header: Bearer "
			       "challenge without realm");
	return 0;
}

/* --- base64 --- */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t base64_encode(char *out, size_t outlen, const void *in, size_t n)
{
	const unsigned char *s = in;
	size_t need = (n + 2) / 3 * 4, o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { b64_chars[v >> 18], b64_chars[(v >> 12) & 63],
			      i + 1 < n ? b64_chars[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64_chars[v & 63] : '=' };
		for (int j = 0; j < 4 && o + 1 < outlen; j++)
			out[o++] = q[j];
	}
	if (outlen)
		out[o] = 0;
	return need;
}

ssize_t base64_decode(void *out, size_t outlen, const char *in, size_t n)
{
	unsigned char *d = out;
	size_t o = 0;

	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			v[j] = b64_val(in[i + j]);
			if (v[j] < 0) {
				/* '=' only ends the last group: "xx==", "xxx=" */
				if (in[i + j] != '=' || i + 4 != n || j < 2 ||
				    (j == 2 && in[i + 3] != '='))
					return -1;
				v[j] = 0;
				pad++;
			}
		}
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			return -1;	/* bits that no byte uses */
		if (o + 3 - pad > outlen)
			return -1;
		d[o++] = v[0] << 2 | v[1] >> 4;
		if (pad < 2)
			d[o++] = (v[1] & 15) << 4 | v[2] >> 2;
		if (pad < 1)
			d[o++] = (v[2] & 3) << 6 | v[3];
	}
	return o;
}

/* --- credentials --- */

static int is_hub(const char *h, size_t n)
{
	static const char *const names[] = { "docker.io", "index.docker.io",
					     "registry-1.docker.io" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (n == strlen(names[i]) && !strncasecmp(h, names[i], n))
			return 1;
	return 0;
}

/* How well a config key names host: 2 exactly (or Docker's own key for
 * Docker Hub), 1 once a URL scheme and path are stripped, else 0. */
static int key_rank(const char *key, const char *host)
{
	size_t hlen = strlen(host), n;

	if (!strcasecmp(key, host))
		return 2;
	if (is_hub(host, hlen) && !strcmp(key, "https://index.docker.io/v1/"))
		return 2;
	if (!strncasecmp(key, "https://", 8))
		key += 8;
	else if (!strncasecmp(key, "http://", 7))
		key += 7;
	n = strcspn(key, "/");
	if (n == hlen && !strncasecmp(key, host, n))
		return 1;
	return is_hub(key, n) && is_hub(host, hlen);
}

static int cred_set(char *dst, size_t cap, const char *v, const char *what,
		    const char *field, struct md_err *err)
{
	size_t n = strlen(v);

	if (n >= cap)
		return err_set(err, 0, "%s: %s longer than %zu bytes", what,
			       field, cap - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* For messages only, so a very long path may be cut. */
static void set_source(struct auth_cred *c, const char *path)
{
	size_t n = strnlen(path, sizeof(c->source) - 1);

	memcpy(c->source, path, n);
	c->source[n] = 0;
}

struct ini_find {
	const char *host, *what;
	struct auth_cred *out;
	int have_user, have_pass;
};

/* The HOST of a section named `registry "HOST"`, or NULL. */
static const char *section_host(const char *section, char *buf, size_t cap)
{
	const char *p = section, *q;
	size_t n;

	while (is_ows(*p))
		p++;
	if (strncmp(p, "registry", 8) || !is_ows(p[8]))
		return NULL;
	p = skip_ows(p + 8, p + strlen(p));
	if (*p++ != '"' || !(q = strchr(p, '"')))
		return NULL;
	if (*skip_ows(q + 1, q + 1 + strlen(q + 1)) || (n = q - p) >= cap)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

static int ini_cred(void *user, const char *section, const char *key,
		    const char *value, struct md_err *err)
{
	struct ini_find *f = user;
	char buf[256];
	const char *h = section_host(section, buf, sizeof(buf));

	if (!h || !key_rank(h, f->host))
		return 0;
	if (!strcmp(key, "username")) {
		if (strchr(value, ':'))
			return err_set(err, 0, "%s: [%s]: username must not "
				       "contain ':'", f->what, section);
		f->have_user = 1;
		return cred_set(f->out->username, sizeof(f->out->username),
				value, f->what, "username", err);
	}
	if (!strcmp(key, "password")) {
		f->have_pass = 1;
		return cred_set(f->out->password, sizeof(f->out->password),
				value, f->what, "password", err);
	}
	return 0;
}

/* Returns 0 found, 1 none, -1 error, from the INI text in buf. */
static int ini_lookup(const char *buf, size_t len, const char *what,
		      const char *host, struct auth_cred *out,
		      struct md_err *err)
{
	struct ini_find f = { host, what, out, 0, 0 };

	if (ini_parse_buf(buf, len, what, INI_RAW, ini_cred, &f, err) < 0)
		return -1;
	if (f.have_user != f.have_pass)
		return err_set(err, 0, "%s: registry \"%s\": %s without %s",
			       what, host, f.have_user ? "username" : "password",
			       f.have_user ? "password" : "username");
	if (!f.have_user)
		return 1;
	set_source(out, what);
	return 0;
}

/* md.ini may hold passwords too: as from auth.ini, they are taken only
 * from a file that neither group nor others can read or write. */
static int lookup_md_ini(const char *path, const char *host,
			 struct auth_cred *out, struct md_err *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct stat st;
	ssize_t n;
	int r;

	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 1 : err_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "stat %s", path);
	if (!(buf = malloc(AUTH_FILE_MAX + 1)))
		return err_set(err, ENOMEM, "read %s", path);
	n = read_full(fd, buf, AUTH_FILE_MAX + 1);
	if (n < 0)
		return err_set(err, errno, "read %s", path);
	if (n > AUTH_FILE_MAX)
		return err_set(err, 0, "read %s: larger than %d bytes", path,
			       AUTH_FILE_MAX);
	r = ini_lookup(buf, n, path, host, out, err);
	if (r == 0 && (st.st_mode & 077)) {
		explicit_bzero(out, sizeof(*out));
		return err_set(err, 0, "%s: mode %04o lets others at the "
			       "password for %s; chmod 600 it", path,
			       (unsigned)(st.st_mode & 07777), host);
	}
	return r;
}

/* auth.ini holds passwords: refuse one that others could read or write. */
static int lookup_auth_ini(const char *root, const char *host,
			   struct auth_cred *out, struct md_err *err)
{
	char path[4096];
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct stat st;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/auth.ini", root) >=
	    sizeof(path))
		return err_set(err, ENAMETOOLONG, "%s/auth.ini", root);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 1 : err_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, 0, "%s: not a regular file", path);
	if (st.st_uid != geteuid())
		return err_set(err, 0, "%s: owned by uid %u, not by uid %u",
			       path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return err_set(err, 0, "%s: mode %04o lets others at the "
			       "passwords; chmod 600 it", path,
			       (unsigned)(st.st_mode & 07777));
	if (!(buf = malloc(AUTH_FILE_MAX + 1)))
		return err_set(err, ENOMEM, "read %s", path);
	n = read_full(fd, buf, AUTH_FILE_MAX + 1);
	if (n < 0)
		return err_set(err, errno, "read %s", path);
	if (n > AUTH_FILE_MAX)
		return err_set(err, 0, "read %s: larger than %d bytes", path,
			       AUTH_FILE_MAX);
	return ini_lookup(buf, n, path, host, out, err);
}

static void json_freep(struct json **j)
{
	json_free(*j);
}

/* One "auths" entry: "auth" (base64 of user:pass) or, without it,
 * "username" and "password". An empty entry (credsStore users have
 * those) counts as none. */
static int docker_entry(const struct json *e, const char *path,
			const char *key, struct auth_cred *out,
			struct md_err *err)
{
	const char *auth = json_get_str(e, "auth");
	const char *user = json_get_str(e, "username");
	const char *pass = json_get_str(e, "password");
	char dec[sizeof(out->username) + sizeof(out->password)];
	char *colon;
	ssize_t n;
	int r;

	if (json_type(e) != JSON_OBJECT)
		return err_set(err, 0, "%s: auths \"%s\": not an object", path,
			       key);
	if (auth && auth[0]) {
		n = base64_decode(dec, sizeof(dec) - 1, auth, strlen(auth));
		colon = n > 0 ? memchr(dec, ':', n) : NULL;
		if (!colon || colon == dec || memchr(dec, 0, n)) {
			explicit_bzero(dec, sizeof(dec));
			return err_set(err, 0, "%s: auths \"%s\": auth is not "
				       "base64 of user:password (or too long)",
				       path, key);
		}
		dec[n] = 0;
		*colon = 0;
		user = dec;
		pass = colon + 1;
	} else if (!user || !user[0] || !pass) {
		return 1;
	}
	r = cred_set(out->username, sizeof(out->username), user, path,
		     "username", err);
	if (r == 0)
		r = cred_set(out->password, sizeof(out->password), pass, path,
			     "password", err);
	explicit_bzero(dec, sizeof(dec));
	if (r == 0)
		set_source(out, path);
	return r;
}

static int lookup_docker_config(const char *host, struct auth_cred *out,
				struct md_err *err)
{
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	__attribute__((cleanup(json_freep))) struct json *root = NULL;
	cleanup_free char *buf = NULL;
	const struct json *auths, *best = NULL;
	const char *best_key = NULL;
	struct md_err e = { 0 };
	char path[4096];
	size_t len, i;
	int n, rank = 0;

	if (dir && dir[0])
		n = snprintf(path, sizeof(path), "%s/config.json", dir);
	else if (home && home[0])
		n = snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	else
		return 1;
	if ((size_t)n >= sizeof(path))
		return err_set(err, ENAMETOOLONG, "Docker config.json path");
	buf = file_read_at(AT_FDCWD, path, DOCKER_CONFIG_MAX, &len, &e);
	if (!buf) {
		if (e.errnum == ENOENT)
			return 1;
		*err = e;
		return -1;
	}
	if (!(root = json_parse(buf, len, path, err)))
		return -1;
	auths = json_get(root, "auths");
	if (!auths)
		return 1;
	if (json_type(auths) != JSON_OBJECT)
		return err_set(err, 0, "%s: auths is not an object", path);
	for (i = 0; i < json_len(auths); i++) {
		const char *key = json_key_at(auths, i);
		int r = key_rank(key, host);
		if (r > rank) {
			rank = r;
			best = json_at(auths, i);
			best_key = key;
		}
	}
	if (!best)
		return 1;
	return docker_entry(best, path, best_key, out, err);
}

int auth_lookup(const char *host, const char *md_ini, const char *md_root,
		struct auth_cred *out, struct md_err *err)
{
	int r = 1;

	memset(out, 0, sizeof(*out));
	if (md_ini)
		r = lookup_md_ini(md_ini, host, out, err);
	if (r == 1 && md_root)
		r = lookup_auth_ini(md_root, host, out, err);
	if (r == 1)
		r = lookup_docker_config(host, out, err);
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int auth_basic_header(const struct auth_cred *c, char *out, size_t outlen,
		      struct md_err *err)
{
	char pair[sizeof(c->username) + sizeof(c->password)];
	size_t n, need;

	n = snprintf(pair, sizeof(pair), "%s:%s", c->username, c->password);
	if (n >= sizeof(pair) || outlen < 7)
		return err_set(err, 0, "credentials from %s: too long",
			       c->source);
	memcpy(out, "Basic ", 6);
	need = base64_encode(out + 6, outlen - 6, pair, n);
	explicit_bzero(pair, sizeof(pair));
	if (need + 6 >= outlen) {
		explicit_bzero(out, outlen);
		return err_set(err, 0, "credentials from %s: too long",
			       c->source);
	}
	return 0;
}

/* --- token service reply --- */

int auth_token_parse(const char *buf, size_t len, struct auth_token *out,
		     struct md_err *err)
{
	__attribute__((cleanup(json_freep))) struct json *root = NULL;
	const struct json *exp;
	const char *tok;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!(root = json_parse(buf, len, "token reply", err)))
		return -1;
	if (json_type(root) != JSON_OBJECT)
		return err_set(err, 0, "token reply: not a JSON object");
	tok = json_get_str(root, "access_token");
	if (!tok || !tok[0])
		tok = json_get_str(root, "token");
	if (!tok || !tok[0])
		return err_set(err, 0, "token reply: no token");
	n = strlen(tok);
	if (n >= sizeof(out->token))
		return err_set(err, 0, "token reply: token longer than %zu "
			       "bytes", sizeof(out->token) - 1);
	for (size_t i = 0; i < n; i++)
		if (tok[i] < 0x21 || tok[i] > 0x7e)
			return err_set(err, 0, "token reply: token has a "
				       "character not allowed in a header");
	memcpy(out->token, tok, n + 1);
	out->expires_in = 60;
	exp = json_get(root, "expires_in");
	if (exp && json_type(exp) != JSON_NULL) {
		int64_t v;
		if (json_int(exp, &v) < 0)
			return err_set(err, 0, "token reply: expires_in is "
				       "not an integer");
		if (v > 60)
			out->expires_in = v;
	}
	return 0;
}
