/* Tar header parsing and path cleaning: the nasty cases first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "unpack.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)

static void header(unsigned char *h, const char *name, char type,
		   unsigned long long size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011llo", size);
	memcpy(h + 136, "00000000000", 11);
	h[156] = type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

struct seen {
	char path[4096], data[64];
	size_t dlen;
	int entries, ends;
	char type;
	long long uid;
};

static int s_entry(void *u, const struct tar_entry *e, struct md_err *err)
{
	struct seen *s = u;
	snprintf(s->path, sizeof(s->path), "%s", e->path);
	s->type = e->type;
	s->uid = e->uid;
	s->entries++;
	return 0;
}

static int s_data(void *u, const void *b, size_t n, struct md_err *err)
{
	struct seen *s = u;
	if (s->dlen + n < sizeof(s->data)) {
		memcpy(s->data + s->dlen, b, n);
		s->dlen += n;
	}
	return 0;
}

static int s_end(void *u, struct md_err *err)
{
	((struct seen *)u)->ends++;
	return 0;
}

static const struct tar_ops ops = { s_entry, s_data, s_end };

/* Feeds buf one byte at a time and in one go; both must agree. */
static int run(const unsigned char *buf, size_t len, struct seen *s,
	       struct md_err *err)
{
	struct tar t;
	struct seen one = { 0 };
	int r1 = 0, r2;

	tar_init(&t, &ops, &one);
	for (size_t i = 0; i < len && !r1; i++)
		r1 = tar_feed(&t, buf + i, 1, err);
	if (!r1)
		r1 = tar_finish(&t, err);
	tar_free(&t);
	memset(s, 0, sizeof(*s));
	tar_init(&t, &ops, s);
	r2 = tar_feed(&t, buf, len, err);
	if (!r2)
		r2 = tar_finish(&t, err);
	tar_free(&t);
	CHECK(r1 == r2);
	CHECK(one.entries == s->entries && !strcmp(one.path, s->path));
	return r2;
}

int main(void)
{
	int64_t v;
	char out[256];
	unsigned char buf[512 * 8];
	struct seen s;
	struct md_err err;

	/* numbers */
	CHECK(tar_parse_number((const unsigned char *)"0000755\0", 8, &v) == 0 && v == 0755);
	CHECK(tar_parse_number((const unsigned char *)"  755 \0\0", 8, &v) == 0 && v == 0755);
	CHECK(tar_parse_number((const unsigned char *)"0000789\0", 8, &v) < 0);
	CHECK(tar_parse_number((const unsigned char *)"07x\0\0\0\0\0", 8, &v) < 0);
	CHECK(tar_parse_number((const unsigned char *)"\0\0\0\0\0\0\0\0", 8, &v) == 0 && v == 0);
	const unsigned char b256[8] = { 0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(b256, 8, &v) == 0 && v == 0x7fffffff);
	const unsigned char neg[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(neg, 8, &v) < 0);
	const unsigned char huge[12] = { 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(huge, 12, &v) < 0);

	/* path cleaning */
	CHECK(unpack_clean_path("../x", out, sizeof(out)) < 0);
	CHECK(unpack_clean_path("a/../../x", out, sizeof(out)) < 0);
	CHECK(unpack_clean_path("a/..", out, sizeof(out)) < 0);
	CHECK(unpack_clean_path("/etc//passwd", out, sizeof(out)) == 0 &&
	      !strcmp(out, "etc/passwd"));
	CHECK(unpack_clean_path("./a/./b/", out, sizeof(out)) == 0 &&
	      !strcmp(out, "a/b"));
	CHECK(unpack_clean_path("./", out, sizeof(out)) == 0 && !strcmp(out, ""));
	CHECK(unpack_clean_path("/", out, sizeof(out)) == 0 && !strcmp(out, ""));
	CHECK(unpack_clean_path("...", out, sizeof(out)) == 0 && !strcmp(out, "..."));
	CHECK(unpack_clean_path("..a/b..", out, sizeof(out)) == 0);

	/* a file with data, then the end */
	memset(buf, 0, sizeof(buf));
	header(buf, "hello.txt", '0', 5);
	memcpy(buf + 512, "hello", 5);
	CHECK(run(buf, 512 * 4, &s, &err) == 0);
	CHECK(s.entries == 1 && s.ends == 1 && !strcmp(s.path, "hello.txt"));
	CHECK(s.dlen == 5 && !memcmp(s.data, "hello", 5));

	/* bad checksum */
	buf[0] = 'H';
	CHECK(run(buf, 512 * 4, &s, &err) < 0 && strstr(err.msg, "checksum"));

	/* truncated inside the data */
	header(buf, "hello.txt", '0', 600);
	CHECK(run(buf, 512 * 2, &s, &err) < 0 && strstr(err.msg, "truncated"));
	/* truncated inside a header */
	CHECK(run(buf, 100, &s, &err) < 0);
	/* an empty stream is an empty archive */
	CHECK(run(buf, 0, &s, &err) == 0 && s.entries == 0);

	/* PAX path and uid override the header */
	memset(buf, 0, sizeof(buf));
	const char *pax = "27 path=very/long/pax/name\n" "15 uid=4000000\n";
	header(buf, "PaxHeaders/x", 'x', strlen(pax));
	memcpy(buf + 512, pax, strlen(pax));
	header(buf + 1024, "short", '5', 0);
	CHECK(run(buf, 512 * 5, &s, &err) == 0);
	CHECK(!strcmp(s.path, "very/long/pax/name") && s.uid == 4000000 &&
	      s.type == TAR_DIR);

	/* malformed PAX records */
	const char *bad[] = { "99 path=x\n", "5 path=x\n", "10 path=x ",
			      "x path=x\n", "11 =value\n", "12 uid=-1\n",
			      "25 GNU.sparse.size=10\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		header(buf, "PaxHeaders/x", 'x', strlen(bad[i]));
		memcpy(buf + 512, bad[i], strlen(bad[i]));
		header(buf + 1024, "short", '0', 0);
		if (run(buf, 512 * 5, &s, &err) == 0) {
			fails++;
			fprintf(stderr, "accepted bad PAX record %s\n", bad[i]);
		}
	}

	/* GNU long name; an oversized one is refused before reading it */
	memset(buf, 0, sizeof(buf));
	header(buf, "././@LongLink", 'L', 300);
	memset(buf + 512, 'n', 300);
	header(buf + 1024, "trunc", '0', 0);
	CHECK(run(buf, 512 * 5, &s, &err) == 0 && strlen(s.path) == 300);
	header(buf, "././@LongLink", 'L', TAR_EXT_MAX + 1);
	CHECK(run(buf, 512 * 5, &s, &err) < 0 && strstr(err.msg, "exceeds"));

	/* unsupported types */
	header(buf, "sparse", 'S', 0);
	CHECK(run(buf, 512 * 3, &s, &err) < 0);
	header(buf, "weird", 'Z', 0);
	CHECK(run(buf, 512 * 3, &s, &err) < 0);
	/* data after one zero block */
	memset(buf, 0, sizeof(buf));
	header(buf + 512, "late", '0', 0);
	CHECK(run(buf, 512 * 4, &s, &err) < 0);

	if (fails)
		fprintf(stderr, "%d failures\n", fails);
	return fails != 0;
}
