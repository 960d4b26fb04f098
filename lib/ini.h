/* INI files: md's state and the user's md.ini. Reading goes through inih;
 * writing produces text that inih reads back exactly (see ini.c). */
#ifndef MD_INI_H
#define MD_INI_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Called for each key; value is unescaped (unless INI_RAW). Return 0 to
 * go on, -1 (with err set) to fail the parse. */
typedef int (*ini_handler_fn)(void *user, const char *section,
			      const char *key, const char *value,
			      struct md_err *err);

#define INI_READ_MAX (1 << 20)	/* largest INI file md reads */

enum {
	INI_RAW = 1,	/* a user's file: no unescaping, no folding */
	INI_INIH = 2,	/* md's own file read through inih, as a user's is
			 * (md reads its own without: tests compare) */
};

int ini_parse_buf(const char *buf, size_t len, const char *what, int flags,
		  ini_handler_fn fn, void *user, struct md_err *err);
/* Where a user's file (INI_RAW) names things: fn gets each section
 * header (key NULL) and each key, with its line. */
typedef void (*ini_line_fn)(void *user, int line, const char *section,
			    const char *key);
int ini_scan_buf(const char *buf, size_t len, const char *what,
		 ini_line_fn fn, void *user, struct md_err *err);
/* Reads and parses dirfd/path (at most 1 MiB). */
int ini_parse_at(int dirfd, const char *path, int flags, ini_handler_fn fn,
		 void *user, struct md_err *err);

/* A growable output buffer for writing INI text. */
struct ini_out {
	char *buf;
	size_t len, cap;
	int oom;
};

void ini_section(struct ini_out *o, const char *name);
/* key = value, escaped so that inih reads back exactly value. */
void ini_kv(struct ini_out *o, const char *key, const char *value);
void ini_kvf(struct ini_out *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes the buffer atomically to dirfd/name. */
int ini_out_write_at(struct ini_out *o, int dirfd, const char *name,
		     mode_t mode, struct md_err *err);
/* The same, synced to disk only if durable (see file_replace_at). */
int ini_out_replace_at(struct ini_out *o, int dirfd, const char *name,
		       mode_t mode, int durable, struct md_err *err);
void ini_out_free(struct ini_out *o);

#endif
