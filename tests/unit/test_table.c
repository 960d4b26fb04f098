/* lib/table.c: columns as Docker's tabwriter (Go's text/tabwriter with
 * minwidth 10, padding 3) lines them up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static int fails;

static void align(const char *in, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	if (!f || table_align(in, strlen(in), f) < 0) {
		fails++;
		printf("FAIL table_align(\"%s\"): error\n", in);
	} else {
		fclose(f);
		if (strcmp(got, want)) {
			fails++;
			printf("FAIL table_align(\"%s\"):\ngot  \"%s\"\nwant \"%s\"\n",
			       in, got, want);
		}
	}
	free(got);
}

int main(void)
{
	struct table t;
	char *got = NULL;
	size_t len = 0;
	FILE *f;

	align("", "");
	align("a\tb\n", "a         b\n");
	align("A\tB\nlonger cell\tx\n", "A             B\nlonger cell   x\n");
	align("a\tb", "a         b");
	align("a\t\n", "a         \n");
	align("\tb\n", "          b\n");
	/* widths count characters, not bytes */
	align("\xc3\xa9\xe2\x80\xa6\tx\n", "\xc3\xa9\xe2\x80\xa6        x\n");
	/* a line without a tab ends a column block */
	align("a\tb\nno tabs here\nlong long long\tc\n",
	      "a         b\nno tabs here\nlong long long   c\n");
	/* a block of the second column inside one of the first */
	align("x\ty\tz\nxx\tyyyyyyyyyyyy\tz\nx\ty\n",
	      "x         y              z\nxx        yyyyyyyyyyyy   z\nx         y\n");
	/* table_print counts characters too */
	f = open_memstream(&got, &len);
	table_init(&t, 2);
	table_row(&t, (const char *[]){ "\"sleep 1234567890123\xe2\x80\xa6\"", "n" });
	table_row(&t, (const char *[]){ "c", "n" });
	table_print(&t, f);
	table_free(&t);
	fclose(f);
	if (strcmp(got, "\"sleep 1234567890123\xe2\x80\xa6\"   n\n"
		   "c                        n\n")) {
		fails++;
		printf("FAIL table_print:\n%s", got);
	}
	free(got);
	if (!fails)
		printf("test_table: ok\n");
	return fails != 0;
}
