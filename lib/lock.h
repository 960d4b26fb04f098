/* Cross-process locks: flock(2) on files in md's root. Released when the
 * fd is closed, so a crashed process never leaves a lock held. */
#ifndef MD_LOCK_H
#define MD_LOCK_H

#include <sys/file.h>

#include "err.h"

/* Opens (creating) dirfd/name and flocks it with how (LOCK_EX, LOCK_SH,
 * optionally | LOCK_NB). Returns the fd, or -1 (errno EWOULDBLOCK if
 * LOCK_NB and held elsewhere). */
int lock_at(int dirfd, const char *name, int how, struct md_err *err);

#endif
