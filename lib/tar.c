/* Streaming tar reader (see tar.h). It only parses: what an entry does to
 * a file system is unpack.c's business.
 *
 * Where tars disagree it reads what Go's archive/tar (so containerd and
 * Docker) reads: entries of types 1-6 carry no data whatever their size
 * field says; of repeated extended headers before one entry the last one
 * wins; base-256 numbers may be negative. */
#include "tar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { ST_HEADER, ST_EXT, ST_DATA, ST_SKIP, ST_SPEXT, ST_SPMAP, ST_END };
/* Where a sparse file's map is: the old GNU header (and extension blocks
 * after it), PAX records (0.0, 0.1), or the head of the data (PAX 1.0). */
enum { SP_NONE, SP_OLDGNU, SP_PAX0, SP_PAX1 };

/* The GNU.sparse.* records of an entry. */
struct pax_sparse {
	int any;
	int64_t major, minor, size, numblocks, off;	/* -1: not given */
	const char *name;
};

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
	free(t->sp);
	t->pax = t->longname = t->longlink = NULL;
	t->pax_len = 0;
	t->sp = NULL;
	t->nsp = t->sp_cap = 0;
	t->sparse = SP_NONE;
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

	if (f[0] & 0x80) {	/* GNU base-256, two's complement */
		unsigned char inv = f[0] & 0x40 ? 0xff : 0;
		for (i = 0; i < n; i++) {
			unsigned char c = (f[i] ^ inv) & (i ? 0xff : 0x7f);
			if (v >> 55)
				return -1;
			v = (v << 8) | c;
		}
		*out = inv ? ~(int64_t)v : (int64_t)v;
		return 0;
	}
	/* Octal between spaces or NULs (old tars put either on each side). */
	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = (v << 3) | (f[i] - '0');
	}
	for (; i < n; i++)
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
	int digits = 0;

	/* A blank field is no checksum (GNU tar says the same). */
	for (int i = 148; i < 156; i++)
		digits |= h[i] >= '0' && h[i] <= '7';
	if (!digits || tar_parse_number(h + 148, 8, &want) < 0)
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

/* A non-negative decimal number of a PAX record: the digits up to end. */
static int pax_decimal(const char *s, const char *end, int64_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (uint64_t)INT64_MAX / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (s != end || v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int tar_parse_time(const char *s, int64_t *sec, long *nsec)
{
	const char *dot = strchr(s, '.');
	int neg = *s == '-';
	long ns = 0, scale = 100000000;
	int64_t v;

	if (pax_decimal(s + neg, dot ? dot : s + strlen(s), &v) < 0)
		return -1;
	for (const char *p = dot ? dot + 1 : ""; *p; p++, scale /= 10) {
		if (*p < '0' || *p > '9')
			return -1;
		ns += (*p - '0') * scale;	/* digits past the 9th: 0 */
	}
	/* -1.5 is 1.5 s before the epoch: second -2, plus half a second. */
	*sec = neg ? -v - (ns > 0) : v;
	*nsec = neg && ns ? 1000000000 - ns : ns;
	return 0;
}

static int sparse_add(struct tar *t, int64_t off, int64_t len,
		      struct md_err *err)
{
	if (off < 0 || len < 0)
		return err_set(err, 0, "tar: %s: bad sparse map", t->cur.path);
	if (t->nsp == t->sp_cap) {
		size_t cap = t->sp_cap ? t->sp_cap * 2 : 16;
		struct tar_sparse *n;
		if (t->nsp == TAR_SPARSE_MAX)
			return err_set(err, 0, "tar: %s: more than %d sparse "
				       "regions", t->cur.path, TAR_SPARSE_MAX);
		n = realloc(t->sp, cap * sizeof(*n));
		if (!n)
			return err_set(err, ENOMEM, "tar");
		t->sp = n;
		t->sp_cap = cap;
	}
	t->sp[t->nsp].off = off;
	t->sp[t->nsp].len = len;
	t->nsp++;
	return 0;
}

/* GNU.sparse.map (PAX 0.1): "offset,size,offset,size...". */
static int sparse_map_text(struct tar *t, const char *s, struct md_err *err)
{
	int64_t v[2];
	int n = 0;

	while (*s) {
		const char *c = strchr(s, ',');
		const char *end = c ? c : s + strlen(s);
		if (pax_decimal(s, end, &v[n]) < 0)
			return err_set(err, 0, "tar: %s: bad GNU.sparse.map",
				       t->cur.path);
		if (n == 1 && sparse_add(t, v[0], v[1], err) < 0)
			return -1;
		n ^= 1;
		s = c ? c + 1 : end;
	}
	if (n)
		return err_set(err, 0, "tar: %s: bad GNU.sparse.map", t->cur.path);
	return 0;
}

static int pax_sparse(struct tar *t, struct pax_sparse *ps, const char *k,
		      const char *v, const char *end, struct md_err *err)
{
	int64_t n, *dst = &n;

	ps->any = 1;
	if (!strcmp(k, "name")) {
		ps->name = v;
		return 0;
	}
	if (!strcmp(k, "map"))
		return sparse_map_text(t, v, err);
	if (!strcmp(k, "size") || !strcmp(k, "realsize"))
		dst = &ps->size;
	else if (!strcmp(k, "numblocks"))
		dst = &ps->numblocks;
	else if (!strcmp(k, "major"))
		dst = &ps->major;
	else if (!strcmp(k, "minor"))
		dst = &ps->minor;
	else if (strcmp(k, "offset") && strcmp(k, "numbytes"))
		return 0;
	if (pax_decimal(v, end, dst) < 0)
		return err_set(err, 0, "tar: %s: bad GNU.sparse.%s", t->cur.path, k);
	if (dst != &n)
		return 0;
	/* 0.0: offset and numbytes records alternate, in this order. */
	if ((k[0] == 'o') != (ps->off < 0))
		return err_set(err, 0, "tar: %s: GNU.sparse.offset and numbytes "
			       "out of order", t->cur.path);
	if (k[0] == 'o') {
		ps->off = n;
		return 0;
	}
	n = sparse_add(t, ps->off, n, err);
	ps->off = -1;
	return n;
}

/* One record "LEN key=value\n" at p; *next is the one after it. */
static int pax_record(struct tar *t, struct tar_entry *e, char *p, char *end,
		      char **next, struct pax_sparse *ps, struct md_err *err)
{
	char *sp, *eq, *rec_end, *key, *val;
	uint64_t len = 0;

	for (sp = p; sp < end && *sp >= '0' && *sp <= '9'; sp++) {
		len = len * 10 + (*sp - '0');
		if (len > TAR_EXT_MAX)
			return err_set(err, 0, "tar: %s: bad PAX record length",
				       e->path);
	}
	if (sp == p || sp >= end || *sp != ' ' || len > (uint64_t)(end - p) ||
	    len < (uint64_t)(sp - p) + 3)
		return err_set(err, 0, "tar: %s: malformed PAX record", e->path);
	rec_end = p + len - 1;
	key = sp + 1;
	eq = memchr(key, '=', rec_end - key);
	if (*rec_end != '\n' || !eq || eq == key)
		return err_set(err, 0, "tar: %s: malformed PAX record", e->path);
	if (memchr(key, 0, eq - key))
		return err_set(err, 0, "tar: %s: PAX record name with a NUL byte",
			       e->path);
	*eq = 0;
	*rec_end = 0;
	val = eq + 1;
	*next = rec_end + 1;
	/* Only an xattr's value may hold NULs (Go refuses them too). */
	if (strncmp(key, "SCHILY.xattr.", 13) && memchr(val, 0, rec_end - val))
		return err_set(err, 0, "tar: %s: PAX %s with a NUL byte", e->path,
			       key);
	if (!strcmp(key, "path")) {
		e->path = val;
	} else if (!strcmp(key, "linkpath")) {
		e->linkname = val;
	} else if (!strcmp(key, "size")) {
		if (pax_decimal(val, rec_end, (int64_t *)&e->size) < 0)
			return err_set(err, 0, "tar: %s: bad PAX size", e->path);
	} else if (!strcmp(key, "uid") || !strcmp(key, "gid")) {
		if (pax_decimal(val, rec_end, key[0] == 'u' ? &e->uid : &e->gid) < 0)
			return err_set(err, 0, "tar: %s: bad PAX %s", e->path, key);
	} else if (!strcmp(key, "mtime")) {
		if (tar_parse_time(val, &e->mtime, &e->mtime_nsec) < 0)
			return err_set(err, 0, "tar: %s: bad PAX mtime", e->path);
	} else if (!strncmp(key, "SCHILY.xattr.", 13) && key[13]) {
		if (e->nxattrs == TAR_XATTR_MAX)
			return err_set(err, 0, "tar: %s: too many xattrs", e->path);
		e->xattrs[e->nxattrs].name = key + 13;
		e->xattrs[e->nxattrs].value = val;
		e->xattrs[e->nxattrs].len = rec_end - val;
		e->nxattrs++;
	} else if (!strncmp(key, "GNU.sparse.", 11)) {
		return pax_sparse(t, ps, key + 11, val, rec_end, err);
	}
	/* uname, gname, atime, ctime, comments: ids are numeric. */
	return 0;
}

/* Which PAX sparse format the GNU.sparse.* records describe. */
static int pax_sparse_done(struct tar *t, struct tar_entry *e,
			   const struct pax_sparse *ps, struct md_err *err)
{
	if (ps->major == 1 && ps->minor == 0)
		t->sparse = SP_PAX1;
	else if ((ps->major < 0 && ps->minor < 0) ||
		 (ps->major == 0 && (ps->minor == 0 || ps->minor == 1)))
		t->sparse = SP_PAX0;
	else
		return err_set(err, 0, "tar: %s: GNU sparse format %lld.%lld is "
			       "not supported", e->path, (long long)ps->major,
			       (long long)ps->minor);
	if (ps->off >= 0 || ps->size < 0 || (t->sparse == SP_PAX1 && t->nsp) ||
	    (t->sparse == SP_PAX0 && ps->numblocks >= 0 &&
	     (uint64_t)ps->numblocks != t->nsp))
		return err_set(err, 0, "tar: %s: bad GNU sparse records", e->path);
	if (ps->name)
		e->path = ps->name;
	return 0;
}

/* Applies the pending PAX records to e. */
static int pax_apply(struct tar *t, struct tar_entry *e, struct pax_sparse *ps,
		     struct md_err *err)
{
	char *p = t->pax, *end = t->pax + t->pax_len;

	while (p < end)
		if (pax_record(t, e, p, end, &p, ps, err) < 0)
			return -1;
	return ps->any ? pax_sparse_done(t, e, ps, err) : 0;
}

/* An old GNU sparse map: n entries of offset[12] numbytes[12]; an entry
 * whose offset starts with NUL ends it. */
static int oldgnu_map(struct tar *t, const unsigned char *f, int n,
		      struct md_err *err)
{
	for (int i = 0; i < n && f[i * 24]; i++) {
		int64_t off, len;
		if (tar_parse_number(f + i * 24, 12, &off) < 0 ||
		    tar_parse_number(f + i * 24 + 12, 12, &len) < 0)
			return err_set(err, 0, "tar: %s: bad sparse map",
				       t->cur.path);
		if (sparse_add(t, off, len, err) < 0)
			return -1;
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

static int number(struct tar *t, const unsigned char *f, size_t n,
		  const char *what, int64_t *out, struct md_err *err)
{
	if (tar_parse_number(f, n, out) < 0)
		return err_set(err, 0, "tar: %s: bad %s field", t->cur.path, what);
	return 0;
}

/* What the types md refuses are, for the error. */
static const char *refused_type(char type)
{
	switch (type) {
	case 'A': return "a Solaris ACL (type 'A')";
	case 'D': return "a GNU incremental directory (type 'D')";
	case 'M': return "continued from another volume (type 'M')";
	case 'N': return "a GNU rename list (type 'N')";
	case 'X': return "a Solaris extended header (type 'X')";
	}
	return NULL;
}

/* The entry's type, size and sparse map; *stored is the size of its data
 * in the archive, real the size of a PAX sparse file (else -1). */
static int entry_type(struct tar *t, struct tar_entry *e, char type,
		      int64_t real, uint64_t *stored, struct md_err *err)
{
	size_t n = strlen(e->path);

	*stored = 0;
	if (type == 0 && n && e->path[n - 1] == '/')
		type = TAR_DIR;		/* v7 had no directory type */
	else if (type == 0 || type == '7')
		type = TAR_REG;
	if (type == 'S') {
		if (t->sparse)
			return err_set(err, 0, "tar: %s: two sparse maps", e->path);
		t->sparse = SP_OLDGNU;
		if (number(t, t->block + 483, 12, "sparse size", &real, err) < 0 ||
		    oldgnu_map(t, t->block + 386, 4, err) < 0)
			return -1;
		type = TAR_REG;
	}
	if (type < TAR_REG || type > TAR_FIFO) {
		const char *what = refused_type(type);
		if (what)
			return err_set(err, 0, "tar: %s: %s is not supported",
				       e->path, what);
		if (type > ' ' && type < 127)
			return err_set(err, 0, "tar: %s: unsupported entry type "
				       "'%c'", e->path, type);
		return err_set(err, 0, "tar: %s: unsupported entry type 0x%02x",
			       e->path, (unsigned char)type);
	}
	e->type = type;
	if (type != TAR_REG) {
		if (t->sparse)
			return err_set(err, 0, "tar: %s: sparse map on a non-file",
				       e->path);
		e->size = 0;	/* whatever the size field says: no data */
		return 0;
	}
	*stored = e->size;
	if (t->sparse) {
		if (real < 0)
			return err_set(err, 0, "tar: %s: bad sparse size", e->path);
		e->size = real;
	}
	return 0;
}

static int header_entry(struct tar *t, uint64_t *stored, struct md_err *err)
{
	const unsigned char *h = t->block;
	struct tar_entry *e = &t->cur;
	struct pax_sparse ps = { 0, -1, -1, -1, -1, -1, NULL };
	int64_t v, size;
	int posix = !memcmp(h + 257, "ustar\0", 6);

	*stored = 0;
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
	if (number(t, h + 100, 8, "mode", &v, err) < 0 ||
	    number(t, h + 108, 8, "uid", &e->uid, err) < 0 ||
	    number(t, h + 116, 8, "gid", &e->gid, err) < 0 ||
	    number(t, h + 124, 12, "size", &size, err) < 0 ||
	    number(t, h + 136, 12, "mtime", &e->mtime, err) < 0)
		return -1;
	if (v < 0)
		return err_set(err, 0, "tar: %s: bad mode field", e->path);
	e->mode = v & 07777;
	e->size = size;
	if (h[156] == TAR_CHR || h[156] == TAR_BLK) {
		int64_t ma, mi;
		if (number(t, h + 329, 8, "devmajor", &ma, err) < 0 ||
		    number(t, h + 337, 8, "devminor", &mi, err) < 0)
			return -1;
		if (ma < 0 || mi < 0 || ma > 0xfff || mi > 0xfffff)
			return err_set(err, 0, "tar: %s: bad device numbers",
				       e->path);
		e->devmajor = ma;
		e->devminor = mi;
	}
	if (t->pax && pax_apply(t, e, &ps, err) < 0)
		return -1;
	/* 4294967295 is (uid_t)-1: chown leaves that id as it is. */
	if (e->uid < 0 || e->uid > 0xffffffffLL || e->gid < 0 ||
	    e->gid > 0xffffffffLL)
		return err_set(err, 0, "tar: %s: bad owner %lld:%lld", e->path,
			       (long long)e->uid, (long long)e->gid);
	if ((int64_t)e->size < 0)
		return err_set(err, 0, "tar: %s: bad size", e->path);
	if (!e->path[0])
		return err_set(err, 0, "tar: entry with an empty name");
	return entry_type(t, e, h[156], ps.any ? ps.size : -1, stored, err);
}

static int hole(struct tar *t, uint64_t len, struct md_err *err)
{
	t->pos += len;
	return len ? t->ops->hole(t->user, len, err) : 0;
}

/* The regions must be in order, apart, inside the file, and hold exactly
 * the data stored. */
static int sparse_check(struct tar *t, struct md_err *err)
{
	uint64_t end = 0, sum = 0, size = t->cur.size;

	for (size_t i = 0; i < t->nsp; i++) {
		const struct tar_sparse *r = &t->sp[i];
		if (r->off < end || r->off > size || r->len > size - r->off)
			return err_set(err, 0, "tar: %s: bad sparse map",
				       t->cur.path);
		end = r->off + r->len;
		sum += r->len;
	}
	if (sum != t->left)
		return err_set(err, 0, "tar: %s: the sparse map holds %llu "
			       "bytes, the archive %llu", t->cur.path,
			       (unsigned long long)sum,
			       (unsigned long long)t->left);
	if (!t->ops->hole)
		return err_set(err, 0, "tar: %s: a sparse file is not expected "
			       "here", t->cur.path);
	return 0;
}

static int end_entry(struct tar *t, struct md_err *err)
{
	skip_then_header(t, t->pad);
	if (t->sparse && hole(t, t->cur.size - t->pos, err) < 0)
		return -1;
	if (t->ops->entry_end(t->user, err) < 0)
		return -1;
	ext_clear(t);
	return 0;
}

/* The entry is known in full: hands it out, then its data. */
static int begin_data(struct tar *t, struct md_err *err)
{
	t->sp_i = t->sp_done = t->pos = 0;
	if (t->sparse && sparse_check(t, err) < 0)
		return -1;
	if (t->ops->entry(t->user, &t->cur, err) < 0)
		return -1;
	if (t->left) {
		t->state = ST_DATA;
		return 0;
	}
	return end_entry(t, err);
}

/* Stored data of a sparse file, region by region, holes between. */
static int sparse_data(struct tar *t, const unsigned char *p, size_t n,
		       struct md_err *err)
{
	while (n) {
		const struct tar_sparse *r = &t->sp[t->sp_i];
		size_t k;
		if (t->sp_done == r->len) {	/* sparse_check: one follows */
			t->sp_i++;
			t->sp_done = 0;
			continue;
		}
		if (t->pos < r->off && hole(t, r->off - t->pos, err) < 0)
			return -1;
		k = r->len - t->sp_done < n ? r->len - t->sp_done : n;
		if (t->ops->data(t->user, p, k, err) < 0)
			return -1;
		t->sp_done += k;
		t->pos += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* An old GNU extension block: 21 more map entries, then a flag saying
 * whether another block follows. */
static int sparse_ext_block(struct tar *t, struct md_err *err)
{
	t->blen = 0;
	if (oldgnu_map(t, t->block, 21, err) < 0)
		return -1;
	return t->block[504] ? 0 : begin_data(t, err);
}

/* A number of the PAX 1.0 map: the count of regions, then offset and
 * size of each. */
static int map_number(struct tar *t, struct md_err *err)
{
	uint64_t v = t->map_num;

	if (t->map_n == 0) {
		if (v > TAR_SPARSE_MAX)
			return err_set(err, 0, "tar: %s: more than %d sparse "
				       "regions", t->cur.path, TAR_SPARSE_MAX);
		t->map_want = 1 + 2 * v;
	} else if (t->map_n % 2) {
		t->map_off = v;
	} else if (sparse_add(t, t->map_off, v, err) < 0) {
		return -1;
	}
	if (++t->map_n == t->map_want)	/* the map fills whole blocks */
		t->map_pad = (512 - t->map_used % 512) % 512;
	t->map_num = t->map_digits = 0;
	return 0;
}

/* The PAX 1.0 map at the head of the data: decimal numbers, one a line,
 * NUL padding to a block. Returns the bytes it took. */
static long map_bytes(struct tar *t, const unsigned char *p, size_t n,
		      struct md_err *err)
{
	size_t i = 0, k;

	while (i < n && t->map_n < t->map_want) {
		unsigned char c = p[i++];
		t->map_used++;
		if (c == '\n' && t->map_digits) {
			if (map_number(t, err) < 0)
				return -1;
		} else if (c >= '0' && c <= '9' && t->map_num < INT64_MAX / 10) {
			t->map_num = t->map_num * 10 + (c - '0');
			t->map_digits++;
		} else {
			return err_set(err, 0, "tar: %s: bad sparse map",
				       t->cur.path);
		}
	}
	k = 0;
	if (t->map_n == t->map_want) {
		k = t->map_pad < n - i ? t->map_pad : n - i;
		t->map_pad -= k;
	}
	t->left -= i + k;
	if (t->map_n == t->map_want && !t->map_pad && begin_data(t, err) < 0)
		return -1;
	if (t->state == ST_SPMAP && !t->left)
		return err_set(err, 0, "tar: %s: the sparse map runs past the "
			       "data", t->cur.path);
	return i + k;
}

static int entry_block(struct tar *t, struct md_err *err)
{
	uint64_t stored;
	char ext = t->block[482];	/* old GNU: extension blocks follow */

	if (header_entry(t, &stored, err) < 0)
		return -1;
	t->left = stored;
	t->pad = (512 - stored % 512) % 512;
	if (t->sparse == SP_OLDGNU && ext) {
		t->state = ST_SPEXT;
		return 0;
	}
	if (t->sparse == SP_PAX1) {
		t->state = ST_SPMAP;
		t->map_n = t->map_digits = t->map_used = t->map_num = 0;
		t->map_want = 1;
		if (!t->left)
			return err_set(err, 0, "tar: %s: no sparse map",
				       t->cur.path);
		return 0;
	}
	return begin_data(t, err);
}

static int ext_done(struct tar *t, struct md_err *err)
{
	char *s = t->ext;

	t->ext = NULL;
	s[t->ext_len] = 0;
	switch (t->ext_kind) {
	case 'x':	/* the last one before an entry wins */
		free(t->pax);
		t->pax = s;
		t->pax_len = t->ext_len;
		return 0;
	case 'L':
	case 'K':
		if (strlen(s) == 0) {
			free(s);
			return err_set(err, 0, "tar: empty GNU long name");
		}
		free(t->ext_kind == 'L' ? t->longname : t->longlink);
		*(t->ext_kind == 'L' ? &t->longname : &t->longlink) = s;
		return 0;
	}
	free(s);	/* global PAX headers carry nothing md uses */
	return 0;
}

static int ext_block(struct tar *t, char type, struct md_err *err)
{
	int64_t size;

	if (tar_parse_number(t->block + 124, 12, &size) < 0 || size < 0)
		return err_set(err, 0, "tar: bad extended header size at offset "
			       "%llu", (unsigned long long)(t->offset - 512));
	if (size > TAR_EXT_MAX)
		return err_set(err, 0, "tar: extended header of %lld bytes "
			       "exceeds %d", (long long)size, TAR_EXT_MAX);
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

/* The first block (or all the input, n bytes) is no tar header: say what
 * it is if it is known. */
static int not_tar(const unsigned char *h, size_t n, struct md_err *err)
{
	static const struct { char magic[7], n, what[6]; } known[] = {
		{ "\x1f\x8b", 2, "gzip" }, { "BZh", 3, "bzip2" },
		{ "\xfd" "7zXZ", 6, "xz" }, { "\x28\xb5\x2f\xfd", 4, "zstd" },
		{ "\x04\x22\x4d\x18", 4, "lz4" }, { "LZIP", 4, "lzip" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (n >= (size_t)known[i].n &&
		    !memcmp(h, known[i].magic, known[i].n))
			return err_set(err, 0, "%s compressed input is not "
				       "supported", known[i].what);
	if (n < 512)
		return err_set(err, 0, "not a tar archive (%zu bytes)", n);
	return err_set(err, 0, "not a tar archive (bad header checksum at "
		       "offset 0)");
}

static int header_block(struct tar *t, struct md_err *err)
{
	const unsigned char *h = t->block;
	char type = h[156];

	t->blen = 0;
	if (is_zero_block(h)) {
		t->seen = 1;
		if (++t->zero_blocks == 2)
			t->state = ST_END;
		return 0;
	}
	if (t->zero_blocks)
		return err_set(err, 0, "tar: data after an end-of-archive block");
	if (!tar_checksum_ok(h))
		return t->seen ? err_set(err, 0, "tar: bad header checksum at "
					 "offset %llu", (unsigned long long)
					 (t->offset - 512)) : not_tar(h, 512, err);
	t->seen = 1;
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
		return ext_block(t, type, err);
	if (type == 'V') {	/* a volume label: no file (GNU tar) */
		int64_t size;
		if (tar_parse_number(h + 124, 12, &size) < 0 || size < 0)
			return err_set(err, 0, "tar: bad volume header size");
		ext_clear(t);
		skip_then_header(t, size + (512 - size % 512) % 512);
		return 0;
	}
	return entry_block(t, err);
}

int tar_feed(struct tar *t, const void *buf, size_t len, struct md_err *err)
{
	const unsigned char *p = buf;

	while (len) {
		size_t n;
		long k;
		switch (t->state) {
		case ST_HEADER:
		case ST_SPEXT:
			n = 512 - t->blen < len ? 512 - t->blen : len;
			memcpy(t->block + t->blen, p, n);
			t->blen += n;
			t->offset += n;
			p += n;
			len -= n;
			if (t->blen == 512 && (t->state == ST_HEADER ?
					       header_block(t, err) :
					       sparse_ext_block(t, err)) < 0)
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
			if ((t->sparse ? sparse_data(t, p, n, err) :
			     t->ops->data(t->user, p, n, err)) < 0)
				return -1;
			t->left -= n;
			if (!t->left && end_entry(t, err) < 0)
				return -1;
			break;
		case ST_SPMAP:
			k = map_bytes(t, p, t->left < len ? t->left : len, err);
			if (k < 0)
				return -1;
			n = k;
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
	if (t->state == ST_HEADER && !t->blen && !t->seen)
		return err_set(err, 0, "empty input: not a tar archive");
	if (t->state == ST_HEADER && !t->seen)
		return not_tar(t->block, t->blen, err);
	if (t->state == ST_END || (t->state == ST_HEADER && t->blen == 0 &&
				   !t->ext && !t->pax && !t->longname &&
				   !t->longlink))
		return 0;
	return err_set(err, 0, "tar: truncated archive");
}
