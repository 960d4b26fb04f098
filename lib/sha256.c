/* SHA-256: the SHA-NI compression function (Intel SHA extensions through
 * compiler intrinsics, built for that target only) with BearSSL's br_sha256
 * as the portable fallback. Layer digests sit on the pull fast path, so the
 * hardware path matters: it runs several times faster. */
#include "sha256.h"

#include <string.h>

#include "util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI 1
#endif

static int chosen;	/* 0 = not yet decided, else SHA256_PORTABLE/NI */

static const uint32_t init_state[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#ifdef HAVE_SHA_NI
static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static int cpu_has_sha_ni(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 29) & 1;
}

/* Four rounds: message words plus constants, two SHA256RNDS2 steps. The
 * instruction takes (C,D,G,H) and (A,B,E,F) halves of the state and
 * returns the new (A,B,E,F); the old (A,B,E,F) is the new (C,D,G,H). */
#define ROUNDS4(m, i) do { \
	__m128i k_ = _mm_add_epi32((m), _mm_load_si128((const __m128i *)&K[4 * (i)])); \
	cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k_); \
	k_ = _mm_shuffle_epi32(k_, 0x0e); \
	abef = _mm_sha256rnds2_epu32(abef, cdgh, k_); \
} while (0)

/* Next four schedule words from the previous sixteen (a oldest). */
#define SCHEDULE(a, b, c, d) \
	_mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((a), (b)), \
		_mm_alignr_epi8((d), (c), 4)), (d))

__attribute__((target("sha,sse4.1")))
static void ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11,
					   4, 5, 6, 7, 0, 1, 2, 3);
	__m128i abef, cdgh, t, m0, m1, m2, m3, save0, save1;

	/* h[] is A..H; the instructions want the halves ABEF and CDGH. */
	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1);
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b);
	abef = _mm_alignr_epi8(t, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);

	for (; n; n--, p += 64) {
		save0 = abef;
		save1 = cdgh;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
		ROUNDS4(m0, 0);
		ROUNDS4(m1, 1);
		ROUNDS4(m2, 2);
		ROUNDS4(m3, 3);
		for (int i = 4; i < 16; i += 4) {
			m0 = SCHEDULE(m0, m1, m2, m3);
			ROUNDS4(m0, i);
			m1 = SCHEDULE(m1, m2, m3, m0);
			ROUNDS4(m1, i + 1);
			m2 = SCHEDULE(m2, m3, m0, m1);
			ROUNDS4(m2, i + 2);
			m3 = SCHEDULE(m3, m0, m1, m2);
			ROUNDS4(m3, i + 3);
		}
		abef = _mm_add_epi32(abef, save0);
		cdgh = _mm_add_epi32(cdgh, save1);
	}

	t = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(cdgh, t, 8));
}
#else
static int cpu_has_sha_ni(void)
{
	return 0;
}

static void ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
}
#endif

int sha256_select(int impl)
{
	if (impl == SHA256_AUTO)
		impl = cpu_has_sha_ni() ? SHA256_NI : SHA256_PORTABLE;
	else if (impl == SHA256_NI && !cpu_has_sha_ni())
		return -1;
	chosen = impl;
	return 0;
}

int sha256_impl(void)
{
	if (!chosen)
		sha256_select(SHA256_AUTO);
	return chosen;
}

void sha256_init(struct sha256 *s)
{
	s->ni = sha256_impl() == SHA256_NI;
	if (!s->ni) {
		br_sha256_init(&s->u.br);
		return;
	}
	memcpy(s->u.ni.h, init_state, sizeof(init_state));
	s->u.ni.count = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used, n;

	if (!s->ni) {
		br_sha256_update(&s->u.br, data, len);
		return;
	}
	used = s->u.ni.count & 63;
	s->u.ni.count += len;
	if (used) {
		n = 64 - used < len ? 64 - used : len;
		memcpy(s->u.ni.buf + used, p, n);
		p += n;
		len -= n;
		if (used + n < 64)
			return;
		ni_blocks(s->u.ni.h, s->u.ni.buf, 1);
	}
	if (len >= 64) {
		ni_blocks(s->u.ni.h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(s->u.ni.buf, p, len);
}

void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN])
{
	size_t used;
	uint64_t bits;

	if (!s->ni) {
		br_sha256_out(&s->u.br, out);
		return;
	}
	used = s->u.ni.count & 63;
	bits = s->u.ni.count << 3;
	s->u.ni.buf[used++] = 0x80;
	if (used > 56) {
		memset(s->u.ni.buf + used, 0, 64 - used);
		ni_blocks(s->u.ni.h, s->u.ni.buf, 1);
		used = 0;
	}
	memset(s->u.ni.buf + used, 0, 56 - used);
	for (int i = 0; i < 8; i++)
		s->u.ni.buf[56 + i] = bits >> (56 - 8 * i);
	ni_blocks(s->u.ni.h, s->u.ni.buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = s->u.ni.h[i] >> 24;
		out[4 * i + 1] = s->u.ni.h[i] >> 16;
		out[4 * i + 2] = s->u.ni.h[i] >> 8;
		out[4 * i + 3] = s->u.ni.h[i];
	}
}

void sha256_str(char out[SHA256_STR_LEN], const unsigned char d[SHA256_LEN])
{
	memcpy(out, "sha256:", 7);
	hex_encode(out + 7, d, SHA256_LEN);
}

void sha256_final_str(struct sha256 *s, char out[SHA256_STR_LEN])
{
	unsigned char d[SHA256_LEN];

	sha256_final(s, d);
	sha256_str(out, d);
}

void sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}
