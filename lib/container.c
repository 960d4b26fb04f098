/* Container state (see container.h). */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "ini.h"
#include "lock.h"
#include "util.h"

/* From linux/fs.h (musl has no kernel headers). */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#define FS_IOC_GETFLAGS _IOR('f', 1, long)
struct fsxattr {
	uint32_t fsx_xflags, fsx_extsize, fsx_nextents, fsx_projid, fsx_cowextsize;
	unsigned char fsx_pad[8];
};
#define FS_IOC_FSGETXATTR _IOR('X', 31, struct fsxattr)

static const char *const adjectives[] = {
	"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen",
	"lucid", "merry", "nifty", "proud", "quiet", "relaxed", "sharp",
	"tender", "upbeat", "vivid", "witty", "zealous",
};
static const char *const surnames[] = {
	"babbage", "curie", "dijkstra", "euler", "fermi", "gauss", "hopper",
	"knuth", "lamport", "lovelace", "noether", "pascal", "ritchie",
	"shannon", "thompson", "turing", "wirth", "wozniak",
};

void container_path(const struct store *s, const char *id, const char *name,
		    char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/containers/%s%s%s", s->root, id,
		 name ? "/" : "", name ? name : "");
}

struct key_scan {
	const char *key, *value;
	int found;
};

static int key_handler(void *user, const char *section, const char *key,
		       const char *value, struct md_err *err)
{
	struct key_scan *k = user;

	if (!strcmp(key, k->key) && !strcmp(value, k->value))
		k->found = 1;
	return 0;
}

/* The first container whose state has key = value: 1 and its ID in id
 * (if not NULL), or 0. dfd is the containers directory. */
static int container_find(int dfd, const char *key, const char *value,
			  char *id)
{
	DIR *d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	struct dirent *de;
	struct md_err err;
	int found = 0;

	while (d && !found && (de = readdir(d))) {
		struct key_scan k = { key, value, 0 };
		char p[128];
		if (strlen(de->d_name) != CONTAINER_ID_LEN)
			continue;
		snprintf(p, sizeof(p), "%s/state.ini", de->d_name);
		ini_parse_at(dfd, p, 0, key_handler, &k, &err);
		if ((found = k.found) && id)
			strcpy(id, de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

int container_using_image(struct store *s, const char *image_id, char *who,
			  size_t wholen)
{
	cleanup_close int dfd = openat(s->fd, "containers", O_RDONLY |
				       O_DIRECTORY | O_CLOEXEC);
	char id[CONTAINER_ID_LEN + 1];

	if (!container_find(dfd, "image_id", image_id, id))
		return 0;
	snprintf(who, wholen, "%.12s", id);
	return 1;
}

static int valid_name(const char *n)
{
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
	      (*n >= '0' && *n <= '9')))
		return 0;
	for (; *n; n++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-", *n))
			return 0;
	return 1;
}

/* The id file of containers/ID: 1 if names/NAME is a link to it. */
static int name_is(struct store *s, const char *name, const char *id)
{
	char path[160], idf[100];
	struct stat a, b;

	snprintf(path, sizeof(path), "names/%s", name);
	snprintf(idf, sizeof(idf), "containers/%s/id", id);
	return fstatat(s->fd, path, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(s->fd, idf, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Drops names/NAME if it is still id's. */
static void name_release(struct store *s, const char *name, const char *id)
{
	char path[160];

	snprintf(path, sizeof(path), "names/%s", name);
	if (name_is(s, name, id))
		unlinkat(s->fd, path, 0);
}

/* The ID names/NAME holds if that container still has it, else "" (a
 * name left by a container that is gone, a crash). */
static void name_owner(struct store *s, const char *name, char *id)
{
	char path[160];
	cleanup_close int fd = -1;

	id[0] = 0;
	snprintf(path, sizeof(path), "names/%s", name);
	fd = openat(s->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || read_full(fd, id, CONTAINER_ID_LEN) != CONTAINER_ID_LEN ||
	    (id[CONTAINER_ID_LEN] = 0, !is_hex(id, CONTAINER_ID_LEN)) ||
	    !name_is(s, name, id))
		id[0] = 0;
}

/* names/NAME is a hard link to containers/ID/id (which holds the ID):
 * making it claims the name, atomically across md processes, and makes
 * no inode. A stale name is taken over under meta.lock, so that two md
 * cannot both. Returns 0 if claimed, 1 if in use. */
static int name_claim(struct store *s, const char *name, const char *id,
		      struct md_err *err)
{
	char path[160], idf[100], owner[CONTAINER_ID_LEN + 1];
	cleanup_close int lock = -1;

	snprintf(path, sizeof(path), "names/%s", name);
	snprintf(idf, sizeof(idf), "containers/%s/id", id);
	if (linkat(s->fd, idf, s->fd, path, 0) == 0)
		return 0;
	if (errno != EEXIST)
		return err_set(err, errno, "container name %s", name);
	if ((lock = lock_at(s->fd, "meta.lock", LOCK_EX, err)) < 0)
		return -1;
	name_owner(s, name, owner);
	if (owner[0])
		return 1;
	if (unlinkat(s->fd, path, 0) < 0 && errno != ENOENT)
		return err_set(err, errno, "container name %s", name);
	if (linkat(s->fd, idf, s->fd, path, 0) == 0)
		return 0;
	return errno == EEXIST ? 1 : err_set(err, errno, "container name %s", name);
}

/* spare/0..SPARE_MAX-1: directories of removed containers, emptied and
 * checked by container_recycle, that a new container takes as its own
 * with one rename instead of making three directories and a file. */
#define SPARE_MAX 8

static int spare_take(struct store *s, const char *dir)
{
	struct stat st;
	char sp[16];

	/* A directory's link count is 2 plus its subdirectories' on most
	 * file systems (btrfs says 1): an empty spare/ costs one call. */
	if (fstatat(s->fd, "spare", &st, 0) < 0 || st.st_nlink == 2)
		return 0;
	for (int k = 0; k < SPARE_MAX; k++) {
		snprintf(sp, sizeof(sp), "spare/%d", k);
		if (renameat(s->fd, sp, s->fd, dir) == 0)
			return 1;
		if (errno != ENOENT)
			return 0;
	}
	return 0;
}

static int dir_make(struct store *s, const char *dir, const char *id,
		    struct md_err *err)
{
	char p[160];

	if (mkdirat(s->fd, dir, 0700) < 0)
		return err_set(err, errno, "container %s", id);
	for (const char *const *d = (const char *const[]){ "upper", "work",
	     NULL }; *d; d++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *d);
		if (mkdirat(s->fd, p, 0755) < 0) {
			err_set(err, errno, "container %s: %s", id, *d);
			rm_rf_at(s->fd, dir);
			return -1;
		}
	}
	return 0;
}

/* containers/ID with upper/, work/ and the id file. */
static int dir_setup(struct store *s, const char *id, struct md_err *err)
{
	char dir[128], line[CONTAINER_ID_LEN + 2];
	cleanup_close int fd = -1;

	snprintf(dir, sizeof(dir), "containers/%s", id);
	if (!spare_take(s, dir) && dir_make(s, dir, id, err) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "containers/%s/id", id);
	snprintf(line, sizeof(line), "%s\n", id);
	/* (A spare's is written over: see file_exchange_at.) */
	fd = openat(s->fd, dir, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, line, strlen(line)) < 0 ||
	    ftruncate(fd, strlen(line)) < 0) {
		err_set(err, errno, "container %s", id);
		dir[strlen(dir) - 3] = 0;
		rm_rf_at(s->fd, dir);
		return -1;
	}
	return 0;
}

void container_new(struct container *c)
{
	unsigned char rnd[CONTAINER_ID_LEN / 2];

	random_bytes(rnd, sizeof(rnd));
	hex_encode(c->id, rnd, sizeof(rnd));
	if (!c->hostname[0])
		snprintf(c->hostname, sizeof(c->hostname), "%.12s", c->id);
}

int container_create(struct store *s, struct container *c, struct md_err *err)
{
	unsigned char rnd[32];
	struct timespec ts;
	char dir[128];
	int r;

	if ((mkdirat(s->fd, "containers", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(s->fd, "names", 0700) < 0 && errno != EEXIST))
		return err_set(err, errno, "%s/containers", s->root);
	if (c->name[0] && (!valid_name(c->name) || strlen(c->name) > 100))
		return err_set(err, 0, "invalid container name \"%s\": only "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", c->name);
	random_bytes(rnd, sizeof(rnd));	/* for names */
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	/* Until its state is written the directory is a container in the
	 * making: readers skip a directory without (or with an empty, or
	 * another ID's) state.ini. */
	if (dir_setup(s, c->id, err) < 0)
		return -1;
	if (c->name[0] && (r = name_claim(s, c->name, c->id, err))) {
		if (r > 0)
			err_set(err, 0, "Conflict. The container name \"/%s\" is "
				"already in use", c->name);
		rm_rf_at(s->fd, dir);
		return -1;
	}
	for (int i = 0; !c->name[0] && i < 100; i++) {
		snprintf(c->name, sizeof(c->name), "%s_%s", adjectives[rnd[i % 32] %
			 ARRAY_SIZE(adjectives)], surnames[rnd[(i + 7) % 32] %
			 ARRAY_SIZE(surnames)]);
		if (i >= 10)	/* crowded: add digits, as Docker does */
			snprintf(c->name + strlen(c->name), 8, "%d", i);
		if ((r = name_claim(s, c->name, c->id, err)) < 0) {
			rm_rf_at(s->fd, dir);
			return -1;
		}
		if (r)
			c->name[0] = 0;
	}
	if (!c->name[0]) {
		rm_rf_at(s->fd, dir);
		return err_set(err, 0, "no free container name");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->created, sizeof(c->created), ts.tv_sec, ts.tv_nsec);
	if (!c->status[0])
		strcpy(c->status, "created");
	if (container_save(s, c, 0, err) < 0) {
		name_release(s, c->name, c->id);
		rm_rf_at(s->fd, dir);
		return -1;
	}
	return 0;
}

int container_save(struct store *s, const struct container *c, int durable,
		   struct md_err *err)
{
	struct ini_out o = { 0 };
	char dir[128];
	cleanup_close int dfd = -1;
	int r;

	ini_kv(&o, "id", c->id);
	ini_kv(&o, "name", c->name);
	ini_kv(&o, "image", c->image);
	ini_kv(&o, "image_id", c->image_id);
	ini_kv(&o, "command", c->command ? c->command : "[]");
	ini_kv(&o, "created", c->created);
	ini_kv(&o, "started", c->started);
	ini_kv(&o, "finished", c->finished);
	ini_kv(&o, "status", c->status);
	ini_kvf(&o, "pid", "%d", (int)c->pid);
	ini_kvf(&o, "pid_start", "%llu", (unsigned long long)c->pid_start);
	ini_kvf(&o, "exit_code", "%d", c->exit_code);
	ini_kv(&o, "oom_killed", c->oom_killed ? "true" : "false");
	ini_kv(&o, "hostname", c->hostname);
	ini_kv(&o, "network", c->network);
	ini_kv(&o, "cgroup_parent", c->cgroup_parent);
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	dfd = openat(s->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* The directory's lock orders the writers of its state. */
	if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
		ini_out_free(&o);
		return err_set(err, errno, "container %s", c->id);
	}
	r = o.oom ? err_set(err, ENOMEM, "container %s", c->id) :
		file_exchange_at(dfd, "state.ini", "state.ini.old", o.buf, o.len,
				 0644, durable, err);
	ini_out_free(&o);
	return r;
}

/* fd's attributes that a container can change on its root directory
 * (the upper dir) and that a new one must not inherit. Its extended
 * attributes may only be overlayfs's own uuid (written on the first mount
 * of an upper; the container cannot set it; keeping it spares a new upper
 * dir per container). */
static int dir_attrs(int fd, unsigned *flags, struct fsxattr *fx)
{
	static const char uuid[] = "trusted.overlay.uuid";
	char names[sizeof(uuid) + 1];
	ssize_t n;

	memset(fx, 0, sizeof(*fx));
	*flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, flags) < 0 && errno != ENOTTY &&
	    errno != EOPNOTSUPP && errno != EINVAL)
		return -1;
	if (ioctl(fd, FS_IOC_FSGETXATTR, fx) < 0 && errno != ENOTTY &&
	    errno != EOPNOTSUPP && errno != EINVAL)
		return -1;
	n = flistxattr(fd, names, sizeof(names));
	return n == 0 || (n == sizeof(uuid) && !memcmp(names, uuid, n)) ? 0 : -1;
}

/* upper/ as mkdir made it: as work/ is (never seen by the container),
 * with no extended attributes but overlayfs's uuid. Else it is made
 * again. */
static int upper_fresh(int dfd)
{
	cleanup_close int u = openat(dfd, "upper", O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int w = openat(dfd, "work", O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
	struct stat us, ws;
	struct fsxattr ux, wx;
	unsigned uf, wf;

	if (u < 0 || w < 0 || fstat(u, &us) < 0 || fstat(w, &ws) < 0 ||
	    dir_attrs(u, &uf, &ux) < 0 || dir_attrs(w, &wf, &wx) < 0)
		return 0;
	return us.st_mode == ws.st_mode && us.st_uid == ws.st_uid &&
	       us.st_gid == ws.st_gid && uf == wf &&
	       ux.fsx_xflags == wx.fsx_xflags && ux.fsx_projid == wx.fsx_projid &&
	       futimens(u, NULL) == 0;
}

/* The removed container in dirfd/name made ready for another (see
 * spare_take): work/ and upper/ emptied, upper/ made again unless it is as
 * new, the state files cleared (to a comment: emptying them would free
 * their blocks), anything else deleted. 0 if it went to spare/; else the
 * caller deletes it. */
static int container_recycle(struct store *s, int dirfd, const char *name)
{
	static const char *const keep[] = { "id", "state.ini", "state.ini.old",
					    "upper", "work" };
	cleanup_close int dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
				       O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	struct stat st;
	DIR *d;
	char sp[16];

	if (dfd < 0 || !(d = fdopendir(dup(dfd))))
		return -1;
	while ((de = readdir(d))) {
		size_t i = 0;
		while (i < ARRAY_SIZE(keep) && strcmp(de->d_name, keep[i]))
			i++;
		if (i == ARRAY_SIZE(keep) && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			rm_rf_at(dfd, de->d_name);
	}
	closedir(d);
	/* The id file still linked from names/ (a name not released) must
	 * stay that container's. */
	if (fstatat(dfd, "id", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    rm_contents_at(dfd, "work") < 0 || rm_contents_at(dfd, "upper") < 0)
		return -1;
	if (!upper_fresh(dfd) && (rm_rf_at(dfd, "upper") < 0 ||
				  mkdirat(dfd, "upper", 0755) < 0))
		return -1;
	for (int i = 1; i <= 2; i++) {
		static const char cleared[] = "; recycled\n";
		int fd = openat(dfd, keep[i], O_WRONLY | O_NOFOLLOW | O_CLOEXEC), ok;
		if (fd < 0 && errno != ENOENT)
			return -1;
		ok = fd < 0 || (write_all(fd, cleared, sizeof(cleared) - 1) == 0 &&
				ftruncate(fd, sizeof(cleared) - 1) == 0);
		if (fd >= 0)
			close(fd);
		if (!ok)
			return -1;
	}
	for (int k = 0; k < SPARE_MAX; k++) {
		snprintf(sp, sizeof(sp), "spare/%d", k);
		if (syscall(SYS_renameat2, dirfd, name, s->fd, sp,
			    RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == ENOENT && k == 0 && mkdirat(s->fd, "spare", 0700) == 0) {
			k--;	/* spare/ is new */
			continue;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static int remove_dir(struct store *s, const char *tmp)
{
	if (container_recycle(s, s->fd, tmp) == 0)
		return 0;
	return rm_rf_at(s->fd, tmp);
}

static void close_if(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The detached remover: a forked copy of the caller, out of its session
 * (a terminal's hangup must not end it) and its pipes, that ends the
 * container's cgroup and deletes its directory. */
static void remover_main(struct store *s, const char *tmp, int hold_fd,
			 const struct cgroup *cg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE };
	int null = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	struct cgroup mine;

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &ign, NULL);
	setsid();
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_if(hold_fd);
	if (cg) {
		mine = *cg;
		if (cgroup_destroy(&mine, 0, NULL) < 0)
			cgroup_destroy(&mine, 1, NULL);
	}
	_exit(remove_dir(s, tmp) < 0);
}

/* Forks the remover with every signal held, so that none reaches it
 * before it ignores them; 0 if it runs. */
static int remover_start(struct store *s, const char *tmp, int hold_fd,
			 const struct cgroup *cg)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0) {
		remover_main(s, tmp, hold_fd, cg);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -1 : 0;
}

int container_remove(struct store *s, const struct container *c,
		     int detach, int hold_fd, const struct cgroup *cg,
		     struct md_err *err)
{
	const char *id = c->id;
	char dir[128], tmp[128];
	int rm, rc;

	snprintf(dir, sizeof(dir), "containers/%s", id);
	snprintf(tmp, sizeof(tmp), "tmp/rm-%s", id);
	/* rm.lock shared, taken before the directory is in tmp/ and kept by
	 * the remover, keeps a sweep of tmp/ away from it (not busy.lock:
	 * store_gc must not wait for it). */
	if ((rm = lock_at(s->fd, "rm.lock", LOCK_SH, err)) < 0) {
		close_if(hold_fd);
		return -1;
	}
	name_release(s, c->name, id);
	/* Out of sight first, so that a crash never leaves half of one. */
	if (renameat(s->fd, dir, s->fd, tmp) < 0) {
		close(rm);
		close_if(hold_fd);
		return errno == ENOENT ? 0 : err_set(err, errno, "remove container %s", id);
	}
	if (detach) {
		/* Not into the remover: busy.lock (a pull's) would keep
		 * md-rmi's GC waiting on it. */
		if (s->busy >= 0) {
			close(s->busy);
			s->busy = -1;
		}
		if (remover_start(s, tmp, hold_fd, cg) == 0) {
			close(rm);
			close_if(hold_fd);
			return 0;
		}
	}
	close_if(hold_fd);
	if (cg && cgroup_destroy((struct cgroup *)cg, 0, NULL) < 0)
		cgroup_destroy((struct cgroup *)cg, 1, NULL);
	rc = remove_dir(s, tmp) < 0 ?
		err_set(err, errno, "remove container %s", id) : 0;
	close(rm);
	return rc;
}

void container_free(struct container *c)
{
	free(c->command);
	c->command = NULL;
}
