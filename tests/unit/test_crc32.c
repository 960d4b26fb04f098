/* crc32_update against zlib's crc32: every length up to 600 bytes at
 * every alignment within 16, random starting CRCs, random chunkings of a
 * large buffer, and the throughput of both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "crc32.h"

static int fails;

#define CHECK(cond, ...) do { if (!(cond)) { fails++; \
	printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
	printf("\n"); } } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 16;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	size_t big = 4 << 20;
	unsigned char *buf = malloc(big + 64);
	double t0, t1, t2;
	uint32_t a, b;

	if (!buf)
		return 1;
	for (size_t i = 0; i < big + 64; i++)
		buf[i] = rnd();
	for (size_t len = 0; len <= 600; len++)
		for (size_t off = 0; off < 16; off++) {
			uint32_t c = rnd() << 16 ^ rnd();
			a = crc32_z(c, buf + off, len);
			b = crc32_update(c, buf + off, len);
			CHECK(a == b, "length %zu at offset %zu: %08x, zlib %08x",
			      len, off, b, a);
		}
	/* All zeros and all ones: lanes that fold to nothing or to all. */
	for (int v = 0; v < 256; v += 255) {
		memset(buf, v, 4096);
		CHECK(crc32_update(0, buf, 4096) == crc32_z(0, buf, 4096),
		      "4096 bytes of %d", v);
		for (size_t i = 0; i < 4096; i++)
			buf[i] = rnd();
	}
	a = crc32_z(0, buf, big);
	b = 0;
	for (size_t off = 0, n; off < big; off += n) {
		n = rnd() % 70000;
		n = n < big - off ? n : big - off;
		b = crc32_update(b, buf + off, n);
	}
	CHECK(a == b, "4 MiB in random chunks: %08x, zlib %08x", b, a);
	t0 = now();
	for (int i = 0; i < 16; i++)
		a = crc32_z(a, buf, big);
	t1 = now();
	for (int i = 0; i < 16; i++)
		b = crc32_update(b, buf, big);
	t2 = now();
	printf("crc32: zlib %.0f MB/s, crc32_update %.0f MB/s (%s)\n",
	       64 / (t1 - t0) * 1.048576, 64 / (t2 - t1) * 1.048576,
	       crc32_fast() ? "pclmul" : "zlib");
	free(buf);
	if (fails)
		printf("%d failures\n", fails);
	return fails != 0;
}
