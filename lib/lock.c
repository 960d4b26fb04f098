/* File locks (see lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int lock_at(int dirfd, const char *name, int how, struct md_err *err)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(err, errno, "lock %s", name);
	while (flock(fd, how) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		errno = e;
		if (e == EWOULDBLOCK)
			return err_set(err, 0, "lock %s: held by another md", name);
		return err_set(err, e, "lock %s", name);
	}
	return fd;
}
