/* A container's log, in the CRI log format that kubelet and containerd
 * write and other tools read (one line per record, plain text):
 *
 *   2026-12-02T15:04:05.123456789Z stdout F a whole line
 *   2026-12-02T15:04:05.123456789Z stderr P part of a line (no newline)
 *
 * F ends a line (a newline follows it in the output); P is a piece that
 * the next record of the same stream continues. The writer (the
 * monitor) keeps nothing back: what a read gives without a newline is
 * written at once as P, so its memory stays flat whatever the container
 * prints. Files: NAME, then NAME.1 (older) ... NAME.N, rotated when NAME
 * would pass the size cap. */
#ifndef MD_LOG_H
#define MD_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LOG_DEFAULT_MAX_SIZE (10 << 20)
#define LOG_DEFAULT_MAX_FILES 5
#define LOG_STDOUT 0
#define LOG_STDERR 1

struct log_writer {
	int dirfd;		/* the container's directory (not owned) */
	char name[32];		/* "container.log" (a copy: see log.c) */
	int fd;
	uint64_t size, max_size;
	int max_files;		/* NAME and NAME.1 .. NAME.(max_files-1) */
	char out[16 << 10];	/* records of one chunk, written at once */
	size_t outlen;
};

/* Opens (appending to) dirfd/name. */
int log_open(struct log_writer *w, int dirfd, const char *name,
	     uint64_t max_size, int max_files, struct md_err *err);
/* Records what stream gave (one read), stamped now. */
int log_write(struct log_writer *w, int stream, const char *data, size_t n,
	      struct md_err *err);
void log_close(struct log_writer *w);

/* One record of a log line. */
struct log_entry {
	int64_t sec;
	long nsec;
	int stream;		/* LOG_STDOUT, LOG_STDERR */
	int partial;		/* P: no newline after text */
	const char *text;	/* into the line */
	size_t len;
	const char *stamp;	/* the timestamp as written */
	size_t stamplen;
};

/* Parses one line (without its newline); -1 if it is not a record. */
int log_parse(const char *line, size_t len, struct log_entry *e);

#endif
