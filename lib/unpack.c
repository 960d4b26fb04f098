/* Tar entries to files in a layer directory.
 *
 * Safety rests on walking every path one component at a time from the
 * layer's root fd with O_NOFOLLOW: a symlink (or a non-directory) met on
 * the way to an entry's parent is an error, so no entry is ever created
 * through a link the archive made, and ".." components are refused
 * outright. Objects are then created with *at() calls relative to the
 * parent fd, O_EXCL and O_NOFOLLOW, and their metadata changed through
 * fds of the objects themselves (or AT_SYMLINK_NOFOLLOW).
 *
 * Directory mtimes. Making or removing a name in a directory sets its
 * mtime, so a directory's own mtime from the archive can only be set once
 * nothing more is made in it. Keeping every directory until the end costs
 * memory in proportion to the archive; instead unpack keeps a stack of
 * levels, the chain of directories from the root down to the last entry's
 * parent, each with an fd and the mtime it must end with. An entry pops
 * the levels its parent is not below, setting their mtimes, and pushes
 * those its parent lacks; a directory entry then pushes itself with its
 * mtime from the archive. Memory: one level per component of one path.
 *
 * Why that is right in any order: unpack makes or removes names only in
 * the entry's parent (the top level), in directories it pushes (making a
 * missing one on the way) and inside a tree it removes. So a directory
 * off the stack keeps the mtime it was given when popped. An archive that
 * comes back to a directory it left pushes it again with the mtime read
 * from the directory itself before anything changes it, which is set
 * again when it is popped. In depth-first order (GNU tar, Go, umoci) that
 * never happens: every directory is opened once and its mtime set once.
 *
 * System calls. A layer is mostly small files, so each call per file
 * counts: a regular file costs open (O_EXCL, with its mode), write,
 * futimens, sync_file_range (see on_entry_end) and close. Nothing is
 * looked at before it is made: only when a create fails with EEXIST is
 * the old entry removed and the create tried again. The owner is changed
 * only if it differs from what the object got when made (md's uid, and
 * md's gid or the setgid parent's), and the mode only if it has setuid,
 * setgid or sticky bits, or bits the umask took, or a default ACL or a
 * setgid parent may have changed it. Each level of the stack knows the
 * group a new entry in it gets and whether it is setgid.
 */
#include "unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

/* Levels that keep an fd; deeper ones are walked to when needed. */
#define FD_LEVELS 64
/* stack_to: a component on the way is a symlink or not a directory. */
#define NOT_DIR (-2)

struct unpack_level {
	int fd;			/* the directory (level 0: rootfd), or -1 */
	struct timespec mtime;	/* to set when popped; UTIME_OMIT: none */
	gid_t gid;		/* the group a new entry in it gets */
	int sgid;		/* it is setgid (new directories in it are too) */
};

/* What an object got when it was made in a level, for set_meta_fd; NULL
 * there: not known (an old object), so everything is set. */
struct made {
	gid_t gid;
	int sgid;
};

static int on_entry(void *user, const struct tar_entry *e, struct md_err *err);
static int on_data(void *user, const void *buf, size_t len, struct md_err *err);
static int on_entry_end(void *user, struct md_err *err);
static int on_hole(void *user, uint64_t len, struct md_err *err);
static const struct tar_ops unpack_ops = { on_entry, on_data, on_entry_end,
					   on_hole };

void unpack_init(struct unpack *u, int rootfd)
{
	memset(u, 0, sizeof(*u));
	u->rootfd = rootfd;
	u->fd = -1;
	u->top_fd = -1;
	tar_init(&u->tar, &unpack_ops, u);
}

void unpack_free(struct unpack *u)
{
	tar_free(&u->tar);
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	for (size_t j = 1; j <= u->ndir && j < FD_LEVELS; j++)
		close(u->lv[j].fd);
	if (u->top_fd >= 0)
		close(u->top_fd);
	u->top_fd = -1;
	free(u->lv);
	u->lv = NULL;
	u->lv_cap = u->ndir = 0;
	u->dir[0] = 0;
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

/* Components two cleaned paths share from the start. */
static size_t common_levels(const char *a, const char *b)
{
	size_t n = 0;

	while (*a && *b) {
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		if (la != lb || memcmp(a, b, la))
			break;
		n++;
		a += la + !!a[la];
		b += lb + !!b[lb];
	}
	return n;
}

/* What follows the first n components of a cleaned path. */
static const char *below(const char *path, size_t n)
{
	while (n-- && *path) {
		path += strcspn(path, "/");
		path += *path == '/';
	}
	return path;
}

/* Opens the directory path (cleaned; "" is dirfd itself) below dirfd one
 * component at a time, never following a symlink. The caller closes it. */
static int open_below(int dirfd, const char *path)
{
	char buf[PATH_MAX];
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);

	strcpy(buf, path);
	for (char *c = buf, *next; fd >= 0 && *c; c = next) {
		int nfd, e;
		next = c + strcspn(c, "/");
		if (*next)
			*next++ = 0;
		nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		e = errno;
		close(fd);
		errno = e;
		fd = nfd;
	}
	return fd;
}

static int level_fd(struct unpack *u, size_t j)
{
	if (j == 0)
		return u->rootfd;
	if (j < FD_LEVELS)
		return u->lv[j].fd;
	return j == u->ndir ? u->top_fd : -1;
}

static int levels_reserve(struct unpack *u, size_t n, struct md_err *err)
{
	struct unpack_level *lv;
	size_t cap = u->lv_cap ? u->lv_cap : 16;

	if (n <= u->lv_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	lv = realloc(u->lv, cap * sizeof(*lv));
	if (!lv)
		return err_set(err, ENOMEM, "unpack");
	if (!u->lv_cap) {
		lv[0].fd = -1;
		lv[0].mtime.tv_nsec = UTIME_OMIT;
	}
	u->lv = lv;
	u->lv_cap = cap;
	return 0;
}

/* Pushes name, a directory in the top level, with its fd (now the
 * stack's), the mtime to give it when popped, and its mode and group. */
static int push_fd(struct unpack *u, const char *name, int fd,
		   struct timespec mtime, mode_t mode, gid_t gid,
		   struct md_err *err)
{
	size_t n = strlen(u->dir);
	struct unpack_level *l;

	if (levels_reserve(u, u->ndir + 2, err) < 0) {
		close(fd);
		return -1;
	}
	if (n)
		u->dir[n++] = '/';
	strcpy(u->dir + n, name);
	l = &u->lv[++u->ndir];
	l->mtime = mtime;
	l->sgid = !!(mode & S_ISGID);
	l->gid = l->sgid ? gid : u->egid;
	l->fd = u->ndir < FD_LEVELS ? fd : -1;
	if (u->ndir >= FD_LEVELS) {
		if (u->top_fd >= 0)
			close(u->top_fd);
		u->top_fd = fd;
	}
	return 0;
}

/* Pushes the directory name of the top level, made (0755) if missing. */
static int push_dir(struct unpack *u, const char *name, struct md_err *err)
{
	int pfd = level_fd(u, u->ndir);
	struct timespec keep = { 0, UTIME_OMIT };
	struct stat st;
	int fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* A directory made here is setgid, with the parent's group, if the
	 * parent is setgid; else it has md's group. */
	st.st_mode = u->lv[u->ndir].sgid ? S_ISGID : 0;
	st.st_gid = u->lv[u->ndir].gid;
	if (fd >= 0) {
		/* It may be a directory left earlier: its mtime stays. */
		if (fstat(fd, &st) < 0) {
			close(fd);
			return err_set(err, errno, "unpack %s/%s", u->dir, name);
		}
		keep = st.st_mtim;
	} else if (errno == ENOENT) {
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno, "unpack %s/%s", u->dir, name);
		fd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP ? NOT_DIR :
		       err_set(err, errno, "unpack %s/%s", u->dir, name);
	return push_fd(u, name, fd, keep, st.st_mode, st.st_gid, err);
}

/* Pops the top level, giving it its mtime. */
static int pop_level(struct unpack *u, struct md_err *err)
{
	size_t j = u->ndir;
	struct unpack_level *l = &u->lv[j];
	char *slash = strrchr(u->dir, '/');
	int pfd = level_fd(u, j - 1), r = 0;

	if (pfd < 0) {		/* a deep one: walk to its parent */
		*slash = 0;
		pfd = open_below(u->lv[FD_LEVELS - 1].fd,
				 below(u->dir, FD_LEVELS - 1));
		*slash = '/';
		if (pfd < 0)
			r = err_set(err, errno, "unpack %s", u->dir);
	}
	if (!r && l->mtime.tv_nsec != UTIME_OMIT) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, l->mtime };
		if (utimensat(pfd, slash ? slash + 1 : u->dir, ts,
			      AT_SYMLINK_NOFOLLOW) < 0)
			r = err_set(err, errno, "unpack %s: mtime", u->dir);
	}
	close(j < FD_LEVELS ? l->fd : u->top_fd);
	u->top_fd = j - 1 >= FD_LEVELS ? pfd : -1;
	if (slash)
		*slash = 0;
	else
		u->dir[0] = 0;
	u->ndir--;
	return r;
}

/* Makes the stack the chain of directories down to dir (cleaned): pops
 * the levels dir is not below, pushes those it lacks. Returns dir's fd
 * (the stack's), -1, or NOT_DIR (err set) if a component is a symlink or
 * not a directory. */
static int stack_to(struct unpack *u, const char *dir, struct md_err *err)
{
	size_t k = common_levels(u->dir, dir);
	char buf[PATH_MAX];
	int r;

	if (levels_reserve(u, 1, err) < 0)
		return -1;
	while (u->ndir > k)
		if (pop_level(u, err) < 0)
			return -1;
	strcpy(buf, below(dir, k));
	for (char *c = buf, *next; *c; c = next) {
		next = c + strcspn(c, "/");
		if (*next)
			*next++ = 0;
		r = push_dir(u, c, err);
		if (r == NOT_DIR)
			err_set(err, 0, "unpack %s: a parent is a symlink or not "
				"a directory", dir);
		if (r < 0)
			return r;
	}
	return level_fd(u, u->ndir);
}

/* An fd of the directory dir (cleaned), walked to from the deepest level
 * it is below; the caller closes it. */
static int open_dir(struct unpack *u, const char *dir)
{
	size_t k = common_levels(u->dir, dir);

	if (k >= FD_LEVELS && k != u->ndir)
		k = FD_LEVELS - 1;
	return open_below(level_fd(u, k), below(dir, k));
}

/* Removes whatever is at name, unless it is a directory and keep_dir. */
static int clear_name(struct unpack *u, int pfd, const char *name,
		      int keep_dir, struct md_err *err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "unpack %s", u->path);
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 0;
		/* Not on the stack: that ends at its parent, pfd. */
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
		/* It sets the modes of what is made below: see set_meta_fd. */
		if (!strcmp(x->name, "system.posix_acl_default"))
			u->acl = 1;
		if (fsetxattr(fd, x->name, x->value, x->len, 0) < 0 &&
		    errno != ENOTSUP)
			return err_set(err, errno, "unpack %s: xattr %s", u->path,
				       x->name);
	}
	return 0;
}

/* Whether an object made (with the entry's permission bits) in made
 * needs a chown, a chmod; always both when made is NULL. */
static int needs_chown(const struct unpack *u, const struct tar_entry *e,
		       const struct made *made)
{
	return !made || e->uid != u->euid || e->gid != made->gid;
}

static int needs_chmod(const struct unpack *u, const struct tar_entry *e,
		       const struct made *made)
{
	return !made || (e->mode & 07000) || (e->mode & 0777 & u->umask) ||
	       u->acl || made->sgid;
}

/* Owner, then mode (chown clears setuid bits), then xattrs (chown clears
 * security.capability), each only if needed (see the top). */
static int set_meta_fd(struct unpack *u, int fd, const struct tar_entry *e,
		       const struct made *made, struct md_err *err)
{
	if (needs_chown(u, e, made) && fchown(fd, e->uid, e->gid) < 0)
		return err_set(err, errno, "unpack %s: chown", u->path);
	if (needs_chmod(u, e, made) && fchmod(fd, e->mode) < 0)
		return err_set(err, errno, "unpack %s: chmod", u->path);
	return set_xattrs(u, fd, e, err);
}

/* What an object made now in the top level gets. */
static struct made made_here(const struct unpack *u)
{
	const struct unpack_level *l = &u->lv[u->ndir];

	return (struct made){ l->gid, l->sgid };
}

static int make_dir(struct unpack *u, int pfd, const char *name,
		    const struct tar_entry *e, struct md_err *err)
{
	struct timespec mtime = { e->mtime, e->mtime_nsec };
	struct made made = made_here(u);
	int fd, fresh;

	if (!name) {	/* the layer root itself ("./") */
		cleanup_close int rfd = openat(u->rootfd, ".", O_RDONLY |
					       O_DIRECTORY | O_CLOEXEC);
		if (rfd < 0)
			return err_set(err, errno, "unpack %s", e->path);
		u->lv[0].mtime = mtime;
		if (set_meta_fd(u, rfd, e, NULL, err) < 0)
			return -1;
		u->lv[0].sgid = !!(e->mode & S_ISGID);
		u->lv[0].gid = u->lv[0].sgid ? (gid_t)e->gid : u->egid;
		return 0;
	}
	/* A directory already there (made as a parent before, or named
	 * twice) stays, with its contents; anything else goes. */
	fresh = mkdirat(pfd, name, e->mode & 0777) == 0;
	if (!fresh && errno == EEXIST) {
		if (clear_name(u, pfd, name, 1, err) < 0)
			return -1;
		fresh = mkdirat(pfd, name, e->mode & 0777) == 0;
	}
	if (!fresh && errno != EEXIST)
		return err_set(err, errno, "unpack %s: mkdir", u->path);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "unpack %s", u->path);
	if (set_meta_fd(u, fd, e, fresh ? &made : NULL, err) < 0) {
		close(fd);
		return -1;
	}
	return push_fd(u, name, fd, mtime, e->mode, e->gid, err);
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
	char target[PATH_MAX], *slash;
	cleanup_close int tfd = -1;
	struct stat st;

	if (unpack_clean_path(e->linkname, target, sizeof(target)) < 0 ||
	    !target[0])
		return err_set(err, 0, "unpack %s: hardlink target %s leaves the "
			       "layer", u->path, e->linkname);
	/* GNU tar archives a path named twice as a link to itself. */
	if (!strcmp(target, u->path)) {
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(err, errno, "unpack %s: link to itself",
				       u->path);
		return 0;
	}
	slash = strrchr(target, '/');
	if (slash) {
		*slash = 0;
		tfd = open_dir(u, target);
		if (tfd < 0)
			return errno == ENOTDIR || errno == ELOOP ?
			       err_set(err, 0, "unpack %s: hardlink target %s: a "
				       "parent is a symlink or not a directory",
				       u->path, target) :
			       err_set(err, errno, "unpack %s: hardlink target %s",
				       u->path, target);
		*slash = '/';
	}
	if (linkat(slash ? tfd : u->rootfd, slash ? slash + 1 : target, pfd,
		   name, 0) == 0)
		return 0;
	if (errno != EEXIST || clear_name(u, pfd, name, 0, err) < 0 ||
	    linkat(slash ? tfd : u->rootfd, slash ? slash + 1 : target, pfd,
		   name, 0) < 0)
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
	struct made made = made_here(u);

	if (symlinkat(e->linkname, pfd, name) < 0 &&
	    (errno != EEXIST || clear_name(u, pfd, name, 0, err) < 0 ||
	     symlinkat(e->linkname, pfd, name) < 0))
		return err_set(err, errno, "unpack %s: symlink", u->path);
	if ((needs_chown(u, e, &made) &&
	     fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, errno, "unpack %s", u->path);
	return 0;
}

/* A regular file, made with its permission bits; data follows. */
static int make_file(struct unpack *u, int pfd, const char *name,
		     const struct tar_entry *e, struct md_err *err)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

	u->fd = openat(pfd, name, flags, e->mode & 0777);
	if (u->fd < 0 && errno == EEXIST) {
		if (clear_name(u, pfd, name, 0, err) < 0)
			return -1;
		u->fd = openat(pfd, name, flags, e->mode & 0777);
	}
	if (u->fd < 0)
		return err_set(err, errno, "unpack %s: create", u->path);
	u->cur_gid = u->lv[u->ndir].gid;
	u->cur_sgid = u->lv[u->ndir].sgid;
	return 0;
}

/* The umask, read without changing it (umask() sets it, and another
 * thread may be making files); all bits if it cannot be read, so that
 * every mode is set. */
static mode_t umask_now;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;

static void read_umask(void)
{
	char buf[4096], *p;
	cleanup_close int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	umask_now = 0777;
	if (n <= 0)
		return;
	buf[n] = 0;
	if ((p = strstr(buf, "\nUmask:")))
		umask_now = strtoul(p + 8, NULL, 8) & 0777;
}

/* At the first entry: the root level, and what new objects get. */
static int start(struct unpack *u, struct md_err *err)
{
	struct stat st;

	if (levels_reserve(u, 1, err) < 0)
		return -1;
	if (fstat(u->rootfd, &st) < 0)
		return err_set(err, errno, "unpack: the layer root");
	u->euid = geteuid();
	u->egid = getegid();
	pthread_once(&umask_once, read_umask);
	u->umask = umask_now;
	/* Inherited from where the layer is staged, a default ACL would
	 * set the modes of all that is made. */
	u->acl = fgetxattr(u->rootfd, "system.posix_acl_default", NULL, 0) >= 0;
	u->lv[0].sgid = !!(st.st_mode & S_ISGID);
	u->lv[0].gid = u->lv[0].sgid ? st.st_gid : u->egid;
	return 0;
}

static int on_entry(void *user, const struct tar_entry *e, struct md_err *err)
{
	struct unpack *u = user;
	const char *name;
	char *slash;
	int pfd, whiteout;

	u->cur = e;
	u->entries++;
	u->holes = 0;
	if (!u->lv_cap && start(u, err) < 0)
		return -1;
	if (unpack_clean_path(e->path, u->path, sizeof(u->path)) < 0)
		return err_set(err, 0, "unpack %.200s: path leaves the layer",
			       e->path);
	if (levels_reserve(u, 1, err) < 0)
		return -1;
	if (!u->path[0]) {
		if (e->type != TAR_DIR)
			return err_set(err, 0, "unpack %s: the root must be a "
				       "directory", e->path);
		return make_dir(u, -1, NULL, e, err);
	}
	slash = strrchr(u->path, '/');
	name = slash ? slash + 1 : u->path;
	whiteout = !strncmp(name, ".wh.", 4);
	if (slash)
		*slash = 0;
	pfd = stack_to(u, slash ? u->path : "", err);
	if (slash)
		*slash = '/';
	/* A whiteout under what is no directory in this layer (umoci writes
	 * "d" as a file, then "d/.wh.x") hides nothing. */
	if (pfd == NOT_DIR && whiteout)
		return 0;
	if (pfd < 0)
		return -1;
	if (whiteout)
		return make_whiteout(u, pfd, name, err);
	if (e->type == TAR_DIR)
		return make_dir(u, pfd, name, e, err);
	if (e->type == TAR_LINK)
		return make_hardlink(u, pfd, name, e, err);
	if (e->type == TAR_REG)
		return make_file(u, pfd, name, e, err);
	if (e->type == TAR_SYMLINK)
		return make_symlink(u, pfd, name, e, err);
	if (clear_name(u, pfd, name, 0, err) < 0)
		return -1;
	return make_node(u, pfd, name, e, err);
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

/* A hole of a sparse file: left unwritten, so it stays a hole where the
 * file system can have one. */
static int on_hole(void *user, uint64_t len, struct md_err *err)
{
	struct unpack *u = user;

	if (u->fd < 0)
		return 0;
	/* tar.c: a hole ends within the file's size, an int64_t */
	if (lseek(u->fd, (off_t)len, SEEK_CUR) < 0)
		return err_set(err, errno, "unpack %s: seek", u->path);
	u->holes = 1;
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
	/* A file ending in a hole gets its length here. */
	if (u->holes && ftruncate(fd, e->size) < 0) {
		err_set(err, errno, "unpack %s: truncate", u->path);
		close(fd);
		return -1;
	}
	if (set_meta_fd(u, fd, e, &(struct made){ u->cur_gid, u->cur_sgid },
			err) < 0) {
		close(fd);
		return -1;
	}
	if (futimens(fd, ts) < 0) {
		err_set(err, errno, "unpack %s: mtime", u->path);
		close(fd);
		return -1;
	}
	/* Start writing it back now, small files too: the layer is synced
	 * before it is committed, and that sync, which nothing overlaps,
	 * then has little left to wait for (a minbase layer's: 70 ms before,
	 * 7 ms with this, on a loop-mounted ext4). The unpacking thread has
	 * the time; inflate is the slower one. */
	if (e->size)
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
	while (u->ndir)
		if (pop_level(u, err) < 0)
			return -1;
	if (u->lv && u->lv[0].mtime.tv_nsec != UTIME_OMIT &&
	    futimens(u->rootfd, (struct timespec[2]){ { 0, UTIME_OMIT },
						      u->lv[0].mtime }) < 0)
		return err_set(err, errno, "unpack: the layer root's mtime");
	return 0;
}
