/* Streaming tar reader (see tar.h). It only parses: what an entry does to
 * a file system is unpack.c's business. */
#include "tar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { ST_HEADER, ST_EXT, ST_DATA, ST_SKIP, ST_END };

void tar_init(struct tar *t, const struct tar_ops *ops, void *user)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->user = user;
}

static void ext_clear(struct tar *t)
{
	free(t->pax);
	free(t->longname);
	free(t->longlink);
	t->pax = t->longname = t->longlink = NULL;
	t->pax_len = 0;
}

void tar_free(struct tar *t)
{
	ext_clear(t);
	free(t->ext);
	t->ext = NULL;
}

int tar_parse_number(const unsigned char *f, size_t n, int64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {	/* GNU base-256; 0xff starts a negative one */
		if (f[0] != 0x80)
			return -1;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = (v << 8) | f[i];
		}
		*out = (int64_t)v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = (v << 3) | (f[i] - '0');
	}
	for (; i < n; i++)	/* only terminators may follow */
		if (f[i] != ' ' && f[i] != 0)
			return -1;
	*out = (int64_t)v;
	return 0;
}

int tar_checksum_ok(const unsigned char *h)
{
	int64_t want;
	uint64_t usum = 0;
	int64_t ssum = 0;

	if (tar_parse_number(h + 148, 8, &want) < 0)
		return 0;
	for (int i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
		usum += c;
		ssum += (signed char)c;
	}
	/* Some old tars summed signed chars. */
	return want == (int64_t)usum || want == ssum;
}

/* Skips n bytes of data or padding, then expects a header. */
static void skip_then_header(struct tar *t, uint64_t n)
{
	t->left = n;
	t->state = n ? ST_SKIP : ST_HEADER;
}

static int is_zero_block(const unsigned char *b)
{
	for (int i = 0; i < 512; i++)
		if (b[i])
			return 0;
	return 1;
}

/* A decimal number of a PAX record value. */
static int pax_decimal(const char *s, int64_t *out, long *frac_nsec)
{
	uint64_t v = 0;
	int neg = 0;

	if (*s == '-' && frac_nsec) {
		neg = 1;
		s++;
	}
	if (!*s || *s == '.')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (uint64_t)INT64_MAX / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v > INT64_MAX)
		return -1;
	if (*s == '.' && frac_nsec) {
		long ns = 0, scale = 100000000;
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			ns += (*s - '0') * scale;
		*frac_nsec = neg ? 0 : ns;
	}
	if (*s)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Applies the pending PAX records to cur. Records: "LEN key=value\n". */
static int pax_apply(struct tar *t, struct tar_entry *e, struct md_err *err)
{
	char *p = t->pax, *end = t->pax + t->pax_len;

	while (p < end) {
		char *sp, *eq, *rec_end, *key, *val;
		uint64_t len = 0;

		for (sp = p; sp < end && *sp >= '0' && *sp <= '9'; sp++) {
			len = len * 10 + (*sp - '0');
			if (len > TAR_EXT_MAX)
				return err_set(err, 0, "tar: bad PAX record length");
		}
		if (sp == p || sp >= end || *sp != ' ' || len > (uint64_t)(end - p) ||
		    len < (uint64_t)(sp - p) + 3)
			return err_set(err, 0, "tar: malformed PAX record");
		rec_end = p + len - 1;
		if (*rec_end != '\n')
			return err_set(err, 0, "tar: malformed PAX record");
		key = sp + 1;
		eq = memchr(key, '=', rec_end - key);
		if (!eq || eq == key)
			return err_set(err, 0, "tar: malformed PAX record");
		*eq = 0;
		*rec_end = 0;
		val = eq + 1;
		if (!strcmp(key, "path")) {
			e->path = val;
		} else if (!strcmp(key, "linkpath")) {
			e->linkname = val;
		} else if (!strcmp(key, "size")) {
			if (pax_decimal(val, (int64_t *)&e->size, NULL) < 0)
				return err_set(err, 0, "tar: bad PAX size");
		} else if (!strcmp(key, "uid") || !strcmp(key, "gid")) {
			int64_t *id = key[0] == 'u' ? &e->uid : &e->gid;
			if (pax_decimal(val, id, NULL) < 0)
				return err_set(err, 0, "tar: bad PAX %s", key);
		} else if (!strcmp(key, "mtime")) {
			if (pax_decimal(val, &e->mtime, &e->mtime_nsec) < 0)
				return err_set(err, 0, "tar: bad PAX mtime");
		} else if (!strncmp(key, "SCHILY.xattr.", 13) && key[13]) {
			if (e->nxattrs == TAR_XATTR_MAX)
				return err_set(err, 0, "tar: too many xattrs on %s",
					       e->path);
			e->xattrs[e->nxattrs].name = key + 13;
			e->xattrs[e->nxattrs].value = val;
			e->xattrs[e->nxattrs].len = rec_end - val;
			e->nxattrs++;
		} else if (!strncmp(key, "GNU.sparse.", 11)) {
			return err_set(err, 0, "tar: sparse files are not supported");
		}
		/* uname, gname, atime, ctime, comments: ids are numeric. */
		p = rec_end + 1;
	}
	return 0;
}

/* Copies a NUL-or-length terminated header string. */
static void field_str(char *out, const unsigned char *f, size_t n)
{
	size_t i;

	for (i = 0; i < n && f[i]; i++)
		out[i] = f[i];
	out[i] = 0;
}

static int header_entry(struct tar *t, struct md_err *err)
{
	const unsigned char *h = t->block;
	struct tar_entry *e = &t->cur;
	int64_t v;
	char type = h[156];
	int posix = !memcmp(h + 257, "ustar\0", 6);

	memset(e, 0, sizeof(*e));
	if (posix && h[345]) {
		field_str(t->name_buf, h + 345, 155);
		strcat(t->name_buf, "/");
		field_str(t->name_buf + strlen(t->name_buf), h, 100);
	} else {
		field_str(t->name_buf, h, 100);
	}
	field_str(t->link_buf, h + 157, 100);
	e->path = t->longname ? t->longname : t->name_buf;
	e->linkname = t->longlink ? t->longlink : t->link_buf;
	if (tar_parse_number(h + 100, 8, &v) < 0)
		return err_set(err, 0, "tar: bad mode field");
	e->mode = v & 07777;
	if (tar_parse_number(h + 108, 8, &e->uid) < 0 ||
	    tar_parse_number(h + 116, 8, &e->gid) < 0)
		return err_set(err, 0, "tar: bad uid/gid field");
	if (tar_parse_number(h + 124, 12, &v) < 0)
		return err_set(err, 0, "tar: bad size field");
	e->size = v;
	if (tar_parse_number(h + 136, 12, &e->mtime) < 0)
		return err_set(err, 0, "tar: bad mtime field");
	if (type == TAR_CHR || type == TAR_BLK) {
		int64_t ma, mi;
		if (tar_parse_number(h + 329, 8, &ma) < 0 ||
		    tar_parse_number(h + 337, 8, &mi) < 0 || ma > 0xfff ||
		    mi > 0xfffff)
			return err_set(err, 0, "tar: bad device numbers");
		e->devmajor = ma;
		e->devminor = mi;
	}
	if (t->pax && pax_apply(t, e, err) < 0)
		return -1;
	if (e->uid < 0 || e->uid >= 0xffffffffLL || e->gid < 0 ||
	    e->gid >= 0xffffffffLL)
		return err_set(err, 0, "tar: %s: bad owner %lld:%lld", e->path,
			       (long long)e->uid, (long long)e->gid);
	if ((int64_t)e->size < 0)
		return err_set(err, 0, "tar: %s: bad size", e->path);
	switch (type) {
	case 0: case '7': {
		size_t n = strlen(e->path);
		type = n && e->path[n - 1] == '/' && type == 0 ? TAR_DIR : TAR_REG;
		break;
	}
	case TAR_REG: case TAR_LINK: case TAR_SYMLINK: case TAR_CHR:
	case TAR_BLK: case TAR_DIR: case TAR_FIFO:
		break;
	case 'S':
		return err_set(err, 0, "tar: %s: sparse files are not supported",
			       e->path);
	default:
		return err_set(err, 0, "tar: %s: unsupported entry type '%c'",
			       e->path, type >= 32 && type < 127 ? type : '?');
	}
	e->type = type;
	if (!e->path[0])
		return err_set(err, 0, "tar: entry with an empty name");
	return 0;
}

static int ext_done(struct tar *t, struct md_err *err)
{
	char *s = t->ext;

	t->ext = NULL;
	s[t->ext_len] = 0;
	switch (t->ext_kind) {
	case 'x':
		t->pax = s;
		t->pax_len = t->ext_len;
		return 0;
	case 'L':
	case 'K':
		if (strlen(s) == 0) {
			free(s);
			return err_set(err, 0, "tar: empty GNU long name");
		}
		*(t->ext_kind == 'L' ? &t->longname : &t->longlink) = s;
		return 0;
	}
	free(s);	/* global PAX headers carry nothing md uses */
	return 0;
}

static int header_block(struct tar *t, struct md_err *err)
{
	const unsigned char *h = t->block;
	char type = h[156];
	int64_t size;

	t->blen = 0;
	if (is_zero_block(h)) {
		if (++t->zero_blocks == 2)
			t->state = ST_END;
		return 0;
	}
	if (t->zero_blocks)
		return err_set(err, 0, "tar: data after an end-of-archive block");
	if (!tar_checksum_ok(h))
		return err_set(err, 0, "tar: bad header checksum at offset %llu",
			       (unsigned long long)(t->offset - 512));
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
		if (tar_parse_number(h + 124, 12, &size) < 0 || size < 0)
			return err_set(err, 0, "tar: bad extended header size");
		if (size > TAR_EXT_MAX)
			return err_set(err, 0, "tar: extended header of %lld bytes "
				       "exceeds %d", (long long)size, TAR_EXT_MAX);
		if ((type == 'x' && t->pax) || (type == 'L' && t->longname) ||
		    (type == 'K' && t->longlink))
			return err_set(err, 0, "tar: repeated extended header");
		t->ext = malloc(size + 1);
		if (!t->ext)
			return err_set(err, ENOMEM, "tar");
		t->ext_kind = type;
		t->ext_len = 0;
		t->ext_cap = size;
		t->left = size;
		t->pad = (512 - size % 512) % 512;
		t->state = ST_EXT;
		if (size == 0) {
			if (ext_done(t, err) < 0)
				return -1;
			skip_then_header(t, 0);
		}
		return 0;
	}
	if (type == 'V') {	/* volume label: no file */
		ext_clear(t);
		return 0;
	}
	if (header_entry(t, err) < 0)
		return -1;
	if (t->ops->entry(t->user, &t->cur, err) < 0)
		return -1;
	size = t->cur.size;
	t->pad = (512 - size % 512) % 512;
	t->left = size;
	if (t->cur.type == TAR_REG && size > 0) {
		t->state = ST_DATA;
		return 0;
	}
	/* No data to deliver (a link's or dir's data, if any, is skipped). */
	skip_then_header(t, t->cur.type == TAR_REG ? 0 : size + t->pad);
	if (t->ops->entry_end(t->user, err) < 0)
		return -1;
	ext_clear(t);
	return 0;
}

int tar_feed(struct tar *t, const void *buf, size_t len, struct md_err *err)
{
	const unsigned char *p = buf;

	while (len) {
		size_t n;
		switch (t->state) {
		case ST_HEADER:
			n = 512 - t->blen < len ? 512 - t->blen : len;
			memcpy(t->block + t->blen, p, n);
			t->blen += n;
			t->offset += n;
			p += n;
			len -= n;
			if (t->blen == 512 && header_block(t, err) < 0)
				return -1;
			continue;
		case ST_EXT:
			n = t->left < len ? t->left : len;
			memcpy(t->ext + t->ext_len, p, n);
			t->ext_len += n;
			t->left -= n;
			if (!t->left) {
				if (ext_done(t, err) < 0)
					return -1;
				skip_then_header(t, t->pad);
			}
			break;
		case ST_DATA:
			n = t->left < len ? t->left : len;
			if (t->ops->data(t->user, p, n, err) < 0)
				return -1;
			t->left -= n;
			if (!t->left) {
				skip_then_header(t, t->pad);
				if (t->ops->entry_end(t->user, err) < 0)
					return -1;
				ext_clear(t);
			}
			break;
		case ST_SKIP:
			n = t->left < len ? t->left : len;
			t->left -= n;
			if (!t->left)
				t->state = ST_HEADER;
			break;
		default:	/* after the end: padding to the record size */
			n = len;
			break;
		}
		t->offset += n;
		p += n;
		len -= n;
	}
	return 0;
}

int tar_finish(struct tar *t, struct md_err *err)
{
	if (t->state == ST_END || (t->state == ST_HEADER && t->blen == 0 &&
				   !t->ext && !t->pax && !t->longname &&
				   !t->longlink))
		return 0;
	return err_set(err, 0, "tar: truncated archive");
}
