/* Error reporting for library code: a caller-owned struct that carries one
 * line naming what failed and why. Library functions return -1 (or NULL)
 * and fill it; applets print it. Also the cleanup helpers used everywhere. */
#ifndef MD_ERR_H
#define MD_ERR_H

#include <stddef.h>

struct md_err {
	int errnum;		/* errno of the cause, 0 if none */
	char msg[512];		/* "what failed: why" */
};

/* Sets the message (printf format) and returns -1. If errnum is nonzero,
 * ": strerror(errnum)" is appended. Control bytes (and C1 controls) in
 * the message become \xHH: it stays one line whatever names it holds. */
int err_set(struct md_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes an already set message with more context ("what: " + old). */
int err_wrap(struct md_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))

/* Moves ownership out of a cleanup variable. */
#define steal_ptr(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define steal_fd(fd) ({ int _t = (fd); (fd) = -1; _t; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
