/* Tar header parsing and path cleaning: the nasty cases first. Archives
 * are built here block by block, so each case says exactly which bytes
 * it holds; every one is fed whole and one byte at a time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "unpack.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)
/* An error whose message holds want. */
#define CHECK_ERR(r, want) do { if ((r) == 0 || !strstr(err.msg, want)) { \
	fails++; fprintf(stderr, "%s:%d: want an error with \"%s\", got %d \"%s\"\n", \
	__FILE__, __LINE__, want, (r), (r) ? err.msg : ""); } } while (0)

static void checksum(unsigned char *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void header(unsigned char *h, const char *name, char type,
		   unsigned long long size)
{
	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011llo", size);
	memcpy(h + 136, "00000000000", 11);
	h[156] = type;
	memcpy(h + 257, "ustar\0" "00", 8);
	checksum(h);
}

/* An archive under construction. */
static unsigned char A[1 << 17];
static size_t alen;

static unsigned char *add_hdr(const char *name, char type,
			      unsigned long long size)
{
	unsigned char *h = A + alen;

	header(h, name, type, size);
	alen += 512;
	return h;
}

static void add_data(const void *d, size_t n)
{
	memcpy(A + alen, d, n);
	memset(A + alen + n, 0, (512 - n % 512) % 512);
	alen += (n + 511) / 512 * 512;
}

/* An extended header of kind type ('x', 'L', ...) holding n bytes. */
static void add_ext(char type, const char *d, size_t n)
{
	add_hdr(type == 'x' ? "PaxHeaders/x" : "././@LongLink", type, n);
	add_data(d, n);
}

/* A PAX record "LEN key=value\n" of n bytes of kv; returns its length. */
static size_t pax_rec(char *out, const char *kv, size_t n)
{
	size_t d = 1, len;

	while (snprintf(NULL, 0, "%zu", n + 2 + d) != (int)d)
		d++;	/* the length counts its own digits */
	len = n + 2 + d;
	sprintf(out, "%zu ", len);
	memcpy(out + d + 1, kv, n);
	out[len - 1] = '\n';
	return len;
}

/* A PAX header of records "key=value", NULL-terminated. */
static void add_pax(const char *kv, ...)
{
	static char recs[8192];
	size_t n = 0;
	va_list ap;

	va_start(ap, kv);
	for (; kv; kv = va_arg(ap, const char *))
		n += pax_rec(recs + n, kv, strlen(kv));
	va_end(ap);
	add_ext('x', recs, n);
}

static void add_end(void)
{
	memset(A + alen, 0, 1024);
	alen += 1024;
}

struct seen {
	char path[4096], link[256];
	unsigned char data[8192];	/* the last file, holes as zeros */
	size_t dlen;
	uint64_t holes, size;
	int entries, ends;
	char type;
	long long uid, gid, mtime;
	long nsec;
	char names[8][64];	/* of the first entries */
	char xattr[64];
};

static int s_entry(void *u, const struct tar_entry *e, struct md_err *err)
{
	struct seen *s = u;
	snprintf(s->path, sizeof(s->path), "%s", e->path);
	snprintf(s->link, sizeof(s->link), "%s", e->linkname);
	if (s->entries < 8)
		snprintf(s->names[s->entries], 64, "%s", e->path);
	s->type = e->type;
	s->uid = e->uid;
	s->gid = e->gid;
	s->mtime = e->mtime;
	s->nsec = e->mtime_nsec;
	s->size = e->size;
	s->dlen = s->holes = 0;
	if (e->nxattrs)
		snprintf(s->xattr, sizeof(s->xattr), "%s", e->xattrs[0].name);
	s->entries++;
	return 0;
}

static int s_data(void *u, const void *b, size_t n, struct md_err *err)
{
	struct seen *s = u;
	if (s->dlen + n <= sizeof(s->data))
		memcpy(s->data + s->dlen, b, n);
	s->dlen += n;
	return 0;
}

static int s_hole(void *u, uint64_t n, struct md_err *err)
{
	struct seen *s = u;
	if (s->dlen + n <= sizeof(s->data))
		memset(s->data + s->dlen, 0, n);
	s->dlen += n;
	s->holes += n;
	return 0;
}

static int s_end(void *u, struct md_err *err)
{
	((struct seen *)u)->ends++;
	return 0;
}

static const struct tar_ops ops = { s_entry, s_data, s_end, s_hole };
static const struct tar_ops ops_no_holes = { s_entry, s_data, s_end };

/* Feeds buf one byte at a time and in one go; both must agree. */
static int run_ops(const struct tar_ops *o, const unsigned char *buf,
		   size_t len, struct seen *s, struct md_err *err)
{
	struct tar t;
	struct seen one = { 0 };
	int r1 = 0, r2;

	tar_init(&t, o, &one);
	for (size_t i = 0; i < len && !r1; i++)
		r1 = tar_feed(&t, buf + i, 1, err);
	if (!r1)
		r1 = tar_finish(&t, err);
	tar_free(&t);
	memset(s, 0, sizeof(*s));
	tar_init(&t, o, s);
	r2 = tar_feed(&t, buf, len, err);
	if (!r2)
		r2 = tar_finish(&t, err);
	tar_free(&t);
	CHECK(r1 == r2);
	CHECK(one.entries == s->entries && !strcmp(one.path, s->path));
	CHECK(one.dlen == s->dlen && one.holes == s->holes &&
	      !memcmp(one.data, s->data, s->dlen < sizeof(s->data) ?
		      s->dlen : sizeof(s->data)));
	return r2;
}

static int run(const unsigned char *buf, size_t len, struct seen *s,
	       struct md_err *err)
{
	return run_ops(&ops, buf, len, s, err);
}

static struct seen s;
static struct md_err err;

static void test_numbers(void)
{
	int64_t v;
	long ns;

	CHECK(tar_parse_number((const unsigned char *)"0000755\0", 8, &v) == 0 && v == 0755);
	CHECK(tar_parse_number((const unsigned char *)"  755 \0\0", 8, &v) == 0 && v == 0755);
	CHECK(tar_parse_number((const unsigned char *)"\0000755\0\0", 8, &v) == 0 && v == 0755);
	CHECK(tar_parse_number((const unsigned char *)"0000789\0", 8, &v) < 0);
	CHECK(tar_parse_number((const unsigned char *)"07x\0\0\0\0\0", 8, &v) < 0);
	CHECK(tar_parse_number((const unsigned char *)"07 7\0\0\0\0", 8, &v) < 0);
	CHECK(tar_parse_number((const unsigned char *)"\0\0\0\0\0\0\0\0", 8, &v) == 0 && v == 0);
	const unsigned char b256[8] = { 0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(b256, 8, &v) == 0 && v == 0x7fffffff);
	/* Negative base-256: GNU tar writes pre-1970 mtimes so. */
	const unsigned char neg1[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(neg1, 8, &v) == 0 && v == -1);
	const unsigned char neg[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xfc, 0x4a, 0x7a, 0x00 };
	CHECK(tar_parse_number(neg, 12, &v) == 0 && v == -62227968);
	const unsigned char huge[12] = { 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff };
	CHECK(tar_parse_number(huge, 12, &v) < 0);
	const unsigned char hugeneg[12] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	CHECK(tar_parse_number(hugeneg, 12, &v) < 0);

	/* PAX times, rounded down as Go and GNU tar do */
	CHECK(tar_parse_time("-1.5", &v, &ns) == 0 && v == -2 && ns == 500000000);
	CHECK(tar_parse_time("-0.000000001", &v, &ns) == 0 && v == -1 &&
	      ns == 999999999);
	CHECK(tar_parse_time("-3", &v, &ns) == 0 && v == -3 && ns == 0);
	CHECK(tar_parse_time("-3.0", &v, &ns) == 0 && v == -3 && ns == 0);
	CHECK(tar_parse_time("1.5", &v, &ns) == 0 && v == 1 && ns == 500000000);
	CHECK(tar_parse_time("7.1234567899", &v, &ns) == 0 && v == 7 &&
	      ns == 123456789);
	CHECK(tar_parse_time("7.", &v, &ns) == 0 && v == 7 && ns == 0);
	const char *bad[] = { "", "-", ".5", "1.5x", "--1", "1e3", "+1", " 1",
			      "1.-5", "99999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (tar_parse_time(bad[i], &v, &ns) == 0) {
			fails++;
			fprintf(stderr, "accepted PAX time \"%s\"\n", bad[i]);
		}
}

static void test_paths(void)
{
	char out[256];

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
}

static void test_basic(void)
{
	/* a file with data, then the end */
	alen = 0;
	add_hdr("hello.txt", '0', 5);
	add_data("hello", 5);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0);
	CHECK(s.entries == 1 && s.ends == 1 && !strcmp(s.path, "hello.txt"));
	CHECK(s.dlen == 5 && !memcmp(s.data, "hello", 5));

	/* bad checksum, in the first header and in a later one */
	A[0] = 'H';
	CHECK_ERR(run(A, alen, &s, &err), "not a tar archive (bad header checksum at offset 0)");
	A[0] = 'h';
	alen -= 1024;
	add_hdr("x", '0', 0)[0] = 'X';
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "bad header checksum at offset 1024");

	/* truncated inside the data, inside a header */
	alen = 0;
	add_hdr("hello.txt", '0', 600);
	CHECK_ERR(run(A, 512 * 2, &s, &err), "truncated");
	CHECK_ERR(run(A, 100, &s, &err), "not a tar archive (100 bytes)");
	CHECK_ERR(run(A, 512 * 2 + 600, &s, &err), "truncated");
	/* data after one zero block */
	memset(A, 0, 512);
	header(A + 512, "late", '0', 0);
	CHECK_ERR(run(A, 512 * 4, &s, &err), "after an end-of-archive block");
}

static void test_empty_and_garbage(void)
{
	static const struct { const char *magic; const char *what; } comp[] = {
		{ "BZh91AY&SY", "bzip2 compressed input is not supported" },
		{ "\xfd" "7zXZ\0\0", "xz compressed input is not supported" },
		{ "\x28\xb5\x2f\xfd\0", "zstd compressed input is not supported" },
		{ "\x1f\x8b\x08\0", "gzip compressed input is not supported" },
	};

	/* Nothing at all is no archive; GNU tar's empty archive (zero blocks
	 * only, even a lone one) is one with no entries. */
	CHECK_ERR(run(A, 0, &s, &err), "empty input: not a tar archive");
	memset(A, 0, 10240);
	CHECK(run(A, 10240, &s, &err) == 0 && s.entries == 0);
	CHECK(run(A, 1024, &s, &err) == 0 && s.entries == 0);
	CHECK(run(A, 512, &s, &err) == 0 && s.entries == 0);
	for (size_t i = 0; i < ARRAY_SIZE(comp); i++) {
		memset(A, 0, 1024);
		memcpy(A, comp[i].magic, 6);
		CHECK_ERR(run(A, 1024, &s, &err), comp[i].what);
	}
	/* A blank checksum field is none, even where the signed sum of the
	 * block is 0. */
	memset(A, 0, 1536);
	memset(A + 148, ' ', 8);
	A[0] = A[1] = 0x80;	/* signed: -256 + 8 spaces = 0 */
	CHECK_ERR(run(A, 1536, &s, &err), "not a tar archive");
	header(A, "f", '0', 0);
	memset(A + 148, ' ', 8);
	CHECK_ERR(run(A, 1536, &s, &err), "not a tar archive");
	memset(A + 148, 0, 8);
	CHECK_ERR(run(A, 1536, &s, &err), "not a tar archive");
}

/* Types 1-6 carry no data whatever their size says (Go, containerd). */
static void test_no_data_types(void)
{
	static const char types[] = "123456";

	for (const char *t = types; *t; t++) {
		alen = 0;
		add_hdr(*t == '5' ? "d/" : "node", *t, 600)[157] = 't';
		checksum(A + alen - 512);
		add_hdr("next", '0', 3);
		add_data("abc", 3);
		add_end();
		CHECK(run(A, alen, &s, &err) == 0);
		CHECK(s.entries == 2 && !strcmp(s.names[0], *t == '5' ? "d/" : "node"));
		CHECK(!strcmp(s.path, "next") && s.dlen == 3 && !memcmp(s.data, "abc", 3));
	}
	/* v7: type NUL and a trailing slash is a directory, without data */
	alen = 0;
	add_hdr("olddir/", 0, 600);
	add_hdr("next", 0, 3);
	add_data("abc", 3);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.entries == 2 &&
	      !strcmp(s.path, "next") && s.type == TAR_REG);
}

static void test_fields(void)
{
	unsigned char *h;

	/* pre-1970 mtime in base-256 */
	alen = 0;
	h = add_hdr("old", '0', 0);
	memset(h + 136, 0xff, 12);
	h[147] = 0x9c;		/* -100 */
	checksum(h);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.mtime == -100);
	/* a bad field names the entry and the field */
	memcpy(h + 136, "0000000008\0", 12);
	checksum(h);
	CHECK_ERR(run(A, alen, &s, &err), "tar: old: bad mtime field");
	header(h, "old", '0', 0);
	memcpy(h + 108, "zzz", 3);
	checksum(h);
	CHECK_ERR(run(A, alen, &s, &err), "tar: old: bad uid field");
	/* uid 4294967295 ((uid_t)-1) is an id; 4294967296 is not */
	header(h, "nobody", '0', 0);
	memcpy(h + 108, "\x80\0\0\0\xff\xff\xff\xff", 8);
	memcpy(h + 116, "\x80\0\0\0\xff\xff\xff\xff", 8);
	checksum(h);
	CHECK(run(A, alen, &s, &err) == 0 && s.uid == 4294967295LL &&
	      s.gid == 4294967295LL);
	alen = 0;
	add_pax("uid=4294967296", NULL);
	add_hdr("big", '0', 0);
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "tar: big: bad owner 4294967296:0");
	/* a negative fractional PAX mtime */
	alen = 0;
	add_pax("mtime=-1.5", NULL);
	add_hdr("neg", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.mtime == -2 && s.nsec == 500000000);
}

static void test_pax(void)
{
	/* PAX path and uid override the header */
	alen = 0;
	add_pax("path=very/long/pax/name", "uid=4000000", NULL);
	add_hdr("short", '5', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0);
	CHECK(!strcmp(s.path, "very/long/pax/name") && s.uid == 4000000 &&
	      s.type == TAR_DIR);

	/* malformed PAX records */
	const char *bad[] = { "99 path=x\n", "5 path=x\n", "10 path=x ",
			      "x path=x\n", "11 =value\n", "12 uid=-1\n",
			      "12 uid=1x\n", "14 mtime=1e3\n",
			      "22 GNU.sparse.major=2\n" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		alen = 0;
		add_ext('x', bad[i], strlen(bad[i]));
		add_hdr("short", '0', 0);
		add_end();
		if (run(A, alen, &s, &err) == 0) {
			fails++;
			fprintf(stderr, "accepted bad PAX record %s\n", bad[i]);
		}
	}
	/* NUL in an xattr name or a path is refused, not cut short */
	char rec[64];
	alen = 0;
	add_ext('x', rec, pax_rec(rec, "SCHILY.xattr.user.a\0b=v", 23));
	add_hdr("f", '0', 0);
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "tar: f: PAX record name with a NUL byte");
	alen = 0;
	add_ext('x', rec, pax_rec(rec, "path=a\0b", 8));
	add_hdr("f", '0', 0);
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "tar: f: PAX path with a NUL byte");
	alen = 0;
	add_pax("SCHILY.xattr.user.x=v", NULL);
	add_hdr("f", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && !strcmp(s.xattr, "user.x"));

	/* repeated extended headers before one entry: the last one wins
	 * (records of the first are dropped with it) */
	alen = 0;
	add_pax("path=first", "uid=7", NULL);
	add_pax("path=second", NULL);
	add_ext('L', "long-one", 8);
	add_ext('L', "long-two", 8);
	add_ext('K', "k1", 2);
	add_ext('K', "k2", 2);
	add_hdr("hdr", '2', 0);
	add_pax("path=third", NULL);
	add_hdr("hdr", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.entries == 2);
	CHECK(!strcmp(s.names[0], "second") && !strcmp(s.link, "") &&
	      !strcmp(s.names[1], "third"));
	alen = 0;
	add_ext('L', "long-one", 8);
	add_ext('L', "long-two", 8);
	add_ext('K', "k1", 2);
	add_ext('K', "k2", 2);
	add_hdr("hdr", '2', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && !strcmp(s.path, "long-two") &&
	      !strcmp(s.link, "k2") && s.uid == 0);
	/* a global header changes nothing */
	alen = 0;
	add_hdr("pax_global_header", 'g', 14);
	add_data("14 comment=x\n\n", 14);
	add_hdr("f", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.entries == 1);

	/* GNU long name; an oversized one is refused before reading it */
	alen = 0;
	add_hdr("././@LongLink", 'L', 300);
	memset(A + alen, 'n', 300);
	add_data(A + alen, 300);
	add_hdr("trunc", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && strlen(s.path) == 300);
	header(A, "././@LongLink", 'L', TAR_EXT_MAX + 1);
	CHECK_ERR(run(A, 512 * 5, &s, &err), "exceeds");
}

static void test_types(void)
{
	static const struct { char type; const char *msg; } refused[] = {
		{ 'D', "tar: x: a GNU incremental directory (type 'D') is not supported" },
		{ 'A', "tar: x: a Solaris ACL (type 'A') is not supported" },
		{ 'X', "tar: x: a Solaris extended header (type 'X') is not supported" },
		{ 'M', "tar: x: continued from another volume (type 'M') is not supported" },
		{ 'N', "tar: x: a GNU rename list (type 'N') is not supported" },
		{ 'Z', "tar: x: unsupported entry type 'Z'" },
		{ 1, "tar: x: unsupported entry type 0x01" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		alen = 0;
		add_hdr("x", refused[i].type, 0);
		add_end();
		CHECK_ERR(run(A, alen, &s, &err), refused[i].msg);
	}
	/* a GNU volume label is no file: it and its data are skipped */
	alen = 0;
	add_hdr("label", 'V', 5);
	add_data("xxxxx", 5);
	add_hdr("f", '0', 0);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.entries == 1 && !strcmp(s.path, "f"));
	/* '7' (contiguous) is a regular file */
	alen = 0;
	add_hdr("c", '7', 2);
	add_data("ab", 2);
	add_end();
	CHECK(run(A, alen, &s, &err) == 0 && s.type == TAR_REG && s.dlen == 2);
}

/* A sparse file of 8192 bytes: "AB" at 1000, "CDE" at 5000, a hole to
 * the end. */
static void check_sparse(const char *what, const char *path)
{
	unsigned char want[8192] = { 0 };

	memcpy(want + 1000, "AB", 2);
	memcpy(want + 5000, "CDE", 3);
	if (run(A, alen, &s, &err) < 0) {
		fails++;
		fprintf(stderr, "%s: %s\n", what, err.msg);
		return;
	}
	if (s.entries != 1 || strcmp(s.path, path) || s.type != TAR_REG ||
	    s.size != 8192 || s.dlen != 8192 || s.holes != 8192 - 5 ||
	    memcmp(s.data, want, 8192)) {
		fails++;
		fprintf(stderr, "%s: path %s size %llu got %zu bytes, %llu of "
			"holes\n", what, s.path, (unsigned long long)s.size,
			s.dlen, (unsigned long long)s.holes);
	}
	CHECK_ERR(run_ops(&ops_no_holes, A, alen, &s, &err), "not expected here");
}

static void sp_entry(unsigned char *f, unsigned off, unsigned len)
{
	snprintf((char *)f, 12, "%011o", off);
	snprintf((char *)f + 12, 12, "%011o", len);
}

static void test_sparse(void)
{
	unsigned char *h;

	/* old GNU: the map in the header */
	alen = 0;
	h = add_hdr("gnu", 'S', 5);
	memcpy(h + 257, "ustar  ", 8);
	sp_entry(h + 386, 1000, 2);
	sp_entry(h + 410, 5000, 3);
	sp_entry(h + 434, 8192, 0);
	snprintf((char *)h + 483, 12, "%011o", 8192);
	checksum(h);
	add_data("ABCDE", 5);
	add_end();
	check_sparse("old GNU", "gnu");

	/* old GNU, the map going on in extension blocks: 4 zero-length
	 * regions in the header, 21 in one block, then the real ones */
	alen = 0;
	h = add_hdr("gnuext", 'S', 5);
	memcpy(h + 257, "ustar  ", 8);
	for (int i = 0; i < 4; i++)
		sp_entry(h + 386 + 24 * i, 10 * i, 0);
	h[482] = 1;
	snprintf((char *)h + 483, 12, "%011o", 8192);
	checksum(h);
	h = A + alen;
	memset(h, 0, 512);
	for (int i = 0; i < 21; i++)
		sp_entry(h + 24 * i, 100 + i, 0);
	h[504] = 1;
	alen += 512;
	h = A + alen;
	memset(h, 0, 512);
	sp_entry(h, 1000, 2);
	sp_entry(h + 24, 5000, 3);
	alen += 512;
	add_data("ABCDE", 5);
	add_end();
	check_sparse("old GNU extended", "gnuext");

	/* PAX 0.0: offset/numbytes records */
	alen = 0;
	add_pax("GNU.sparse.size=8192", "GNU.sparse.numblocks=3",
		"GNU.sparse.offset=1000", "GNU.sparse.numbytes=2",
		"GNU.sparse.offset=5000", "GNU.sparse.numbytes=3",
		"GNU.sparse.offset=8192", "GNU.sparse.numbytes=0", NULL);
	add_hdr("pax00", '0', 5);
	add_data("ABCDE", 5);
	add_end();
	check_sparse("PAX 0.0", "pax00");

	/* PAX 0.1: the map in one record, the name too */
	alen = 0;
	add_pax("GNU.sparse.size=8192", "GNU.sparse.numblocks=2",
		"GNU.sparse.name=pax01", "GNU.sparse.map=1000,2,5000,3", NULL);
	add_hdr("GNUSparseFile.1/pax01", '0', 5);
	add_data("ABCDE", 5);
	add_end();
	check_sparse("PAX 0.1", "pax01");

	/* PAX 1.0: the map at the head of the data, in a block of its own */
	alen = 0;
	add_pax("GNU.sparse.major=1", "GNU.sparse.minor=0",
		"GNU.sparse.name=pax10", "GNU.sparse.realsize=8192", NULL);
	add_hdr("GNUSparseFile.1/pax10", '0', 512 + 5);
	memset(A + alen, 0, 1024);
	memcpy(A + alen, "2\n1000\n2\n5000\n3\n", 16);
	memcpy(A + alen + 512, "ABCDE", 5);
	alen += 1024;
	add_end();
	check_sparse("PAX 1.0", "pax10");

	/* bad maps: overlapping, out of the file, not matching the data */
	const char *bad[][2] = {
		{ "GNU.sparse.map=1000,2,1001,3", "bad sparse map" },
		{ "GNU.sparse.map=5000,3,1000,2", "bad sparse map" },
		{ "GNU.sparse.map=1000,2,8190,3", "bad sparse map" },
		{ "GNU.sparse.map=1000,2,5000,4", "the sparse map holds 6 bytes, the archive 5" },
		{ "GNU.sparse.map=1000,2,5000", "bad GNU.sparse.map" },
		{ "GNU.sparse.map=1000,,5000,3", "bad GNU.sparse.map" },
		{ "GNU.sparse.offset=1000", "bad GNU sparse records" },
		{ "GNU.sparse.numbytes=1000", "out of order" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		alen = 0;
		add_pax("GNU.sparse.size=8192", bad[i][0], NULL);
		add_hdr("b", '0', 5);
		add_data("ABCDE", 5);
		add_end();
		CHECK_ERR(run(A, alen, &s, &err), bad[i][1]);
	}
	/* a PAX 1.0 map that runs into the end of the data */
	alen = 0;
	add_pax("GNU.sparse.major=1", "GNU.sparse.minor=0",
		"GNU.sparse.realsize=8192", NULL);
	add_hdr("b", '0', 6);
	add_data("2\n1000", 6);
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "the sparse map runs past the data");
	/* a sparse map on a directory */
	alen = 0;
	add_pax("GNU.sparse.size=8192", "GNU.sparse.map=0,0", NULL);
	add_hdr("d", '5', 0);
	add_end();
	CHECK_ERR(run(A, alen, &s, &err), "sparse map on a non-file");
}

int main(void)
{
	test_numbers();
	test_paths();
	test_basic();
	test_empty_and_garbage();
	test_no_data_types();
	test_fields();
	test_pax();
	test_types();
	test_sparse();
	if (fails)
		fprintf(stderr, "%d failures\n", fails);
	return fails != 0;
}
