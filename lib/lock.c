/* File locks (see lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util.h"

int lock_at(int dirfd, const char *name, int how, struct md_err *err)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(err, errno, "lock %s", name);
	/* A stop signal ends the wait: it interrupts flock (its handler
	 * does not restart calls), or it came before. One that comes in the
	 * instant between the check and the call is seen once the lock is
	 * free. */
	for (;;) {
		int e;
		if (stop_requested()) {
			close(fd);
			return err_set(err, EINTR, "lock %s", name);
		}
		if (flock(fd, how) == 0)
			break;
		if ((e = errno) == EINTR)
			continue;
		close(fd);
		errno = e;
		if (e == EWOULDBLOCK)
			return err_set(err, 0, "lock %s: held by another md", name);
		return err_set(err, e, "lock %s", name);
	}
	return fd;
}
