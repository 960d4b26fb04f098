/* Error struct helpers and cleanup functions. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Messages name untrusted things (archive entries, registry replies): a
 * control byte, or a C1 control in UTF-8, becomes \xHH, so an error stays
 * one line and cannot drive a terminal. */
static void err_escape(char *msg, size_t cap)
{
	char in[sizeof(((struct md_err *)0)->msg)];
	size_t o = 0;

	snprintf(in, sizeof(in), "%s", msg);
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		int c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0;
		if (*p >= 0x20 && *p != 0x7f && !c1) {
			if (o + 1 >= cap)
				break;
			msg[o++] = *p;
			continue;
		}
		if (o + 4 * (1 + c1) >= cap)
			break;
		for (int i = 0; i <= c1; i++, o += 4)
			snprintf(msg + o, 5, "\\x%02x", p[i]);
		p += c1;
	}
	msg[o] = 0;
}

int err_set(struct md_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->errnum = errnum;
	n = strlen(e->msg);
	if (errnum && n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
	err_escape(e->msg, sizeof(e->msg));
	return -1;
}

int err_wrap(struct md_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", old);
	err_escape(e->msg, sizeof(e->msg));
	return -1;
}

void cleanup_freep(void *p)
{
	free(*(void **)p);
}

void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
