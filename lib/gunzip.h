/* gzip framing (RFC 1952) around zlib's raw inflate: header fields, CRC-32
 * and ISIZE trailer checks, multiple members. A push API with a fixed
 * output buffer: never holds more than one window of data. */
#ifndef MD_GUNZIP_H
#define MD_GUNZIP_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "err.h"

/* Receives decompressed bytes; returns 0, or -1 with err set to abort. */
typedef int (*gunzip_out_fn)(void *user, const void *buf, size_t len,
			     struct md_err *err);

struct gunzip {
	z_stream zs;
	int state;		/* header parse / inflate / trailer state */
	int flags, zinit;
	uint32_t crc, isize;
	size_t need;		/* bytes still wanted by the header state */
	unsigned char hdr[10], trailer[8];
	size_t hlen, tlen;
	uint64_t members;
	unsigned char out[65536];
};

/* True if buf starts with the gzip magic (1f 8b). */
int gunzip_magic(const void *buf, size_t len);
int gunzip_init(struct gunzip *g, struct md_err *err);
/* Feeds compressed bytes; decompressed data goes to fn. A data error
 * ("gzip: bad CRC", "gzip: truncated", ...) returns -1 with err set. */
int gunzip_feed(struct gunzip *g, const void *in, size_t len,
		gunzip_out_fn fn, void *user, struct md_err *err);
/* At end of input: -1 unless the last member ended with a valid trailer. */
int gunzip_finish(struct gunzip *g, struct md_err *err);
void gunzip_end(struct gunzip *g);

#endif
