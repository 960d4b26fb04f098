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

#include "ipam.h"
#include "names.h"
#include "net.h"
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
	if (owner[0]) {
		struct container c;
		struct md_err e2;
		/* A --rm container that ended unwatched goes (and frees its
		 * name) as it is loaded; any other keeps its name, as in
		 * Docker. */
		if (container_load(s, owner, &c, &e2) == 0)
			container_free(&c);
		name_owner(s, name, owner);
	}
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
	if (!c->restart[0])
		strcpy(c->restart, "no");
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
	/* Its process started: watched from before any md can read that. */
	if (c->status != CONTAINER_CREATED) {
		container_set_boot(c);
		if ((c->watch_fd = container_watch(s, c->id, err)) < 0) {
			c->watch_fd = 0;
			goto fail;
		}
	}
	if (container_save(s, c, 0, err) == 0)
		return 0;
	if (c->watch_fd > 0)
		close(c->watch_fd);
	c->watch_fd = 0;
fail:
	name_release(s, c->name, c->id);
	rm_rf_at(s->fd, dir);
	return -1;
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
			 const struct cgroup *cg, int watch_fd)
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
	/* (The caller's watch is the caller's.) */
	if (watch_fd > 0)
		close(watch_fd);
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
			 const struct cgroup *cg, int watch_fd)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0) {
		remover_main(s, tmp, hold_fd, cg, watch_fd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -1 : 0;
}

/* md-wait (container_wait_end) holds wait.lock shared in the
 * container's directory while it waits. Before the directory goes, the
 * remover waits (at most WAITERS_MS: a stopped md-wait must not keep a
 * container forever) until every waiter has read the end (mark_removing
 * wrote it) and let go. */
#define WAITERS_MS 5000

static void let_waiters_read(struct store *s, const struct container *c)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "containers/%s/wait.lock", c->id);
	if ((fd = openat(s->fd, path, O_RDWR | O_CLOEXEC)) < 0)
		return;		/* (nobody waits: the common case) */
	/* (Only an end: one that never ran has no code to give, and its
	 * waiters are told it is gone.) */
	if (c->started[0])
		for (int ms = 0; ms < WAITERS_MS && flock(fd, LOCK_EX | LOCK_NB) < 0 &&
				 errno == EWOULDBLOCK; ms += 10)
			nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	close(fd);
}

/* Under the directory's lock: c (as now recorded) is removing, so that
 * no start claims it any more (start.c), and what md-wait reads. own:
 * the caller's own run, ended, whose state may still say it runs: its
 * end goes in. Otherwise a container that runs (started meanwhile) is
 * refused. */
static int mark_removing(struct container *c, void *arg, struct md_err *err)
{
	const struct container *own = arg;

	if (own) {
		/* (Its address too: one own gave back already, its veth
		 * gone with its namespace, is not detached again. Its
		 * connected networks stay as recorded: md-network connect
		 * may have added some since own was read; those given back
		 * already are given back again, harmlessly.) */
		memcpy(c->ip, own->ip, sizeof(c->ip));
		memcpy(c->started, own->started, sizeof(c->started));
		memcpy(c->finished, own->finished, sizeof(c->finished));
		memcpy(c->error, own->error, sizeof(c->error));
		c->exit_code = own->exit_code;
		c->oom_killed = own->oom_killed;
	} else if (container_live(c)) {
		err_set(err, 0, "cannot remove container \"/%s\": container is "
			"running: stop the container before removing or force "
			"remove", c->name);
		err->errnum = EBUSY;
		return -1;
	}
	c->status = CONTAINER_REMOVING;
	return 0;
}

void container_net_release(struct store *s, struct container *c)
{
	struct md_err e2;

	/* (What fails here is taken back by ipam when the network runs
	 * out of addresses and c is gone.) */
	/* (Its veth goes with its network namespace: see net.h.) */
	if (c->ip[0]) {
		names_update(s, c, c->network, c->ip, NULL);
		if (ipam_release(s, c->network, c->id, 0, &e2) == 0)
			c->ip[0] = 0;
	}
	container_net_release_more(s, c);
}

/* Gives c's addresses on its connected networks back, and takes its
 * names out there (s NULL: neither); ep: its endpoints, without them.
 * forget: its removal, also the addresses --ip asked for (ipam.h).
 * 1 if there were any. */
static int release_more(struct store *s, const struct container *c,
			struct endpoint *ep, size_t n, int forget)
{
	struct md_err e2;
	int done = 0;

	for (size_t i = 0; i < n; i++) {
		if (ep[i].ip[0]) {
			if (s)
				names_update(s, c, ep[i].net, ep[i].ip, NULL);
			if (!s || ipam_release(s, ep[i].net, c->id, forget, &e2) == 0)
				ep[i].ip[0] = 0;
			done = 1;
		} else if (s && forget && ep[i].want[0]) {
			ipam_release(s, ep[i].net, c->id, 1, &e2);
		}
	}
	return done;
}

void container_net_release_more(struct store *s, struct container *c)
{
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n = endpoints_parse(c->connected, ep);
	char *str;

	if (release_more(s, c, ep, n, 0) && (str = endpoints_format(ep, n))) {
		free(c->connected);
		c->connected = str;
	}
}

int container_remove(struct store *s, const struct container *c,
		     int flags, int hold_fd, const struct cgroup *cg,
		     struct md_err *err)
{
	struct container now;
	struct endpoint ep[ENDPOINTS_MAX];
	char dir[128], tmp[128];
	int rm, rc, watch_fd = c->watch_fd;

	/* (RM_NO_WAITERS: the caller holds the lock, and c is the truth.) */
	if (!(flags & RM_NO_WAITERS)) {
		rc = container_update(s, c->id, &now, mark_removing,
				      (flags & RM_ENDED) ? (void *)c : NULL, 0, err);
		/* (Unmarked when its state cannot be read or written, as on a
		 * full disk, where removing is what frees space: no start
		 * can read or claim it then either.) */
		if (rc < 0)
			container_free(&now);
		if (rc < 0 && (err->errnum == ENOENT || err->errnum == EBUSY)) {
			close_if(hold_fd);
			return err->errnum == ENOENT ? 0 : -1;
		}
		if (rc == 0)
			c = &now;
	}
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	snprintf(tmp, sizeof(tmp), "tmp/rm-%s", c->id);
	rc = -1;
	/* rm.lock shared, taken before the directory is in tmp/ and kept by
	 * the remover, keeps a sweep of tmp/ away from it (not busy.lock:
	 * store_gc must not wait for it). */
	if ((rm = lock_at(s->fd, "rm.lock", LOCK_SH, err)) < 0) {
		close_if(hold_fd);
		goto out;
	}
	if (!(flags & RM_NO_WAITERS))
		let_waiters_read(s, c);
	if (c->ip[0] || c->ipv4_address[0]) {
		struct md_err e2;
		if (c->ip[0]) {
			net_detach(c->id, &e2);
			names_update(s, c, c->network, c->ip, NULL);
		}
		ipam_release(s, c->network, c->id, 1, &e2);
	}
	release_more(s, c, ep, endpoints_parse(c->connected, ep), 1);
	name_release(s, c->name, c->id);
	/* Out of sight first, so that a crash never leaves half of one. */
	if (renameat(s->fd, dir, s->fd, tmp) < 0) {
		close(rm);
		close_if(hold_fd);
		rc = errno == ENOENT ? 0 : err_set(err, errno, "remove container %s",
						   c->id);
		goto out;
	}
	if (flags & RM_DETACH) {
		/* Not into the remover: busy.lock (a pull's) would keep
		 * md-rmi's GC waiting on it. */
		if (s->busy >= 0) {
			close(s->busy);
			s->busy = -1;
		}
		if (remover_start(s, tmp, hold_fd, cg, watch_fd) == 0) {
			close(rm);
			close_if(hold_fd);
			rc = 0;
			goto out;
		}
	}
	close_if(hold_fd);
	if (cg && cgroup_destroy((struct cgroup *)cg, 0, NULL) < 0)
		cgroup_destroy((struct cgroup *)cg, 1, NULL);
	rc = remove_dir(s, tmp) < 0 ?
		err_set(err, errno, "remove container %s", c->id) : 0;
	close(rm);
out:
	if (c == &now)
		container_free(&now);
	return rc;
}

/* ---- finding one ---- */

/* The container whose ID starts with prefix, into c: 1 if there is
 * one, 0 if none, -1 if several or on failure. */
static int by_prefix(struct store *s, const char *prefix, struct container *c,
		     struct md_err *err)
{
	char (*ids)[CONTAINER_ID_LEN + 1];
	size_t n, k = strlen(prefix);
	struct container other;
	struct md_err e2;
	int found = 0, bad = 0;

	if (container_ids(s, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && found < 2; i++) {
		if (strncmp(ids[i], prefix, k))
			continue;
		/* (A directory still being made, or a --rm container that
		 * ended unwatched and is gone now, is none.) */
		if (container_load(s, ids[i], found ? &other : c, &e2) < 0) {
			if (e2.errnum == ENOENT)
				continue;
			if (!found)
				*err = e2, bad = 1;
		} else if (found) {
			container_free(&other);
		}
		found++;
	}
	free(ids);
	if (found > 1) {
		container_free(c);
		return err_set(err, 0, "multiple IDs found with provided prefix: %s",
			       prefix);
	}
	return bad ? -1 : found;
}

int container_lookup(struct store *s, const char *arg, struct container *c,
		     struct md_err *err)
{
	const char *name = arg[0] == '/' ? arg + 1 : arg;
	char id[CONTAINER_ID_LEN + 1];
	size_t n = strlen(arg);
	int r;

	memset(c, 0, sizeof(*c));
	/* As Docker: a full ID, then a name, then an ID prefix. */
	if (is_hex(arg, CONTAINER_ID_LEN)) {
		if (container_load(s, arg, c, err) == 0)
			return 0;
		if (err->errnum != ENOENT)
			return -1;
	}
	if (valid_name(name) && strlen(name) <= 100) {
		name_owner(s, name, id);
		if (id[0] && (r = container_load(s, id, c, err)) == 0)
			return 0;
		if (id[0] && err->errnum != ENOENT)
			return -1;
	}
	if (n > 0 && n < CONTAINER_ID_LEN && is_hex(arg, n) &&
	    (r = by_prefix(s, arg, c, err)) != 0)
		return r > 0 ? 0 : -1;
	err_set(err, 0, "No such container: %s", arg);
	err->errnum = ENOENT;
	return -1;
}

int container_resolve(struct store *s, const char *arg,
		      char id[CONTAINER_ID_LEN + 1], struct md_err *err)
{
	struct container c;

	if (container_lookup(s, arg, &c, err) < 0)
		return -1;
	strcpy(id, c.id);
	container_free(&c);
	return 0;
}
