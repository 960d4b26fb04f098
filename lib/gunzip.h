/* gzip framing (RFC 1952) around zlib's raw inflate: header fields, CRC-32
 * and ISIZE trailer checks, multiple members, zero padding after the last.
 * A push API with a fixed output buffer: never holds more than one window
 * of data. The caller may lend its own output buffer (gunzip_window), so
 * that inflate writes where the data is to go, with no copy. */
#ifndef MD_GUNZIP_H
#define MD_GUNZIP_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "err.h"

/* Receives decompressed bytes; returns 0, or -1 with err set to abort. */
typedef int (*gunzip_out_fn)(void *user, const void *buf, size_t len,
			     struct md_err *err);

/* Private: callers only allocate it (it is big; not for the stack of a
 * small thread) and pass it to the functions below. */
struct gunzip {
	z_stream zs;
	int state;		/* header parse / inflate / trailer state */
	int flags, zinit;
	uint32_t crc, isize;	/* of the member's data so far */
	uint32_t hcrc;		/* CRC-32 of the member's header so far */
	size_t need;		/* FEXTRA bytes left, or FNAME/FCOMMENT seen */
	unsigned char buf[10];	/* fixed header, XLEN, CRC16 or trailer */
	size_t blen;		/* bytes of buf collected */
	uint64_t members;	/* members completed */
	unsigned char *win;	/* where inflate writes next (gunzip_window) */
	size_t winlen;		/* 0: into out */
	unsigned char out[65536];
};

/* True if buf starts with the gzip magic (1f 8b). */
int gunzip_magic(const void *buf, size_t len);
int gunzip_init(struct gunzip *g, struct md_err *err);
/* Feeds compressed bytes; decompressed data goes to fn. A data error
 * ("gzip: CRC mismatch", "gzip: truncated", ...) returns -1 with err set. */
int gunzip_feed(struct gunzip *g, const void *in, size_t len,
		gunzip_out_fn fn, void *user, struct md_err *err);
/* Lends len bytes at buf (len > 0) for the next output: inflate writes
 * there and fn gets the bytes in place, until they are used up; then the
 * internal buffer again, unless fn lends more. fn may call this. */
void gunzip_window(struct gunzip *g, void *buf, size_t len);
/* At end of input: -1 unless the last member ended with a valid trailer. */
int gunzip_finish(struct gunzip *g, struct md_err *err);
void gunzip_end(struct gunzip *g);

#endif
