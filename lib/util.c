/* File, string and time helpers. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int fd_stream(int fd, int (*fn)(void *user, const void *buf, size_t len,
				struct md_err *err),
	      void *user, const char *what, struct md_err *err)
{
	static char buf[1 << 17];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read %s", what);
		if (n == 0)
			return 0;
		if (fn(user, buf, n, err) < 0)
			return err_wrap(err, "%s", what);
	}
}

char *file_read_at(int dirfd, const char *path, size_t max, size_t *len,
		   struct md_err *err)
{
	/* O_NONBLOCK: a FIFO (or a device) in an image must not hang md;
	 * only regular files are read. */
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC |
				      O_NONBLOCK | O_NOCTTY);
	cleanup_free char *buf = NULL;
	size_t cap = 4096, n = 0;
	struct stat st;

	if (fd < 0) {
		err_set(err, errno, "open %s", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (err_set(err, 0, "read %s: not a regular file", path), err)
			err->errnum = EINVAL;
		return NULL;
	}
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap || !buf) {
			char *nb;
			if (buf)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				err_set(err, ENOMEM, "read %s", path);
				return NULL;
			}
			buf = nb;
		}
		if (n + 1 >= cap) {
			err_set(err, 0, "read %s: larger than %zu bytes", path, max);
			return NULL;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(err, errno, "read %s", path);
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
		/* All it had when asked: no read to find its end (procfs
		 * files say 0 and are read to the end). */
		if (st.st_size > 0 && n == (size_t)st.st_size)
			break;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return steal_ptr(buf);
}

int file_write_atomic_at(int dirfd, const char *name, const void *buf,
			 size_t len, mode_t mode, struct md_err *err)
{
	return file_replace_at(dirfd, name, buf, len, mode, 1, err);
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static void sync_dir(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int file_replace_at(int dirfd, const char *name, const void *buf, size_t len,
		    mode_t mode, int durable, struct md_err *err)
{
	char tmp[4096];
	unsigned rnd = 0;
	int fd;

	random_bytes(&rnd, sizeof(rnd));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%08x", name, rnd) >= (int)sizeof(tmp))
		return err_set(err, ENAMETOOLONG, "write %s", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(err, errno, "write %s", name);
	if (write_all(fd, buf, len) < 0 || (durable && fsync(fd) < 0)) {
		int e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return err_set(err, e, "write %s", name);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return err_set(err, e, "rename %s", name);
	}
	/* The rename is durable only once the directory is synced. */
	if (durable)
		sync_dir(dirfd);
	return 0;
}

int file_exchange_at(int dirfd, const char *name, const char *spare,
		     const void *buf, size_t len, mode_t mode, int durable,
		     struct md_err *err)
{
	int fd = openat(dirfd, spare, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			mode);

	if (fd < 0)
		return err_set(err, errno, "write %s", spare);
	/* Written over, then cut to length; not truncated first: ext4 would
	 * free the block only to take one again, and flush the file when it
	 * is closed (its guard against truncate-and-rewrite). */
	if (write_all(fd, buf, len) < 0 || ftruncate(fd, len) < 0 ||
	    (durable && fsync(fd) < 0)) {
		int e = errno;
		close(fd);
		return err_set(err, e, "write %s", spare);
	}
	close(fd);
	if (syscall(SYS_renameat2, dirfd, spare, dirfd, name, RENAME_EXCHANGE) < 0 &&
	    renameat(dirfd, spare, dirfd, name) < 0)
		return err_set(err, errno, "rename %s", name);
	if (durable)
		sync_dir(dirfd);
	return 0;
}

int file_write_at(int dirfd, const char *name, const void *buf, size_t len,
		  mode_t mode, struct md_err *err)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			O_NOFOLLOW, mode);

	if (fd < 0)
		return err_set(err, errno, "write %s", name);
	if (write_all(fd, buf, len) < 0) {
		int e = errno;
		close(fd);
		return err_set(err, e, "write %s", name);
	}
	close(fd);
	return 0;
}

int mkdir_p_at(int dirfd, const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = 0;
			if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
				return -1;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* Removing a tree iteratively, in bounded memory, whatever its depth (a
 * container can make directories thousands of levels deep; recursion
 * would overflow a small stack, and an fd per level would run out).
 * Down to RM_DEPTH levels, one open DIR and one name per level; a
 * non-empty directory found deeper is renamed up into the top directory
 * (so that its subtree starts again at level 1), and the top is read
 * again until a pass renames nothing. */
#define RM_DEPTH 16

struct rm_level {
	DIR *d;
	char name[256];		/* this directory's name in the level above */
};

/* Removes one entry of the directory fd: a file or an empty directory.
 * 1 if it is a directory with something in it, 0 if removed, -1 error.
 * is_dir: known to be a directory (readdir's d_type), no unlink tried. */
static int rm_entry(int fd, const char *name, int is_dir)
{
	if (!is_dir && (unlinkat(fd, name, 0) == 0 || errno == ENOENT))
		return 0;
	if (!is_dir && errno != EISDIR && errno != EPERM)
		return -1;
	if (unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return errno == ENOTEMPTY || errno == EEXIST ? 1 : -1;
}

/* Opens a directory to empty it; one without write or search permission
 * (a layer may hold mode 000 dirs) is made removable first. */
static DIR *rm_open(int fd, const char *name)
{
	int d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir;

	if (d < 0)
		return NULL;
	fchmod(d, 0700);
	if (!(dir = fdopendir(d)))
		close(d);
	return dir;
}

/* Moves fd/name into top under a name of md's own. */
static int rm_hoist(int fd, const char *name, int top, unsigned long *seq)
{
	char tmp[32];

	for (int tries = 0; tries < 1000; tries++) {
		snprintf(tmp, sizeof(tmp), ".md-rm.%lu", (*seq)++);
		if (syscall(SYS_renameat2, fd, name, top, tmp, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Empties the directory top (an fd it takes over). */
static int rm_dir_contents(int top)
{
	struct rm_level lv[RM_DEPTH];
	unsigned long seq = 0, hoisted;
	struct dirent *de;
	int depth, ret = 0, k;

	if (!(lv[0].d = fdopendir(top))) {
		close(top);
		return -1;
	}
	do {
		hoisted = 0;
		rewinddir(lv[0].d);
		depth = 0;
		while (depth >= 0) {
			int fd = dirfd(lv[depth].d);
			if (!(de = readdir(lv[depth].d))) {
				if (depth == 0)
					break;
				closedir(lv[depth].d);
				depth--;
				if (rm_entry(dirfd(lv[depth].d), lv[depth + 1].name, 1) != 0)
					ret = -1;
				continue;
			}
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if ((k = rm_entry(fd, de->d_name, de->d_type == DT_DIR)) <= 0) {
				ret |= k;
				continue;
			}
			if (depth + 1 == RM_DEPTH) {
				if (rm_hoist(fd, de->d_name, dirfd(lv[0].d), &seq) < 0)
					ret = -1;
				else
					hoisted++;
				continue;
			}
			if (!(lv[depth + 1].d = rm_open(fd, de->d_name))) {
				ret = -1;
				continue;
			}
			snprintf(lv[depth + 1].name, sizeof(lv[0].name), "%s", de->d_name);
			depth++;
		}
	} while (hoisted);
	closedir(lv[0].d);
	return ret;
}

int rm_contents_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? -1 : rm_dir_contents(fd);
}

int rm_rf_at(int dirfd, const char *name)
{
	int fd, k = rm_entry(dirfd, name, 0);

	if (k <= 0)
		return k;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	fchmod(fd, 0700);
	if (rm_dir_contents(fd) < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* The bytes of the files under dirfd (a directory fd, closed here), as
 * Docker sums a container's changes: regular files and symlinks (a hard
 * link as often as it is met). Below depth levels nothing is counted:
 * an fd per level is open meanwhile. */
static int64_t dir_size(int dirfd, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat st;
	int64_t total = 0;
	int fd;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			total += st.st_size;
		else if (S_ISDIR(st.st_mode) && depth > 0 &&
			 (fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
				      O_NOFOLLOW | O_CLOEXEC)) >= 0)
			total += dir_size(fd, depth - 1);
	}
	closedir(d);
	return total;
}

int64_t tree_size_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);

	return fd < 0 ? -1 : dir_size(fd, 256);
}

void hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = 0;
}

int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == 0;
}

const char *parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	int neg = *s == '-';
	uint64_t v = 0;

	if (!*p)
		return "not an integer";
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return "not an integer";
		if (v > (UINT64_MAX - 9) / 10)
			return "value out of range";
		v = v * 10 + (*p - '0');
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > INT64_MAX)
		return "value out of range";
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (*out < min || *out > max)
		return "value out of range";
	return NULL;
}

int signal_parse(const char *s)
{
	static const struct {
		char name[8];
		unsigned char sig;
	} names[] = {
		{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },
		{ "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT },
		{ "FPE", SIGFPE }, { "HUP", SIGHUP }, { "ILL", SIGILL },
		{ "INT", SIGINT }, { "IO", SIGIO }, { "IOT", SIGIOT },
		{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },
		{ "PROF", SIGPROF }, { "PWR", SIGPWR }, { "QUIT", SIGQUIT },
		{ "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT }, { "STOP", SIGSTOP },
		{ "SYS", SIGSYS }, { "TERM", SIGTERM }, { "TRAP", SIGTRAP },
		{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "URG", SIGURG }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH }, { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ },
	};
	/* The kernel's; libc's SIGRTMIN is higher (it keeps some). */
	enum { RTMIN = 34, RTMAX = 64 };
	char up[16];
	int64_t n;
	size_t i;

	if (!parse_int(s, 1, RTMAX, &n))
		return n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (i = 0; s[i] && i < sizeof(up) - 1; i++)
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
	if (s[i])
		return -1;
	up[i] = 0;
	if (!strcmp(up, "RTMIN"))
		return RTMIN;
	if (!strcmp(up, "RTMAX"))
		return RTMAX;
	/* RTMIN+1..15 and RTMAX-14..-1, as Docker lists them */
	if (!strncmp(up, "RTMIN+", 6) && !parse_int(up + 6, 1, 15, &n) &&
	    up[6] != '+')
		return RTMIN + n;
	if (!strncmp(up, "RTMAX-", 6) && !parse_int(up + 6, 1, 14, &n) &&
	    up[6] != '+')
		return RTMAX - n;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(up, names[i].name))
			return names[i].sig;
	return -1;
}

void human_size(char *out, size_t outlen, uint64_t bytes)
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = bytes;
	int u = 0;

	while (v >= 1000 && u < 6) {
		v /= 1000;
		u++;
	}
	snprintf(out, outlen, "%.3g%s", v, units[u]);
}

void human_duration(char *out, size_t outlen, int64_t s)
{
	int64_t m = s / 60, h = (s + 1800) / 3600;

	if (s < 1)
		snprintf(out, outlen, "Less than a second");
	else if (s == 1)
		snprintf(out, outlen, "1 second");
	else if (s < 60)
		snprintf(out, outlen, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(out, outlen, "About a minute");
	else if (m < 60)
		snprintf(out, outlen, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(out, outlen, "About an hour");
	else if (h < 48)
		snprintf(out, outlen, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(out, outlen, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(out, outlen, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(out, outlen, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(out, outlen, "%lld years", (long long)(s / 3600 / 24 / 365));
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int rfc3339_parse(const char *s, int64_t *sec)
{
	long ns;

	return rfc3339_parse_ns(s, sec, &ns);
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + s[i] - '0';
	}
	return v;
}

int rfc3339_parse_ns(const char *s, int64_t *sec, long *nsec)
{
	/* (no sscanf: md-ps reads a few times per container) */
	int y = digits(s, 4), mo, d, h, mi, se, oh, om;
	long ns = 0, scale = 100000000;
	int64_t t;

	if (y < 0 || s[4] != '-' || (mo = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 0 || s[10] != 'T' ||
	    (h = digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || s[16] != ':' ||
	    (se = digits(s + 17, 2)) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	s += 19;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			ns += (*s - '0') * scale;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if ((oh = digits(s + 1, 2)) < 0 || s[3] != ':' ||
		    (om = digits(s + 4, 2)) < 0)
			return -1;
		t -= (*s == '+' ? 1 : -1) * (oh * 3600 + om * 60);
		s += 6;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	*sec = t;
	*nsec = ns;
	return 0;
}

void rfc3339_format(char *out, size_t outlen, int64_t sec, long nsec)
{
	struct tm tm;
	time_t t = sec;

	gmtime_r(&t, &tm);
	if (nsec)
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, nsec);
	else
		snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
}

int random_bytes(void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= r;
	}
	return 0;
}

/* Written by a signal handler of the one thread that reads it. */
static volatile sig_atomic_t stop_sig;

void stop_request(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

int stop_requested(void)
{
	return stop_sig;
}

/* The state letter and start time of /proc/PID/stat: 0, or -1 if there
 * is no such process. */
static int proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the name may hold anything */
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", state, &t) != 2)
		return -1;
	*start = t;
	return 0;
}

uint64_t proc_start_time(pid_t pid)
{
	uint64_t t;
	char st;

	return pid > 0 && proc_stat(pid, &st, &t) == 0 ? t : 0;
}

int proc_running(pid_t pid, uint64_t start)
{
	uint64_t t;
	char st;

	return pid > 0 && proc_stat(pid, &st, &t) == 0 && st != 'Z' &&
	       st != 'X' && (!start || t == start);
}

static const char *const compat_words[] = {
	"no-lowerdir-plus", "no-detached-mounts", "no-mount-setattr",
	"no-pidfd-setns",
};

int kernel_compat(const char **bad, int *n)
{
	const char *p = getenv("MD_KERNEL_COMPAT"), *e;
	int set = 0;

	for (; p && *p; p = *e ? e + 1 : e) {
		size_t i = 0;
		e = strchrnul(p, ',');
		while (i < ARRAY_SIZE(compat_words) &&
		       (strlen(compat_words[i]) != (size_t)(e - p) ||
			strncmp(p, compat_words[i], e - p)))
			i++;
		if (i < ARRAY_SIZE(compat_words)) {
			set |= 1 << i;
		} else if (e > p) {
			*bad = p;
			*n = e - p;
			return -1;
		}
	}
	return set;
}
