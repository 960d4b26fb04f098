/* Column output as Docker's tabwriter prints it: each column as wide as
 * its widest cell plus 3 spaces, at least 10; the last one unpadded. */
#ifndef MD_TABLE_H
#define MD_TABLE_H

#include <stdio.h>

struct table {
	size_t ncols, nrows, cap;
	char **cells;		/* nrows * ncols strdup'd strings */
	int oom;
};

void table_init(struct table *t, size_t ncols);
/* Adds a row of ncols strings (copied). */
void table_row(struct table *t, const char *const *cols);
int table_print(struct table *t, FILE *f);
void table_free(struct table *t);

/* Writes text as Docker's tabwriter does (Go's text/tabwriter, minimum
 * width 10, padding 3, spaces): the tab-terminated cells of consecutive
 * lines line up in columns as wide as their widest cell plus 3; a line's
 * last cell is not padded. Widths count UTF-8 characters. */
int table_align(const char *text, size_t len, FILE *f);

#endif
