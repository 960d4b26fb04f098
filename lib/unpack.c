/* Tar entries to files in a layer directory.
 *
 * Safety rests on walking every path one component at a time from the
 * layer's root fd with O_NOFOLLOW: a symlink (or a non-directory) met on
 * the way to an entry's parent is an error, so no entry is ever created
 * through a link the archive made, and ".." components are refused
 * outright. Objects are then created with *at() calls relative to the
 * parent fd, O_EXCL and O_NOFOLLOW, and their metadata changed through
 * fds of the objects themselves (or AT_SYMLINK_NOFOLLOW). */
#include "unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

struct unpack_dir {
	char *path;
	struct timespec mtime;
};

static int on_entry(void *user, const struct tar_entry *e, struct md_err *err);
static int on_data(void *user, const void *buf, size_t len, struct md_err *err);
static int on_entry_end(void *user, struct md_err *err);
static const struct tar_ops unpack_ops = { on_entry, on_data, on_entry_end };

void unpack_init(struct unpack *u, int rootfd)
{
	memset(u, 0, sizeof(*u));
	u->rootfd = rootfd;
	u->fd = -1;
	u->cache_fd = -1;
	tar_init(&u->tar, &unpack_ops, u);
}

void unpack_free(struct unpack *u)
{
	tar_free(&u->tar);
	if (u->fd >= 0)
		close(u->fd);
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->fd = u->cache_fd = -1;
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	u->dirs = NULL;
	u->ndirs = 0;
}

int unpack_clean_path(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	while (*in) {
		const char *c = in;
		size_t n;
		while (*in && *in != '/')
			in++;
		n = in - c;
		while (*in == '/')
			in++;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return -1;
		if (o + n + 2 > outlen)
			return -1;
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = 0;
	return 0;
}

static void cache_drop(struct unpack *u)
{
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_fd = -1;
	u->cache_path[0] = 0;
}

/* Opens directory dir (a cleaned path, "" = root) component by component
 * without following symlinks; creates missing directories (0755) if
 * create is set. Returns an fd owned by the cache: do not close it. */
static int walk_dir(struct unpack *u, const char *dir, int create,
		    struct md_err *err)
{
	char buf[PATH_MAX];
	int fd;

	if (!dir[0])
		return u->rootfd;
	if (u->cache_fd >= 0 && !strcmp(dir, u->cache_path))
		return u->cache_fd;
	strcpy(buf, dir);
	fd = dup(u->rootfd);
	for (char *c = buf, *next; c; c = next) {
		int nfd;
		next = strchr(c, '/');
		if (next)
			*next++ = 0;
		nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
				goto fail;
			nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW |
				     O_CLOEXEC);
		}
		if (nfd < 0)
			goto fail;
		close(fd);
		fd = nfd;
	}
	cache_drop(u);
	u->cache_fd = fd;
	strcpy(u->cache_path, dir);
	return fd;
fail:
	if (errno == ENOTDIR || errno == ELOOP)
		err_set(err, 0, "unpack %s: a parent is a symlink or not a "
			"directory", dir);
	else
		err_set(err, errno, "unpack %s", dir);
	close(fd);
	return -1;
}

/* Splits a cleaned path into its parent fd and base name. */
static int open_parent(struct unpack *u, const char *path, const char **name,
		       int create, struct md_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*name = path;
		return u->rootfd;
	}
	memcpy(dir, path, slash - path);
	dir[slash - path] = 0;
	*name = slash + 1;
	return walk_dir(u, dir, create, err);
}

/* Removes whatever is at name, unless it is a directory and keep_dir. */
static int clear_name(struct unpack *u, int pfd, const char *name,
		      int keep_dir, struct md_err *err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "unpack %s", u->path);
	if (S_ISDIR(st.st_mode)) {
		size_t n = strlen(u->path);
		if (keep_dir)
			return 0;
		/* The cached directory may be this one or below it (it is
		 * never pfd's parent: pfd may be the cache itself). */
		if (u->cache_fd >= 0 && u->cache_fd != pfd &&
		    !strncmp(u->cache_path, u->path, n) &&
		    (!u->cache_path[n] || u->cache_path[n] == '/'))
			cache_drop(u);
		if (rm_rf_at(pfd, name) < 0)
			return err_set(err, errno, "unpack %s: remove", u->path);
		return 0;
	}
	if (unlinkat(pfd, name, 0) < 0)
		return err_set(err, errno, "unpack %s: remove", u->path);
	return 0;
}

static int set_xattrs(struct unpack *u, int fd, const struct tar_entry *e,
		      struct md_err *err)
{
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct tar_xattr *x = &e->xattrs[i];
		/* An image must not forge overlayfs metadata (whiteouts,
		 * opaque dirs, redirects): md makes those itself. */
		if (!strncmp(x->name, "trusted.overlay.", 16) ||
		    !strncmp(x->name, "user.overlay.", 13))
			continue;
		if (fsetxattr(fd, x->name, x->value, x->len, 0) < 0 &&
		    errno != ENOTSUP)
			return err_set(err, errno, "unpack %s: xattr %s", u->path,
				       x->name);
	}
	return 0;
}

/* Owner, then mode (chown clears setuid bits), then xattrs. */
static int set_meta_fd(struct unpack *u, int fd, const struct tar_entry *e,
		       struct md_err *err)
{
	if (fchown(fd, e->uid, e->gid) < 0)
		return err_set(err, errno, "unpack %s: chown", u->path);
	if (fchmod(fd, e->mode) < 0)
		return err_set(err, errno, "unpack %s: chmod", u->path);
	return set_xattrs(u, fd, e, err);
}

static int defer_dir_mtime(struct unpack *u, const struct tar_entry *e,
			   struct md_err *err)
{
	/* The same directory again (an archive may repeat one header many
	 * times): one record. */
	if (u->ndirs && !strcmp(u->dirs[u->ndirs - 1].path, u->path)) {
		u->dirs[u->ndirs - 1].mtime.tv_sec = e->mtime;
		u->dirs[u->ndirs - 1].mtime.tv_nsec = e->mtime_nsec;
		return 0;
	}
	if (u->ndirs == u->dirs_cap) {
		size_t cap = u->dirs_cap ? u->dirs_cap * 2 : 64;
		struct unpack_dir *nd = realloc(u->dirs, cap * sizeof(*nd));
		if (!nd)
			return err_set(err, ENOMEM, "unpack");
		u->dirs = nd;
		u->dirs_cap = cap;
	}
	u->dirs[u->ndirs].path = strdup(u->path);
	if (!u->dirs[u->ndirs].path)
		return err_set(err, ENOMEM, "unpack");
	u->dirs[u->ndirs].mtime.tv_sec = e->mtime;
	u->dirs[u->ndirs].mtime.tv_nsec = e->mtime_nsec;
	u->ndirs++;
	return 0;
}

static int make_dir(struct unpack *u, int pfd, const char *name,
		    const struct tar_entry *e, struct md_err *err)
{
	cleanup_close int fd = -1;

	if (!name) {	/* the layer root itself ("./") */
		fd = openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		if (clear_name(u, pfd, name, 1, err) < 0)
			return -1;
		if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
			return err_set(err, errno, "unpack %s: mkdir", u->path);
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	}
	if (fd < 0)
		return err_set(err, errno, "unpack %s", u->path);
	if (set_meta_fd(u, fd, e, err) < 0)
		return -1;
	return defer_dir_mtime(u, e, err);
}

static int make_whiteout(struct unpack *u, int pfd, const char *name,
			 struct md_err *err)
{
	const char *target = name + 4;

	if (!strcmp(name, ".wh..wh..opq")) {
		if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) == 0)
			return 0;
		/* pfd is O_PATH: go through a real fd. */
		cleanup_close int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY |
					      O_CLOEXEC);
		if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return err_set(err, errno, "unpack %s: opaque xattr",
				       u->path);
		return 0;
	}
	if (!strncmp(name, ".wh..wh.", 8))	/* aufs bookkeeping: ignore */
		return 0;
	if (!*target || !strcmp(target, ".") || !strcmp(target, ".."))
		return err_set(err, 0, "unpack %s: invalid whiteout", u->path);
	/* A whiteout hides what lower layers have; a file of this same
	 * layer stays (OCI image spec, "Whiteouts"). */
	struct stat st;
	if (fstatat(pfd, target, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
		return err_set(err, errno, "unpack %s: whiteout", u->path);
	return 0;
}

static int make_hardlink(struct unpack *u, int pfd, const char *name,
			 const struct tar_entry *e, struct md_err *err)
{
	char target[PATH_MAX];
	const char *tname;
	int tfd;
	cleanup_close int pdup = -1;

	if (unpack_clean_path(e->linkname, target, sizeof(target)) < 0 ||
	    !target[0])
		return err_set(err, 0, "unpack %s: hardlink target %s leaves the "
			       "layer", u->path, e->linkname);
	/* Walking to the target may replace the cached parent fd. */
	pdup = fcntl(pfd, F_DUPFD_CLOEXEC, 0);
	if (pdup < 0)
		return err_set(err, errno, "unpack %s", u->path);
	tfd = open_parent(u, target, &tname, 0, err);
	if (tfd < 0)
		return err_wrap(err, "unpack %s: hardlink target", u->path);
	if (linkat(tfd, tname, pdup, name, 0) < 0)
		return err_set(err, errno, "unpack %s: link to %s", u->path,
			       target);
	return 0;
}

static int make_node(struct unpack *u, int pfd, const char *name,
		     const struct tar_entry *e, struct md_err *err)
{
	mode_t type = e->type == TAR_CHR ? S_IFCHR :
		      e->type == TAR_BLK ? S_IFBLK : S_IFIFO;
	struct timespec ts[2] = { { 0, UTIME_OMIT },
				  { e->mtime, e->mtime_nsec } };

	if (mknodat(pfd, name, type | 0600, makedev(e->devmajor, e->devminor)) < 0)
		return err_set(err, errno, "unpack %s: mknod", u->path);
	if (fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(pfd, name, e->mode, 0) < 0 ||
	    utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "unpack %s", u->path);
	return 0;
}

static int make_symlink(struct unpack *u, int pfd, const char *name,
			const struct tar_entry *e, struct md_err *err)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT },
				  { e->mtime, e->mtime_nsec } };

	if (symlinkat(e->linkname, pfd, name) < 0)
		return err_set(err, errno, "unpack %s: symlink", u->path);
	if (fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "unpack %s", u->path);
	return 0;
}

static int on_entry(void *user, const struct tar_entry *e, struct md_err *err)
{
	struct unpack *u = user;
	const char *name;
	int pfd;

	u->cur = e;
	u->entries++;
	if (unpack_clean_path(e->path, u->path, sizeof(u->path)) < 0)
		return err_set(err, 0, "unpack %.200s: path leaves the layer",
			       e->path);
	if (!u->path[0]) {
		if (e->type != TAR_DIR)
			return err_set(err, 0, "unpack %s: the root must be a "
				       "directory", e->path);
		return make_dir(u, -1, NULL, e, err);
	}
	pfd = open_parent(u, u->path, &name, 1, err);
	if (pfd < 0)
		return -1;
	if (!strncmp(name, ".wh.", 4))
		return make_whiteout(u, pfd, name, err);
	if (e->type == TAR_DIR)
		return make_dir(u, pfd, name, e, err);
	if (clear_name(u, pfd, name, 0, err) < 0)
		return -1;
	switch (e->type) {
	case TAR_REG:
		u->fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC, 0600);
		if (u->fd < 0)
			return err_set(err, errno, "unpack %s: create", u->path);
		return 0;
	case TAR_LINK:
		return make_hardlink(u, pfd, name, e, err);
	case TAR_SYMLINK:
		return make_symlink(u, pfd, name, e, err);
	default:
		return make_node(u, pfd, name, e, err);
	}
}

static int on_data(void *user, const void *buf, size_t len, struct md_err *err)
{
	struct unpack *u = user;

	if (u->fd < 0)	/* a whiteout with a body: drop it */
		return 0;
	if (write_all(u->fd, buf, len) < 0)
		return err_set(err, errno, "unpack %s: write", u->path);
	u->bytes += len;
	return 0;
}

static int on_entry_end(void *user, struct md_err *err)
{
	struct unpack *u = user;
	const struct tar_entry *e = u->cur;
	int fd = u->fd;
	struct timespec ts[2];

	if (fd < 0)
		return 0;
	u->fd = -1;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = e->mtime;
	ts[1].tv_nsec = e->mtime_nsec;
	if (set_meta_fd(u, fd, e, err) < 0) {
		close(fd);
		return -1;
	}
	if (futimens(fd, ts) < 0) {
		err_set(err, errno, "unpack %s: mtime", u->path);
		close(fd);
		return -1;
	}
	/* Start writing it back now: the layer is synced before it is
	 * committed, and that sync then has little left to wait for. */
	if (e->size >= 1 << 16)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	close(fd);
	return 0;
}

int unpack_feed(struct unpack *u, const void *buf, size_t len,
		struct md_err *err)
{
	return tar_feed(&u->tar, buf, len, err);
}

int unpack_finish(struct unpack *u, struct md_err *err)
{
	if (tar_finish(&u->tar, err) < 0)
		return -1;
	/* Setting a directory's mtime does not touch its parent's, so the
	 * order does not matter; all entries are in place by now. */
	for (size_t i = 0; i < u->ndirs; i++) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, u->dirs[i].mtime };
		const char *p = u->dirs[i].path, *name;
		int pfd;

		if (!p[0]) {
			futimens(u->rootfd, ts);
			continue;
		}
		pfd = open_parent(u, p, &name, 0, err);
		if (pfd < 0)
			continue;	/* replaced later in the archive */
		utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}
