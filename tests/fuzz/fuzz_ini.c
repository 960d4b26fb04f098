/* Fuzzes the INI reader (lib/ini.c over inih) as md.ini and md's own
 * files go through it: no crash, one-line errors, the lines that
 * ini_scan_buf reports are lines of the input, and md's own reader of its
 * files gives what inih gives (the same keys, values and error). */
#include <stdint.h>
#include <stdio.h>
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

struct calls {
	char *buf;
	size_t len;
};

static int record(void *user, const char *section, const char *key,
		  const char *value, struct md_err *err)
{
	struct calls *c = user;
	size_t n = strlen(section) + strlen(key) + strlen(value) + 3;
	char *b = realloc(c->buf, c->len + n + 1);

	if (!b)
		abort();
	c->buf = b;
	c->len += sprintf(b + c->len, "%s%c%s%c%s%c", section, 0, key, 0,
			  value, 0);
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
	{
		struct calls a = { 0 }, b = { 0 };
		struct md_err ea = { 0 }, eb = { 0 };
		int ra = ini_parse_buf(p, size, "fuzz", 0, record, &a, &ea);
		int rb = ini_parse_buf(p, size, "fuzz", INI_INIH, record, &b, &eb);
		/* (after an error, what the handler got may differ: md
		 * stops at a line too long, inih reads on) */
		if (ra != rb || strcmp(ea.msg, eb.msg) ||
		    (ra == 0 && (a.len != b.len ||
				     (a.len && memcmp(a.buf, b.buf, a.len)))))
			abort();
		free(a.buf);
		free(b.buf);
	}
	if (ini_scan_buf(p, size, "fuzz", at_line, NULL, &err) < 0)
		one_line(&err);
	return 0;
}
