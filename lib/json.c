/* Strict RFC 8259 reader for untrusted documents. One malloc holds every
 * node and every decoded string: a cheap first pass bounds how many of
 * each there can be, the parser then fills the block. json_free is free. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64
/* Far above the caller's cap; keeps counts in 32 bits. */
#define JSON_MAX_LEN ((size_t)1 << 30)
/* Room for the longest UTF-8 sequence and a NUL past the counted bound. */
#define STR_SLACK 5

struct json {
	const char *key;	/* member name when inside an object */
	union {
		const char *str;
		struct json *kids;	/* elements or members, in order */
		int64_t num;
	} u;
	uint32_t n;		/* kids of a container */
	uint8_t type;
	uint8_t is_int;		/* number fits int64 and has no . or e */
};

/* Nodes live in one array of cap slots. Each parsed value is pushed on a
 * stack at the top (sp counts down); when a container closes, its children
 * move off the stack to the bottom area (nfinal counts up), contiguous, so
 * kids[i] indexing works. Every value sits in one place at a time, so the
 * two ends never meet. Slot 0 is the root, which lets json_free free it. */
struct parser {
	const char *buf, *p, *end;
	const char *what;
	struct md_err *err;
	struct json *nodes;
	size_t cap, nfinal, sp;
	char *str, *str_end;	/* free part of the string area */
	int depth;
};

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Line and column are computed only on error, so the hot path does not
 * track them. Columns count characters, not bytes. */
static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	const char *q;
	char why[256];
	va_list ap;

	for (q = ps->buf; q < at; q++) {
		if (*q == '\n')
			line++, col = 1;
		else if ((*q & 0xc0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(ps->err, 0, "%s: line %zu col %zu: %s", ps->what,
		       line, col, why);
}

/* Upper bounds on values and decoded string bytes, from a scan that only
 * needs to find strings and token starts. Decoding never makes a string
 * longer, and every value starts with '"', '[', '{' or a scalar token. */
static void json_count(const char *s, size_t len, size_t *nvals,
		       size_t *nbytes)
{
	size_t i = 0, start;
	int in_scalar = 0;

	*nvals = *nbytes = 0;
	while (i < len) {
		char c = s[i++];
		if (c == '"') {
			start = i;
			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			if (i > len)
				i = len;
			*nbytes += i - start + 1;
			(*nvals)++;
			i++;
			in_scalar = 0;
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			   (c >= 'A' && c <= 'Z') || c == '-' || c == '+' ||
			   c == '.') {
			*nvals += !in_scalar;
			in_scalar = 1;
		} else {
			*nvals += c == '[' || c == '{';
			in_scalar = 0;
		}
	}
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json *push(struct parser *ps, int type)
{
	struct json *v;

	if (ps->sp <= ps->nfinal)	/* the count was wrong: a bug */
		return fail_at(ps, ps->p, "internal: node pool exhausted"),
		       NULL;
	v = &ps->nodes[--ps->sp];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0: rejects overlong
 * forms, UTF-16 surrogates and code points above U+10FFFF. */
static int utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (end - p < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(char **o, unsigned cp)
{
	unsigned char *q = (unsigned char *)*o;

	if (cp < 0x80) {
		*q++ = cp;
	} else if (cp < 0x800) {
		*q++ = 0xc0 | cp >> 6;
		*q++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*q++ = 0xe0 | cp >> 12;
		*q++ = 0x80 | (cp >> 6 & 0x3f);
		*q++ = 0x80 | (cp & 0x3f);
	} else {
		*q++ = 0xf0 | cp >> 18;
		*q++ = 0x80 | (cp >> 12 & 0x3f);
		*q++ = 0x80 | (cp >> 6 & 0x3f);
		*q++ = 0x80 | (cp & 0x3f);
	}
	*o = (char *)q;
}

/* Decodes \uXXXX (p at the 'u'), joining a surrogate pair, into o.
 * Every escape form is at least as long as the UTF-8 it yields. */
static int parse_uescape(struct parser *ps, const char *bs, char **o)
{
	unsigned cp, lo;
	const char *p = bs + 2;

	if (hex4(p, ps->end, &cp) < 0)
		return fail_at(ps, bs, "bad \\u escape");
	p += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail_at(ps, bs, "lone low surrogate in \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    hex4(p + 2, ps->end, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return fail_at(ps, bs, "lone high surrogate in \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	if (cp == 0)
		return fail_at(ps, bs, "NUL in string");
	put_utf8(o, cp);
	ps->p = p;
	return 0;
}

static int parse_escape(struct parser *ps, char **o)
{
	const char *bs = ps->p;
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	if (ps->end - bs < 2)
		return fail_at(ps, bs, "unterminated string");
	if (bs[1] == 'u')
		return parse_uescape(ps, bs, o);
	e = bs[1] ? strchr(from, bs[1]) : NULL;
	if (!e)
		return fail_at(ps, bs, "bad escape \\%c", bs[1] > ' ' &&
			       bs[1] < 0x7f ? bs[1] : '?');
	*(*o)++ = to[e - from];
	ps->p = bs + 2;
	return 0;
}

/* Parses a string literal (ps->p at the quote) into the string area. */
static int parse_string(struct parser *ps, const char **out)
{
	const char *open = ps->p++;
	char *o = ps->str;
	int n;

	for (;;) {
		unsigned char c;
		if (ps->p >= ps->end)
			return fail_at(ps, open, "unterminated string");
		if (ps->str_end - o < STR_SLACK) /* the count was wrong: a bug */
			return fail_at(ps, ps->p, "internal: string area full");
		c = *ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail_at(ps, ps->p, "control character in string");
		if (c == '\\') {
			if (parse_escape(ps, &o) < 0)
				return -1;
			continue;
		}
		n = utf8_seq((const unsigned char *)ps->p,
			     (const unsigned char *)ps->end);
		if (!n)
			return fail_at(ps, ps->p, "invalid UTF-8 in string");
		memcpy(o, ps->p, n);
		o += n;
		ps->p += n;
	}
	ps->p++;
	*o++ = 0;
	*out = ps->str;
	ps->str = o;
	return 0;
}

static int is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int parse_number(struct parser *ps)
{
	const char *start = ps->p, *p = ps->p, *end = ps->end;
	uint64_t mag = 0, lim = INT64_MAX;
	int neg = 0, is_int = 1;
	struct json *v;

	if (p < end && *p == '-')
		neg = 1, p++, lim = (uint64_t)INT64_MAX + 1;
	if (!is_digit(p, end))
		return fail_at(ps, start, "bad number");
	if (*p == '0' && is_digit(p + 1, end))
		return fail_at(ps, start, "leading zero in number");
	for (; is_digit(p, end); p++) {
		unsigned d = *p - '0';
		if (mag > (lim - d) / 10)
			is_int = 0;	/* out of range: still a number */
		else
			mag = mag * 10 + d;
	}
	if (p < end && *p == '.') {
		is_int = 0;
		if (!is_digit(++p, end))
			return fail_at(ps, start, "bad fraction in number");
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		is_int = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return fail_at(ps, start, "bad exponent in number");
		while (is_digit(p, end))
			p++;
	}
	if (!(v = push(ps, JSON_NUMBER)))
		return -1;
	v->is_int = is_int;
	if (is_int)
		v->u.num = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	ps->p = p;
	return 0;
}

static int parse_literal(struct parser *ps)
{
	static const struct { const char *word; int type; } lits[] = {
		{ "null", JSON_NULL }, { "false", JSON_FALSE },
		{ "true", JSON_TRUE },
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(lits); i++) {
		n = strlen(lits[i].word);
		if ((size_t)(ps->end - ps->p) >= n &&
		    !memcmp(ps->p, lits[i].word, n)) {
			if (!push(ps, lits[i].type))
				return -1;
			ps->p += n;
			return 0;
		}
	}
	return fail_at(ps, ps->p, "unexpected character '%c'",
		       *ps->p > ' ' && *ps->p < 0x7f ? *ps->p : '?');
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Small objects (nearly all of them) are checked pairwise; big ones are
 * sorted so a hostile document with many keys stays O(n log n). */
static int check_dup_keys(struct parser *ps, const struct json *kids,
			  size_t n, const char *at)
{
	const char *dup = NULL;
	size_t i, j;

	if (n <= 16) {
		for (i = 0; i < n && !dup; i++)
			for (j = i + 1; j < n && !dup; j++)
				if (!strcmp(kids[i].key, kids[j].key))
					dup = kids[i].key;
	} else {
		const char **keys cleanup_free = malloc(n * sizeof(*keys));
		if (!keys)
			return err_set(ps->err, ENOMEM, "%s", ps->what);
		for (i = 0; i < n; i++)
			keys[i] = kids[i].key;
		qsort(keys, n, sizeof(*keys), cmp_key);
		for (i = 1; i < n && !dup; i++)
			if (!strcmp(keys[i - 1], keys[i]))
				dup = keys[i];
	}
	if (dup) {
		char q[80];
		json_quote(q, sizeof(q), dup);
		return fail_at(ps, at, "duplicate key %s", q);
	}
	return 0;
}

/* Moves the last n values off the stack into the final area, in order,
 * and pushes the container that owns them. */
static int close_container(struct parser *ps, int type, size_t n,
			   const char *at)
{
	struct json *kids = &ps->nodes[ps->nfinal], *src = &ps->nodes[ps->sp];
	struct json tmp, *v;
	size_t i;

	for (i = 0; i < n / 2; i++) {	/* the stack holds them reversed */
		tmp = src[i];
		src[i] = src[n - 1 - i];
		src[n - 1 - i] = tmp;
	}
	memmove(kids, src, n * sizeof(*kids));
	ps->nfinal += n;
	ps->sp += n;
	if (type == JSON_OBJECT && check_dup_keys(ps, kids, n, at) < 0)
		return -1;
	if (!(v = push(ps, type)))
		return -1;
	v->u.kids = kids;
	v->n = n;
	return 0;
}

static int parse_value(struct parser *ps);

static int parse_array(struct parser *ps)
{
	const char *open = ps->p++;
	size_t n = 0;

	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']')
		goto done;
	for (;;) {
		if (parse_value(ps) < 0)
			return -1;
		n++;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail_at(ps, open, "unterminated array");
		if (*ps->p == ']')
			break;
		if (*ps->p != ',')
			return fail_at(ps, ps->p, "expected ',' or ']'");
		ps->p++;
	}
done:
	ps->p++;
	return close_container(ps, JSON_ARRAY, n, open);
}

static int parse_member(struct parser *ps)
{
	const char *key;

	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '"')
		return fail_at(ps, ps->p, "expected a string key");
	if (parse_string(ps, &key) < 0)
		return -1;
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return fail_at(ps, ps->p, "expected ':'");
	ps->p++;
	if (parse_value(ps) < 0)
		return -1;
	ps->nodes[ps->sp].key = key;
	return 0;
}

static int parse_object(struct parser *ps)
{
	const char *open = ps->p++;
	size_t n = 0;

	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}')
		goto done;
	for (;;) {
		if (parse_member(ps) < 0)
			return -1;
		n++;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail_at(ps, open, "unterminated object");
		if (*ps->p == '}')
			break;
		if (*ps->p != ',')
			return fail_at(ps, ps->p, "expected ',' or '}'");
		ps->p++;
	}
done:
	ps->p++;
	return close_container(ps, JSON_OBJECT, n, open);
}

static int parse_value(struct parser *ps)
{
	const char *s;
	struct json *v;
	int rc;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail_at(ps, ps->p, "unexpected end of input");
	switch (*ps->p) {
	case '"':
		if (parse_string(ps, &s) < 0 || !(v = push(ps, JSON_STRING)))
			return -1;
		v->u.str = s;
		return 0;
	case '[':
	case '{':
		if (ps->depth >= JSON_MAX_DEPTH)
			return fail_at(ps, ps->p, "nested deeper than %d",
				       JSON_MAX_DEPTH);
		ps->depth++;
		rc = *ps->p == '[' ? parse_array(ps) : parse_object(ps);
		ps->depth--;
		return rc;
	case '-':
	case '0' ... '9':
		return parse_number(ps);
	default:
		return parse_literal(ps);
	}
}

struct json *json_parse(const char *buf, size_t len, const char *what,
			struct md_err *err)
{
	struct parser ps = { .buf = buf, .p = buf, .end = buf + len,
			     .what = what, .err = err };
	size_t nvals, nbytes, size;
	struct json *root;

	if (len > JSON_MAX_LEN) {
		err_set(err, EFBIG, "%s", what);
		return NULL;
	}
	json_count(buf, len, &nvals, &nbytes);
	ps.cap = nvals + 1;
	/* The slack lets parse_string check for room once per character. */
	if (__builtin_mul_overflow(ps.cap, sizeof(struct json), &size) ||
	    __builtin_add_overflow(size, nbytes + STR_SLACK, &size)) {
		err_set(err, EFBIG, "%s", what);
		return NULL;
	}
	if (!(root = malloc(size))) {
		err_set(err, ENOMEM, "%s", what);
		return NULL;
	}
	ps.nodes = root;
	ps.nfinal = 1;
	ps.sp = ps.cap;
	ps.str = (char *)(root + ps.cap);
	ps.str_end = (char *)root + size;
	if (parse_value(&ps) < 0)
		goto fail;
	skip_ws(&ps);
	if (ps.p < ps.end) {
		fail_at(&ps, ps.p, "unexpected data after the value");
		goto fail;
	}
	*root = ps.nodes[ps.sp];
	return root;
fail:
	free(root);
	return NULL;
}

void json_free(struct json *root)
{
	free(root);
}

enum json_type json_type(const struct json *v)
{
	return v ? v->type : JSON_NULL;
}

const struct json *json_get(const struct json *v, const char *key)
{
	size_t i;

	if (!v || v->type != JSON_OBJECT || !key)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->u.kids[i].key, key))
			return &v->u.kids[i];
	return NULL;
}

const char *json_str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->u.str : NULL;
}

const char *json_get_str(const struct json *v, const char *key)
{
	return json_str(json_get(v, key));
}

size_t json_len(const struct json *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ?
	       v->n : 0;
}

const struct json *json_at(const struct json *v, size_t i)
{
	return i < json_len(v) ? &v->u.kids[i] : NULL;
}

const char *json_key_at(const struct json *v, size_t i)
{
	return v && v->type == JSON_OBJECT && i < v->n ?
	       v->u.kids[i].key : NULL;
}

int json_int(const struct json *v, int64_t *out)
{
	if (!v || v->type != JSON_NUMBER || !v->is_int)
		return -1;
	*out = v->u.num;
	return 0;
}

static void quote_put(char *out, size_t outlen, size_t *n, const char *s,
		      size_t k)
{
	for (; k; k--, s++, (*n)++)
		if (*n + 1 < outlen)
			out[*n] = *s;
}

size_t json_quote(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[6] = "\\u00";
	size_t n = 0;

	quote_put(out, outlen, &n, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			quote_put(out, outlen, &n, "\\", 1);
			quote_put(out, outlen, &n, (const char *)p, 1);
		} else if (*p == '\n') {
			quote_put(out, outlen, &n, "\\n", 2);
		} else if (*p == '\t') {
			quote_put(out, outlen, &n, "\\t", 2);
		} else if (*p < 0x20) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			quote_put(out, outlen, &n, esc, 6);
		} else {
			quote_put(out, outlen, &n, (const char *)p, 1);
		}
	}
	quote_put(out, outlen, &n, "\"", 1);
	if (outlen)
		out[n < outlen ? n : outlen - 1] = 0;
	return n;
}
