/* The CRI log writer and parser: records written parse back to the
 * bytes written, lines split into F and P records, rotation keeps the
 * cap, and other tools' lines (RFC 3339 with an offset) parse. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

/* Every record of dirfd/name, joined back: stdout's and stderr's. */
static void replay(int dirfd, const char *name, char *out, size_t *olen,
		   char *err, size_t *elen, int *records)
{
	size_t len;
	struct md_err e;
	char *buf = file_read_at(dirfd, name, 64 << 20, &len, &e), *p, *nl;

	*records = 0;
	for (p = buf; p && (nl = memchr(p, '\n', buf + len - p)); p = nl + 1) {
		struct log_entry le;
		CHECK(log_parse(p, nl - p, &le) == 0);
		char *o = le.stream ? err : out;
		size_t *ol = le.stream ? elen : olen;
		memcpy(o + *ol, le.text, le.len);
		*ol += le.len;
		if (!le.partial)
			o[(*ol)++] = '\n';
		(*records)++;
	}
	free(buf);
}

int main(void)
{
	char dir[] = "/tmp/test_log.XXXXXX", out[1 << 16], err[1 << 16];
	static char big[20000];
	struct log_writer w;
	struct log_entry le;
	struct md_err e;
	size_t olen = 0, elen = 0;
	int dfd, n;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(log_open(&w, dfd, "c.log", 0, 0, &e) == 0);
	CHECK(log_write(&w, LOG_STDOUT, "one\ntwo\nthr", 11, &e) == 0);
	CHECK(log_write(&w, LOG_STDOUT, "ee\n", 3, &e) == 0);
	CHECK(log_write(&w, LOG_STDERR, "oops\n\n", 6, &e) == 0);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	CHECK(log_write(&w, LOG_STDOUT, big, sizeof(big), &e) == 0);
	log_close(&w);
	replay(dfd, "c.log", out, &olen, err, &elen, &n);
	CHECK(olen == 14 + sizeof(big) && !memcmp(out, "one\ntwo\nthree\n", 14) &&
	      !memcmp(out + 14, big, sizeof(big)));
	CHECK(elen == 6 && !memcmp(err, "oops\n\n", 6));
	/* (the long line comes in pieces of at most a quarter of the buffer) */
	CHECK(n >= 6 + (int)(sizeof(big) / (sizeof(w.out) / 4)));

	/* Rotation: the files stay within the cap, the oldest fall off. */
	CHECK(log_open(&w, dfd, "r.log", 4096, 3, &e) == 0);
	for (int i = 0; i < 1000; i++) {
		char line[32];
		int k = snprintf(line, sizeof(line), "line %d\n", i);
		CHECK(log_write(&w, LOG_STDOUT, line, k, &e) == 0);
	}
	log_close(&w);
	struct stat st;
	CHECK(fstatat(dfd, "r.log", &st, 0) == 0 && st.st_size <= 4096);
	CHECK(fstatat(dfd, "r.log.1", &st, 0) == 0 && st.st_size <= 4096);
	CHECK(fstatat(dfd, "r.log.2", &st, 0) == 0 && st.st_size <= 4096);
	CHECK(fstatat(dfd, "r.log.3", &st, 0) < 0);
	olen = elen = 0;
	replay(dfd, "r.log", out, &olen, err, &elen, &n);
	CHECK(olen > 9 && !memcmp(out + olen - 9, "line 999\n", 9));
	/* Names past one digit (made by hand, not printf: log.c), and a
	 * name too long for the writer's copy. */
	CHECK(log_open(&w, dfd, "t.log", 512, 12, &e) == 0);
	for (int i = 0; i < 1000; i++)
		CHECK(log_write(&w, LOG_STDOUT, "0123456789\n", 11, &e) == 0);
	log_close(&w);
	CHECK(fstatat(dfd, "t.log.11", &st, 0) == 0 && fstatat(dfd, "t.log.12", &st, 0) < 0);
	CHECK(log_open(&w, dfd, "a-name-of-more-than-31-characters", 0, 0, &e) < 0 &&
	      e.errnum == ENAMETOOLONG);
	for (int k = 0; k <= 11; k++) {
		char f[16];
		snprintf(f, sizeof(f), k ? "t.log.%d" : "t.log", k);
		unlinkat(dfd, f, 0);
	}

	/* Other writers' stamps, and lines that are no records. */
	const char *ok = "2016-10-06T00:17:09.669794202+02:00 stdout F x";
	CHECK(log_parse(ok, strlen(ok), &le) == 0 && le.len == 1 &&
	      le.sec == 1475713029 - 7200 && le.nsec == 669794202);
	const char *bad[] = { "", "2016-10-06T00:17:09Z stdin F x",
		"2016-10-06T00:17:09Z stdout X x", "2016-13-06T00:17:09Z stdout F x",
		"2016-10-06 00:17:09Z stdout F x", "2016-10-06T00:17:09Z stdout F",
		"2016-10-06T00:17:09. stdout F x", "2016-10-06T00:17:09 stdout F x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(log_parse(bad[i], strlen(bad[i]), &le) < 0);
	const char *empty = "2016-10-06T00:17:09Z stdout F ";
	CHECK(log_parse(empty, strlen(empty), &le) == 0 && le.len == 0);

	for (const char *f = "c.log\0r.log\0r.log.1\0r.log.2\0"; *f; f += strlen(f) + 1)
		unlinkat(dfd, f, 0);
	close(dfd);
	CHECK(rmdir(dir) == 0);
	printf("%s: %d failed\n", __FILE__, fails);
	return fails != 0;
}
