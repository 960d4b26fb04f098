/* The part of Go's text/template that Docker users type in --format and
 * -f: {{.Field.Sub}}, {{json .}}, {{if}}/{{range}}/{{with}} ... {{else}}
 * ... {{end}}, pipelines ({{.Names | upper}}), Docker's functions (json,
 * upper, lower, title, truncate, pad, join, println) and Go's (len,
 * index, eq, ne, not, and, or, print), trim markers ({{- -}}) and
 * comments. No variables, no parentheses, no printf.
 *
 * A template reads a tree of values (struct tv) built by the caller: maps
 * (a Go map: a missing key gives "<no value>"; or "strict", a Go struct:
 * a missing key is an error), lists, strings, integers, booleans, null. */
#ifndef MD_TEMPLATE_H
#define MD_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* A growable output buffer; oom set if it could not grow. */
struct tbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void tbuf_put(struct tbuf *b, const char *s, size_t n);
void tbuf_puts(struct tbuf *b, const char *s);
void tbuf_free(struct tbuf *b);

enum tv_type { TV_NULL, TV_BOOL, TV_INT, TV_STR, TV_LIST, TV_MAP };

/* One value. The tree is a flat array in pre-order: a list's or a map's
 * members follow it, span nodes in all. */
struct tv_node {
	unsigned char type;
	unsigned char strict;	/* TV_MAP: a missing key is an error */
	uint32_t key;		/* a map member's key: offset in strs (0: none) */
	uint32_t span;		/* TV_LIST, TV_MAP: nodes inside */
	int64_t v;		/* TV_INT, TV_BOOL; TV_STR: offset in strs */
};

struct tv {
	struct tv_node *nodes;
	size_t n, cap;
	char *strs;		/* strings, NUL-terminated; strs[0] is "" */
	size_t slen, scap;
	size_t open[16];	/* the maps and lists being built */
	int depth;
	int oom;		/* out of memory, or nesting too deep */
};

/* Empties t for a new tree (keeps its memory). */
void tv_reset(struct tv *t);
void tv_free(struct tv *t);
/* Members: key names a map's member (NULL in a list). */
void tv_map(struct tv *t, const char *key, int strict);	/* ... tv_end */
void tv_list(struct tv *t, const char *key);		/* ... tv_end */
void tv_end(struct tv *t);
void tv_str(struct tv *t, const char *key, const char *s);
void tv_int(struct tv *t, const char *key, int64_t v);
void tv_bool(struct tv *t, const char *key, int v);
void tv_null(struct tv *t, const char *key);
/* A JSON document (objects become maps); a bad one is a null. */
void tv_json(struct tv *t, const char *key, const char *json);

/* JSON as Go's encoder writes it: into b, keys in tree order; html:
 * <, > and & escaped as json.Marshal does. */
void tv_write_json(struct tbuf *b, const struct tv *t, size_t node, int html);

struct tmpl;

/* Compiles src. Errors as Go's: "template: :LINE: why". */
struct tmpl *tmpl_parse(const char *src, struct md_err *err);
void tmpl_free(struct tmpl *tp);

enum {
	/* The table header pass (Docker's): functions give back their
	 * first argument unchanged. */
	TMPL_HEADER = 1,
};

/* Runs tp over data's root, appending to out. Errors as Go's:
 * "template: :LINE:COL: executing \"\" at <.X>: why". */
int tmpl_exec(const struct tmpl *tp, const struct tv *data, int flags,
	      struct tbuf *out, struct md_err *err);

/* Docker's preprocessing of a --format: literal "\t" and "\n" become a
 * tab and a newline, in place. */
void tmpl_unescape(char *s);

/* Go's strconv.Quote, appended to b. */
void go_quote(struct tbuf *b, const char *s);

#endif
