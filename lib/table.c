/* Docker-style column output (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

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
			size_t n = s ? strlen(s) + 3 : 3;
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s ? s : "");
			else
				fprintf(f, "%-*s", (int)(w[c] < 10 ? 10 : w[c]),
					s ? s : "");
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
