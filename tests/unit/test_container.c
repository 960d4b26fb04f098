/* Container state: save and load of every field, resolving names, IDs
 * and prefixes, listing past directories still being made, and the
 * truth of a status: a running container whose process is gone (dead,
 * a zombie, its pid reused, another boot) and that no one watches is
 * recorded exited 255, its cgroup removed, and removed if --rm. Runs on a
 * scratch store under /tmp; as root, with a cgroup of its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "container.h"
#include "store.h"
#include "util.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_OK(c, e) do { if ((c) < 0) { fails++; \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #c, (e)->msg); } } while (0)
#define CHECK_STR(a, b) do { if (strcmp((a), (b))) { fails++; \
	fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__, (a), (b)); } } while (0)

#define CGPARENT "md-unittest-ctr"

static struct store st;

/* A container as md-run makes one: id_hex repeated if given, else new. */
static void make(struct container *c, const char *id, const char *name)
{
	struct md_err err;

	memset(c, 0, sizeof(*c));
	if (id)
		snprintf(c->id, sizeof(c->id), "%s", id);
	else
		container_new(c);
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	snprintf(c->image, sizeof(c->image), "busybox");
	snprintf(c->image_id, sizeof(c->image_id), "sha256:%064d", 7);
	snprintf(c->cgroup_parent, sizeof(c->cgroup_parent), CGPARENT);
	c->command = strdup("[\"true\"]");
	CHECK_OK(container_create(&st, c, &err), &err);
}

static int dir_exists(const char *id)
{
	char p[128];
	struct stat sb;

	snprintf(p, sizeof(p), "containers/%s", id);
	return fstatat(st.fd, p, &sb, 0) == 0;
}

static void test_round_trip(void)
{
	struct container c, d;
	struct md_err err;

	make(&c, NULL, "round");
	free(c.command);
	/* Bytes the INI writer must escape, and a value longer than a line. */
	c.command = strdup("[\"sh\",\"-c\",\"echo ; # \\\\ \\\"x\\\"  \"]");
	c.env = malloc(2000);
	strcpy(c.env, "[\"PATH=/bin\",\"A= lead and trail \"");
	for (int i = 0; i < 40; i++)
		strcat(c.env, ",\"K=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"");
	strcat(c.env, "]");
	c.user = strdup("1000:+wheel");
	c.workdir = strdup("/srv/a dir/");
	c.caps = CAPS_DEFAULT | CAPS_BIT(MD_CAP_NET_ADMIN);
	c.privileged = 1;
	c.seccomp = 0;
	snprintf(c.hostname, sizeof(c.hostname), "box");
	snprintf(c.started, sizeof(c.started), "2024-01-02T03:04:05.000000006Z");
	snprintf(c.finished, sizeof(c.finished), "2024-01-02T03:04:06.5Z");
	c.status = CONTAINER_EXITED;
	c.pid = 0;
	c.pid_start = 123456789012345ULL;
	snprintf(c.boot_id, sizeof(c.boot_id), "3f1c2b7e-aaaa-bbbb-cccc-0123456789ab");
	c.exit_code = 137;
	c.oom_killed = 1;
	snprintf(c.error, sizeof(c.error), "why\nit ended;\tso");
	c.auto_remove = 0;
	snprintf(c.network, sizeof(c.network), "host");
	CHECK_OK(container_save(&st, &c, 1, &err), &err);
	CHECK_OK(container_load(&st, c.id, &d, &err), &err);
	CHECK_STR(d.id, c.id);
	CHECK_STR(d.name, "round");
	CHECK_STR(d.image, c.image);
	CHECK_STR(d.image_id, c.image_id);
	CHECK_STR(d.command, c.command);
	CHECK_STR(d.env, c.env);
	CHECK_STR(d.user, c.user);
	CHECK_STR(d.workdir, c.workdir);
	CHECK(d.caps == c.caps);
	CHECK(d.privileged == 1 && d.seccomp == 0);
	CHECK_STR(d.hostname, "box");
	CHECK_STR(d.created, c.created);
	CHECK_STR(d.started, c.started);
	CHECK_STR(d.finished, c.finished);
	CHECK(d.status == CONTAINER_EXITED);
	CHECK(d.pid == 0 && d.pid_start == c.pid_start);
	CHECK_STR(d.boot_id, c.boot_id);
	CHECK(d.exit_code == 137 && d.oom_killed == 1);
	CHECK_STR(d.error, c.error);
	CHECK(d.auto_remove == 0);
	CHECK_STR(d.network, "host");
	CHECK_STR(d.cgroup_parent, CGPARENT);
	CHECK(d.watch_fd == 0);
	container_free(&d);

	/* Every status word, with a live process where it has one (this
	 * one). */
	for (int s = CONTAINER_CREATED; s <= CONTAINER_DEAD; s++) {
		c.status = s;
		c.pid = getpid();
		c.pid_start = proc_start_time(c.pid);
		container_set_boot(&c);
		CHECK(container_status_parse(container_status_name(s)) == s);
		CHECK_OK(container_save(&st, &c, 0, &err), &err);
		CHECK_OK(container_load(&st, c.id, &d, &err), &err);
		CHECK(d.status == (enum container_status)s);
		container_free(&d);
	}
	CHECK(container_status_parse("Up") == -1);
	CHECK_STR(container_status_name(CONTAINER_RUNNING), "running");
	c.status = CONTAINER_EXITED;
	CHECK_OK(container_remove(&st, &c, 0, -1, NULL, &err), &err);
	container_free(&c);

	/* A state from before the new keys: defaults. */
	char p[160], old[300];
	make(&c, NULL, NULL);
	snprintf(p, sizeof(p), "containers/%s/state.ini", c.id);
	snprintf(old, sizeof(old), "id = %s\nname = %s\nimage = busybox\n"
		 "command = [\"true\"]\nstatus = exited\nexit_code = 3\n"
		 "oom_killed = false\n", c.id, c.name);
	CHECK_OK(file_write_at(st.fd, p, old, strlen(old), 0644, &err), &err);
	CHECK_OK(container_load(&st, c.id, &d, &err), &err);
	CHECK(d.status == CONTAINER_EXITED && d.exit_code == 3);
	CHECK_STR(d.env, "[]");
	CHECK_STR(d.user, "");
	CHECK_STR(d.workdir, "/");
	CHECK(d.seccomp == 1 && d.privileged == 0 && d.auto_remove == 0);
	container_free(&d);
	CHECK_OK(container_remove(&st, &c, 0, -1, NULL, &err), &err);
	container_free(&c);
}

static void test_resolve(void)
{
	static const char a_id[] =
		"abc1000000000000000000000000000000000000000000000000000000000001";
	static const char b_id[] =
		"abc2000000000000000000000000000000000000000000000000000000000002";
	struct container a, b, c;
	char id[CONTAINER_ID_LEN + 1];
	struct md_err err;

	make(&a, a_id, "abc2");	/* a name that is also B's prefix */
	make(&b, b_id, "beta");
	CHECK_OK(container_resolve(&st, "beta", id, &err), &err);
	CHECK_STR(id, b_id);
	CHECK_OK(container_resolve(&st, "/beta", id, &err), &err);
	CHECK_STR(id, b_id);
	CHECK_OK(container_resolve(&st, a_id, id, &err), &err);
	CHECK_STR(id, a_id);
	CHECK_OK(container_resolve(&st, "abc1", id, &err), &err);
	CHECK_STR(id, a_id);
	CHECK_OK(container_resolve(&st, "abc2", id, &err), &err);
	CHECK_STR(id, a_id);	/* the name wins, as in Docker */
	CHECK_OK(container_resolve(&st, "abc20", id, &err), &err);
	CHECK_STR(id, b_id);
	CHECK(container_resolve(&st, "abc", id, &err) < 0);
	CHECK_STR(err.msg, "multiple IDs found with provided prefix: abc");
	CHECK(container_resolve(&st, "nosuch", id, &err) < 0);
	CHECK(err.errnum == ENOENT);
	CHECK_STR(err.msg, "No such container: nosuch");
	CHECK(container_resolve(&st, "abc9", id, &err) < 0 && err.errnum == ENOENT);
	CHECK(container_resolve(&st, "", id, &err) < 0 && err.errnum == ENOENT);
	CHECK(container_resolve(&st,
		"abc3000000000000000000000000000000000000000000000000000000000003",
		id, &err) < 0 && err.errnum == ENOENT);
	CHECK_OK(container_lookup(&st, "beta", &c, &err), &err);
	CHECK_STR(c.name, "beta");
	container_free(&c);
	CHECK_OK(container_remove(&st, &a, 0, -1, NULL, &err), &err);
	CHECK_OK(container_remove(&st, &b, 0, -1, NULL, &err), &err);
	CHECK(container_resolve(&st, "beta", id, &err) < 0 && err.errnum == ENOENT);
	container_free(&a);
	container_free(&b);
}

static void test_list(void)
{
	static const char *const half[] = {
		"d000000000000000000000000000000000000000000000000000000000000001",
		"d000000000000000000000000000000000000000000000000000000000000002",
		"d000000000000000000000000000000000000000000000000000000000000003",
	};
	struct container a, b, d, *list;
	struct md_err err;
	char p[160];
	size_t n;

	make(&a, NULL, "one");
	make(&b, NULL, "two");
	/* Being made: no state yet; a spare's cleared one; another's. */
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "containers/%s", half[i]);
		CHECK(mkdirat(st.fd, p, 0700) == 0);
		snprintf(p, sizeof(p), "containers/%s/state.ini", half[i]);
		if (i == 1)
			CHECK_OK(file_write_at(st.fd, p, "; recycled\n", 11, 0644, &err), &err);
		if (i == 2) {
			char other[100];
			snprintf(other, sizeof(other), "id = %s\n", a.id);
			CHECK_OK(file_write_at(st.fd, p, other, strlen(other), 0644, &err), &err);
		}
	}
	CHECK(container_list(&st, &list, &n, &err) == 0);
	CHECK(n == 2);
	for (size_t i = 0; i < n; i++)
		CHECK(!strcmp(list[i].id, a.id) || !strcmp(list[i].id, b.id));
	container_list_free(list, n);
	CHECK(container_using_image(&st, a.image_id, p, sizeof(p)) == 1);
	CHECK(container_using_image(&st, "sha256:0123", p, sizeof(p)) == 0);

	/* A damaged state: named, the others still listed. */
	snprintf(p, sizeof(p), "containers/%s/state.ini", b.id);
	CHECK_OK(file_write_at(st.fd, p, "id = x\nstatus = bogus\n", 22, 0644, &err), &err);
	CHECK(container_list(&st, &list, &n, &err) == 1);
	CHECK(n == 1 && !strcmp(list[0].id, a.id));
	CHECK(strstr(err.msg, b.id) && strstr(err.msg, "state.ini"));
	container_list_free(list, n);
	CHECK(container_load(&st, b.id, &d, &err) < 0 && err.errnum != ENOENT);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "containers/%s", half[i]);
		rm_rf_at(st.fd, p);
	}
	CHECK_OK(container_remove(&st, &a, 0, -1, NULL, &err), &err);
	CHECK_OK(container_remove(&st, &b, 0, -1, NULL, &err), &err);
	container_free(&a);
	container_free(&b);
}

/* A pid that was a process and is no more (reaped). */
static pid_t dead_pid(uint64_t *start)
{
	pid_t pid = fork();
	int s;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	*start = proc_start_time(pid);
	kill(pid, SIGKILL);
	waitpid(pid, &s, 0);
	return pid;
}

/* c made running with pid and start, a cgroup of its own. */
static void set_running(struct container *c, pid_t pid, uint64_t start)
{
	struct cg_limits lim = { .all_devices = 1 };
	struct cgroup cg = { 0 };
	struct md_err err;

	c->status = CONTAINER_RUNNING;
	c->pid = pid;
	c->pid_start = start;
	container_set_boot(c);
	snprintf(c->started, sizeof(c->started), "%s", c->created);
	if (cgroup_load(&cg, CGPARENT, c->id, &err) == 0)
		CHECK_OK(cgroup_create(&cg, CGPARENT, c->id, &lim, &err), &err);
	CHECK_OK(container_save(&st, c, 0, &err), &err);
}

static int cgroup_left(const char *id)
{
	struct cgroup cg = { 0 };
	struct md_err err;

	return cgroup_load(&cg, CGPARENT, id, &err);
}

/* Loaded: exited 255 with a reason, on disk too, its cgroup gone. */
static void expect_ended(const char *id, const char *why)
{
	struct container d;
	struct md_err err;

	for (int pass = 0; pass < 2; pass++) {	/* settled, then as stored */
		if (container_load(&st, id, &d, &err) < 0) {
			fails++;
			fprintf(stderr, "load %s: %s\n", id, err.msg);
			return;
		}
		CHECK(d.status == CONTAINER_EXITED);
		CHECK(d.exit_code == 255);
		CHECK(d.pid == 0);
		CHECK(d.finished[0]);
		if (!strstr(d.error, why)) {
			fails++;
			fprintf(stderr, "error '%s' lacks '%s'\n", d.error, why);
		}
		container_free(&d);
	}
	CHECK(cgroup_left(id) == 0);
}

static void test_truth(void)
{
	struct container c, d;
	struct md_err err;
	uint64_t start;
	pid_t pid;
	int fd, s;

	/* Alive and the same process: running. */
	make(&c, NULL, "alive");
	set_running(&c, getpid(), proc_start_time(getpid()));
	CHECK_OK(container_load(&st, c.id, &d, &err), &err);
	CHECK(d.status == CONTAINER_RUNNING && d.pid == getpid());
	CHECK(cgroup_left(c.id) > 0);
	container_free(&d);
	/* Its pid now another process's (start time differs). */
	set_running(&c, getpid(), proc_start_time(getpid()) + 1);
	expect_ended(c.id, "killed");
	container_free(&c);

	/* A dead pid, but watched: its watcher is about to record how it
	 * ended, so it stays as it is; once the watch is gone, it ended
	 * unwatched. */
	make(&c, NULL, "dead");
	pid = dead_pid(&start);
	set_running(&c, pid, start);
	CHECK((fd = container_watch(&st, c.id, &err)) >= 3);
	CHECK_OK(container_load(&st, c.id, &d, &err), &err);
	CHECK(d.status == CONTAINER_RUNNING);
	container_free(&d);
	close(fd);
	expect_ended(c.id, "md-run (or the container's monitor) was killed");
	/* Not --rm: kept, and its name stays taken. */
	CHECK(dir_exists(c.id));
	memset(&d, 0, sizeof(d));
	container_new(&d);
	snprintf(d.name, sizeof(d.name), "dead");
	CHECK(container_create(&st, &d, &err) < 0);
	CHECK(strstr(err.msg, "is already in use") != NULL);
	CHECK(!dir_exists(d.id));
	CHECK_OK(container_remove(&st, &c, 0, -1, NULL, &err), &err);
	container_free(&c);

	/* A zombie: ended, though its pid still shows. */
	make(&c, NULL, NULL);
	if ((pid = fork()) == 0)
		_exit(0);
	waitid(P_PID, pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT);	/* not reaped */
	set_running(&c, pid, proc_start_time(pid));
	expect_ended(c.id, "killed");
	waitpid(pid, &s, 0);
	CHECK_OK(container_remove(&st, &c, 0, -1, NULL, &err), &err);
	container_free(&c);

	/* Another boot's pid. */
	make(&c, NULL, NULL);
	set_running(&c, getpid(), proc_start_time(getpid()));
	snprintf(c.boot_id, sizeof(c.boot_id), "00000000-0000-0000-0000-000000000000");
	CHECK_OK(container_save(&st, &c, 0, &err), &err);
	expect_ended(c.id, "restarted");
	CHECK_OK(container_remove(&st, &c, 0, -1, NULL, &err), &err);
	container_free(&c);

	/* --rm: removed entirely, its name free again. */
	make(&c, NULL, "gone");
	c.auto_remove = 1;
	pid = dead_pid(&start);
	set_running(&c, pid, start);
	CHECK(container_load(&st, c.id, &d, &err) < 0 && err.errnum == ENOENT);
	CHECK(!dir_exists(c.id));
	CHECK(cgroup_left(c.id) == 0);
	CHECK(faccessat(st.fd, "names/gone", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	container_free(&c);
	/* The same found by a name claim: the name is free. */
	make(&c, NULL, "gone2");
	c.auto_remove = 1;
	pid = dead_pid(&start);
	set_running(&c, pid, start);
	make(&d, NULL, "gone2");
	CHECK(dir_exists(d.id) && !dir_exists(c.id));
	CHECK_OK(container_remove(&st, &d, 0, -1, NULL, &err), &err);
	container_free(&c);
	container_free(&d);

	/* Created running: the creator watches it from the start. */
	memset(&c, 0, sizeof(c));
	container_new(&c);
	c.status = CONTAINER_RUNNING;
	pid = dead_pid(&start);
	c.pid = pid;
	c.pid_start = start;
	CHECK_OK(container_create(&st, &c, &err), &err);
	CHECK(c.watch_fd >= 3 && c.boot_id[0]);
	CHECK_OK(container_load(&st, c.id, &d, &err), &err);
	CHECK(d.status == CONTAINER_RUNNING);
	container_free(&d);
	/* (Its state says running: only its watcher, whose run ended,
	 * removes it so.) */
	CHECK(container_remove(&st, &c, 0, -1, NULL, &err) < 0 && err.errnum == EBUSY);
	CHECK_OK(container_remove(&st, &c, RM_ENDED, -1, NULL, &err), &err);
	container_free(&c);
	CHECK(c.watch_fd == 0);
}

static void cleanup_cgroups(void)
{
	struct cgroup cg = { 0 };
	struct md_err err;
	char p[PATH_MAX];

	if (cgroup_detect(&cg, &err) < 0)
		return;
	for (int i = 0; i < cg.n; i++) {
		DIR *d;
		struct dirent *de;
		snprintf(p, sizeof(p), "%s/" CGPARENT, cg.h[i].mnt);
		/* (Leaves a failed check left.) */
		int dfd = open(p, O_RDONLY | O_DIRECTORY);
		if (dfd >= 0 && (d = fdopendir(dfd))) {
			while ((de = readdir(d)))
				if (de->d_type == DT_DIR && de->d_name[0] != '.')
					unlinkat(dfd, de->d_name, AT_REMOVEDIR);
			closedir(d);
		}
		rmdir(p);
	}
}

int main(void)
{
	char dir[] = "/tmp/md-unit-ctr.XXXXXX";
	struct md_err err;

	if (getuid() != 0) {
		printf("skipped: needs root (cgroups)\n");
		return 0;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	store_set_root(dir);
	if (store_open(&st, STORE_WRITE, &err) < 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	test_round_trip();
	test_resolve();
	test_list();
	test_truth();
	store_close(&st);
	cleanup_cgroups();
	rm_rf_at(AT_FDCWD, dir);
	if (fails)
		fprintf(stderr, "%d check(s) failed\n", fails);
	return fails != 0;
}
