/* md-logs: a detached container's output, from its CRI log files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applet.h"
#include "container.h"
#include "log.h"
#include "store.h"
#include "util.h"

const char logs_usage[] =
"Usage: md-logs [OPTIONS] CONTAINER\n"
"\n"
"Print what a detached container (md-run -d) wrote to its stdout and\n"
"stderr, each to the same stream here, in the order it was written.\n"
"\n"
"Options:\n"
"  -f, --follow         Follow the output until the container exits\n"
"  -n, --tail N         Only the last N lines (\"all\": every line)\n"
"  -t, --timestamps     Prefix each line with its time (RFC 3339)\n"
"      --since TIME     Only lines since TIME (RFC 3339, Unix seconds,\n"
"                       or a duration before now: 10m, 1h30m)\n"
"      --until TIME     Only lines before TIME (same forms)\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

enum { O_SINCE = 0x100, O_UNTIL };

#define LOG_NAME "container.log"
#define LOG_FILES_MAX 100

struct reader {
	int timestamps;
	int64_t since, until;	/* seconds; INT64_MIN/MAX: none */
	int64_t skip;		/* whole lines still to leave out (--tail) */
	int64_t lines;		/* lines counted (the --tail pass) */
	int counting;
	int at_start[2];	/* per stream: the next record starts a line */
};

/* "10m", "1h30m", "45s", "2h": seconds, or -1. */
static int64_t duration(const char *s)
{
	int64_t total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (end == s || v < 0)
			return -1;
		switch (*end) {
		case 's': total += v; break;
		case 'm': total += v * 60; break;
		case 'h': total += v * 3600; break;
		default: return -1;
		}
		s = end + 1;
	}
	return total;
}

/* Docker's --since/--until forms: RFC 3339, Unix seconds, a duration. */
static int parse_time(const char *s, int64_t *out)
{
	int64_t v, d;
	const char *why;

	if (rfc3339_parse(s, &v) == 0) {
		*out = v;
		return 0;
	}
	if (!(why = parse_int(s, 0, INT64_MAX, &v))) {
		*out = v;
		return 0;
	}
	if ((d = duration(s)) >= 0) {
		*out = time(NULL) - d;
		return 0;
	}
	return -1;
}

/* One record: counted, or printed (with the timestamp at a line's
 * start). */
static void record(struct reader *rd, const struct log_entry *e)
{
	FILE *f = e->stream == LOG_STDERR ? stderr : stdout;
	int start = rd->at_start[e->stream];

	if (e->sec < rd->since || e->sec >= rd->until)
		return;
	rd->at_start[e->stream] = !e->partial;
	if (rd->counting) {
		rd->lines += !e->partial;
		return;
	}
	if (rd->skip > 0) {
		rd->skip -= !e->partial;
		return;
	}
	if (rd->timestamps && start)
		fprintf(f, "%.*s ", (int)e->stamplen, e->stamp);
	fwrite(e->text, 1, e->len, f);
	if (!e->partial)
		putc('\n', f);
}

/* Records from fd until its end; *pend holds a line cut by the end (for
 * -f: the rest comes later). */
static void read_records(struct reader *rd, int fd, char *buf, size_t cap,
			 size_t *pend)
{
	ssize_t n;

	while ((n = read(fd, buf + *pend, cap - *pend)) > 0) {
		size_t len = *pend + n, off = 0;
		char *nl;
		while ((nl = memchr(buf + off, '\n', len - off))) {
			struct log_entry e;
			if (log_parse(buf + off, nl - (buf + off), &e) == 0)
				record(rd, &e);
			off = nl + 1 - buf;
		}
		/* A line longer than the buffer is no record md wrote. */
		if (off == 0 && len == cap)
			off = len;
		memmove(buf, buf + off, len - off);
		*pend = len - off;
	}
}

/* How many files there are: NAME.(k-1) is the oldest present. */
static int log_files(int dirfd)
{
	char name[64];
	int k = 1;

	while (k < LOG_FILES_MAX) {
		snprintf(name, sizeof(name), LOG_NAME ".%d", k);
		if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		k++;
	}
	return k;
}

/* Every file, oldest first; the current one stays open in *cur. */
static void read_all(struct reader *rd, int dirfd, char *buf, size_t cap,
		     int *cur, size_t *pend)
{
	char name[64];

	for (int k = log_files(dirfd) - 1; k >= 0; k--) {
		int fd;
		size_t rest = 0;
		if (k)
			snprintf(name, sizeof(name), LOG_NAME ".%d", k);
		else
			snprintf(name, sizeof(name), LOG_NAME);
		if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		read_records(rd, fd, buf, cap, k ? &rest : pend);
		if (k)
			close(fd);
		else
			*cur = fd;
	}
}

/* -f: what is appended, across rotations, until the container has
 * ended and nothing more comes. */
static void follow(struct reader *rd, struct store *s, const char *id,
		   int dirfd, int cur, char *buf, size_t cap, size_t pend)
{
	const struct timespec pause = { 0, 50 * 1000 * 1000 };

	for (;;) {
		struct container c = { 0 };
		struct md_err err;
		struct stat a, b;
		int running;

		fflush(NULL);
		running = container_load(s, id, &c, &err) == 0 &&
			  c.status == CONTAINER_RUNNING;
		container_free(&c);
		read_records(rd, cur, buf, cap, &pend);
		/* Rotated: the rest of the old file, then the new one. */
		if (fstatat(dirfd, LOG_NAME, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		    fstat(cur, &b) == 0 && a.st_ino != b.st_ino) {
			int fd = openat(dirfd, LOG_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd >= 0) {
				read_records(rd, cur, buf, cap, &pend);
				close(cur);
				cur = fd;
				pend = 0;
				continue;
			}
		}
		if (!running)
			break;
		nanosleep(&pause, NULL);
	}
	fflush(NULL);
	close(cur);
}

int logs_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "follow", no_argument, 0, 'f' },
		{ "tail", required_argument, 0, 'n' },
		{ "timestamps", no_argument, 0, 't' },
		{ "since", required_argument, 0, O_SINCE },
		{ "until", required_argument, 0, O_UNTIL },
		APPLET_LONGOPTS, { 0 } };
	struct reader rd = { .since = INT64_MIN, .until = INT64_MAX,
			     .at_start = { 1, 1 } };
	static char buf[128 << 10];
	int64_t tail = -1;
	int ch, follow_it = 0, dirfd, cur = -1;
	struct container c = { 0 };
	struct md_err err;
	struct store s;
	size_t pend = 0;
	char dir[128];

	while ((ch = applet_getopt(argc, argv, "fn:th", lo)) != -1) {
		switch (ch) {
		case 'f': follow_it = 1; break;
		case 't': rd.timestamps = 1; break;
		case 'n':
			if (strcmp(optarg, "all") && applet_flag_int("-n, --tail",
					optarg, 0, INT64_MAX, &tail))
				return 125;
			break;
		case O_SINCE:
			if (parse_time(optarg, &rd.since) < 0)
				return applet_flag_error("--since", optarg,
							 "not a time or duration");
			break;
		case O_UNTIL:
			if (parse_time(optarg, &rd.until) < 0)
				return applet_flag_error("--until", optarg,
							 "not a time or duration");
			break;
		}
	}
	if (argc - optind != 1)
		return applet_usage_error("requires exactly 1 argument");
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	/* As docker logs: a missing container, or one without a log, is 1. */
	if (container_lookup(&s, argv[optind], &c, &err) < 0) {
		applet_fail(&err);
		return err.errnum == ENOENT ? 1 : 125;
	}
	snprintf(dir, sizeof(dir), "containers/%s", c.id);
	dirfd = openat(s.fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || faccessat(dirfd, LOG_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		container_free(&c);
		applet_failf("%s ran in the foreground: its output went to "
			     "md-run's own stdout and stderr, not to a log",
			     argv[optind]);
		return 1;
	}
	if (tail >= 0) {
		rd.counting = 1;
		read_all(&rd, dirfd, buf, sizeof(buf), &cur, &pend);
		close(cur);
		cur = -1;
		pend = 0;
		rd.counting = 0;
		rd.skip = rd.lines > tail ? rd.lines - tail : 0;
		rd.at_start[0] = rd.at_start[1] = 1;
	}
	read_all(&rd, dirfd, buf, sizeof(buf), &cur, &pend);
	if (follow_it && cur >= 0)
		follow(&rd, &s, c.id, dirfd, cur, buf, sizeof(buf), pend);
	else if (cur >= 0)
		close(cur);
	fflush(NULL);
	container_free(&c);
	return 0;
}
