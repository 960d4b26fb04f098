/* Fuzzes the INI reader (lib/ini.c over inih) as md.ini and md's own
 * files go through it: no crash, one-line errors, and the lines that
 * ini_scan_buf reports are lines of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static int lines;

static int any_key(void *user, const char *section, const char *key,
		   const char *value, struct md_err *err)
{
	if (!section || !key || !value)
		abort();
	return 0;
}

static void at_line(void *user, int line, const char *section,
		    const char *key)
{
	if (line < 1 || line > lines || !section)
		abort();
}

static void one_line(const struct md_err *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct md_err err = { 0 };

	lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += p[i] == '\n';
	if (ini_parse_buf(p, size, "fuzz", INI_RAW, any_key, NULL, &err) < 0)
		one_line(&err);
	if (ini_parse_buf(p, size, "fuzz", 0, any_key, NULL, &err) < 0)
		one_line(&err);
	if (ini_scan_buf(p, size, "fuzz", at_line, NULL, &err) < 0)
		one_line(&err);
	return 0;
}
