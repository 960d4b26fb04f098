/* A streaming tar reader: v7, ustar, GNU (long names and links, base-256
 * numbers, sparse files) and PAX (path, linkpath, size, uid, gid, mtime,
 * SCHILY.xattr.*, GNU sparse 0.0, 0.1 and 1.0) headers. Push API: feed
 * bytes in any chunking; entries and their data come out through
 * callbacks. Untrusted input: every header field is checked, extended
 * headers and sparse maps are capped, and what cannot be represented is
 * refused with an error naming the entry. */
#ifndef MD_TAR_H
#define MD_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define TAR_EXT_MAX (1 << 20)	/* cap on a PAX or GNU long-name record */
#define TAR_XATTR_MAX 64
#define TAR_SPARSE_MAX (1 << 16)	/* regions of one sparse file (1 MiB) */

enum tar_type {
	TAR_REG = '0', TAR_LINK = '1', TAR_SYMLINK = '2', TAR_CHR = '3',
	TAR_BLK = '4', TAR_DIR = '5', TAR_FIFO = '6',
};

struct tar_xattr {
	const char *name;
	const char *value;
	size_t len;
};

struct tar_entry {
	const char *path;	/* as in the archive (not cleaned) */
	const char *linkname;	/* hardlink or symlink target */
	char type;		/* enum tar_type */
	uint32_t mode;		/* permission bits incl. setuid/setgid/sticky */
	int64_t uid, gid;
	uint64_t size;		/* the file's size (regular files; else 0):
				 * data() and hole() deliver exactly this */
	int64_t mtime;
	long mtime_nsec;
	uint32_t devmajor, devminor;
	size_t nxattrs;
	struct tar_xattr xattrs[TAR_XATTR_MAX];
};

struct tar_ops {
	/* An entry starts; its data (if any) follows through data(). */
	int (*entry)(void *user, const struct tar_entry *e, struct md_err *err);
	int (*data)(void *user, const void *buf, size_t len, struct md_err *err);
	/* All data of the entry has been delivered. */
	int (*entry_end)(void *user, struct md_err *err);
	/* len bytes of zeros that a sparse file does not store come next, in
	 * file order among data(). NULL: sparse files are refused. */
	int (*hole)(void *user, uint64_t len, struct md_err *err);
};

struct tar_sparse {
	uint64_t off, len;
};

struct tar {
	const struct tar_ops *ops;
	void *user;
	int state;
	unsigned char block[512];
	size_t blen;		/* bytes in block */
	uint64_t left;		/* data or padding bytes left in this state */
	uint64_t pad;
	int zero_blocks;
	char ext_kind;		/* 'x', 'g', 'L', 'K' while reading one */
	int seen;		/* a header block (even a zero one) was read */
	char *ext;		/* extended record being read */
	size_t ext_len, ext_cap;
	/* pending extended values for the next entry */
	char *pax, *longname, *longlink;
	size_t pax_len;
	struct tar_entry cur;
	char name_buf[257], link_buf[101];
	uint64_t offset;	/* bytes consumed, for error messages */
	/* The current sparse file: its map, and where delivery stands. */
	int sparse;		/* 0, or how its map is stored (tar.c) */
	struct tar_sparse *sp;
	size_t nsp, sp_cap, sp_i;
	uint64_t sp_done;	/* bytes of region sp_i delivered */
	uint64_t pos;		/* file offset reached by data and holes */
	uint64_t map_num, map_off, map_used, map_pad;	/* PAX 1.0 map */
	size_t map_n, map_want, map_digits;
};

void tar_init(struct tar *t, const struct tar_ops *ops, void *user);
int tar_feed(struct tar *t, const void *buf, size_t len, struct md_err *err);
/* At end of input: -1 if it stopped inside an entry or header. */
int tar_finish(struct tar *t, struct md_err *err);
void tar_free(struct tar *t);

/* Exposed for unit tests and fuzzing: parse a numeric header field
 * (octal, or GNU base-256 two's complement). */
int tar_parse_number(const unsigned char *f, size_t n, int64_t *out);
/* Parses a PAX time ("-1.5" is sec -2, nsec 500000000). */
int tar_parse_time(const char *s, int64_t *sec, long *nsec);
/* Checks a header block's checksum (which must hold digits). */
int tar_checksum_ok(const unsigned char *h);

#endif
