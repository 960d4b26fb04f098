/* SHA-256: known vectors, agreement with BearSSL over random lengths and
 * chunkings on both implementations, and throughput of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"

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

static const char *name(int impl)
{
	return impl == SHA256_NI ? "sha-ni" : "portable";
}

static void vectors(int impl)
{
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char out[SHA256_STR_LEN];
	struct sha256 s;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256_init(&s);
		sha256_update(&s, v[i].in, strlen(v[i].in));
		sha256_final_str(&s, out);
		CHECK(!strncmp(out, "sha256:", 7) && !strcmp(out + 7, v[i].hex),
		      "%s vector %zu: %s", name(impl), i, out);
	}
	/* one million 'a', fed in odd pieces */
	char a[1000];
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (size_t left = 1000000; left;) {
		size_t n = 1 + rnd() % 999;
		if (n > left)
			n = left;
		sha256_update(&s, a, n);
		left -= n;
	}
	sha256_final_str(&s, out);
	CHECK(!strcmp(out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	      "%s million a: %s", name(impl), out);
}

/* Random lengths (1 byte .. 1 MiB) and chunkings against br_sha256. */
static void against_bearssl(int impl, unsigned char *buf, size_t max)
{
	for (int round = 0; round < 300; round++) {
		size_t len;
		switch (round % 4) {
		case 0: len = 1 + rnd() % 130; break;
		case 1: len = 1 + rnd() % 4096; break;
		case 2: len = 1 + rnd() % 65536; break;
		default: len = 1 + (((size_t)rnd() << 8) ^ rnd()) % max; break;
		}
		for (size_t i = 0; i < len; i++)
			buf[i] = rnd();
		unsigned char want[32], got[32];
		br_sha256_context bc;
		br_sha256_init(&bc);
		br_sha256_update(&bc, buf, len);
		br_sha256_out(&bc, want);

		struct sha256 s;
		sha256_init(&s);
		for (size_t off = 0; off < len;) {
			size_t n = round & 1 ? 1 + rnd() % 200 : 1 + rnd() % 70000;
			if (n > len - off)
				n = len - off;
			sha256_update(&s, buf + off, n);
			off += n;
		}
		sha256_final(&s, got);
		CHECK(!memcmp(want, got, 32), "%s differs from BearSSL at length %zu",
		      name(impl), len);
		sha256_buf(buf, len, got);
		CHECK(!memcmp(want, got, 32), "%s one-shot differs at length %zu",
		      name(impl), len);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void speed(int impl, unsigned char *buf, size_t len)
{
	const int mib = 256;
	struct sha256 s;
	unsigned char d[32];
	double t0 = now();

	sha256_init(&s);
	for (int i = 0; i < mib; i++)
		sha256_update(&s, buf, len);
	sha256_final(&s, d);
	double dt = now() - t0;
	printf("sha256 %-8s %d MiB in %.3f s: %.0f MB/s\n", name(impl), mib, dt,
	       mib * 1048576.0 / dt / 1e6);
}

int main(void)
{
	size_t max = 1 << 20;
	unsigned char *buf = malloc(max);
	int impls[2] = { SHA256_PORTABLE, SHA256_NI };

	if (!buf)
		return 2;
	CHECK(sha256_impl() == SHA256_NI || sha256_impl() == SHA256_PORTABLE,
	      "no implementation picked");
	printf("sha256 auto-selected: %s\n", name(sha256_impl()));
	for (int i = 0; i < 2; i++) {
		if (sha256_select(impls[i]) < 0) {
			printf("sha256 %s: not supported by this CPU, skipped\n",
			       name(impls[i]));
			continue;
		}
		CHECK(sha256_impl() == impls[i], "select %s", name(impls[i]));
		vectors(impls[i]);
		against_bearssl(impls[i], buf, max);
		for (size_t j = 0; j < max; j++)
			buf[j] = j * 131;
		speed(impls[i], buf, max);
	}
	sha256_select(SHA256_AUTO);
	free(buf);
	if (fails)
		printf("%d failures\n", fails);
	return fails != 0;
}
