/* Streaming SHA-256 for digest checks of blobs: the x86 SHA extensions
 * when the CPU has them, BearSSL's portable code otherwise. The choice is
 * made once, at the first sha256_init. */
#ifndef MD_SHA256_H
#define MD_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#define SHA256_LEN 32
#define SHA256_STR_LEN 72	/* "sha256:" + 64 hex digits + NUL */

struct sha256 {
	union {
		br_sha256_context br;
		struct {
			uint32_t h[8];
			uint64_t count;		/* bytes hashed so far */
			unsigned char buf[64];
		} ni;
	} u;
	int ni;
};

enum { SHA256_AUTO, SHA256_PORTABLE, SHA256_NI };

/* Forces an implementation for later sha256_init calls (tests, benches);
 * SHA256_AUTO picks by CPUID. Returns -1 if SHA256_NI is asked for and
 * the CPU lacks it. */
int sha256_select(int impl);
/* The implementation sha256_init uses: SHA256_PORTABLE or SHA256_NI. */
int sha256_impl(void);

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
/* Finishes and writes "sha256:<64 lowercase hex>". */
void sha256_final_str(struct sha256 *s, char out[SHA256_STR_LEN]);
/* Formats a raw digest as "sha256:<hex>". */
void sha256_str(char out[SHA256_STR_LEN], const unsigned char d[SHA256_LEN]);
/* One-shot digest of a buffer. */
void sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN]);

#endif
