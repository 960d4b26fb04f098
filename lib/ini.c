/* INI reading and writing.
 *
 * Reading uses inih. Debian ships inih prebuilt with a 200-byte line limit
 * and with inline ";" comments, and its source is not in the archive we
 * build from, so md adapts to that build instead of rebuilding it:
 *  - a user's file (INI_RAW) with a line over the limit is rejected with
 *    an error naming the line, never silently cut;
 *  - files md writes escape what inih would eat and fold long values:
 *    "\\" "\n" "\t" "\r" "\;" stand for themselves, "\s" for a space
 *    (used at the ends of a piece, which inih would strip), "\+" for a
 *    leading "+"; a value longer than a line goes on in continuation
 *    lines that start with a tab and "+". */
#include "ini.h"

#include <inih.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define INI_LINE_MAX 196	/* longest line inih's build reads whole */
#define INI_PIECE 140		/* escaped value bytes per written line */
#define INI_KEY_MAX 48


struct ini_ctx {
	const char *p, *end, *what;
	int flags, lineno, failed;
	ini_handler_fn fn;
	ini_line_fn linefn;	/* ini_scan_buf's, instead of fn */
	void *user;
	struct md_err *err;
	char key[128], section[1024];
	char cursec[1024];	/* the section as written (inih cuts names) */
	char *val;		/* value being assembled from pieces */
	size_t vlen, vcap;
};

static char *line_reader(char *str, int num, void *stream)
{
	struct ini_ctx *c = stream;
	const char *nl;
	size_t n;

	if (c->p >= c->end || c->failed)
		return NULL;
	nl = memchr(c->p, '\n', c->end - c->p);
	n = nl ? (size_t)(nl - c->p) + 1 : (size_t)(c->end - c->p);
	c->lineno++;
	/* inih keeps only 49 bytes of a section name: md keeps the name and
	 * hands inih a stand-in. */
	const char *s = c->p, *e = NULL;
	while (s < c->p + n && (*s == ' ' || *s == '\t'))
		s++;
	if (s < c->p + n && *s == '[')
		e = memchr(s, ']', c->p + n - s);
	if (e) {
		size_t k = e - s - 1;
		if (k >= sizeof(c->cursec)) {
			c->failed = 1;
			err_set(c->err, 0, "%s: line %d: section name too long",
				c->what, c->lineno);
			return NULL;
		}
		memcpy(c->cursec, s + 1, k);
		c->cursec[k] = 0;
		c->p += n;
		if (c->linefn)
			c->linefn(c->user, c->lineno, c->cursec, NULL);
		strcpy(str, "[-]\n");
		return str;
	}
	if (n > INI_LINE_MAX || n >= (size_t)num) {
		c->failed = 1;
		err_set(c->err, 0, "%s: line %d: longer than %d bytes", c->what,
			c->lineno, INI_LINE_MAX);
		return NULL;
	}
	memcpy(str, c->p, n);
	str[n] = 0;
	c->p += n;
	return str;
}

/* Appends n bytes of s, unescaped, to the value being assembled. */
static int val_append(struct ini_ctx *c, const char *s, size_t n)
{
	const char *end = s + n;

	if (c->vlen + n + 1 > c->vcap) {
		size_t cap = (c->vlen + n + 1) * 2;
		char *nv = realloc(c->val, cap);
		if (!nv)
			return -1;
		c->val = nv;
		c->vcap = cap;
	}
	/* Unescape while copying; unknown escapes stay as they are. */
	for (; s < end; s++) {
		char ch = *s;
		if (ch == '\\' && s + 1 < end) {
			switch (*++s) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 's': ch = ' '; break;
			case '\\': case ';': case '+': case '#': ch = *s; break;
			default: c->val[c->vlen++] = '\\'; ch = *s;
			}
		}
		c->val[c->vlen++] = ch;
	}
	c->val[c->vlen] = 0;
	return 0;
}

/* Delivers the value assembled so far, if any. */
static void ini_flush(struct ini_ctx *c)
{
	if (!c->key[0] || c->failed)
		return;
	if (c->fn(c->user, c->section, c->key, c->val ? c->val : "", c->err) < 0)
		c->failed = 1;
	c->key[0] = 0;
	c->vlen = 0;
	if (c->val)
		c->val[0] = 0;
}

static int inih_handler(void *user, const char *inih_section,
			const char *name, const char *value)
{
	struct ini_ctx *c = user;
	const char *section = inih_section[0] ? c->cursec : "";

	if (c->failed)
		return 0;
	if (c->linefn) {
		c->linefn(c->user, c->lineno, section, name);
		return 1;
	}
	if (c->flags & INI_RAW) {
		if (c->fn(c->user, section, name, value, c->err) < 0)
			c->failed = 1;
		return !c->failed;
	}
	if (value[0] == '+' && c->key[0] && !strcmp(name, c->key) &&
	    !strcmp(section, c->section)) {
		if (val_append(c, value + 1, strlen(value + 1)) < 0)
			goto oom;
		return 1;
	}
	ini_flush(c);
	if (strlen(name) >= sizeof(c->key) || strlen(section) >= sizeof(c->section)) {
		err_set(c->err, 0, "%s: line %d: key too long", c->what, c->lineno);
		c->failed = 1;
		return 0;
	}
	strcpy(c->key, name);
	strcpy(c->section, section);
	c->vlen = 0;
	if (val_append(c, value, strlen(value)) < 0)
		goto oom;
	return 1;
oom:
	err_set(c->err, ENOMEM, "%s", c->what);
	c->failed = 1;
	return 0;
}

static int is_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* inih's find_chars_or_comment in [s, e): the first a or b (0: none),
 * an inline comment (";" after a space), or e. */
static const char *find_or_comment(const char *s, const char *e, char a,
				   char b)
{
	int was_space = 0;

	for (; s < e; s++) {
		if ((a && (*s == a || *s == b)) || (was_space && *s == ';'))
			break;
		was_space = is_space(*s);
	}
	return s;
}

/* [*s, *e) without the white space at its ends. */
static void strip(const char **s, const char **e)
{
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
	while (*s < *e && is_space(**s))
		(*s)++;
}

/* inih_handler's work for md's own files, on pieces of the buffer. */
static void own_key(struct ini_ctx *c, int insec, const char *name,
		    size_t nlen, const char *v, size_t vlen)
{
	const char *section = insec ? c->cursec : "";

	if (c->failed)
		return;
	if (vlen && v[0] == '+' && c->key[0] && !strncmp(name, c->key, nlen) &&
	    !c->key[nlen] && !strcmp(section, c->section)) {
		if (val_append(c, v + 1, vlen - 1) < 0)
			goto oom;
		return;
	}
	ini_flush(c);
	if (nlen >= sizeof(c->key) || strlen(section) >= sizeof(c->section)) {
		err_set(c->err, 0, "%s: line %d: key too long", c->what, c->lineno);
		c->failed = 1;
		return;
	}
	for (size_t k = 0; k < nlen; k++)	/* (no memcpy: see parse_own) */
		c->key[k] = name[k];
	c->key[nlen] = 0;
	if (strcmp(c->section, section))
		strcpy(c->section, section);
	c->vlen = 0;
	if (val_append(c, v, vlen) == 0)
		return;
oom:
	err_set(c->err, ENOMEM, "%s", c->what);
	c->failed = 1;
}

/* The files md writes, read as inih (as Debian builds it) reads them,
 * in place: md-ps reads a thousand, and inih's reader callback copies
 * every line (musl's memcpy is slow on short copies). Each line is cut
 * as inih would cut it. 0, or the line of the first one that is not a
 * key, a section or a comment. */
static int parse_own(struct ini_ctx *c)
{
	char prev[50] = "";
	const char *start, *end, *v, *ve, *s, *e;
	int insec = 0, error = 0;
	size_t k;

	while (c->p < c->end && !c->failed) {
		const char *nl = memchr(c->p, '\n', c->end - c->p), *line = c->p;
		size_t n = nl ? (size_t)(nl - c->p) + 1 : (size_t)(c->end - c->p);
		c->lineno++;
		c->p += n;
		/* A section as line_reader takes one: any length of name,
		 * up to the first ']'. */
		for (s = line; s < line + n && (*s == ' ' || *s == '\t'); s++)
			;
		if (s < line + n && *s == '[' && (e = memchr(s, ']', line + n - s))) {
			if ((k = e - s - 1) >= sizeof(c->cursec)) {
				c->failed = 1;
				return err_set(c->err, 0, "%s: line %d: section name "
					       "too long", c->what, c->lineno);
			}
			memcpy(c->cursec, s + 1, k);
			c->cursec[k] = 0;
			insec = 1;
			prev[0] = 0;
			continue;
		}
		if (n > INI_LINE_MAX) {
			c->failed = 1;
			return err_set(c->err, 0, "%s: line %d: longer than %d bytes",
				       c->what, c->lineno, INI_LINE_MAX);
		}
		start = line;
		end = line + n;
		if (c->lineno == 1 && n >= 3 && !memcmp(start, "\xef\xbb\xbf", 3))
			start += 3;
		strip(&start, &end);
		if (start < end && (*start == ';' || *start == '#'))
			continue;
		if (*prev && start < end && start > line) {
			/* a continuation (inline comments stay in it) */
			own_key(c, insec, prev, strlen(prev), start, end - start);
		} else if (start < end && *start == '[' &&
			   (ve = find_or_comment(start + 1, end, ']', ']')) < end &&
			   *ve == ']') {
			/* one line_reader did not take (after a BOM, or a
			 * \v): a section to inih, but md keeps its own */
			insec = 1;
			prev[0] = 0;
		} else if (start < end && (*start == '[' ||
			   (ve = find_or_comment(start, end, '=', ':')) == end ||
			   (*ve != '=' && *ve != ':'))) {
			/* (as inih: the first such line is the error, and
			 * the others are read on) */
			error = error ? error : c->lineno;
		} else if (start < end) {
			v = ve + 1;
			strip(&start, &ve);
			end = find_or_comment(v, end, 0, 0);
			strip(&v, &end);
			/* (inih keeps 49 bytes of it) */
			k = ve - start < (long)sizeof(prev) ? (size_t)(ve - start) :
			    sizeof(prev) - 1;
			memcpy(prev, start, k);
			prev[k] = 0;
			own_key(c, insec, start, ve - start, v, end - v);
		}
	}
	return error;
}

static int parse(struct ini_ctx *c)
{
	int r;

	if (memchr(c->p, 0, c->end - c->p))
		return err_set(c->err, 0, "%s: contains a NUL byte", c->what);
	if (!(c->flags & (INI_RAW | INI_INIH)) && !c->linefn)
		r = parse_own(c);
	else
		r = ini_parse_stream(line_reader, c, inih_handler, c);
	ini_flush(c);
	free(c->val);
	if (c->failed)
		return -1;
	if (r > 0)
		return err_set(c->err, 0, "%s: line %d: not key = value", c->what, r);
	if (r < 0)
		return err_set(c->err, ENOMEM, "%s", c->what);
	return 0;
}

int ini_parse_buf(const char *buf, size_t len, const char *what, int flags,
		  ini_handler_fn fn, void *user, struct md_err *err)
{
	struct ini_ctx c = { .p = buf, .end = buf + len, .what = what,
			     .flags = flags, .fn = fn, .user = user, .err = err };

	return parse(&c);
}

int ini_scan_buf(const char *buf, size_t len, const char *what,
		 ini_line_fn fn, void *user, struct md_err *err)
{
	struct ini_ctx c = { .p = buf, .end = buf + len, .what = what,
			     .flags = INI_RAW, .linefn = fn, .user = user,
			     .err = err };

	return parse(&c);
}

int ini_parse_at(int dirfd, const char *path, int flags, ini_handler_fn fn,
		 void *user, struct md_err *err)
{
	size_t len;
	cleanup_free char *buf = file_read_at(dirfd, path, INI_READ_MAX, &len, err);

	if (!buf)
		return -1;
	return ini_parse_buf(buf, len, path, flags, fn, user, err);
}

static void out_put(struct ini_out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2 + 256;
		char *nb = realloc(o->buf, cap);
		if (!nb) {
			o->oom = 1;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

void ini_section(struct ini_out *o, const char *name)
{
	if (o->len)
		out_put(o, "\n", 1);
	out_put(o, "[", 1);
	out_put(o, name, strlen(name));
	out_put(o, "]\n", 2);
}

/* Escape of one byte at position i of a piece of n bytes, or NULL. */
static const char *esc_of(const char *v, size_t i, size_t n, int first)
{
	switch (v[i]) {
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	case ';': return "\\;";
	case '#': return i == 0 ? "\\#" : NULL;
	case '+': return i == 0 && first ? "\\+" : NULL;
	case ' ': return i == 0 || i == n - 1 ? "\\s" : NULL;
	}
	return NULL;
}

/* How many bytes of v fit on one line once escaped (a space counts as
 * two, as it may need "\s"). */
static size_t piece_len(const char *v, size_t len)
{
	size_t out = 0, i;

	for (i = 0; i < len; i++) {
		out += strchr("\\\n\t\r;#+ ", v[i]) ? 2 : 1;
		if (out > INI_PIECE)
			break;
	}
	return i;
}

void ini_kv(struct ini_out *o, const char *key, const char *value)
{
	size_t len = strlen(value), off = 0;
	int first = 1;

	if (strlen(key) > INI_KEY_MAX) {	/* md's own keys are short */
		o->oom = 1;
		return;
	}
	out_put(o, key, strlen(key));
	out_put(o, " =", 2);
	do {
		size_t n = piece_len(value + off, len - off);
		out_put(o, first ? " " : "\t+", first ? 1 : 2);
		for (size_t i = 0; i < n; i++) {
			const char *e = esc_of(value + off, i, n, first);
			if (e)
				out_put(o, e, 2);
			else
				out_put(o, value + off + i, 1);
		}
		out_put(o, "\n", 1);
		off += n;
		first = 0;
	} while (off < len);
}

void ini_kvf(struct ini_out *o, const char *key, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		o->oom = 1;
		s = NULL;
	}
	va_end(ap);
	if (s)
		ini_kv(o, key, s);
	free(s);
}

int ini_out_write_at(struct ini_out *o, int dirfd, const char *name,
		     mode_t mode, struct md_err *err)
{
	return ini_out_replace_at(o, dirfd, name, mode, 1, err);
}

int ini_out_replace_at(struct ini_out *o, int dirfd, const char *name,
		       mode_t mode, int durable, struct md_err *err)
{
	if (o->oom)
		return err_set(err, ENOMEM, "write %s", name);
	return file_replace_at(dirfd, name, o->buf ? o->buf : "", o->len, mode,
			       durable, err);
}

void ini_out_free(struct ini_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}
