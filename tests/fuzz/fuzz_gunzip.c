/* libFuzzer target for lib/gunzip.c. The first byte picks how the rest is
 * chunked. zlib's own gzip decoder, run member by member, is the oracle:
 * both must accept or reject the same streams, with the same output
 * (inputs stay far below the 64 KiB FNAME cap, where the two differ). */
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"

#define OUT_CAP (16u << 20)

struct sink {
	unsigned char *buf;
	size_t len;
	int over;
};

static int sink_write(void *user, const void *buf, size_t len,
		      struct md_err *err)
{
	struct sink *s = user;

	if (!len || len > sizeof(((struct gunzip *)0)->out))
		abort();
	if (s->len + len > OUT_CAP) {
		s->over = 1;
		return err_set(err, 0, "fuzz: output cap");
	}
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	while (n && !*p)
		p++, n--;
	return !n;
}

/* zlib's reference: gzip wrapper, restarted for each following member;
 * zeros after a member end the stream (padding, as gzip -d takes it). */
static int zlib_gunzip(const unsigned char *in, size_t len,
		       unsigned char *out, size_t cap, size_t *outlen)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)in;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	do {
		rc = inflate(&zs, Z_FINISH);
		if (rc == Z_STREAM_END && all_zero(zs.next_in, zs.avail_in))
			break;
		if (rc == Z_STREAM_END)
			inflateReset(&zs);
	} while (rc == Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	inflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const size_t maxes[] = { 1, 2, 3, 7, 64, 4096, 1 << 20, 5, 13 };
	static struct gunzip g;
	static unsigned char *ref, *outbuf;
	struct sink s = { 0 };
	struct md_err err = { 0 };
	size_t off = 0, n, max, reflen;
	uint32_t seed;
	int rc = 0;

	if (size < 1)
		return 0;
	max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
	seed = data[0];
	data++, size--;
	if (!outbuf && !(outbuf = malloc(OUT_CAP)))
		abort();
	s.buf = outbuf;
	if (!ref && !(ref = malloc(OUT_CAP)))
		abort();
	if (gunzip_init(&g, &err) < 0)
		abort();
	while (off < size && rc == 0) {
		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 8) % max;
		if (n > size - off)
			n = size - off;
		rc = gunzip_feed(&g, data + off, n, sink_write, &s, &err);
		off += n;
	}
	if (rc == 0)
		rc = gunzip_finish(&g, &err);
	gunzip_end(&g);
	if (s.over)
		return 0;
	if (rc < 0 && strncmp(err.msg, "gzip: ", 6))
		abort();
	/* Same verdict as zlib; same bytes when both accept. */
	if ((zlib_gunzip(data, size, ref, OUT_CAP, &reflen) == 0) != (rc == 0))
		abort();
	if (rc == 0 && (reflen != s.len || memcmp(ref, s.buf, s.len)))
		abort();
	return 0;
}
