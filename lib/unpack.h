/* Applies a tar stream to a layer directory, safely: nothing is created,
 * changed, chmod-ed or chown-ed outside the directory, whatever the
 * archive holds. OCI whiteouts become overlayfs whiteouts. */
#ifndef MD_UNPACK_H
#define MD_UNPACK_H

#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>

#include "err.h"
#include "tar.h"

struct unpack_level;

struct unpack {
	int rootfd;		/* the layer directory */
	struct tar tar;
	int fd;			/* regular file receiving data, or -1 */
	int holes;		/* it has holes: its size is set at its end */
	const struct tar_entry *cur;
	char path[PATH_MAX];	/* cleaned path of the current entry */
	uint64_t bytes;		/* regular file bytes (holes too) */
	uint64_t entries;
	/* The directory stack (unpack.c): the chain of directories from the
	 * root to the last entry's parent, whose mtimes are set when left. */
	char dir[PATH_MAX];	/* the top's path ("" = the root) */
	size_t ndir;		/* levels above the root */
	struct unpack_level *lv;	/* ndir + 1 of them */
	size_t lv_cap;
	int top_fd;		/* the top's fd if its level keeps none */
	/* What a new object gets from its creation (unpack.c, "System
	 * calls"): md's ids, the umask, whether a default ACL may apply. */
	uid_t euid;
	gid_t egid;
	mode_t umask;
	int acl;
	gid_t cur_gid;		/* the group the current file was made with */
	int cur_sgid;		/* made in a setgid directory */
};

void unpack_init(struct unpack *u, int rootfd);
int unpack_feed(struct unpack *u, const void *buf, size_t len,
		struct md_err *err);
/* Checks the archive ended properly and sets directory mtimes. */
int unpack_finish(struct unpack *u, struct md_err *err);
void unpack_free(struct unpack *u);

/* Cleans an archive path: leading "/" and "." components dropped, ".."
 * rejected. "" is the layer root. Exposed for tests. */
int unpack_clean_path(const char *in, char *out, size_t outlen);

#endif
