/* Image reference parsing and formatting (see ref.h).
 *
 * Docker's grammar is a set of regular expressions; here each part (host,
 * path, tag, digest) has a small scanner so an error can say which part
 * is wrong. The normalization follows Docker's ParseNormalizedNamed: the
 * first path component is a registry if it has a '.' or ':', is
 * "localhost", or has an uppercase letter (a repository cannot). */
#include "ref.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REF_INPUT_MAX 1024
#define SHOW_MAX 96

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(int c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) || !is_hex(s[i]))
			return 0;
	return 1;
}

/* The user's text made safe for a one-line message, cut if long. */
static const char *shown(char *buf, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char c = s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	if (i < n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = 0;
	return buf;
}

/* "invalid reference format: \"REF\": WHY" */
static int bad(struct md_err *err, const char *s, size_t n, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
static int bad(struct md_err *err, const char *s, size_t n, const char *fmt,
	       ...)
{
	char why[256], show[SHOW_MAX + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(err, 0, "invalid reference format: \"%s\": %s",
		       shown(show, s, n), why);
}

/* host[:port]; host is a dotted name of [A-Za-z0-9-] labels that neither
 * start nor end with '-', or a bracketed IPv6 address. Returns NULL if
 * good, else what is wrong. */
static const char *domain_check(const char *d, size_t n)
{
	size_t i = 0;
	unsigned long port = 0;

	if (n && d[0] == '[') {
		for (i = 1; i < n && (is_hex(d[i]) || d[i] == ':'); i++)
			;
		if (i == 1 || i >= n || d[i] != ']')
			return "bad IPv6 address";
		i++;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (is_alnum(d[i]) || d[i] == '-'))
				i++;
			if (i == start || d[start] == '-' || d[i - 1] == '-')
				return "bad host name";
			if (i < n && d[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return NULL;
	if (d[i] != ':' || i + 1 == n)
		return "bad host name";
	for (i++; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return "bad port";
		port = port * 10 + (d[i] - '0');
		if (port > 65535)
			return "port out of range";
	}
	return port ? NULL : "port out of range";
}

/* Components of [a-z0-9]+ joined by one '.', one or two '_', or any
 * number of '-', separated by '/'. */
static const char *path_check(const char *p, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (i == n || p[i] == '/')
			return "empty path component";
		if (!is_lower_alnum(p[i]))
			return "path component must start with [a-z0-9]";
		for (;;) {
			while (i < n && is_lower_alnum(p[i]))
				i++;
			if (i == n || p[i] == '/')
				break;
			if (p[i] == '.')
				i++;
			else if (p[i] == '_')
				i += i + 1 < n && p[i + 1] == '_' ? 2 : 1;
			else if (p[i] == '-')
				while (i < n && p[i] == '-')
					i++;
			else
				return "bad character in repository name";
			if (i == n || p[i] == '/')
				return "path component must end with [a-z0-9]";
			if (!is_lower_alnum(p[i]))
				return "bad separator in repository name";
		}
		if (i == n)
			return NULL;
		i++;	/* '/' */
	}
}

static const char *tag_check(const char *t, size_t n)
{
	if (n == 0)
		return "empty tag";
	if (n > REF_TAG_MAX)
		return "tag longer than 128 characters";
	if (!is_alnum(t[0]) && t[0] != '_')
		return "tag must start with [A-Za-z0-9_]";
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(t[i]) && !strchr("_.-", t[i]))
			return "bad character in tag";
	return NULL;
}

static const char *digest_check(const char *d, size_t n)
{
	const char *colon = memchr(d, ':', n);

	if (!colon)
		return "digest must be ALGORITHM:HEX";
	if (colon - d != 6 || memcmp(d, "sha256", 6))
		return "unsupported digest algorithm (only sha256)";
	d = colon + 1;
	n -= 7;
	if (n != 64)
		return "sha256 digest must have 64 hex digits";
	return is_lower_hex(d, n) ? NULL : "digest must be lowercase hex";
}

static int has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/* Whether the part before the first '/' names a registry (Docker's
 * splitDockerDomain). */
static int is_registry(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) ||
	       (n == 9 && !memcmp(s, "localhost", 9)) || has_upper(s, n);
}

int ref_parse(const char *s, struct ref *r, struct md_err *err)
{
	size_t len = strnlen(s, REF_INPUT_MAX + 1), tag_len = 0, dlen, plen;
	const char *at, *end, *tag = NULL, *p, *slash, *path, *why;
	char show[SHOW_MAX + 4];
	int hub;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return bad(err, s, 0, "empty reference");
	if (len > REF_INPUT_MAX)
		return bad(err, s, len, "longer than %d bytes", REF_INPUT_MAX);
	if (len == 64 && is_lower_hex(s, 64))	/* Docker's wording */
		return err_set(err, 0, "invalid repository name (%s), "
			       "cannot specify 64-byte hexadecimal strings", s);

	at = memchr(s, '@', len);
	end = at ? at : s + len;
	/* A tag follows the last ':' after the last '/'. */
	for (p = end; p > s && p[-1] != '/' && p[-1] != ':'; p--)
		;
	if (p > s && p[-1] == ':') {
		tag = p;
		tag_len = end - p;
		end = p - 1;
	}

	slash = memchr(s, '/', end - s);
	if (slash && is_registry(s, slash - s)) {
		dlen = slash - s;
		if ((why = domain_check(s, dlen)))
			return bad(err, s, len, "%s \"%s\"", why,
				   shown(show, s, dlen));
		if (dlen >= sizeof(r->registry))
			return bad(err, s, len, "registry name too long");
		if (dlen == 15 && !memcmp(s, "index.docker.io", 15))
			strcpy(r->registry, REF_DOCKER_HUB);
		else
			memcpy(r->registry, s, dlen);
		path = slash + 1;
	} else {
		strcpy(r->registry, REF_DOCKER_HUB);
		path = s;
	}
	hub = !strcmp(r->registry, REF_DOCKER_HUB);
	plen = end - path;

	/* Official images live under library/ on Docker Hub. */
	if (hub && !memchr(path, '/', plen)) {
		if (plen > REF_PATH_MAX - 8)
			return bad(err, s, len, "repository name must not be "
				   "more than %d characters", REF_PATH_MAX);
		memcpy(r->repository, "library/", 8);
		memcpy(r->repository + 8, path, plen);
	} else {
		if (plen > REF_PATH_MAX)
			return bad(err, s, len, "repository name must not be "
				   "more than %d characters", REF_PATH_MAX);
		memcpy(r->repository, path, plen);
	}
	if (has_upper(path, plen))	/* Docker's wording */
		return err_set(err, 0, "invalid reference format: repository "
			       "name (%s) must be lowercase",
			       shown(show, r->repository, strlen(r->repository)));
	if ((why = path_check(path, plen)))
		return bad(err, s, len, "%s", why);

	if (tag) {
		if ((why = tag_check(tag, tag_len)))
			return bad(err, s, len, "%s", why);
		memcpy(r->tag, tag, tag_len);
	} else if (!at) {
		strcpy(r->tag, "latest");
	}
	if (at) {
		dlen = s + len - (at + 1);
		if ((why = digest_check(at + 1, dlen)))
			return bad(err, s, len, "%s", why);
		memcpy(r->digest, at + 1, dlen);
	}
	strcpy(r->api_host, hub ? REF_DOCKER_API : r->registry);
	return 0;
}

static size_t fmt_suffix(const struct ref *r, char *out, size_t outlen,
			 size_t n)
{
	size_t room = n < outlen ? outlen - n : 0;

	n += snprintf(room ? out + n : NULL, room, "%s%s%s%s",
		      r->tag[0] ? ":" : "", r->tag,
		      r->digest[0] ? "@" : "", r->digest);
	return n;
}

size_t ref_format_name(const struct ref *r, char *out, size_t outlen)
{
	const char *repo = r->repository;

	const char *slash = strchr(repo, '/');

	/* Docker Hub's prefix goes, unless the rest would read as a
	 * registry ("docker.io/a.b/c" is not "a.b/c"). */
	if (!strcmp(r->registry, REF_DOCKER_HUB) &&
	    (!slash || !is_registry(repo, slash - repo))) {
		if (!strncmp(repo, "library/", 8) && !strchr(repo + 8, '/'))
			repo += 8;
		return snprintf(out, outlen, "%s", repo);
	}
	return snprintf(out, outlen, "%s/%s", r->registry, repo);
}

size_t ref_format_familiar(const struct ref *r, char *out, size_t outlen)
{
	return fmt_suffix(r, out, outlen, ref_format_name(r, out, outlen));
}

size_t ref_format_full(const struct ref *r, char *out, size_t outlen)
{
	size_t n = snprintf(out, outlen, "%s/%s", r->registry, r->repository);

	return fmt_suffix(r, out, outlen, n);
}

const char *ref_manifest_ref(const struct ref *r)
{
	return r->digest[0] ? r->digest : r->tag;
}
