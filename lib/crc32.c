/* CRC-32 by folding: a gzip member's CRC covers every byte inflated, and
 * zlib's table-driven crc32 costs about a tenth of inflate itself, on the
 * thread that inflates. With PCLMULQDQ the data is folded 64 bytes at a
 * time into four 128-bit lanes, and what is left (the folded lanes, under
 * 64 bytes of tail) goes through zlib's crc32: several times faster.
 *
 * The arithmetic, in GF(2)[x] modulo the CRC polynomial P (0x104c11db7).
 * gzip's CRC is bit-reflected: a 16-byte chunk loaded little-endian is
 * the reflection of its polynomial D (the first bit is the highest
 * coefficient), and for reflected operands clmul(refl64(A), refl64(B)) is
 * refl128(x * A * B). A lane X = Xh x^64 + Xl stands for X x^n once n
 * more bits follow it, so it moves n bits on as
 *     X x^n = Xh x^(n+64) + Xl x^n == x Xh (x^(n+63) mod P) + x Xl (x^(n-1) mod P)
 * two clmuls of its halves with constants (each under 96 bits, so the sum
 * fits a lane), XORed into the chunk n bits further: n = 512 within the
 * four lanes, n = 128 to merge them. The result is congruent to all the
 * data so far, so the CRC of the folded lane followed by the tail is the
 * CRC of the whole. The starting CRC goes into the first 4 bytes, as a
 * CRC register's initial value does. */
#include "crc32.h"

#include <pthread.h>
#include <string.h>
#include <zlib.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* refl64(x^k mod P) for k = 512+63, 512-1 and 128+63, 128-1 (computed
 * with a few lines of Python: polynomial x^k reduced by P, bit-reversed
 * into 64 bits; tests/unit/test_crc32.c checks the result against zlib). */
#define K512_HI 0x653d982200000000ull
#define K512_LO 0xcad38e8f00000000ull
#define K128_HI 0x65673b4600000000ull
#define K128_LO 0x9ba54c6f00000000ull

static int fast;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void detect(void)
{
	unsigned a, b, c, d;

	fast = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_PCLMUL);
}

/* x moved 128 or 512 bits on (k holds the two constants), plus chunk. */
__attribute__((target("pclmul,sse2")))
static inline __m128i fold(__m128i x, __m128i k, __m128i chunk)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)),
			     chunk);
}

#define LOAD(p) _mm_loadu_si128((const __m128i *)(p))

/* len >= 64. */
__attribute__((target("pclmul,sse2")))
static uint32_t crc32_clmul(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m128i k512 = _mm_set_epi64x(K512_LO, K512_HI);
	const __m128i k128 = _mm_set_epi64x(K128_LO, K128_HI);
	__m128i x0, x1, x2, x3;
	unsigned char last[16];

	x0 = _mm_xor_si128(LOAD(p), _mm_cvtsi32_si128(~crc));
	x1 = LOAD(p + 16);
	x2 = LOAD(p + 32);
	x3 = LOAD(p + 48);
	for (p += 64, len -= 64; len >= 64; p += 64, len -= 64) {
		x0 = fold(x0, k512, LOAD(p));
		x1 = fold(x1, k512, LOAD(p + 16));
		x2 = fold(x2, k512, LOAD(p + 32));
		x3 = fold(x3, k512, LOAD(p + 48));
	}
	x0 = fold(x0, k128, x1);
	x0 = fold(x0, k128, x2);
	x0 = fold(x0, k128, x3);
	for (; len >= 16; p += 16, len -= 16)
		x0 = fold(x0, k128, LOAD(p));
	/* The folded lane is the data so far, with no starting CRC. */
	_mm_storeu_si128((__m128i *)last, x0);
	crc = crc32_z(0xffffffff, last, 16);
	return crc32_z(crc, p, len);
}

int crc32_fast(void)
{
	pthread_once(&once, detect);
	return fast;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	if (len >= 256 && crc32_fast())
		return crc32_clmul(crc, buf, len);
	return crc32_z(crc, buf, len);
}
#else
int crc32_fast(void)
{
	return 0;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	return crc32_z(crc, buf, len);
}
#endif
