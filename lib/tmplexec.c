/* Go-template subset (template.h): running a parsed template. */
#include "tmplint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- execution ---- */

enum { V_NODE, V_STR, V_INT, V_BOOL, V_NIL, V_MISSING };

/* A value met while running: a node of the tree, or one of its own. */
struct val {
	unsigned char kind;
	size_t node;		/* V_NODE */
	int64_t i;		/* V_INT, V_BOOL */
	const char *s;		/* V_STR */
	char *owned;		/* V_STR: s, if it is ours to free */
};

struct exec {
	const struct tmpl *tp;
	const struct tv *t;
	int flags;
	struct tbuf *out;
	struct md_err *err;
};

static void val_free(struct val *v)
{
	free(v->owned);
	v->owned = NULL;
}

/* The value of a string we made (NULL: out of memory). */
static int val_own(struct exec *ex, struct val *v, char *s)
{
	if (!s)
		return err_set(ex->err, ENOMEM, "template");
	memset(v, 0, sizeof(*v));
	v->kind = V_STR;
	v->s = v->owned = s;
	return 0;
}

static int __attribute__((format(printf, 3, 4)))
exec_fail(struct exec *ex, const struct arg *a, const char *fmt, ...)
{
	char why[256];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tmpl_position(ex->tp->src, a->at, &line, &col);
	return err_set(ex->err, 0, "template: :%d:%d: executing \"\" at <%.*s>: %s",
		       line, col, (int)a->atlen, a->at, why);
}

static const char *type_name(const struct exec *ex, const struct val *v)
{
	static const char *const names[] = { "<nil>", "bool", "int", "string",
					     "[]interface {}", "map" };
	if (v->kind == V_NODE)
		return names[ex->t->nodes[v->node].type];
	return v->kind == V_STR ? "string" : v->kind == V_INT ? "int" :
	       v->kind == V_BOOL ? "bool" : "<nil>";
}

static void node_print(const struct tv *t, size_t node, struct tbuf *b)
{
	const struct tv_node *nd = &t->nodes[node];
	size_t *m, n;
	char num[24];

	switch (nd->type) {
	case TV_NULL: tbuf_puts(b, "<nil>"); return;
	case TV_BOOL: tbuf_puts(b, nd->v ? "true" : "false"); return;
	case TV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)nd->v);
		tbuf_puts(b, num);
		return;
	case TV_STR: tbuf_puts(b, tv_s(t, nd->v)); return;
	}
	/* Go's %v: [a b], map[k:v k:v], a struct's {v v} */
	tbuf_puts(b, nd->type == TV_LIST ? "[" : nd->strict ? "{" : "map[");
	n = tv_members(t, node, &m);
	for (size_t k = 0; k < n; k++) {
		if (k)
			tbuf_put(b, " ", 1);
		if (nd->type == TV_MAP && !nd->strict) {
			tbuf_puts(b, tv_s(t, t->nodes[m[k]].key));
			tbuf_put(b, ":", 1);
		}
		node_print(t, m[k], b);
	}
	free(m);
	tbuf_puts(b, nd->type == TV_MAP && nd->strict ? "}" : "]");
}

static void val_print(const struct exec *ex, const struct val *v,
		      struct tbuf *b)
{
	char num[24];

	switch (v->kind) {
	case V_NODE: node_print(ex->t, v->node, b); break;
	case V_STR: tbuf_puts(b, v->s); break;
	case V_INT:
		snprintf(num, sizeof(num), "%lld", (long long)v->i);
		tbuf_puts(b, num);
		break;
	case V_BOOL: tbuf_puts(b, v->i ? "true" : "false"); break;
	case V_NIL: tbuf_puts(b, "<nil>"); break;
	case V_MISSING: tbuf_puts(b, "<no value>"); break;
	}
}

/* A plain value (a scalar node becomes its kind). */
static struct val val_plain(const struct exec *ex, const struct val *v)
{
	const struct tv_node *nd;
	struct val p = *v;

	p.owned = NULL;
	if (v->kind != V_NODE)
		return p;
	nd = &ex->t->nodes[v->node];
	switch (nd->type) {
	case TV_NULL: p.kind = V_NIL; break;
	case TV_BOOL: p.kind = V_BOOL; p.i = nd->v; break;
	case TV_INT: p.kind = V_INT; p.i = nd->v; break;
	case TV_STR: p.kind = V_STR; p.s = tv_s(ex->t, nd->v); break;
	}
	return p;
}

/* Go's truth: false, 0, nil, "" and empty lists and maps are false. */
static int val_true(const struct exec *ex, const struct val *v)
{
	struct val p = val_plain(ex, v);

	switch (p.kind) {
	case V_NODE: return ex->t->nodes[p.node].span > 0;
	case V_STR: return p.s[0] != 0;
	case V_INT: case V_BOOL: return p.i != 0;
	}
	return 0;
}

/* The string a function works on (NULL if v is none: said in err). */
static const char *val_string(struct exec *ex, const struct arg *a,
			      const struct val *v, struct tbuf *tmp)
{
	struct val p = val_plain(ex, v);

	if (p.kind == V_STR)
		return p.s;
	if (p.kind == V_INT || p.kind == V_BOOL) {
		val_print(ex, &p, tmp);
		return tmp->oom ? NULL : tmp->p;
	}
	exec_fail(ex, a, "wrong type for value; expected string; got %s",
		  type_name(ex, v));
	return NULL;
}

/* .A.B from dot. */
static int eval_field(struct exec *ex, const struct arg *a, const struct val *dot,
		      struct val *out)
{
	const char *p = a->s, *end = a->s + a->len;
	struct val cur = *dot;

	cur.owned = NULL;
	while (p < end) {
		const char *name = ++p;
		const struct tv_node *nd;
		size_t m;
		while (p < end && *p != '.')
			p++;
		if (cur.kind == V_MISSING)
			continue;
		if (cur.kind != V_NODE || (nd = &ex->t->nodes[cur.node])->type != TV_MAP)
			return exec_fail(ex, a, "can't evaluate field %.*s in type %s",
					 (int)(p - name), name, type_name(ex, &cur));
		m = tv_get(ex->t, cur.node, name, p - name);
		if (m != (size_t)-1) {
			cur.node = m;
		} else if (nd->strict) {
			return exec_fail(ex, a, "can't evaluate field %.*s",
					 (int)(p - name), name);
		} else {
			cur.kind = V_MISSING;
		}
	}
	*out = cur;
	return 0;
}

static int eval_arg(struct exec *ex, const struct arg *a, const struct val *dot,
		    struct val *out)
{
	memset(out, 0, sizeof(*out));
	switch (a->kind) {
	case A_DOT: *out = *dot; out->owned = NULL; return 0;
	case A_FIELD: return eval_field(ex, a, dot, out);
	case A_STR: out->kind = V_STR; out->s = a->s; return 0;
	case A_INT: out->kind = V_INT; out->i = a->i; return 0;
	case A_BOOL: out->kind = V_BOOL; out->i = a->i; return 0;
	case A_NIL: out->kind = V_NIL; return 0;
	}
	return exec_fail(ex, a, "%s is not a value", tmpl_funcs[a->fn]);
}

static int to_int(struct exec *ex, const struct arg *f, const struct val *v,
		  int64_t *out)
{
	struct val p = val_plain(ex, v);

	if (p.kind != V_INT)
		return exec_fail(ex, f, "wrong type for value; expected int; got %s",
				 type_name(ex, v));
	*out = p.i;
	return 0;
}

/* eq's comparison: 1 equal, 0 not, -1 not comparable (said). */
static int equal(struct exec *ex, const struct arg *f, const struct val *x,
		 const struct val *y)
{
	struct val a = val_plain(ex, x), b = val_plain(ex, y);
	int an = a.kind == V_NIL || a.kind == V_MISSING;
	int bn = b.kind == V_NIL || b.kind == V_MISSING;

	if (an || bn)
		return an && bn;
	if (a.kind != b.kind || a.kind == V_NODE)
		return exec_fail(ex, f, "error calling eq: incompatible types for "
				 "comparison");
	return a.kind == V_STR ? !strcmp(a.s, b.s) : a.i == b.i;
}

static int call_index(struct exec *ex, const struct arg *f, struct val *v,
		      int n, struct val *out)
{
	struct val cur = v[0];
	int64_t i;

	cur.owned = NULL;
	for (int k = 1; k < n && cur.kind != V_MISSING; k++) {
		struct val key = val_plain(ex, &v[k]);
		const struct tv_node *nd = cur.kind == V_NODE ?
					   &ex->t->nodes[cur.node] : NULL;
		size_t *m, cnt;
		if (nd && nd->type == TV_MAP && key.kind == V_STR) {
			size_t at = tv_get(ex->t, cur.node, key.s, strlen(key.s));
			if (at == (size_t)-1)
				cur.kind = V_MISSING;
			else
				cur.node = at;
		} else if (nd && nd->type == TV_LIST && key.kind == V_INT) {
			i = key.i;
			cnt = tv_members(ex->t, cur.node, &m);
			if (i < 0 || (size_t)i >= cnt) {
				free(m);
				return exec_fail(ex, f, "error calling index: index "
						 "out of range: %lld", (long long)i);
			}
			cur.node = m[i];
			free(m);
		} else {
			return exec_fail(ex, f, "error calling index: can't index "
					 "item of type %s", type_name(ex, &cur));
		}
	}
	*out = cur;
	return 0;
}

static int call_string(struct exec *ex, const struct arg *f, struct val *v,
		       struct val *out)
{
	struct tbuf tmp = { 0 };
	const char *s = val_string(ex, f, &v[0], &tmp);
	int64_t a = 0, b = 0;
	size_t len;
	char *r;

	if (!s || (f->fn == F_TRUNCATE && to_int(ex, f, &v[1], &a) < 0) ||
	    (f->fn == F_PAD && (to_int(ex, f, &v[1], &a) < 0 ||
				to_int(ex, f, &v[2], &b) < 0))) {
		tbuf_free(&tmp);
		return -1;
	}
	len = strlen(s);
	if (f->fn == F_TRUNCATE && a >= 0 && (size_t)a <= len)
		len = a;
	if (f->fn == F_TRUNCATE)
		a = 0;
	if (f->fn == F_PAD && (!len || a < 0 || b < 0 || a > 4096 || b > 4096))
		a = b = 0;
	if ((r = malloc(a + len + b + 1))) {
		memset(r, ' ', a);
		memcpy(r + a, s, len);
		memset(r + a + len, ' ', b);
		r[a + len + b] = 0;
		for (size_t k = a, word = 0; k < a + len; k++) {
			int letter = (r[k] >= 'a' && r[k] <= 'z') ||
				     (r[k] >= 'A' && r[k] <= 'Z');
			if (r[k] >= 'a' && r[k] <= 'z' && (f->fn == F_UPPER ||
			    (f->fn == F_TITLE && !word)))
				r[k] -= 32;
			else if (r[k] >= 'A' && r[k] <= 'Z' && f->fn == F_LOWER)
				r[k] += 32;
			/* (Go's strings.Title: words are letters, digits, _) */
			word = letter || (r[k] >= '0' && r[k] <= '9') || r[k] == '_';
		}
	}
	tbuf_free(&tmp);
	return val_own(ex, out, r);
}

static int call_print(struct exec *ex, int fn, struct val *v, int n,
		      struct val *out)
{
	struct tbuf b = { 0 };

	for (int k = 0; k < n; k++) {
		/* Sprint: a space between operands when neither is a string */
		if (k && (fn == F_PRINTLN || (val_plain(ex, &v[k - 1]).kind != V_STR &&
					      val_plain(ex, &v[k]).kind != V_STR)))
			tbuf_put(&b, " ", 1);
		val_print(ex, &v[k], &b);
	}
	if (fn == F_PRINTLN)
		tbuf_put(&b, "\n", 1);
	tbuf_put(&b, "", 0);
	if (b.oom || !b.p) {
		tbuf_free(&b);
		return val_own(ex, out, b.oom ? NULL : strdup(""));
	}
	return val_own(ex, out, b.p);
}

static int call_json(struct exec *ex, const struct val *v, struct val *out)
{
	struct val p = val_plain(ex, v);
	struct tbuf b = { 0 };
	const struct tv_node *nd;

	if (p.kind == V_NODE) {
		/* A strict map stands for a Docker formatter context, which
		 * goes through json.Marshal: HTML characters escaped. */
		nd = &ex->t->nodes[p.node];
		tv_write_json(&b, ex->t, p.node, nd->type == TV_MAP && nd->strict);
	} else if (p.kind == V_STR) {
		json_string(&b, p.s, 0);
	} else if (p.kind == V_INT || p.kind == V_BOOL) {
		val_print(ex, &p, &b);
	} else {
		tbuf_puts(&b, "null");
	}
	if (b.oom)
		tbuf_free(&b);
	return val_own(ex, out, b.p);
}

static int call_join(struct exec *ex, const struct arg *f, struct val *v,
		     struct val *out)
{
	struct tbuf b = { 0 }, tmp = { 0 };
	const char *sep = val_string(ex, f, &v[1], &tmp);
	size_t *m, n;

	if (!sep)
		return -1;
	if (v[0].kind != V_NODE || ex->t->nodes[v[0].node].type != TV_LIST) {
		tbuf_free(&tmp);
		return exec_fail(ex, f, "wrong type for value; expected []string; "
				 "got %s", type_name(ex, &v[0]));
	}
	n = tv_members(ex->t, v[0].node, &m);
	tbuf_put(&b, "", 0);
	for (size_t k = 0; k < n; k++) {
		if (k)
			tbuf_puts(&b, sep);
		node_print(ex->t, m[k], &b);
	}
	free(m);
	tbuf_free(&tmp);
	if (b.oom)
		tbuf_free(&b);
	return val_own(ex, out, b.p);
}

static int call(struct exec *ex, const struct arg *f, struct val *v, int n,
		struct val *out)
{
	/* arguments wanted; negative: at least that many */
	static const signed char want[] = {
		[F_JSON] = 1, [F_UPPER] = 1, [F_LOWER] = 1, [F_TITLE] = 1,
		[F_TRUNCATE] = 2, [F_JOIN] = 2, [F_PAD] = 3, [F_PRINTLN] = 0,
		[F_PRINT] = 0, [F_LEN] = 1, [F_INDEX] = -1, [F_EQ] = -2,
		[F_NE] = 2, [F_NOT] = 1, [F_AND] = -1, [F_OR] = -1,
	};
	int w = want[f->fn], r, k;

	if ((w > 0 && n != w) || (w < 0 && n < -w))
		return exec_fail(ex, f, "wrong number of args for %s: want %s%d "
				 "got %d", tmpl_funcs[f->fn], w < 0 ? "at least " : "",
				 w < 0 ? -w : w, n);
	memset(out, 0, sizeof(*out));
	if ((ex->flags & TMPL_HEADER) && (HEADER_FUNCS & (1 << f->fn))) {
		*out = v[0];
		v[0].owned = NULL;
		return 0;
	}
	switch (f->fn) {
	case F_JSON: return call_json(ex, &v[0], out);
	case F_JOIN: return call_join(ex, f, v, out);
	case F_PRINTLN: case F_PRINT: return call_print(ex, f->fn, v, n, out);
	case F_INDEX: return call_index(ex, f, v, n, out);
	case F_LEN:
		out->kind = V_INT;
		if (v[0].kind == V_NODE && ex->t->nodes[v[0].node].type >= TV_LIST) {
			out->i = ex->t->nodes[v[0].node].span;
			for (size_t i = v[0].node + 1; i < tv_next(ex->t, v[0].node);
			     i = tv_next(ex->t, i))
				out->i -= ex->t->nodes[i].span;
			return 0;
		}
		if (val_plain(ex, &v[0]).kind == V_STR) {
			out->i = strlen(val_plain(ex, &v[0]).s);
			return 0;
		}
		return exec_fail(ex, f, "error calling len: len of type %s",
				 type_name(ex, &v[0]));
	case F_EQ: case F_NE:
		out->kind = V_BOOL;
		for (k = 1; k < n; k++) {
			if ((r = equal(ex, f, &v[0], &v[k])) < 0)
				return -1;
			if (r)
				break;
		}
		out->i = (k < n) == (f->fn == F_EQ);
		return 0;
	case F_NOT:
		out->kind = V_BOOL;
		out->i = !val_true(ex, &v[0]);
		return 0;
	case F_AND: case F_OR:
		for (k = 0; k < n - 1; k++)
			if (val_true(ex, &v[k]) == (f->fn == F_OR))
				break;
		*out = v[k];
		v[k].owned = NULL;
		return 0;
	}
	return call_string(ex, f, v, out);
}

static int eval_pipe(struct exec *ex, int pi, const struct val *dot,
		     struct val *out)
{
	const struct pipe *p = &ex->tp->pipes[pi];
	struct val prev = { V_MISSING }, res, v[8];
	int have = 0, n, r;

	for (int c = p->cmd0; c < p->cmd0 + p->ncmds; c++) {
		const struct cmd *cm = &ex->tp->cmds[c];
		const struct arg *a = &ex->tp->args[cm->arg0];
		if (a->kind != A_FUNC) {
			if (cm->nargs > 1 || have) {
				val_free(&prev);
				return exec_fail(ex, a, "can't give argument to "
						 "non-function %.*s", (int)a->atlen, a->at);
			}
			r = eval_arg(ex, a, dot, &res);
		} else {
			if (cm->nargs - 1 + have > (int)ARRAY_SIZE(v)) {
				val_free(&prev);
				return exec_fail(ex, a, "too many arguments");
			}
			for (n = 0, r = 0; n < cm->nargs - 1 && r == 0; n++)
				r = eval_arg(ex, a + 1 + n, dot, &v[n]);
			if (r == 0 && have) {
				v[n++] = prev;
				prev.owned = NULL;
			}
			if (r == 0)
				r = call(ex, a, v, n, &res);
			while (n > 0)
				val_free(&v[--n]);
		}
		val_free(&prev);
		if (r < 0)
			return -1;
		prev = res;
		have = 1;
	}
	*out = prev;
	return 0;
}

static int exec_list(struct exec *ex, int n, const struct val *dot)
{
	for (; n >= 0; n = ex->tp->nodes[n].next) {
		const struct tnode *nd = &ex->tp->nodes[n];
		struct val v, m;
		size_t *mem, cnt;
		int r = 0, body;

		if (nd->kind == N_TEXT) {
			tbuf_put(ex->out, nd->text, nd->len);
			continue;
		}
		if (eval_pipe(ex, nd->pipe, dot, &v) < 0)
			return -1;
		switch (nd->kind) {
		case N_ACTION:
			val_print(ex, &v, ex->out);
			break;
		case N_IF:
			r = exec_list(ex, val_true(ex, &v) ? nd->body : nd->alt, dot);
			break;
		case N_WITH:
			body = val_true(ex, &v);
			r = exec_list(ex, body ? nd->body : nd->alt, body ? &v : dot);
			break;
		case N_RANGE:
			if (v.kind == V_NODE && ex->t->nodes[v.node].type >= TV_LIST) {
				cnt = tv_members(ex->t, v.node, &mem);
				memset(&m, 0, sizeof(m));
				m.kind = V_NODE;
				for (size_t k = 0; k < cnt && r == 0; k++) {
					m.node = mem[k];
					r = exec_list(ex, nd->body, &m);
				}
				free(mem);
				if (!cnt && ex->t->nodes[v.node].span)
					r = err_set(ex->err, ENOMEM, "template");
				if (!ex->t->nodes[v.node].span)
					r = exec_list(ex, nd->alt, dot);
			} else if (!val_true(ex, &v)) {
				r = exec_list(ex, nd->alt, dot);
			} else {
				r = exec_fail(ex, &ex->tp->args[ex->tp->cmds[
					      ex->tp->pipes[nd->pipe].cmd0].arg0],
					      "range can't iterate over %s",
					      type_name(ex, &v));
			}
			break;
		}
		val_free(&v);
		if (r < 0)
			return -1;
	}
	return 0;
}

int tmpl_exec(const struct tmpl *tp, const struct tv *data, int flags,
	      struct tbuf *out, struct md_err *err)
{
	struct exec ex = { tp, data, flags, out, err };
	struct val root = { data->n ? V_NODE : V_MISSING };

	if (data->oom)
		return err_set(err, ENOMEM, "template data");
	if (exec_list(&ex, tp->root, &root) < 0)
		return -1;
	return out->oom ? err_set(err, ENOMEM, "template output") : 0;
}

