/* Init layers (see initlayer.h). The image's layers are looked at as
 * overlayfs would merge them: from the top, a whiteout (0:0 character
 * device) hides a name, a non-directory ends a directory's merge, an
 * opaque directory hides what lies below it. */
#include "initlayer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

#define MAX_VIEW 128		/* layers looked at for one directory */

/* The directories of the layers that make one merged directory, top
 * first. */
struct view {
	int fd[MAX_VIEW];
	int n;
};

enum { ABSENT, DIR_, OTHER };

static const char *const etc_files[] = { "hostname", "hosts", "resolv.conf" };
static const char *const top_dirs[] = { "dev", "proc", "sys" };

static void view_close(struct view *v)
{
	for (int i = 0; i < v->n; i++)
		close(v->fd[i]);
	v->n = 0;
}

static int opaque(int fd)
{
	char c;

	return fgetxattr(fd, "trusted.overlay.opaque", &c, 1) == 1 && c == 'y';
}

/* How NAME shows in the merged directory v: ABSENT, DIR_ (sub holds its
 * directories) or OTHER; *top is the topmost entry's stat. */
static int lookup(const struct view *v, const char *name, struct view *sub,
		  struct stat *top, struct md_err *err)
{
	struct stat st;

	sub->n = 0;
	for (int i = 0; i < v->n; i++) {
		if (fstatat(v->fd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			view_close(sub);
			return err_set(err, errno, "init layer: %s", name);
		}
		if (!S_ISDIR(st.st_mode)) {
			if (sub->n)	/* ends the merge below */
				return DIR_;
			*top = st;
			return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) ?
			       ABSENT : OTHER;
		}
		if (!sub->n)
			*top = st;
		if (sub->n == MAX_VIEW)
			break;
		sub->fd[sub->n] = openat(v->fd[i], name, O_RDONLY | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);
		if (sub->fd[sub->n] < 0) {
			view_close(sub);
			return err_set(err, errno, "init layer: %s", name);
		}
		if (opaque(sub->fd[sub->n++]))
			break;
	}
	return sub->n ? DIR_ : ABSENT;
}

/* /etc of the init layer: the image's attributes, so the merged /etc
 * looks as the image has it. */
static int copy_attrs(int from, int to)
{
	char names[4096], val[4096];
	struct stat st;
	ssize_t n, k;

	if (fstat(from, &st) < 0 || fchown(to, st.st_uid, st.st_gid) < 0 ||
	    fchmod(to, st.st_mode & 07777) < 0)
		return -1;
	n = flistxattr(from, names, sizeof(names));
	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
		if (!strncmp(p, "trusted.overlay.", 16))
			continue;
		if ((k = fgetxattr(from, p, val, sizeof(val))) >= 0 &&
		    fsetxattr(to, p, val, k, 0) < 0 && errno != ENOTSUP)
			return -1;
	}
	return futimens(to, (struct timespec[]){ st.st_atim, st.st_mtim });
}

/* What the image lacks, made under tmp/NAME. Returns 1 if anything. */
static int build(struct store *s, struct view *root, const char *tmp,
		 struct md_err *err)
{
	struct view etc = { .n = 0 };
	struct stat st;
	int need_etc = 0, need[3] = { 0 }, any = 0, fd = -1, efd = -1, r;

	r = lookup(root, "etc", &etc, &st, err);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < 3 && r != OTHER; i++) {
		struct view f;
		int k = r == ABSENT ? ABSENT : lookup(&etc, etc_files[i], &f, &st, err);
		if (k < 0) {
			view_close(&etc);
			return -1;
		}
		if (k == DIR_)
			view_close(&f);
		need[i] = k == ABSENT;
		need_etc |= need[i];
	}
	if (mkdirat(s->fd, tmp, 0755) < 0 ||
	    (fd = openat(s->fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_SIZE(top_dirs); i++) {
		struct view d;
		int k = lookup(root, top_dirs[i], &d, &st, err);
		if (k < 0) {
			r = -1;
			goto out;
		}
		if (k == DIR_)
			view_close(&d);
		if (k == ABSENT && mkdirat(fd, top_dirs[i], 0755) < 0)
			goto fail;
		any |= k == ABSENT;
	}
	if (need_etc) {
		if (mkdirat(fd, "etc", 0755) < 0 ||
		    (efd = openat(fd, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			goto fail;
		for (size_t i = 0; i < 3; i++)
			if (need[i] && mknodat(efd, etc_files[i], S_IFREG | 0644, 0) < 0)
				goto fail;
		if (etc.n && copy_attrs(etc.fd[0], efd) < 0)
			goto fail;
		any = 1;
	}
	if (syncfs(fd) < 0)
		goto fail;
	r = any;
	goto out;
fail:
	r = err_set(err, errno, "init layer %s", tmp);
out:
	view_close(&etc);
	if (efd >= 0)
		close(efd);
	if (fd >= 0)
		close(fd);
	return r;
}

int init_layer(struct store *s, const char *image_id, char (*layers)[72],
	       size_t nlayers, char *out, size_t outlen, struct md_err *err)
{
	const char *hex = image_id + 7;
	char path[96], tmp[96], link[16];
	struct view root = { .n = 0 };
	unsigned char rnd[4];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "init/%s", hex);
	snprintf(out, outlen, "../%s", path);
	if (fstatat(s->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISDIR(st.st_mode);
	if (errno != ENOENT)
		return err_set(err, errno, "%s", path);
	if (mkdirat(s->fd, "init", 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "init");
	/* No sweep of tmp/ nor GC while it is built. */
	cleanup_close int busy = lock_at(s->fd, "busy.lock", LOCK_SH, err);
	if (busy < 0)
		return -1;
	for (size_t i = nlayers; i-- > 0 && root.n < MAX_VIEW; ) {
		char p[128];
		snprintf(p, sizeof(p), "layers/%s/root", layers[i] + 7);
		if ((root.fd[root.n] = openat(s->fd, p, O_RDONLY | O_DIRECTORY |
					      O_CLOEXEC)) < 0) {
			view_close(&root);
			return err_set(err, errno, "layer %s", layers[i]);
		}
		if (opaque(root.fd[root.n++]))
			break;
	}
	random_bytes(rnd, sizeof(rnd));
	hex_encode(link, rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "tmp/init-%s", link);
	r = build(s, &root, tmp, err);
	view_close(&root);
	if (r == 0) {
		rm_rf_at(s->fd, tmp);
		/* Another md may have just made it: either is right. */
		if (symlinkat("-", s->fd, path) < 0 && errno != EEXIST)
			return err_set(err, errno, "%s", path);
		return 0;
	}
	if (r > 0 && renameat(s->fd, tmp, s->fd, path) < 0) {
		rm_rf_at(s->fd, tmp);
		if (errno != EEXIST && errno != ENOTEMPTY)
			return err_set(err, errno, "%s", path);
	}
	if (r < 0) {
		rm_rf_at(s->fd, tmp);
		return -1;
	}
	return fstatat(s->fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}
