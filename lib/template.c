/* Go-template subset (template.h): the parser. */
#include "tmplint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Docker's functions (templates.go; not split) and some of Go's, in the
 * order of the F_ names. */
const char *const tmpl_funcs[F_COUNT] = {
	"json", "upper", "lower", "title", "truncate", "join", "pad",
	"println", "print", "len", "index", "eq", "ne", "not", "and", "or",
};

static int grow(void *pp, size_t *cap, size_t n, size_t size)
{
	void **p = pp, *np;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if (!(np = realloc(*p, c * size)))
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

void tmpl_free(struct tmpl *tp)
{
	if (!tp)
		return;
	for (size_t i = 0; i < tp->na; i++)
		if (tp->args[i].kind == A_STR)
			free((char *)tp->args[i].s);
	free(tp->nodes);
	free(tp->pipes);
	free(tp->cmds);
	free(tp->args);
	free(tp->src);
	free(tp);
}

/* ---- parsing ---- */

enum { STOP_EOF, STOP_END, STOP_ELSE, STOP_ELSE_IF };

struct parser {
	struct tmpl *tp;
	const char *p;		/* the input not yet parsed */
	int trim;		/* the last action ended with " -}}" */
	int depth;
	struct md_err *err;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_ident(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static const char *skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* Where at is: line (from 1) and column (bytes from 0), as Go says. */
void tmpl_position(const char *src, const char *at, int *line, int *col)
{
	const char *bol = src;

	*line = 1;
	for (const char *p = src; p < at; p++)
		if (*p == '\n') {
			(*line)++;
			bol = p + 1;
		}
	*col = at - bol;
}

static int __attribute__((format(printf, 3, 4)))
parse_fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	char why[256];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tmpl_position(ps->tp->src, at, &line, &col);
	return err_set(ps->err, 0, "template: :%d: %s", line, why);
}

static int nomem(struct parser *ps)
{
	return err_set(ps->err, ENOMEM, "template");
}

static int new_node(struct parser *ps, int kind)
{
	struct tmpl *tp = ps->tp;
	struct tnode *n;

	if (grow(&tp->nodes, &tp->cn, tp->nn, sizeof(*tp->nodes)) < 0)
		return nomem(ps);
	n = &tp->nodes[tp->nn];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->next = n->body = n->alt = n->pipe = -1;
	return tp->nn++;
}

/* At the end of an action ("}}", or " -}}" trimming what follows):
 * consumes it. */
static int at_close(struct parser *ps)
{
	const char *p = ps->p;

	if (p[0] == '}' && p[1] == '}') {
		ps->p += 2;
		return 1;
	}
	if (p[0] == '-' && p[1] == '}' && p[2] == '}' && is_space(p[-1])) {
		ps->p += 3;
		ps->trim = 1;
		return 1;
	}
	return 0;
}

/* A "..." literal, decoded into a new string. */
static int parse_string(struct parser *ps, struct arg *a)
{
	static const char esc[] = "n\nt\tr\r\\\\\"\"''a\ab\bf\fv\v";
	const char *p = ps->p + 1, *e;
	char *out = malloc(strlen(p) + 1), *w = out;

	if (!out)
		return nomem(ps);
	for (; *p != '"'; p++) {
		if (!*p || *p == '\n') {
			free(out);
			return parse_fail(ps, ps->p, "unterminated quoted string");
		}
		if (*p == '\\') {
			if (!p[1] || !(e = strchr(esc, p[1])) || (e - esc) % 2) {
				free(out);
				return parse_fail(ps, ps->p, "bad escape in string");
			}
			*w++ = e[1];
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = 0;
	a->kind = A_STR;
	a->s = out;
	ps->p = p + 1;
	return 0;
}

/* One operand of a command, into a. */
static int parse_operand(struct parser *ps, struct arg *a, int first)
{
	const char *p = ps->p, *q;
	char *end;
	size_t n;

	a->at = p;
	if (*p == '.' && !is_ident(p[1], 1)) {
		a->kind = A_DOT;
		ps->p++;
	} else if (*p == '.') {
		for (q = p; *q == '.' && is_ident(q[1], 1); )
			for (q += 2; is_ident(*q, 0); q++)
				;
		a->kind = A_FIELD;
		a->s = p;
		a->len = q - p;
		ps->p = q;
	} else if (*p == '"') {
		if (parse_string(ps, a) < 0)
			return -1;
	} else if (*p == '`') {
		if (!(q = strchr(p + 1, '`')))
			return parse_fail(ps, p, "unterminated raw quoted string");
		if (!(a->s = strndup(p + 1, q - p - 1)))
			return nomem(ps);
		a->kind = A_STR;
		ps->p = q + 1;
	} else if ((*p >= '0' && *p <= '9') ||
		   ((*p == '-' || *p == '+') && p[1] >= '0' && p[1] <= '9')) {
		a->kind = A_INT;
		a->i = strtoll(p, &end, 0);
		ps->p = end;
	} else if (is_ident(*p, 1)) {
		for (q = p; is_ident(*q, 0); q++)
			;
		n = q - p;
		ps->p = q;
		if ((n == 4 && !strncmp(p, "true", 4)) ||
		    (n == 5 && !strncmp(p, "false", 5))) {
			a->kind = A_BOOL;
			a->i = n == 4;
		} else if (n == 3 && !strncmp(p, "nil", 3)) {
			a->kind = A_NIL;
		} else {
			a->kind = A_FUNC;
			while (a->fn < F_COUNT &&
			       (strncmp(tmpl_funcs[a->fn], p, n) || tmpl_funcs[a->fn][n]))
				a->fn++;
			if (a->fn == F_COUNT)
				return parse_fail(ps, p, "function \"%.*s\" not "
						  "defined", (int)n, p);
			if (!first)
				return parse_fail(ps, p, "%s needs arguments (parenthesized "
						  "pipelines are not supported)", tmpl_funcs[a->fn]);
		}
	} else if (*p == '$' || *p == '(') {
		return parse_fail(ps, p, "%s are not supported", *p == '$' ?
				  "variables" : "parenthesized pipelines");
	} else {
		return parse_fail(ps, p, "unexpected \"%c\" in command", *p);
	}
	a->atlen = ps->p - p;
	if (*ps->p && !is_space(*ps->p) && *ps->p != '|' && *ps->p != '}')
		return parse_fail(ps, ps->p, "unexpected \"%c\" in operand", *ps->p);
	return 0;
}

/* The pipeline of an action, up to and with its "}}": its index. */
static int parse_pipeline(struct parser *ps)
{
	struct tmpl *tp = ps->tp;
	struct pipe *pp;
	int pi;

	if (grow(&tp->pipes, &tp->cp, tp->np, sizeof(*tp->pipes)) < 0)
		return nomem(ps);
	pi = tp->np++;
	tp->pipes[pi].cmd0 = tp->nc;
	tp->pipes[pi].ncmds = 0;
	for (;;) {
		struct cmd *c;
		if (grow(&tp->cmds, &tp->cc, tp->nc, sizeof(*tp->cmds)) < 0)
			return nomem(ps);
		c = &tp->cmds[tp->nc++];
		c->arg0 = tp->na;
		c->nargs = 0;
		for (;;) {
			struct arg *a;
			ps->p = skip_space(ps->p);
			if (!*ps->p)
				return parse_fail(ps, ps->p, "unclosed action");
			if (*ps->p == '|' || (ps->p[0] == '}' && ps->p[1] == '}') ||
			    (ps->p[0] == '-' && ps->p[1] == '}' && ps->p[2] == '}' &&
			     is_space(ps->p[-1])))
				break;
			if (grow(&tp->args, &tp->ca, tp->na, sizeof(*tp->args)) < 0)
				return nomem(ps);
			a = &tp->args[tp->na++];
			memset(a, 0, sizeof(*a));
			if (parse_operand(ps, a, c->nargs == 0) < 0)
				return -1;
			c->nargs++;
		}
		pp = &tp->pipes[pi];
		if (!c->nargs)
			return parse_fail(ps, ps->p, "missing value for command");
		pp->ncmds++;
		if (*ps->p != '|')
			break;
		ps->p++;
	}
	at_close(ps);
	return pi;
}

/* The word at the start of an action, if it is one of the keywords. */
static int keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return !strncmp(p, kw, n) && !is_ident(p[n], 0);
}

static int parse_control(struct parser *ps, int kind, int pipe, int *out);

static void append(struct tmpl *tp, int *first, int *last, int n)
{
	if (*last < 0)
		*first = n;
	else
		tp->nodes[*last].next = n;
	*last = n;
}

/* Nodes up to {{end}}, {{else}} or the end of the input (*stop says
 * which); the first one's index in *first (-1: none). {{else if}} and
 * {{else with}}: *ek and *ep hold the kind and the pipeline. */
static int parse_list(struct parser *ps, int *first, int *stop, int *ek,
		      int *ep)
{
	struct tmpl *tp = ps->tp;
	int last = -1, n, kind;

	*first = -1;
	for (;;) {
		const char *open = strstr(ps->p, "{{"), *t0 = ps->p, *t1;
		int ltrim = open && open[2] == '-' && is_space(open[3]);
		t1 = open ? open : ps->p + strlen(ps->p);
		if (ps->trim)
			while (t0 < t1 && is_space(*t0))
				t0++;
		if (ltrim)
			while (t1 > t0 && is_space(t1[-1]))
				t1--;
		ps->trim = 0;
		if (t1 > t0) {
			if ((n = new_node(ps, N_TEXT)) < 0)
				return -1;
			tp->nodes[n].text = t0;
			tp->nodes[n].len = t1 - t0;
			append(tp, first, &last, n);
		}
		if (!open) {
			*stop = STOP_EOF;
			return 0;
		}
		ps->p = skip_space(open + 2 + 2 * ltrim);
		if (ps->p[0] == '/' && ps->p[1] == '*') {
			const char *e = strstr(ps->p + 2, "*/");
			if (!e)
				return parse_fail(ps, ps->p, "unclosed comment");
			ps->p = skip_space(e + 2);
			if (!at_close(ps))
				return parse_fail(ps, ps->p, "comment ends before "
						  "closing delimiter");
			continue;
		}
		if (keyword(ps->p, "end") || keyword(ps->p, "else")) {
			*stop = ps->p[1] == 'n' ? STOP_END : STOP_ELSE;
			ps->p = skip_space(ps->p + (*stop == STOP_END ? 3 : 4));
			if (*stop == STOP_ELSE && (keyword(ps->p, "if") ||
						   keyword(ps->p, "with"))) {
				*ek = ps->p[0] == 'i' ? N_IF : N_WITH;
				ps->p += *ek == N_IF ? 2 : 4;
				*stop = STOP_ELSE_IF;
				return (*ep = parse_pipeline(ps)) < 0 ? -1 : 0;
			}
			if (!at_close(ps))
				return parse_fail(ps, ps->p, "unexpected \"%c\" in %s",
						  *ps->p ? *ps->p : ' ',
						  *stop == STOP_END ? "end" : "else");
			return 0;
		}
		kind = keyword(ps->p, "if") ? N_IF : keyword(ps->p, "range") ?
		       N_RANGE : keyword(ps->p, "with") ? N_WITH : N_ACTION;
		if (kind != N_ACTION)
			ps->p += kind == N_IF ? 2 : kind == N_RANGE ? 5 : 4;
		if ((n = parse_pipeline(ps)) < 0)
			return -1;
		if (kind != N_ACTION) {
			if (parse_control(ps, kind, n, &n) < 0)
				return -1;
		} else {
			int pipe = n;
			if ((n = new_node(ps, N_ACTION)) < 0)
				return -1;
			tp->nodes[n].pipe = pipe;
		}
		append(tp, first, &last, n);
	}
}

/* An {{if}}, {{range}} or {{with}} whose pipeline was parsed, up to and
 * with its {{end}}. */
static int parse_control(struct parser *ps, int kind, int pipe, int *out)
{
	const char *at = ps->p;
	int n, body, alt = -1, stop, ek, ep;

	if (++ps->depth > 32)
		return parse_fail(ps, at, "too deeply nested");
	if (parse_list(ps, &body, &stop, &ek, &ep) < 0)
		return -1;
	if (stop == STOP_ELSE && parse_list(ps, &alt, &stop, &ek, &ep) < 0)
		return -1;
	else if (stop == STOP_ELSE_IF && parse_control(ps, ek, ep, &alt) < 0)
		return -1;
	else if (stop == STOP_ELSE_IF)
		stop = STOP_END;	/* (the inner one took it) */
	if (stop != STOP_END)
		return parse_fail(ps, ps->p, stop == STOP_EOF ? "unexpected EOF" :
				  "expected end; found {{else}}");
	if ((n = new_node(ps, kind)) < 0)
		return -1;
	ps->tp->nodes[n].pipe = pipe;
	ps->tp->nodes[n].body = body;
	ps->tp->nodes[n].alt = alt;
	ps->depth--;
	*out = n;
	return 0;
}

struct tmpl *tmpl_parse(const char *src, struct md_err *err)
{
	struct tmpl *tp = calloc(1, sizeof(*tp));
	struct parser ps = { tp, NULL, 0, 0, err };
	int stop, ek, ep;

	if (!tp || !(tp->src = strdup(src))) {
		free(tp);
		err_set(err, ENOMEM, "template");
		return NULL;
	}
	ps.p = tp->src;
	if (parse_list(&ps, &tp->root, &stop, &ek, &ep) < 0 ||
	    (stop != STOP_EOF && parse_fail(&ps, ps.p, "unexpected {{%s}}",
					    stop == STOP_END ? "end" : "else") < 0)) {
		tmpl_free(tp);
		return NULL;
	}
	return tp;
}

