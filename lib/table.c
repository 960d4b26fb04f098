/* Docker-style column output (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* Width on a terminal: UTF-8 characters (as Go's tabwriter counts). */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

void table_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void table_row(struct table *t, const char *const *cols)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));
		if (!nc) {
			t->oom = 1;
			return;
		}
		t->cells = nc;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		char *s = strdup(cols[c] ? cols[c] : "");
		if (!s)
			t->oom = 1;
		t->cells[t->nrows * t->ncols + c] = s;
	}
	t->nrows++;
}

int table_print(struct table *t, FILE *f)
{
	size_t w[16] = { 0 };

	if (t->oom || t->ncols > 16)
		return -1;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t n = s ? text_width(s, strlen(s)) + 3 : 3;
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s ? s : "");
			else
				fprintf(f, "%s%*s", s ? s : "", (int)((w[c] < 10 ? 10 : w[c]) -
					text_width(s ? s : "", s ? strlen(s) : 0)), "");
		}
	}
	return fflush(f) == 0 ? 0 : -1;
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- Docker's tabwriter over text ---- */

struct cell {
	const char *s;
	size_t len, width;	/* bytes, characters */
	size_t target;		/* padded to (0: not padded) */
};

struct lines {
	struct cell *cells;
	size_t *first;		/* each line's first cell; one more at the end */
	size_t n;
};

static size_t ncells(const struct lines *l, size_t line)
{
	return l->first[line + 1] - l->first[line];
}

/* Go's tabwriter.format: a column block is a run of consecutive lines
 * with a tab-terminated cell in column col; its width is the widest of
 * them plus the padding, at least the minimum. */
static void format(struct lines *l, size_t line0, size_t line1, size_t col)
{
	for (size_t this = line0; this < line1; this++) {
		size_t width = 10, b0 = this;
		if (col + 1 >= ncells(l, this))
			continue;
		for (; this < line1 && col + 1 < ncells(l, this); this++) {
			size_t w = l->cells[l->first[this] + col].width + 3;
			if (w > width)
				width = w;
		}
		for (size_t k = b0; k < this; k++)
			l->cells[l->first[k] + col].target = width;
		format(l, b0, this, col + 1);
	}
}

int table_align(const char *text, size_t len, FILE *f)
{
	struct lines l = { 0 };
	size_t nc = 1, nl = 1, c = 0, total = 0, at = 0;
	const char *p, *end = text + len;
	char *out;
	int r = 0;

	for (p = text; p < end; p++) {
		nc += *p == '\t' || *p == '\n';
		nl += *p == '\n';
	}
	l.cells = calloc(nc, sizeof(*l.cells));
	l.first = calloc(nl + 1, sizeof(*l.first));
	if (!l.cells || !l.first) {
		free(l.cells);
		free(l.first);
		return -1;
	}
	for (p = text;; p++) {
		const char *q = p;
		while (q < end && *q != '\t' && *q != '\n')
			q++;
		/* (text ending with a newline: no line after it) */
		if (p == end && (len == 0 || end[-1] == '\n'))
			break;
		l.cells[c].s = p;
		l.cells[c].len = q - p;
		l.cells[c++].width = text_width(p, q - p);
		if (q == end || *q == '\n')
			l.first[++l.n] = c;
		if ((p = q) == end)
			break;
	}
	format(&l, 0, l.n, 0);
	/* Into one buffer, written at once: stdio per cell costs md-ps
	 * over a thousand rows (musl's memcpy is slow on short copies). */
	for (size_t k = 0; k < c; k++)
		total += l.cells[k].len + (l.cells[k].target > l.cells[k].width ?
			 l.cells[k].target - l.cells[k].width : 0);
	if (!(out = malloc(total + l.n + 1)))
		r = -1;
	for (size_t i = 0; out && i < l.n; i++) {
		for (size_t k = l.first[i]; k < l.first[i + 1]; k++) {
			struct cell *cl = &l.cells[k];
			for (size_t b = 0; b < cl->len; b++)
				out[at++] = cl->s[b];
			for (size_t w = cl->width; w < cl->target; w++)
				out[at++] = ' ';
		}
		if (i + 1 < l.n || end[-1] == '\n')
			out[at++] = '\n';
	}
	if (out && fwrite(out, 1, at, f) != at)
		r = -1;
	free(out);
	free(l.cells);
	free(l.first);
	if (fflush(f) != 0)
		r = -1;
	return r;
}
