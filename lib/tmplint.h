/* Internals of the template code, shared by template.c (parsing),
 * tmplexec.c (running) and tvalue.c (values, JSON, quoting). */
#ifndef MD_TMPLINT_H
#define MD_TMPLINT_H

#include "template.h"

/* A string of t's (an offset into strs). */
const char *tv_s(const struct tv *t, uint32_t off);
/* The node after node i and what is inside it. */
size_t tv_next(const struct tv *t, size_t i);
/* A map's member by key (klen bytes), or (size_t)-1. */
size_t tv_get(const struct tv *t, size_t map, const char *key, size_t klen);
/* A list's or map's members (a map's sorted by key, as Go ranges over
 * and prints one; a strict map's in order); free *out. */
size_t tv_members(const struct tv *t, size_t node, size_t **out);
/* s as a JSON string (Go's encoder; html: <, >, & escaped). */
void json_string(struct tbuf *b, const char *s, int html);

/* A parsed template: nodes (text, actions, controls) linked by index,
 * each action's pipeline of commands of operands. */
enum { A_DOT, A_FIELD, A_STR, A_INT, A_BOOL, A_NIL, A_FUNC };
enum { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH };

struct arg {
	unsigned char kind;
	unsigned char fn;	/* A_FUNC: F_... */
	const char *s;		/* A_FIELD (".A.B"), A_STR (owned, decoded) */
	size_t len;
	int64_t i;		/* A_INT, A_BOOL */
	const char *at;		/* where it is in the source, for errors */
	size_t atlen;
};

struct cmd {
	int arg0, nargs;
};

struct pipe {
	int cmd0, ncmds;
};

struct tnode {
	unsigned char kind;
	int next, body, alt;	/* node indexes, -1: none */
	int pipe;		/* not N_TEXT */
	const char *text;	/* N_TEXT */
	size_t len;
};

struct tmpl {
	char *src;
	struct tnode *nodes;
	struct pipe *pipes;
	struct cmd *cmds;
	struct arg *args;
	size_t nn, np, nc, na;
	size_t cn, cp, cc, ca;
	int root;
};

enum {
	F_JSON, F_UPPER, F_LOWER, F_TITLE, F_TRUNCATE, F_JOIN, F_PAD,
	F_PRINTLN, F_PRINT, F_LEN, F_INDEX, F_EQ, F_NE, F_NOT, F_AND, F_OR,
	F_COUNT
};
/* Their names. */
extern const char *const tmpl_funcs[F_COUNT];
/* Docker's HeaderFunctions: in a table's header these give back their
 * first argument (pad does not: it keeps the columns aligned). */
#define HEADER_FUNCS ((1 << F_JSON) | (1 << F_UPPER) | (1 << F_LOWER) | \
		      (1 << F_TITLE) | (1 << F_TRUNCATE) | (1 << F_JOIN))

/* Where at is in src: line (from 1) and column (bytes from 0), as Go
 * says in its errors. */
void tmpl_position(const char *src, const char *at, int *line, int *col);

#endif
