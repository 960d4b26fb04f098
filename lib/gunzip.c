/* gzip member framing (RFC 1952) around zlib's raw inflate. The header
 * and trailer are parsed here, byte-exact and from any chunking of the
 * input, so zlib never sees anything but deflate data. */
#include "gunzip.h"

#include "crc32.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

enum {
	GZ_NEXT,	/* between members (or before the first) */
	GZ_HEADER,	/* the 10 fixed bytes */
	GZ_XLEN, GZ_EXTRA, GZ_NAME, GZ_COMMENT, GZ_HCRC,
	GZ_DATA, GZ_TRAILER, GZ_ZEROS, GZ_FAILED,
};

#define FHCRC		0x02
#define FEXTRA		0x04
#define FNAME		0x08
#define FCOMMENT	0x10
#define FRESERVED	0xe0

/* No tool writes names or comments anywhere near this long; a stream that
 * does is garbage, and failing early beats skipping a whole layer. */
#define GZ_FIELD_MAX 65536

int gunzip_magic(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int gunzip_init(struct gunzip *g, struct md_err *err)
{
	int rc;

	memset(g, 0, offsetof(struct gunzip, out));	/* no window lent */
	/* Negative window bits: raw deflate, we own the gzip framing. */
	rc = inflateInit2(&g->zs, -15);
	if (rc != Z_OK)
		return err_set(err, rc == Z_MEM_ERROR ? ENOMEM : 0,
			       "gzip: inflate init failed (%d)", rc);
	g->zinit = 1;
	g->state = GZ_NEXT;
	return 0;
}

void gunzip_end(struct gunzip *g)
{
	if (g->zinit)
		inflateEnd(&g->zs);
	g->zinit = 0;
}

void gunzip_window(struct gunzip *g, void *buf, size_t len)
{
	g->win = buf;
	g->winlen = len;
}

static void set_state(struct gunzip *g, int state)
{
	g->state = state;
	g->blen = 0;
	g->need = 0;
}

/* The optional header fields come in this fixed order; moves to the first
 * one present after the state just finished. */
static void next_field(struct gunzip *g, int after)
{
	if (after < GZ_XLEN && (g->flags & FEXTRA))
		set_state(g, GZ_XLEN);
	else if (after < GZ_NAME && (g->flags & FNAME))
		set_state(g, GZ_NAME);
	else if (after < GZ_COMMENT && (g->flags & FCOMMENT))
		set_state(g, GZ_COMMENT);
	else if (after < GZ_HCRC && (g->flags & FHCRC))
		set_state(g, GZ_HCRC);
	else
		set_state(g, GZ_DATA);
}

/* Gathers up to want bytes in g->buf across calls; 1 once it has them.
 * Header bytes also feed the header CRC. */
static int collect(struct gunzip *g, const unsigned char **p,
		   const unsigned char *end, size_t want, int in_header)
{
	size_t n = want - g->blen;

	if (n > (size_t)(end - *p))
		n = end - *p;
	memcpy(g->buf + g->blen, *p, n);
	if (in_header)
		g->hcrc = crc32(g->hcrc, *p, n);
	*p += n;
	g->blen += n;
	return g->blen == want;
}

static uint32_t le32(const unsigned char *b)
{
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static int fixed_header(struct gunzip *g, const unsigned char **p,
			const unsigned char *end, struct md_err *err)
{
	int done;

	/* Zeros after a member: padding to a block or record size (tape
	 * blocking, dd conv=sync), which gzip -d ignores too. */
	if (g->members && !g->blen && !**p) {
		set_state(g, GZ_ZEROS);
		return 0;
	}
	done = collect(g, p, end, 10, 1);
	/* Checked as soon as the bytes arrive, so one stray byte after the
	 * last member is reported as garbage, not as truncation. */
	if ((g->blen >= 1 && g->buf[0] != 0x1f) ||
	    (g->blen >= 2 && g->buf[1] != 0x8b))
		return g->members ?
		       err_set(err, 0, "gzip: garbage after member %llu",
			       (unsigned long long)g->members) :
		       err_set(err, 0, "gzip: not in gzip format");
	if (g->blen >= 3 && g->buf[2] != 8)
		return err_set(err, 0, "gzip: unknown compression method %d",
			       g->buf[2]);
	if (g->blen >= 4 && (g->buf[3] & FRESERVED))
		return err_set(err, 0, "gzip: reserved flag bits set (0x%02x)",
			       g->buf[3]);
	if (done) {
		g->flags = g->buf[3];
		next_field(g, GZ_HEADER);
	}
	return 0;
}

/* FNAME and FCOMMENT: NUL-terminated, skipped without being stored. */
static int skip_string(struct gunzip *g, const unsigned char **p,
		       const unsigned char *end, struct md_err *err)
{
	const unsigned char *nul = memchr(*p, 0, end - *p);
	size_t n = nul ? (size_t)(nul - *p + 1) : (size_t)(end - *p);

	if (n > GZ_FIELD_MAX - g->need)
		return err_set(err, 0, "gzip: header %s too long",
			       g->state == GZ_NAME ? "name" : "comment");
	g->hcrc = crc32(g->hcrc, *p, n);
	g->need += n;
	*p += n;
	if (nul)
		next_field(g, g->state);
	return 0;
}

static int header_step(struct gunzip *g, const unsigned char **p,
		       const unsigned char *end, struct md_err *err)
{
	size_t n;

	switch (g->state) {
	case GZ_HEADER:
		return fixed_header(g, p, end, err);
	case GZ_XLEN:
		if (collect(g, p, end, 2, 1)) {
			n = g->buf[0] | g->buf[1] << 8;
			if (n)
				set_state(g, GZ_EXTRA);
			else
				next_field(g, GZ_EXTRA);
			g->need = n;
		}
		return 0;
	case GZ_EXTRA:
		n = g->need < (size_t)(end - *p) ? g->need : (size_t)(end - *p);
		g->hcrc = crc32(g->hcrc, *p, n);
		*p += n;
		if (!(g->need -= n))
			next_field(g, GZ_EXTRA);
		return 0;
	case GZ_NAME:
	case GZ_COMMENT:
		return skip_string(g, p, end, err);
	case GZ_HCRC:
		if (collect(g, p, end, 2, 0)) {
			if ((g->buf[0] | g->buf[1] << 8) != (g->hcrc & 0xffff))
				return err_set(err, 0,
					       "gzip: header CRC mismatch");
			next_field(g, GZ_HCRC);
		}
		return 0;
	}
	return err_set(err, 0, "gzip: internal: bad state %d", g->state);
}

/* Inflates what input there is, handing out every full or partial buffer
 * at once. Keeps calling while the buffer came back full: zlib may hold
 * more output even when all input is consumed. */
static int inflate_step(struct gunzip *g, const unsigned char **p,
			const unsigned char *end, gunzip_out_fn fn, void *user,
			struct md_err *err)
{
	size_t avail = end - *p, got, room;
	unsigned char *out;
	int rc;

	g->zs.next_in = (unsigned char *)*p;
	g->zs.avail_in = avail > UINT_MAX ? UINT_MAX : avail;
	do {
		out = g->winlen ? g->win : g->out;
		room = g->winlen ? g->winlen : sizeof(g->out);
		g->zs.next_out = out;
		g->zs.avail_out = room > UINT_MAX ? UINT_MAX : room;
		room = g->zs.avail_out;
		rc = inflate(&g->zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return err_set(err, rc == Z_MEM_ERROR ? ENOMEM : 0,
				       "gzip: corrupt data: %s",
				       g->zs.msg ? g->zs.msg : "inflate error");
		got = room - g->zs.avail_out;
		*p = g->zs.next_in;
		if (g->winlen) {	/* the lent bytes are used up as written */
			g->win += got;
			g->winlen -= got;
		}
		if (got) {
			g->crc = crc32_update(g->crc, out, got);
			g->isize += got;
			if (fn(user, out, got, err) < 0)
				return -1;
		}
		/* Cannot happen with a fresh output buffer; would spin. */
		if (rc == Z_BUF_ERROR && g->zs.avail_in)
			return err_set(err, 0, "gzip: inflate is stuck");
		if (rc == Z_STREAM_END) {
			inflateReset(&g->zs);
			set_state(g, GZ_TRAILER);
			return 0;
		}
	} while (rc != Z_BUF_ERROR &&
		 (g->zs.avail_out == 0 || g->zs.avail_in > 0));
	return 0;
}

static int trailer_step(struct gunzip *g, const unsigned char **p,
			const unsigned char *end, struct md_err *err)
{
	if (!collect(g, p, end, 8, 0))
		return 0;
	if (le32(g->buf) != g->crc)
		return err_set(err, 0, "gzip: CRC mismatch");
	if (le32(g->buf + 4) != g->isize)
		return err_set(err, 0, "gzip: length mismatch");
	g->members++;
	set_state(g, GZ_NEXT);
	return 0;
}

static int feed_step(struct gunzip *g, const unsigned char **p,
		     const unsigned char *end, gunzip_out_fn fn, void *user,
		     struct md_err *err)
{
	switch (g->state) {
	case GZ_NEXT:
		set_state(g, GZ_HEADER);
		g->hcrc = g->crc = crc32(0, NULL, 0);
		g->isize = 0;
		return 0;
	case GZ_DATA:
		return inflate_step(g, p, end, fn, user, err);
	case GZ_TRAILER:
		return trailer_step(g, p, end, err);
	case GZ_ZEROS:
		for (; *p < end; (*p)++)
			if (**p)
				return err_set(err, 0, "gzip: garbage after "
					       "member %llu", (unsigned long long)
					       g->members);
		return 0;
	case GZ_FAILED:
		return err_set(err, 0, "gzip: stream already failed");
	default:
		return header_step(g, p, end, err);
	}
}

int gunzip_feed(struct gunzip *g, const void *in, size_t len,
		gunzip_out_fn fn, void *user, struct md_err *err)
{
	const unsigned char *p = in, *end = p + len;

	if (g->state == GZ_FAILED)
		return err_set(err, 0, "gzip: stream already failed");
	while (p < end) {
		if (feed_step(g, &p, end, fn, user, err) < 0) {
			g->state = GZ_FAILED;
			return -1;
		}
	}
	return 0;
}

int gunzip_finish(struct gunzip *g, struct md_err *err)
{
	if (g->state == GZ_FAILED)
		return err_set(err, 0, "gzip: stream already failed");
	if ((g->state != GZ_NEXT && g->state != GZ_ZEROS) || !g->members)
		return err_set(err, 0, "gzip: truncated");
	return 0;
}
