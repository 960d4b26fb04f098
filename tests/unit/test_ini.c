/* INI writer/reader round trips through Debian's inih build, and the
 * rejection of lines it would cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)

struct got {
	char key[64][64], val[64][2048], sec[64][256];
	int n;
};

static int collect(void *user, const char *section, const char *key,
		   const char *value, struct md_err *err)
{
	struct got *g = user;

	if (g->n == 64)
		return err_set(err, 0, "too many");
	snprintf(g->sec[g->n], sizeof(g->sec[0]), "%s", section);
	snprintf(g->key[g->n], 64, "%s", key);
	snprintf(g->val[g->n], 2048, "%s", value);
	g->n++;
	return 0;
}

static void roundtrip(const char *value)
{
	struct ini_out o = { 0 };
	struct got g = { 0 };
	struct md_err err;

	ini_section(&o, "s \"x:1\"");
	ini_kv(&o, "k", value);
	ini_kv(&o, "next", "after");
	CHECK(ini_parse_buf(o.buf, o.len, "t", 0, collect, &g, &err) == 0);
	CHECK(g.n == 2);
	CHECK(!strcmp(g.val[0], value));
	if (strcmp(g.val[0], value))
		fprintf(stderr, "  want [%s]\n  got  [%s]\n  text:\n%s", value,
			g.val[0], o.buf);
	CHECK(!strcmp(g.key[1], "next") && !strcmp(g.val[1], "after"));
	CHECK(!strcmp(g.sec[0], "s \"x:1\""));
	ini_out_free(&o);
}

int main(void)
{
	char big[1500];
	struct got g = { 0 };
	struct md_err err;

	roundtrip("");
	roundtrip("plain");
	roundtrip(" leading and trailing ");
	roundtrip("sh -c \"a ; b\" ;x");
	roundtrip("#hash first");
	roundtrip("+plus first");
	roundtrip("back\\slash \\n not newline");
	roundtrip("multi\nline\ttab\rcr");
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = " ;ab\\+#"[i % 7];
	big[sizeof(big) - 1] = 0;
	roundtrip(big);
	memset(big, ' ', 400);
	big[400] = 0;
	roundtrip(big);

	/* Section names longer than inih keeps (49 bytes) come back whole. */
	{
		struct ini_out o = { 0 };
		const char *sec = "registry.example.com/team/project/image:v1.2.3-"
				  "long@sha256:0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef";
		g.n = 0;
		ini_section(&o, sec);
		ini_kv(&o, "id", "x");
		ini_section(&o, "second");
		ini_kv(&o, "id", "y");
		CHECK(ini_parse_buf(o.buf, o.len, "t", 0, collect, &g, &err) == 0);
		CHECK(g.n == 2 && !strcmp(g.sec[0], sec) &&
		      !strcmp(g.sec[1], "second") && !strcmp(g.val[1], "y"));
		ini_out_free(&o);
	}

	/* A user's file: kept raw, long lines refused, not cut. */
	g.n = 0;
	const char *raw = "[registry \"h:5000\"]\npassword = a\\b ;c\n";
	CHECK(ini_parse_buf(raw, strlen(raw), "md.ini", INI_RAW, collect, &g,
			    &err) == 0);
	CHECK(g.n == 1 && !strcmp(g.val[0], "a\\b"));
	char longline[400];
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "k = ", 4);
	longline[sizeof(longline) - 1] = '\n';
	g.n = 0;
	CHECK(ini_parse_buf(longline, sizeof(longline), "md.ini", INI_RAW,
			    collect, &g, &err) < 0);
	CHECK(strstr(err.msg, "line 1") != NULL);
	CHECK(ini_parse_buf("k = v\0x", 7, "t", 0, collect, &g, &err) < 0);
	CHECK(ini_parse_buf("no equals\n", 10, "t", INI_RAW, collect, &g,
			    &err) < 0);
	if (fails)
		fprintf(stderr, "%d failures\n", fails);
	return fails != 0;
}
