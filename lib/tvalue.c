/* Values a template reads (template.h): the tree, its JSON as Go's
 * encoder writes it, Go's quoting, and the output buffer. */
#include "tmplint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- output ---- */

void tbuf_put(struct tbuf *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->len + n + 1) * 2;
		if (cap < 256)
			cap = 256;
		if (!(p = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void tbuf_puts(struct tbuf *b, const char *s)
{
	tbuf_put(b, s, strlen(s));
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- the value tree ---- */

void tv_reset(struct tv *t)
{
	t->n = 0;
	t->slen = 0;
	t->depth = 0;
	t->oom = 0;
}

void tv_free(struct tv *t)
{
	free(t->nodes);
	free(t->strs);
	memset(t, 0, sizeof(*t));
}

static uint32_t tv_save(struct tv *t, const char *s)
{
	size_t n = strlen(s) + 1, at;
	char *p;

	if (!t->slen) {		/* offset 0 is "" */
		if (!t->strs && !(t->strs = malloc(t->scap = 1024)))
			return t->oom = 1, 0;
		t->strs[0] = 0;
		t->slen = 1;
	}
	if (t->slen + n > UINT32_MAX)
		return t->oom = 1, 0;
	if (t->slen + n > t->scap) {
		size_t cap = (t->slen + n) * 2;
		if (!(p = realloc(t->strs, cap)))
			return t->oom = 1, 0;
		t->strs = p;
		t->scap = cap;
	}
	at = t->slen;
	memcpy(t->strs + at, s, n);
	t->slen += n;
	return at;
}

static struct tv_node *tv_add(struct tv *t, const char *key, int type)
{
	struct tv_node *nd;
	uint32_t k;

	if (t->oom)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->nodes, cap * sizeof(*t->nodes));
		if (!p) {
			t->oom = 1;
			return NULL;
		}
		t->nodes = p;
		t->cap = cap;
	}
	k = key ? tv_save(t, key) : 0;
	if (t->oom)
		return NULL;
	nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->key = k;
	return nd;
}

static void tv_open(struct tv *t, const char *key, int type, int strict)
{
	struct tv_node *nd = tv_add(t, key, type);

	if (!nd)
		return;
	nd->strict = strict;
	if (t->depth == ARRAY_SIZE(t->open)) {
		t->oom = 1;
		return;
	}
	t->open[t->depth++] = t->n - 1;
}

void tv_map(struct tv *t, const char *key, int strict)
{
	tv_open(t, key, TV_MAP, strict);
}

void tv_list(struct tv *t, const char *key)
{
	tv_open(t, key, TV_LIST, 0);
}

void tv_end(struct tv *t)
{
	size_t at;

	if (t->oom || !t->depth)
		return;
	at = t->open[--t->depth];
	t->nodes[at].span = t->n - at - 1;
}

void tv_str(struct tv *t, const char *key, const char *s)
{
	struct tv_node *nd = tv_add(t, key, TV_STR);
	uint32_t off;

	if (nd && (off = tv_save(t, s), !t->oom))
		nd->v = off;
}

void tv_int(struct tv *t, const char *key, int64_t v)
{
	struct tv_node *nd = tv_add(t, key, TV_INT);

	if (nd)
		nd->v = v;
}

void tv_bool(struct tv *t, const char *key, int v)
{
	struct tv_node *nd = tv_add(t, key, TV_BOOL);

	if (nd)
		nd->v = !!v;
}

void tv_null(struct tv *t, const char *key)
{
	tv_add(t, key, TV_NULL);
}

static void tv_from_json(struct tv *t, const char *key, const struct json *j)
{
	int64_t i;

	switch (json_type(j)) {
	case JSON_TRUE: case JSON_FALSE:
		tv_bool(t, key, json_type(j) == JSON_TRUE);
		break;
	case JSON_NUMBER:
		if (json_int(j, &i) == 0)
			tv_int(t, key, i);
		else
			tv_null(t, key);
		break;
	case JSON_STRING:
		tv_str(t, key, json_str(j));
		break;
	case JSON_ARRAY: case JSON_OBJECT:
		tv_open(t, key, json_type(j) == JSON_ARRAY ? TV_LIST : TV_MAP, 0);
		for (size_t k = 0; k < json_len(j); k++)
			tv_from_json(t, json_key_at(j, k), json_at(j, k));
		tv_end(t);
		break;
	default:
		tv_null(t, key);
	}
}

void tv_json(struct tv *t, const char *key, const char *json)
{
	struct md_err err;
	struct json *j = json_parse(json, strlen(json), "value", &err);

	tv_from_json(t, key, j);
	json_free(j);
}

const char *tv_s(const struct tv *t, uint32_t off)
{
	return t->strs ? t->strs + off : "";
}

size_t tv_next(const struct tv *t, size_t i)
{
	return i + 1 + t->nodes[i].span;
}

/* A map's member by key, or (size_t)-1. */
size_t tv_get(const struct tv *t, size_t map, const char *key,
		     size_t klen)
{
	for (size_t i = map + 1; i < tv_next(t, map); i = tv_next(t, i)) {
		const char *k = tv_s(t, t->nodes[i].key);
		if (!strncmp(k, key, klen) && !k[klen])
			return i;
	}
	return (size_t)-1;
}

/* A container's members, maps' sorted by key (as Go ranges over and
 * prints a map). Free *out. */
size_t tv_members(const struct tv *t, size_t node, size_t **out)
{
	size_t n = 0, *v;

	*out = NULL;
	for (size_t i = node + 1; i < tv_next(t, node); i = tv_next(t, i))
		n++;
	if (!n || !(v = malloc(n * sizeof(*v))))
		return 0;
	n = 0;
	for (size_t i = node + 1; i < tv_next(t, node); i = tv_next(t, i)) {
		size_t k = n++;
		if (t->nodes[node].type == TV_MAP && !t->nodes[node].strict)
			for (; k > 0 && strcmp(tv_s(t, t->nodes[v[k - 1]].key),
					       tv_s(t, t->nodes[i].key)) > 0; k--)
				v[k] = v[k - 1];
		v[k] = i;
	}
	*out = v;
	return n;
}

/* ---- quoting ---- */

/* The length of the valid UTF-8 sequence at s (its code point in *cp),
 * or 0 if it is not one. */
int utf8_seq(const unsigned char *s, uint32_t *cp)
{
	int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t c = s[0] & (0x3f >> (n - 1));

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return n;
}

static void put_hex(struct tbuf *b, const char *pre, unsigned v, int digits)
{
	char s[16];

	snprintf(s, sizeof(s), "%s%0*x", pre, digits, v);
	tbuf_puts(b, s);
}

void json_string(struct tbuf *b, const char *str, int html)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	int n;

	tbuf_put(b, "\"", 1);
	while (*s) {
		if (*s >= 0x80) {
			if (!(n = utf8_seq(s, &cp))) {
				tbuf_puts(b, "\\ufffd");
				s++;
				continue;
			}
			if (cp == 0x2028 || cp == 0x2029)
				put_hex(b, "\\u", cp, 4);
			else
				tbuf_put(b, (const char *)s, n);
			s += n;
			continue;
		}
		switch (*s) {
		case '"': tbuf_puts(b, "\\\""); break;
		case '\\': tbuf_puts(b, "\\\\"); break;
		case '\b': tbuf_puts(b, "\\b"); break;
		case '\f': tbuf_puts(b, "\\f"); break;
		case '\n': tbuf_puts(b, "\\n"); break;
		case '\r': tbuf_puts(b, "\\r"); break;
		case '\t': tbuf_puts(b, "\\t"); break;
		default:
			if (*s < 0x20 || (html && strchr("<>&", *s)))
				put_hex(b, "\\u", *s, 4);
			else
				tbuf_put(b, (const char *)s, 1);
		}
		s++;
	}
	tbuf_put(b, "\"", 1);
}

void tv_write_json(struct tbuf *b, const struct tv *t, size_t node, int html)
{
	const struct tv_node *nd = &t->nodes[node];
	char num[24];
	int first = 1;

	switch (nd->type) {
	case TV_NULL: tbuf_puts(b, "null"); return;
	case TV_BOOL: tbuf_puts(b, nd->v ? "true" : "false"); return;
	case TV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)nd->v);
		tbuf_puts(b, num);
		return;
	case TV_STR: json_string(b, tv_s(t, nd->v), html); return;
	}
	tbuf_put(b, nd->type == TV_MAP ? "{" : "[", 1);
	for (size_t i = node + 1; i < tv_next(t, node); i = tv_next(t, i)) {
		if (!first)
			tbuf_put(b, ",", 1);
		first = 0;
		if (nd->type == TV_MAP) {
			json_string(b, tv_s(t, t->nodes[i].key), html);
			tbuf_put(b, ":", 1);
		}
		tv_write_json(b, t, i, html);
	}
	tbuf_put(b, nd->type == TV_MAP ? "}" : "]", 1);
}

void go_quote(struct tbuf *b, const char *str)
{
	static const char esc[] = "\aa\bb\ff\nn\rr\tt\vv";
	const unsigned char *s = (const unsigned char *)str;
	const char *e;
	uint32_t cp;
	int n;

	tbuf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s >= 0x80) {
			if (!(n = utf8_seq(s, &cp))) {
				put_hex(b, "\\x", *s, 2);
			} else if (cp < 0xa0 || cp == 0xad || cp == 0x2028 ||
				   cp == 0x2029 || cp == 0xfeff) {
				put_hex(b, "\\u", cp, 4);	/* not printable */
				s += n - 1;
			} else {
				tbuf_put(b, (const char *)s, n);
				s += n - 1;
			}
		} else if (*s == '"' || *s == '\\') {
			tbuf_put(b, "\\", 1);
			tbuf_put(b, (const char *)s, 1);
		} else if (*s >= 0x20 && *s < 0x7f) {
			tbuf_put(b, (const char *)s, 1);
		} else if (*s && (e = strchr(esc, *s)) && (e - esc) % 2 == 0) {
			tbuf_put(b, "\\", 1);
			tbuf_put(b, e + 1, 1);
		} else {
			put_hex(b, "\\x", *s, 2);
		}
	}
	tbuf_put(b, "\"", 1);
}

void tmpl_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			*w++ = s[1] == 't' ? '\t' : '\n';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

