/* Small file, string and time helpers shared by the library and applets. */
#ifndef MD_UTIL_H
#define MD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

int write_all(int fd, const void *buf, size_t len);
/* Reads until len bytes or EOF; returns bytes read or -1. */
ssize_t read_full(int fd, void *buf, size_t len);

/* Reads fd to its end in 128 KiB pieces, each handed to fn; what names
 * the input in errors. */
int fd_stream(int fd, int (*fn)(void *user, const void *buf, size_t len,
				struct md_err *err),
	      void *user, const char *what, struct md_err *err);

/* Reads a whole file (relative to dirfd) of at most max bytes, NUL
 * terminated. Only a regular file: anything else (a FIFO, a device) is
 * refused without blocking, with errnum EINVAL. */
char *file_read_at(int dirfd, const char *path, size_t max, size_t *len,
		   struct md_err *err);
/* Writes a file atomically: temp file, fsync, rename, fsync of the dir. */
int file_write_atomic_at(int dirfd, const char *name, const void *buf,
			 size_t len, mode_t mode, struct md_err *err);
/* The same, with the fsyncs only if durable: still all or nothing for a
 * crashing process, but a power loss may undo it. */
int file_replace_at(int dirfd, const char *name, const void *buf, size_t len,
		    mode_t mode, int durable, struct md_err *err);

/* The same through a fixed spare file: spare is written over and cut to
 * length (made if missing), then exchanged with name, so that name's previous
 * contents stay in spare for the next write. Once both exist no inode is
 * made or freed (costly on some file systems, such as ext4 without a
 * journal). Renamed over name where there is no name yet or the file
 * system cannot exchange. Writers of one name must hold a lock. */
int file_exchange_at(int dirfd, const char *name, const char *spare,
		     const void *buf, size_t len, mode_t mode, int durable,
		     struct md_err *err);

/* Writes a new file (or replaces one's contents), without fsync: for
 * files that are made again whenever they are lost. */
int file_write_at(int dirfd, const char *name, const void *buf, size_t len,
		  mode_t mode, struct md_err *err);

/* mkdir -p relative to dirfd (AT_FDCWD for cwd); no symlink following
 * is attempted here, callers use it only on md's own trees. */
int mkdir_p_at(int dirfd, const char *path, mode_t mode);
/* Removes name under dirfd recursively, never following symlinks.
 * A missing name is not an error. */
int rm_rf_at(int dirfd, const char *name);
/* Empties the directory dirfd/name, which stays. */
int rm_contents_at(int dirfd, const char *name);

/* Bytes in the regular files and symlinks under dirfd/path (256
 * levels deep at most), or -1 if it cannot be opened. */
int64_t tree_size_at(int dirfd, const char *path);

void hex_encode(char *out, const unsigned char *in, size_t n);
int is_hex(const char *s, size_t n);

/* A decimal integer, strictly (optional sign, digits, nothing else),
 * within [min, max]: NULL, or why not ("not an integer", "value out of
 * range"). */
const char *parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Docker's human units: 4.26MB (decimal, 3 significant digits). */
void human_size(char *out, size_t outlen, uint64_t bytes);
/* Docker's HumanDuration: "About a minute", "3 weeks". */
void human_duration(char *out, size_t outlen, int64_t seconds);
/* RFC 3339 with nanoseconds; returns -1 on bad input. */
int rfc3339_parse(const char *s, int64_t *sec);
/* The same to the nanosecond. */
int rfc3339_parse_ns(const char *s, int64_t *sec, long *nsec);
void rfc3339_format(char *out, size_t outlen, int64_t sec, long nsec);

/* A stop signal (INT, TERM, HUP, QUIT) that an applet's handler took:
 * waits that may last (file locks) give up once one came, rather than
 * leave md deaf to Ctrl-C. The handler calls stop_request; 0: none. */
void stop_request(int sig);
int stop_requested(void);

/* When process pid started (field 22 of /proc/PID/stat, in clock ticks
 * since boot), or 0 if there is no such process: with the pid, it names
 * one process for good (a pid alone may be reused). */
uint64_t proc_start_time(pid_t pid);
/* 1 if pid is the process that started at start (0: any) and has not
 * ended (a zombie has). */
int proc_running(pid_t pid, uint64_t start);

/* A signal as Docker names one (docker kill -s, an image's StopSignal):
 * a number 1..64, or a name with or without SIG, in any case ("KILL",
 * "sigusr1", "RTMIN+3"; real-time ones by the kernel's numbers, 34..64,
 * as Docker counts them). The signal, or -1. */
int signal_parse(const char *s);

/* MD_KERNEL_COMPAT (md-run(1), md-exec(1)), a testing aid: kernel
 * features md does without even where the kernel has them, so that the
 * paths older kernels take run on this one too. */
enum {
	COMPAT_NO_LOWERDIR_PLUS = 1,	/* Linux 6.8 */
	COMPAT_NO_DETACHED_MOUNTS = 2,	/* 6.15 */
	COMPAT_NO_MOUNT_SETATTR = 4,	/* 5.12 */
	COMPAT_NO_PIDFD_SETNS = 8,	/* 5.8 */
};
/* The COMPAT_ bits MD_KERNEL_COMPAT sets (comma-separated words); -1 at
 * an unknown word, which goes to *bad, its length to *n. */
int kernel_compat(const char **bad, int *n);

/* Random bytes from getrandom. */
int random_bytes(void *buf, size_t n);

#endif
