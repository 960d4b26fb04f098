/* Container state (see container.h). */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ini.h"
#include "lock.h"
#include "util.h"

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

/* Drops names/NAME if it is still id's. */
static void name_release(struct store *s, const char *name, const char *id)
{
	char path[160], target[CONTAINER_ID_LEN + 2];
	ssize_t n;

	snprintf(path, sizeof(path), "names/%s", name);
	n = readlinkat(s->fd, path, target, sizeof(target) - 1);
	if (n == CONTAINER_ID_LEN && !memcmp(target, id, n))
		unlinkat(s->fd, path, 0);
}

/* names/NAME -> ID: making the link claims the name, atomically across md
 * processes. A link whose container is gone (a crash) is stale and
 * taken over. Returns 0 if claimed, 1 if in use. */
static int name_claim(struct store *s, const char *name, const char *id,
		      struct md_err *err)
{
	char path[160], target[CONTAINER_ID_LEN + 2], dir[100];
	ssize_t n;

	snprintf(path, sizeof(path), "names/%s", name);
	for (int tries = 0; tries < 2; tries++) {
		if (symlinkat(id, s->fd, path) == 0)
			return 0;
		if (errno != EEXIST)
			return err_set(err, errno, "container name %s", name);
		n = readlinkat(s->fd, path, target, sizeof(target) - 1);
		if (n != CONTAINER_ID_LEN)
			return 1;
		target[n] = 0;
		snprintf(dir, sizeof(dir), "containers/%s", target);
		if (faccessat(s->fd, dir, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
		unlinkat(s->fd, path, 0);
	}
	return 1;
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
	random_bytes(rnd, sizeof(rnd));
	hex_encode(c->id, rnd, CONTAINER_ID_LEN / 2);
	if (c->name[0]) {
		if ((r = name_claim(s, c->name, c->id, err)) < 0)
			return -1;
		if (r)
			return err_set(err, 0, "Conflict. The container name "
				       "\"/%s\" is already in use", c->name);
	}
	for (int i = 0; !c->name[0] && i < 100; i++) {
		snprintf(c->name, sizeof(c->name), "%s_%s", adjectives[rnd[i % 32] %
			 ARRAY_SIZE(adjectives)], surnames[rnd[(i + 7) % 32] %
			 ARRAY_SIZE(surnames)]);
		if (i >= 10)	/* crowded: add digits, as Docker does */
			snprintf(c->name + strlen(c->name), 8, "%d", i);
		if ((r = name_claim(s, c->name, c->id, err)) < 0)
			return -1;
		if (r)
			c->name[0] = 0;
	}
	if (!c->name[0])
		return err_set(err, 0, "no free container name");
	if (!c->hostname[0])
		snprintf(c->hostname, sizeof(c->hostname), "%.12s", c->id);
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->created, sizeof(c->created), ts.tv_sec, ts.tv_nsec);
	strcpy(c->status, "created");
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	if (mkdirat(s->fd, dir, 0700) < 0) {
		err_set(err, errno, "container %s", c->id);
		name_release(s, c->name, c->id);
		return -1;
	}
	for (const char *const *d = (const char *const[]){ "upper", "work",
	     NULL }; *d; d++) {
		char p[160];
		snprintf(p, sizeof(p), "%s/%s", dir, *d);
		if (mkdirat(s->fd, p, 0755) < 0) {
			err_set(err, errno, "container %s: %s", c->id, *d);
			rm_rf_at(s->fd, dir);
			name_release(s, c->name, c->id);
			return -1;
		}
	}
	if (container_save(s, c, 0, err) < 0) {
		rm_rf_at(s->fd, dir);
		name_release(s, c->name, c->id);
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
	if (dfd < 0) {
		ini_out_free(&o);
		return err_set(err, errno, "container %s", c->id);
	}
	r = ini_out_replace_at(&o, dfd, "state.ini", 0644, durable, err);
	ini_out_free(&o);
	return r;
}

int container_remove(struct store *s, const struct container *c,
		     int detach, struct md_err *err)
{
	const char *id = c->id;
	char dir[128], tmp[128];
	pid_t pid;

	name_release(s, c->name, id);
	snprintf(dir, sizeof(dir), "containers/%s", id);
	snprintf(tmp, sizeof(tmp), "tmp/rm-%s", id);
	/* Out of sight first, so that a crash never leaves half of one. */
	if (renameat(s->fd, dir, s->fd, tmp) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "remove container %s", id);
	/* busy.lock shared (inherited by the child) keeps a sweep of tmp/
	 * from racing the child. */
	int busy = detach ? lock_at(s->fd, "busy.lock", LOCK_SH, NULL) : -1;
	if (busy >= 0 && (pid = fork()) >= 0) {
		if (pid > 0) {
			close(busy);
			return 0;
		}
		/* Out of the caller's session and pipes. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		setsid();
		_exit(rm_rf_at(s->fd, tmp) < 0);
	}
	if (busy >= 0)
		close(busy);
	if (rm_rf_at(s->fd, tmp) < 0)
		return err_set(err, errno, "remove container %s", id);
	return 0;
}

void container_free(struct container *c)
{
	free(c->command);
	c->command = NULL;
}
