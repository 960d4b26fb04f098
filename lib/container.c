/* Container state (see container.h). */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct name_scan {
	const char *name;
	int taken;
};

static int name_handler(void *user, const char *section, const char *key,
			const char *value, struct md_err *err)
{
	struct name_scan *n = user;

	if (!strcmp(key, "name") && !strcmp(value, n->name))
		n->taken = 1;
	return 0;
}

struct image_scan {
	const char *image_id;
	int found;
};

static int image_handler(void *user, const char *section, const char *key,
			 const char *value, struct md_err *err)
{
	struct image_scan *i = user;

	if (!strcmp(key, "image_id") && !strcmp(value, i->image_id))
		i->found = 1;
	return 0;
}

int container_using_image(struct store *s, const char *image_id, char *who,
			  size_t wholen)
{
	int dfd = openat(s->fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	struct md_err err;
	int found = 0;

	while (d && !found && (de = readdir(d))) {
		struct image_scan i = { image_id, 0 };
		char p[128];
		if (strlen(de->d_name) != CONTAINER_ID_LEN)
			continue;
		snprintf(p, sizeof(p), "%s/state.ini", de->d_name);
		ini_parse_at(dirfd(d), p, 0, image_handler, &i, &err);
		if ((found = i.found))
			snprintf(who, wholen, "%.12s", de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int name_taken(int dfd, const char *name)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	struct name_scan n = { name, 0 };
	struct md_err err;

	if (!d)
		return 0;
	while (!n.taken && (de = readdir(d))) {
		char p[128];
		if (strlen(de->d_name) != CONTAINER_ID_LEN)
			continue;
		snprintf(p, sizeof(p), "%s/state.ini", de->d_name);
		ini_parse_at(dfd, p, 0, name_handler, &n, &err);
	}
	closedir(d);
	return n.taken;
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

int container_create(struct store *s, struct container *c, struct md_err *err)
{
	unsigned char rnd[32];
	struct timespec ts;
	cleanup_close int lock = -1, dfd = -1;
	char dir[128];

	if (mkdirat(s->fd, "containers", 0700) < 0 && errno != EEXIST)
		return err_set(err, errno, "%s/containers", s->root);
	lock = lock_at(s->fd, "containers.lock", LOCK_EX, err);
	if (lock < 0)
		return -1;
	dfd = openat(s->fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno, "%s/containers", s->root);
	if (c->name[0] && (!valid_name(c->name) || strlen(c->name) > 100))
		return err_set(err, 0, "invalid container name \"%s\": only "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", c->name);
	if (c->name[0] && name_taken(dfd, c->name))
		return err_set(err, 0, "Conflict. The container name \"/%s\" is "
			       "already in use", c->name);
	random_bytes(rnd, sizeof(rnd));
	hex_encode(c->id, rnd, CONTAINER_ID_LEN / 2);
	for (int i = 0; !c->name[0] && i < 100; i++) {
		snprintf(c->name, sizeof(c->name), "%s_%s", adjectives[rnd[i % 32] %
			 ARRAY_SIZE(adjectives)], surnames[rnd[(i + 7) % 32] %
			 ARRAY_SIZE(surnames)]);
		if (i >= 10)	/* crowded: add digits, as Docker does */
			snprintf(c->name + strlen(c->name), 8, "%d", i);
		if (name_taken(dfd, c->name))
			c->name[0] = 0;
	}
	if (!c->hostname[0])
		snprintf(c->hostname, sizeof(c->hostname), "%.12s", c->id);
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->created, sizeof(c->created), ts.tv_sec, ts.tv_nsec);
	strcpy(c->status, "created");
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	if (mkdirat(s->fd, dir, 0700) < 0)
		return err_set(err, errno, "container %s", c->id);
	for (const char *const *d = (const char *const[]){ "upper", "work",
	     "rootfs", NULL }; *d; d++) {
		char p[160];
		snprintf(p, sizeof(p), "%s/%s", dir, *d);
		if (mkdirat(s->fd, p, 0755) < 0) {
			err_set(err, errno, "container %s: %s", c->id, *d);
			rm_rf_at(s->fd, dir);
			return -1;
		}
	}
	if (container_save(s, c, err) < 0) {
		rm_rf_at(s->fd, dir);
		return -1;
	}
	return 0;
}

int container_save(struct store *s, const struct container *c,
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
	r = ini_out_write_at(&o, dfd, "state.ini", 0644, err);
	ini_out_free(&o);
	return r;
}

int container_remove(struct store *s, const char *id, struct md_err *err)
{
	char dir[128], tmp[128];

	snprintf(dir, sizeof(dir), "containers/%s", id);
	snprintf(tmp, sizeof(tmp), "tmp/rm-%s", id);
	/* Out of sight first, so that a crash never leaves half of one. */
	if (renameat(s->fd, dir, s->fd, tmp) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "remove container %s", id);
	if (rm_rf_at(s->fd, tmp) < 0)
		return err_set(err, errno, "remove container %s", id);
	return 0;
}

void container_free(struct container *c)
{
	free(c->command);
	c->command = NULL;
}
