/* CRI log files: writer with rotation, and the record parser (log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int log_open(struct log_writer *w, int dirfd, const char *name,
	     uint64_t max_size, int max_files, struct md_err *err)
{
	size_t len = strlen(name);
	off_t end;

	if (len >= sizeof(w->name))
		return err_set(err, ENAMETOOLONG, "log %s", name);
	if (name != w->name)
		memcpy(w->name, name, len + 1);
	w->dirfd = dirfd;
	w->max_size = max_size ? max_size : LOG_DEFAULT_MAX_SIZE;
	w->max_files = max_files > 0 ? max_files : LOG_DEFAULT_MAX_FILES;
	w->outlen = 0;
	w->fd = openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		       O_NOFOLLOW, 0640);
	if (w->fd < 0)
		return err_set(err, errno, "log %s", name);
	end = lseek(w->fd, 0, SEEK_END);
	w->size = end > 0 ? end : 0;
	return 0;
}

/* The writer (log_open to log_close) runs in the monitor's loop, whose
 * code and constants config/monitor.ld gathers on a few pages: it calls
 * no printf, its constants are named, as that script lists them, and it
 * keeps its own copy of the file's name (the caller's string constant
 * is elsewhere, on a page the loop would map with 64 KiB around it). */
static const char stream_tag[2][8] = { { ' ', 's', 't', 'd', 'o', 'u', 't', ' ' },
				       { ' ', 's', 't', 'd', 'e', 'r', 'r', ' ' } };

/* "NAME" (k 0) or "NAME.k" into out (48 bytes: NAME is under 32). */
static void log_name(char *out, const char *name, int k)
{
	size_t n = strlen(name);
	char digits[12];
	int d = 0;

	memcpy(out, name, n);
	if (k > 0) {
		out[n++] = '.';
		for (; k; k /= 10)
			digits[d++] = '0' + k % 10;
		while (d)
			out[n++] = digits[--d];
	}
	out[n] = 0;
}

/* NAME.(k-1) -> NAME.k, ..., NAME -> NAME.1; the oldest falls off. */
static int rotate(struct log_writer *w, struct md_err *err)
{
	char from[48], to[48];

	close(w->fd);
	w->fd = -1;
	for (int k = w->max_files - 1; k >= 1; k--) {
		log_name(from, w->name, k - 1);
		log_name(to, w->name, k);
		if (renameat(w->dirfd, from, w->dirfd, to) < 0 && errno != ENOENT)
			return err_set(err, errno, "log %s: rotate", w->name);
	}
	if (w->max_files == 1 && unlinkat(w->dirfd, w->name, 0) < 0 &&
	    errno != ENOENT)
		return err_set(err, errno, "log %s: rotate", w->name);
	return log_open(w, w->dirfd, w->name, w->max_size, w->max_files, err);
}

static int flush(struct log_writer *w, struct md_err *err)
{
	if (!w->outlen)
		return 0;
	if (w->size && w->size + w->outlen > w->max_size && rotate(w, err) < 0)
		return -1;
	if (write_all(w->fd, w->out, w->outlen) < 0)
		return err_set(err, errno, "log %s", w->name);
	w->size += w->outlen;
	w->outlen = 0;
	return 0;
}

/* One record into out; flushed first if it would not fit. A piece is at
 * most a quarter of out, so every record fits. */
static int record(struct log_writer *w, const char *stamp, int stream,
		  int full, const char *text, size_t n, struct md_err *err)
{
	size_t need = strlen(stamp) + n + 12;

	char *o;

	if (w->outlen + need > sizeof(w->out) && flush(w, err) < 0)
		return -1;
	o = w->out + w->outlen;
	memcpy(o, stamp, strlen(stamp));
	o += strlen(stamp);
	memcpy(o, stream_tag[stream != 0], 8);
	o += 8;
	*o++ = full ? 'F' : 'P';
	*o++ = ' ';
	w->outlen = o - w->out;
	memcpy(w->out + w->outlen, text, n);
	w->outlen += n;
	w->out[w->outlen++] = '\n';
	return 0;
}

static char *put_num(char *o, long v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		o[i] = '0' + v % 10;
	return o + width;
}

/* "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ" into out (31 bytes). */
static void format_stamp(char *out, const struct tm *tm, long nsec)
{
	char *o = out;

	o = put_num(o, tm->tm_year + 1900, 4);
	*o++ = '-';
	o = put_num(o, tm->tm_mon + 1, 2);
	*o++ = '-';
	o = put_num(o, tm->tm_mday, 2);
	*o++ = 'T';
	o = put_num(o, tm->tm_hour, 2);
	*o++ = ':';
	o = put_num(o, tm->tm_min, 2);
	*o++ = ':';
	o = put_num(o, tm->tm_sec, 2);
	*o++ = '.';
	o = put_num(o, nsec, 9);
	*o++ = 'Z';
	*o = 0;
}

int log_write(struct log_writer *w, int stream, const char *data, size_t n,
	      struct md_err *err)
{
	const size_t piece = sizeof(w->out) / 4;
	struct timespec ts;
	struct tm tm;
	char stamp[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	format_stamp(stamp, &tm, ts.tv_nsec);
	while (n) {
		const char *nl = memchr(data, '\n', n < piece ? n : piece);
		size_t len = nl ? (size_t)(nl - data) : (n < piece ? n : piece);
		if (record(w, stamp, stream, nl != NULL, data, len, err) < 0)
			return -1;
		len += nl != NULL;
		data += len;
		n -= len;
	}
	return flush(w, err);
}

void log_close(struct log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac]Z" (what log_write writes; others' RFC 3339
 * with an offset is taken too). Returns its length or -1. */
static int parse_stamp(const char *s, size_t len, int64_t *sec, long *nsec)
{
	int y, mo, d, h, mi, se, off = 0;
	size_t i = 19;
	long ns = 0;

	if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &se) || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	if (s[i] == '.') {
		int k = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++)
			if (k < 9)
				ns = ns * 10 + (s[i] - '0');
		if (!k)
			return -1;
		for (; k < 9; k++)
			ns *= 10;
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') &&
		   s[i + 3] == ':') {
		int oh, om;
		if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om))
			return -1;
		off = (oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
		i += 6;
	} else {
		return -1;
	}
	/* Days from civil (proleptic Gregorian), as in util's rfc3339. */
	{
		int64_t yy = y - (mo <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
		int64_t yoe = yy - era * 400;
		int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		int64_t days = era * 146097 + doe - 719468;
		*sec = days * 86400 + h * 3600 + mi * 60 + se - off;
	}
	*nsec = ns;
	return (int)i;
}

int log_parse(const char *line, size_t len, struct log_entry *e)
{
	int n = parse_stamp(line, len, &e->sec, &e->nsec);
	const char *p;

	if (n < 0 || (size_t)n + 10 > len || line[n] != ' ')
		return -1;
	e->stamp = line;
	e->stamplen = n;
	p = line + n + 1;
	if (!memcmp(p, "stdout ", 7))
		e->stream = LOG_STDOUT;
	else if (!memcmp(p, "stderr ", 7))
		e->stream = LOG_STDERR;
	else
		return -1;
	p += 7;
	if ((*p != 'F' && *p != 'P') || p[1] != ' ')
		return -1;
	e->partial = *p == 'P';
	e->text = p + 2;
	e->len = len - (e->text - line);
	return 0;
}
