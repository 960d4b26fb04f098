/* Containers' state (container.h): state.ini written and read through
 * one table of fields, the status as the truth has it (a container
 * whose watcher was killed is recorded exited by the next md that reads
 * it), listing, and the watch lock. */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "ini.h"
#include "util.h"

static const char *const status_names[] = {
	[CONTAINER_CREATED] = "created", [CONTAINER_RUNNING] = "running",
	[CONTAINER_PAUSED] = "paused", [CONTAINER_RESTARTING] = "restarting",
	[CONTAINER_REMOVING] = "removing", [CONTAINER_EXITED] = "exited",
	[CONTAINER_DEAD] = "dead",
};

const char *container_status_name(enum container_status st)
{
	return (unsigned)st < ARRAY_SIZE(status_names) ? status_names[st] : "unknown";
}

int container_status_parse(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (!strcmp(word, status_names[i]))
			return i;
	return -1;
}

static int no_such(struct md_err *err, const char *what);

/* ---- the fields of state.ini ---- */

enum field_type {
	F_STR,		/* char array */
	F_OWNED,	/* char *, owned */
	F_PID, F_INT, F_U64, F_I64,
	F_BOOL,		/* int: true, false */
	F_HEX,		/* uint64_t as 16 hex digits */
	F_STATUS,
};

struct field {
	const char *key;	/* the member's name */
	unsigned char type;
	unsigned short off, size;
	const char *unset;	/* F_OWNED: written for NULL, and loaded
				 * when the key is missing */
};

#define FIELD(m, t) { #m, t, offsetof(struct container, m), \
		      sizeof(((struct container *)0)->m), NULL }
#define OWNED(m, unset) { #m, F_OWNED, offsetof(struct container, m), \
			  sizeof(char *), unset }

/* In the order written. Readers ignore keys they do not know, so that
 * an older md still reads what a newer one wrote. */
static const struct field fields[] = {
	FIELD(id, F_STR), FIELD(name, F_STR), FIELD(image, F_STR),
	FIELD(image_id, F_STR), OWNED(command, "[]"), OWNED(env, "[]"),
	OWNED(user, ""), OWNED(workdir, "/"),
	FIELD(created, F_STR), FIELD(started, F_STR), FIELD(finished, F_STR),
	FIELD(status, F_STATUS), FIELD(pid, F_PID), FIELD(pid_start, F_U64),
	FIELD(boot_id, F_STR), FIELD(exit_code, F_INT),
	FIELD(oom_killed, F_BOOL), FIELD(error, F_STR),
	FIELD(auto_remove, F_BOOL), FIELD(hostname, F_STR),
	FIELD(network, F_STR), FIELD(ip, F_STR), FIELD(aliases, F_STR),
	FIELD(ipv4_address, F_STR),
	OWNED(connected, ""), OWNED(publish, ""),
	OWNED(ports, ""), FIELD(cgroup_parent, F_STR),
	FIELD(caps, F_HEX), FIELD(privileged, F_BOOL), FIELD(seccomp, F_BOOL),
	OWNED(mounts, "[]"), FIELD(read_only, F_BOOL), FIELD(memory, F_I64),
	FIELD(nano_cpus, F_I64), FIELD(cpu_shares, F_I64),
	FIELD(cpuset_cpus, F_STR), FIELD(pids_limit, F_I64),
	FIELD(restart, F_STR), FIELD(restart_count, F_INT),
	FIELD(stopped_by_hand, F_BOOL), FIELD(restart_canceled, F_BOOL),
	FIELD(tty, F_BOOL), FIELD(open_stdin, F_BOOL),
	FIELD(monitor_pid, F_PID), FIELD(monitor_start, F_U64),
};

static void field_write(struct ini_out *o, const struct field *f,
			const struct container *c)
{
	const void *p = (const char *)c + f->off;
	const char *s;

	switch (f->type) {
	case F_STR: ini_kv(o, f->key, p); break;
	case F_OWNED:
		s = *(char *const *)p;
		ini_kv(o, f->key, s ? s : f->unset);
		break;
	case F_PID: ini_kvf(o, f->key, "%d", (int)*(const pid_t *)p); break;
	case F_INT: ini_kvf(o, f->key, "%d", *(const int *)p); break;
	case F_U64:
		ini_kvf(o, f->key, "%llu", (unsigned long long)*(const uint64_t *)p);
		break;
	case F_I64:
		ini_kvf(o, f->key, "%lld", (long long)*(const int64_t *)p);
		break;
	case F_BOOL: ini_kv(o, f->key, *(const int *)p ? "true" : "false"); break;
	case F_HEX:
		ini_kvf(o, f->key, "%016llx", (unsigned long long)*(const uint64_t *)p);
		break;
	case F_STATUS:
		ini_kv(o, f->key, container_status_name(*(const enum container_status *)p));
		break;
	}
}

static int field_read(const struct field *f, struct container *c,
		      const char *v)
{
	void *p = (char *)c + f->off;
	int64_t n;
	char *end;
	int st;

	switch (f->type) {
	case F_STR:
		if (strlen(v) >= f->size)
			return -1;
		strcpy(p, v);
		return 0;
	case F_OWNED:
		free(*(char **)p);
		return (*(char **)p = strdup(v)) ? 0 : -ENOMEM;
	case F_PID:
		if (parse_int(v, 0, INT32_MAX, &n))
			return -1;
		*(pid_t *)p = n;
		return 0;
	case F_INT:
		if (parse_int(v, INT32_MIN, INT32_MAX, &n))
			return -1;
		*(int *)p = n;
		return 0;
	case F_U64:
		if (parse_int(v, 0, INT64_MAX, &n))
			return -1;
		*(uint64_t *)p = n;
		return 0;
	case F_I64:
		if (parse_int(v, INT64_MIN, INT64_MAX, &n))
			return -1;
		*(int64_t *)p = n;
		return 0;
	case F_BOOL:
		if (strcmp(v, "true") && strcmp(v, "false"))
			return -1;
		*(int *)p = v[0] == 't';
		return 0;
	case F_HEX:
		if (!v[0] || strlen(v) > 16 || strspn(v, "0123456789abcdef") != strlen(v))
			return -1;
		*(uint64_t *)p = strtoull(v, &end, 16);
		return 0;
	case F_STATUS:
		if ((st = container_status_parse(v)) < 0)
			return -1;
		*(enum container_status *)p = st;
		return 0;
	}
	return -1;
}

struct state_read {
	struct container *c;
	const char *path;
	size_t next;		/* the field after the last one read */
};

static int state_key(void *user, const char *section, const char *key,
		     const char *value, struct md_err *err)
{
	struct state_read *r = user;

	if (section[0])
		return 0;
	/* From the field after the last one: md writes them in order. */
	for (size_t k = 0, i = r->next; k < ARRAY_SIZE(fields); k++,
	     i = (i + 1) % ARRAY_SIZE(fields))
		if (!strcmp(key, fields[i].key)) {
			int e = field_read(&fields[i], r->c, value);
			r->next = (i + 1) % ARRAY_SIZE(fields);
			if (e == -ENOMEM)
				return err_set(err, ENOMEM, "%s", r->path);
			if (e < 0)
				return err_set(err, 0, "%s: bad %s: \"%.64s\"",
					       r->path, key, value);
			return 0;
		}
	return 0;
}

/* Reads the state in dfd (containers/ID, locked by the caller) into c,
 * which it resets. ENOENT if it is not (or not yet) ID's. */
static int state_read(struct store *s, int dfd, const char *id,
		      struct container *c, struct md_err *err)
{
	char path[PATH_MAX + 100];
	struct state_read r = { c, path, 0 };
	cleanup_free char *buf = NULL;
	size_t len;

	container_free(c);
	memset(c, 0, sizeof(*c));
	/* (a state from before the keys: md's defaults) */
	c->seccomp = 1;
	strcpy(c->restart, "no");
	snprintf(path, sizeof(path), "%s/containers/%s/state.ini", s->root, id);
	if (!(buf = file_read_at(dfd, "state.ini", INI_READ_MAX, &len, err)))
		return err->errnum == ENOENT ? -1 :
		       err_wrap(err, "%s/containers/%s", s->root, id);
	if (ini_parse_buf(buf, len, path, 0, state_key, &r, err) < 0) {
		container_free(c);
		return -1;
	}
	/* Empty, recycled, or another container's: one still being made. */
	if (strcmp(c->id, id)) {
		container_free(c);
		return err_set(err, ENOENT, "%s", path);
	}
	/* A state from before the key: its default. (No strings are NULL
	 * in a loaded container.) */
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char **p = (char **)((char *)c + fields[i].off);
		if (fields[i].type == F_OWNED && !*p &&
		    !(*p = strdup(fields[i].unset))) {
			container_free(c);
			return err_set(err, ENOMEM, "%s", path);
		}
	}
	return 0;
}

void container_state_ini(const struct container *c, struct ini_out *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		field_write(o, &fields[i], c);
}

/* Writes c's state into dfd (containers/ID), whose lock the caller
 * holds. */
static int state_write(int dfd, const struct container *c, int durable,
		       struct md_err *err)
{
	struct ini_out o = { 0 };
	int r;

	container_state_ini(c, &o);
	r = o.oom ? err_set(err, ENOMEM, "container %s", c->id) :
		file_exchange_at(dfd, "state.ini", "state.ini.old", o.buf, o.len,
				 0644, durable, err);
	ini_out_free(&o);
	return r;
}

int container_save(struct store *s, const struct container *c, int durable,
		   struct md_err *err)
{
	char dir[128];
	cleanup_close int dfd = -1;

	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	dfd = openat(s->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* The directory's lock orders the writers of its state. */
	if (dfd < 0 || flock(dfd, LOCK_EX) < 0)
		return err_set(err, errno, "container %s", c->id);
	return state_write(dfd, c, durable, err);
}

int container_update(struct store *s, const char *id, struct container *c,
		     int (*fn)(struct container *c, void *arg, struct md_err *err),
		     void *arg, int durable, struct md_err *err)
{
	char dir[128];
	cleanup_close int dfd = -1;
	int r;

	memset(c, 0, sizeof(*c));
	snprintf(dir, sizeof(dir), "containers/%s", id);
	dfd = openat(s->fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? no_such(err, id) :
		       err_set(err, errno, "container %s", id);
	if (flock(dfd, LOCK_EX) < 0)
		return err_set(err, errno, "container %s", id);
	if (state_read(s, dfd, id, c, err) < 0)
		return err->errnum == ENOENT ? no_such(err, id) : -1;
	if ((r = fn(c, arg, err)) == 0 && state_write(dfd, c, durable, err) < 0)
		r = -1;
	return r;
}

/* ---- the truth of a status ---- */

const char *host_boot_id(void)
{
	static char id[40];
	static int known;
	struct md_err e;
	char *b;

	if (!known) {
		known = 1;
		if ((b = file_read_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id",
				      64, NULL, &e))) {
			snprintf(id, sizeof(id), "%.*s", (int)strcspn(b, "\n"), b);
			free(b);
		}
	}
	return id;
}

void container_set_boot(struct container *c)
{
	snprintf(c->boot_id, sizeof(c->boot_id), "%s", host_boot_id());
}

/* A status in which the container has (or is about to have) a process
 * that someone watches. */
static int status_live(enum container_status st)
{
	return st == CONTAINER_RUNNING || st == CONTAINER_PAUSED ||
	       st == CONTAINER_RESTARTING;
}

int container_live(const struct container *c)
{
	return status_live(c->status);
}

/* (A zombie's parent, if md, watches it.) */
int container_alive(const struct container *c)
{
	if (c->boot_id[0] && host_boot_id()[0] && strcmp(c->boot_id, host_boot_id()))
		return 0;
	return proc_running(c->pid, c->pid_start);
}

static int needs_settling(const struct container *c)
{
	return (status_live(c->status) && !container_alive(c)) ||
	       (c->status == CONTAINER_EXITED && c->auto_remove);
}

/* 1 if a watcher holds dfd's id file (container_watch). Else 0, and
 * *probe (or -1) holds it so that none starts meanwhile. */
static int watched(int dfd, int *probe)
{
	*probe = openat(dfd, "id", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*probe >= 0 && flock(*probe, LOCK_EX | LOCK_NB) < 0) {
		close(*probe);
		*probe = -1;
		return 1;
	}
	return 0;
}

/* Records that c's process ended unwatched: exited with 255, the reason
 * in error, its cgroup gone (first: a crash before the state is written
 * leaves it for the next md to find again). */
static int record_unwatched_end(int dfd, struct container *c,
				struct md_err *err)
{
	struct cgroup cg = { 0 };
	struct timespec ts;

	if (cgroup_load(&cg, c->cgroup_parent[0] ? c->cgroup_parent : NULL,
			c->id, err) > 0) {
		c->oom_killed |= cgroup_oom_killed(&cg, err) == 1;
		if (cgroup_destroy(&cg, 1, err) < 0)
			return -1;
	}
	c->monitor_pid = 0;
	c->monitor_start = 0;
	if (c->status == CONTAINER_RESTARTING && !c->pid) {
		/* Between two runs: its last end (code, time) is recorded;
		 * only no restart is coming. */
		strcpy(c->error, "the container's monitor was killed while it "
		       "waited to restart the container");
		c->status = CONTAINER_EXITED;
		return state_write(dfd, c, 1, err);
	}
	if (c->pid > 0 && c->boot_id[0] && host_boot_id()[0] &&
	    strcmp(c->boot_id, host_boot_id()))
		strcpy(c->error, "the host was restarted while the container ran");
	else
		strcpy(c->error, "md-run (or the container's monitor) was killed: "
		       "the container ended unwatched");
	c->status = CONTAINER_EXITED;
	c->exit_code = 255;
	c->pid = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->finished, sizeof(c->finished), ts.tv_sec, ts.tv_nsec);
	return state_write(dfd, c, 1, err);
}

/* Makes c (read from dfd) the truth, as container.h says. 1 if it was
 * removed (or is gone); -1 if its state could not be read again. */
static int settle(struct store *s, int dfd, struct container *c,
		  struct md_err *err)
{
	char id[CONTAINER_ID_LEN + 1];
	struct md_err e2;
	int probe, r = 0;

	if (!needs_settling(c))
		return 0;
	strcpy(id, c->id);
	if (flock(dfd, LOCK_EX) < 0)
		return err_set(err, errno, "container %s", id);
	/* Again under the lock: another md may have settled it. */
	if (state_read(s, dfd, id, c, err) < 0)
		return err->errnum == ENOENT ? 1 : -1;
	if (!needs_settling(c) || watched(dfd, &probe))
		return 0;
	/* What fails here is tried again by the next md; c is the truth
	 * meanwhile. */
	if (status_live(c->status))
		container_net_release(s, c);	/* (before its state says so) */
	if ((!status_live(c->status) || record_unwatched_end(dfd, c, &e2) == 0) &&
	    c->auto_remove && container_remove(s, c, RM_NO_WAITERS, -1, NULL, &e2) == 0)
		r = 1;
	if (probe >= 0)
		close(probe);
	return r;
}

/* ---- reading ---- */

static int no_such(struct md_err *err, const char *what)
{
	err_set(err, 0, "No such container: %s", what);
	err->errnum = ENOENT;
	return -1;
}

int container_load(struct store *s, const char *id, struct container *c,
		   struct md_err *err)
{
	char dir[128];
	cleanup_close int dfd = -1;
	int r;

	memset(c, 0, sizeof(*c));
	if (!is_hex(id, CONTAINER_ID_LEN))
		return no_such(err, id);
	snprintf(dir, sizeof(dir), "containers/%s", id);
	dfd = openat(s->fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? no_such(err, id) :
		       err_set(err, errno, "container %s", id);
	/* Shared: a writer exchanges state.ini with its spare, and a next
	 * one writes over that spare, which a reader may still be reading. */
	if (flock(dfd, LOCK_SH) < 0)
		return err_set(err, errno, "container %s", id);
	r = state_read(s, dfd, id, c, err);
	/* (the lock goes with dfd, or settle changes it: no unlock call) */
	if (r < 0)
		return err->errnum == ENOENT ? no_such(err, id) : -1;
	if ((r = settle(s, dfd, c, err)) != 0) {
		container_free(c);
		return r > 0 ? no_such(err, id) : -1;
	}
	return 0;
}

int container_ids(struct store *s, char (**ids)[CONTAINER_ID_LEN + 1],
		  size_t *n, struct md_err *err)
{
	int dfd = openat(s->fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return errno == ENOENT ? 0 : err_set(err, errno, "%s/containers",
						     s->root);
	}
	while ((de = readdir(d))) {
		if (!is_hex(de->d_name, CONTAINER_ID_LEN))
			continue;
		if (*n == cap) {
			void *nv = realloc(*ids, (cap = cap * 2 + 16) * sizeof(**ids));
			if (!nv) {
				closedir(d);
				free(*ids);
				*ids = NULL;
				return err_set(err, ENOMEM, "%s/containers", s->root);
			}
			*ids = nv;
		}
		strcpy((*ids)[(*n)++], de->d_name);
	}
	closedir(d);
	return 0;
}

int container_list(struct store *s, struct container **list, size_t *n,
		   struct md_err *err)
{
	char (*ids)[CONTAINER_ID_LEN + 1];
	size_t nids;
	struct md_err e2;
	int bad = 0;

	*list = NULL;
	*n = 0;
	if (container_ids(s, &ids, &nids, err) < 0)
		return -1;
	if (nids && !(*list = calloc(nids, sizeof(**list)))) {
		free(ids);
		return err_set(err, ENOMEM, "%s/containers", s->root);
	}
	for (size_t i = 0; i < nids; i++) {
		if (container_load(s, ids[i], &(*list)[*n], &e2) == 0)
			(*n)++;
		else if (e2.errnum != ENOENT && !bad++)
			*err = e2;
	}
	free(ids);
	return bad > 0;
}

void container_list_free(struct container *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_free(&list[i]);
	free(list);
}

int container_using_image(struct store *s, const char *image_id, char *who,
			  size_t wholen)
{
	struct container *list;
	struct md_err err;
	size_t n;
	int found = 0;

	/* (A container whose state cannot be read is not counted, as a
	 * directory still being made is not.) */
	if (container_list(s, &list, &n, &err) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i++)
		if (!strcmp(list[i].image_id, image_id)) {
			snprintf(who, wholen, "%.12s", list[i].id);
			found = 1;
		}
	container_list_free(list, n);
	return found;
}

/* ---- watching ---- */

int container_watch(struct store *s, const char *id, struct md_err *err)
{
	char path[128];
	int fd, hi;

	snprintf(path, sizeof(path), "containers/%s/id", id);
	if ((fd = openat(s->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return err_set(err, errno, "container %s", id);
	/* >= 3: 0 means "no watch" in struct container. */
	if ((hi = fd) < 3) {
		hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
	}
	if (hi < 0 || flock(hi, LOCK_SH) < 0) {
		err_set(err, errno, "container %s: watch", id);
		if (hi >= 0)
			close(hi);
		return -1;
	}
	return hi;
}

void container_free(struct container *c)
{
	free(c->command);
	free(c->env);
	free(c->user);
	free(c->workdir);
	free(c->mounts);
	free(c->connected);
	free(c->publish);
	free(c->ports);
	c->command = c->env = c->user = c->workdir = c->mounts = NULL;
	c->connected = c->publish = c->ports = NULL;
	if (c->watch_fd > 0)
		close(c->watch_fd);
	c->watch_fd = 0;
}
