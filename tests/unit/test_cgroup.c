/* cgroup limit parsers, and as root the real thing on this host: a
 * cgroup with every limit, joining it, an OOM kill, a pids limit, removal;
 * then the v2 code path (clone3 CLONE_INTO_CGROUP, cgroup.kill) on the
 * host's cgroup2 tree, which on a hybrid host has no controllers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_OK(c, e) do { if ((c) < 0) { fails++; \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #c, (e)->msg); } } while (0)

#define PARENT "md-unittest/nested"

static void mem_ok(const char *s, int64_t want)
{
	struct md_err err;
	int64_t v = -1;

	if (cg_parse_memory(s, &v, &err) < 0 || v != want) {
		fails++;
		fprintf(stderr, "memory '%s': got %lld want %lld\n", s, (long long)v,
			(long long)want);
	}
}

static void mem_bad(const char *s)
{
	struct md_err err;
	int64_t v;

	if (cg_parse_memory(s, &v, &err) == 0) {
		fails++;
		fprintf(stderr, "memory '%s' accepted as %lld\n", s, (long long)v);
	} else {
		CHECK(strstr(err.msg, "invalid size"));
	}
}

static void cpus_ok(const char *s, int64_t want)
{
	struct md_err err;
	int64_t v = -1;

	if (cg_parse_cpus(s, &v, &err) < 0 || v != want) {
		fails++;
		fprintf(stderr, "cpus '%s': got %lld want %lld\n", s, (long long)v,
			(long long)want);
	}
}

static void cpus_bad(const char *s)
{
	struct md_err err;
	int64_t v;

	if (cg_parse_cpus(s, &v, &err) == 0) {
		fails++;
		fprintf(stderr, "cpus '%s' accepted as %lld\n", s, (long long)v);
	}
}

static void test_parsers(void)
{
	struct md_err err;
	struct cg_limits l = { 0 };
	static const char *cpuset_good[] = { "0", "0-3", "0,2-5", "10-11,1", "3-3" };
	static const char *cpuset_bad[] = { "", "a", "3-1", "0-", ",0", "0,", "1 2",
					    "-1", "0--2", "99999" };

	mem_ok("512m", 512LL << 20);
	mem_ok("1g", 1LL << 30);
	mem_ok("1G", 1LL << 30);
	mem_ok("100k", 102400);
	mem_ok("10b", 10);
	mem_ok("4096", 4096);
	mem_ok("1.5g", 3LL << 29);
	mem_ok("1GiB", 1LL << 30);
	mem_ok("1gb", 1LL << 30);
	mem_ok("64MB", 64LL << 20);
	mem_ok("1 m", 1 << 20);
	mem_ok("0.5k", 512);
	mem_ok(".5k", 512);
	mem_ok("1.k", 1024);
	mem_ok("0.3k", 307);		/* floored, as Docker's int64() */
	mem_ok("1p", 1LL << 50);
	mem_ok("8191p", 8191LL << 50);
	mem_ok("0", 0);
	mem_bad("");
	mem_bad("m");
	mem_bad("-1m");
	mem_bad("1x");
	mem_bad("1mm");
	mem_bad("1 ");
	mem_bad(" 1");
	mem_bad("1ib");
	mem_bad("1mi");
	mem_bad("1mbb");
	mem_bad("1.2.3");
	mem_bad("1e3");
	mem_bad("8192p");
	mem_bad("99999999999999999999");
	mem_bad(".");

	cpus_ok("0.5", 500000000);
	cpus_ok("1.25", 1250000000);
	cpus_ok("2", 2000000000);
	cpus_ok(".5", 500000000);
	cpus_ok("1.", 1000000000);
	cpus_ok("0.000000001", 1);
	cpus_ok("0.1234567890", 123456789);
	cpus_bad("0.1234567891");
	cpus_bad("");
	cpus_bad(".");
	cpus_bad("abc");
	cpus_bad("-1");
	cpus_bad("1e3");
	cpus_bad("1,5");
	cpus_bad("1.5x");
	cpus_bad("99999999999");

	for (size_t i = 0; i < ARRAY_SIZE(cpuset_good); i++)
		CHECK(cg_parse_cpuset(cpuset_good[i], &err) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(cpuset_bad); i++)
		if (cg_parse_cpuset(cpuset_bad[i], &err) == 0) {
			fails++;
			fprintf(stderr, "cpuset '%s' accepted\n", cpuset_bad[i]);
		}

	CHECK(cg_shares_to_weight(0) == 0);
	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1) == 1);
	CHECK(cg_shares_to_weight(512) == 20);
	CHECK(cg_shares_to_weight(1024) == 39);
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_shares_to_weight(1000000) == 10000);

	CHECK(cgroup_check_limits(&l, &err) == 0);
	l.memory = 1 << 20;
	CHECK(cgroup_check_limits(&l, &err) < 0);
	CHECK(!strcmp(err.msg, "Minimum memory limit allowed is 6MB"));
	l.memory = CG_MIN_MEMORY;
	CHECK(cgroup_check_limits(&l, &err) == 0);
	l.nano_cpus = 1000000;		/* 0.001 */
	CHECK(cgroup_check_limits(&l, &err) < 0);
	CHECK(strstr(err.msg, "Range of CPUs is from 0.01 to"));
	l.nano_cpus = 10000000;
	CHECK(cgroup_check_limits(&l, &err) == 0);
	l.nano_cpus = 100000LL * 1000000000;
	CHECK(cgroup_check_limits(&l, &err) < 0);
	l.nano_cpus = 0;
	l.cpuset_cpus = "1-";
	CHECK(cgroup_check_limits(&l, &err) < 0);
	l.cpuset_cpus = NULL;
	l.cpu_shares = -5;
	CHECK(cgroup_check_limits(&l, &err) < 0);
}

static void test_names(void)
{
	static const char *bad_parent[] = { "..", "a/../b", "a b", "x/./y", "a\nb" };
	struct cgroup cg = { 0 };
	struct md_err err;

	/* A filled-in hierarchy keeps cgroup_load from touching the host. */
	cg.n = 1;
	cg.mode = CG_V2;
	strcpy(cg.h[0].mnt, "/nonexistent-cgroup-root");
	cg.h[0].v2 = 1;
	CHECK(cgroup_load(&cg, NULL, "abc", &err) == 0);
	CHECK(!strcmp(cg.rel, "md/abc"));
	CHECK(cgroup_load(&cg, "", "abc", &err) == 0 && !strcmp(cg.rel, "md/abc"));
	CHECK(cgroup_load(&cg, "/", "abc", &err) == 0 && !strcmp(cg.rel, "abc"));
	CHECK(cgroup_load(&cg, "/a//b/", "abc", &err) == 0 && !strcmp(cg.rel, "a/b/abc"));
	CHECK(cgroup_load(&cg, "machine.slice", "x", &err) == 0 &&
	      !strcmp(cg.rel, "machine.slice/x"));
	for (size_t i = 0; i < ARRAY_SIZE(bad_parent); i++)
		CHECK(cgroup_load(&cg, bad_parent[i], "abc", &err) < 0);
	CHECK(cgroup_load(&cg, NULL, "..", &err) < 0);
	CHECK(cgroup_load(&cg, NULL, "a/b", &err) < 0);
	CHECK(cgroup_load(&cg, NULL, "", &err) < 0);
	CHECK(cgroup_load(&cg, NULL, NULL, &err) < 0);
	/* Removing a cgroup that is not there is fine. */
	CHECK(cgroup_destroy(&cg, 1, &err) == 0);
}

static void test_mountinfo(void)
{
	/* A co-mounted cpu,cpuacct (its cpu and cpuacct names are symlinks,
	 * not mounts), one hierarchy mounted twice, an escaped mount point,
	 * a named hierarchy, and a v2 tree beside them. */
	char hybrid[] =
		"22 1 0:20 / /sys rw - sysfs sysfs rw\n"
		"31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/unified rw shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
		"33 31 0:30 / /sys/fs/cgroup/systemd rw shared:5 - cgroup cgroup rw,xattr,name=systemd\n"
		"36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw shared:8 - cgroup cgroup rw,cpu,cpuacct\n"
		"37 31 0:34 / /sys/fs/cgroup/memory rw shared:9 master:3 - cgroup cgroup rw,memory\n"
		"38 31 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		"39 31 0:36 / /mnt/my\\040cpuset rw - cgroup cgroup rw,cpuset,clone_children\n"
		"40 31 0:34 / /mnt/memory-again rw - cgroup cgroup rw,memory\n";
	char v1[] = "37 31 0:34 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
	char none[] = "22 1 0:20 / /sys rw - sysfs sysfs rw\n";
	char v2[] = "30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	struct cgroup cg = { 0 };
	struct md_err err;

	CHECK(cgroup_detect_mountinfo(&cg, hybrid, &err) == 0);
	CHECK(cg.mode == CG_HYBRID);
	CHECK(cg.n == 6);
	CHECK(!strcmp(cg.h[0].mnt, "/sys/fs/cgroup/unified") && cg.h[0].v2);
	CHECK(!strcmp(cg.h[1].mnt, "/sys/fs/cgroup/systemd") && cg.h[1].ctrl == 0);
	CHECK(!strcmp(cg.h[2].mnt, "/sys/fs/cgroup/cpu,cpuacct"));
	CHECK(cg.h[2].ctrl == (CG_CPU | CG_CPUACCT) && !cg.h[2].v2);
	CHECK(!strcmp(cg.h[3].mnt, "/sys/fs/cgroup/memory") && cg.h[3].ctrl == CG_MEMORY);
	CHECK(cg.h[4].ctrl == CG_PIDS);
	CHECK(!strcmp(cg.h[5].mnt, "/mnt/my cpuset") && cg.h[5].ctrl == CG_CPUSET);
	CHECK(cgroup_detect_mountinfo(&cg, v1, &err) == 0 && cg.mode == CG_V1 && cg.n == 1);
	CHECK(cgroup_detect_mountinfo(&cg, v2, &err) == 0 && cg.mode == CG_V2 && cg.n == 1);
	CHECK(cgroup_detect_mountinfo(&cg, none, &err) < 0);
}

/* ---- live tests ---- */

/* The hierarchy a controller's files are in, as the library picks it. */
static const struct cg_hier *hier_of(const struct cgroup *cg, unsigned ctrl)
{
	for (int v2 = 0; v2 <= 1; v2++)
		for (int i = 0; i < cg->n; i++)
			if (cg->h[i].v2 == v2 && (cg->h[i].ctrl & ctrl))
				return &cg->h[i];
	return NULL;
}

static int read_leaf(const struct cgroup *cg, unsigned ctrl, const char *v1file,
		     const char *v2file, char *buf, size_t len)
{
	const struct cg_hier *h = hier_of(cg, ctrl);
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = 0;
	if (!h)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", h->mnt, cg->rel, h->v2 ? v2file : v1file);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

#define LEAF_IS(cg, ctrl, f1, f2, want) do { char _b[256]; \
	read_leaf(cg, ctrl, f1, f2, _b, sizeof(_b)); \
	if (strcmp(_b, want)) { fails++; fprintf(stderr, "%s:%d: %s/%s = '%s', want '%s'\n", \
		__FILE__, __LINE__, f1, f2, _b, want); } } while (0)

static int leaf_exists(const struct cg_hier *h, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", h->mnt, rel);
	return stat(path, &st) == 0;
}

/* A child blocked on a pipe until go() lets it run fn. */
struct kid {
	pid_t pid;
	int go, report;		/* write end to release it, read end of its reports */
};

static void spawn(struct kid *k, void (*fn)(int out))
{
	int go[2], rep[2];
	char c;

	if (pipe(go) < 0 || pipe(rep) < 0)
		abort();
	k->pid = fork();
	if (k->pid == 0) {
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(99);
		fn(rep[1]);
		_exit(0);
	}
	close(go[0]);
	close(rep[1]);
	k->go = go[1];
	k->report = rep[0];
}

static void release(struct kid *k)
{
	CHECK(write(k->go, "x", 1) == 1);
	close(k->go);
}

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void do_pause(int out)
{
	for (;;)
		pause();
}

static void do_hog(int out)
{
	size_t len = 200 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(3);			/* survived: the limit did not hold */
}

static void do_forks(int out)
{
	int n = 0, e = 0;

	for (int i = 0; i < 200; i++) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0) {
			e = errno;
			break;
		}
		n++;
	}
	dprintf(out, "%d %d\n", n, e);
	for (;;)
		pause();
}

/* Every line of /proc/PID/cgroup names rel (with v2_only, the v2 one). */
static int in_cgroup(pid_t pid, const struct cgroup *cg, int v2_only, int *lines)
{
	char path[64], buf[4096], want[400], *line, *save;
	int fd, ok = 1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "/%s", cg->rel);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	/* lines: how many hierarchies have pid in the cgroup. */
	*lines = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (v2_only && strncmp(line, "0::", 3))
			continue;
		if (p && !strcmp(p + 1, want))
			(*lines)++;
		else if (v2_only)
			ok = 0;
	}
	if (!*lines) {
		fprintf(stderr, "pid %d is not in %s\n", (int)pid, want);
		ok = 0;
	}
	return ok;
}

static void all_gone(const struct cgroup *cg)
{
	for (int i = 0; i < cg->n; i++)
		if (leaf_exists(&cg->h[i], cg->rel)) {
			fails++;
			fprintf(stderr, "left behind: %s/%s\n", cg->h[i].mnt, cg->rel);
		}
}

/* The controllers md makes a cgroup for, limits or not. */
#define MD_CTRLS (CG_CPU | CG_CPUACCT | CG_CPUSET | CG_MEMORY | CG_PIDS | \
		  CG_DEVICES | CG_FREEZER)

/* Without limits, and --privileged too: the same hierarchies as with
 * them, so every process is found and accounted; a process entered is
 * in each. */
static void test_no_limits(const struct cgroup *host)
{
	for (int all = 0; all <= 1; all++) {
		struct cgroup cg = *host;
		struct cg_limits l = { .all_devices = all };
		struct md_err err;
		struct kid k;
		char id[64];
		int lines;

		snprintf(id, sizeof(id), "none-%d-%d", all, (int)getpid());
		if (cgroup_create(&cg, PARENT, id, &l, &err) < 0) {
			fails++;
			fprintf(stderr, "cgroup_create: %s\n", err.msg);
			return;
		}
		int n = 0;
		for (int i = 0; i < cg.n; i++) {
			CHECK(cg.h[i].present == (cg.mode == CG_V2 ||
						  !!(cg.h[i].ctrl & MD_CTRLS)));
			n += cg.h[i].present;
		}
		spawn(&k, do_pause);
		CHECK_OK(cgroup_enter(&cg, k.pid, &err), &err);
		release(&k);
		/* One line of /proc/PID/cgroup names the leaf per hierarchy. */
		CHECK(in_cgroup(k.pid, &cg, 0, &lines) && lines == n);
		CHECK_OK(cgroup_destroy(&cg, 1, &err), &err);
		CHECK(WTERMSIG(wait_status(k.pid)) == SIGKILL);
		close(k.report);
		all_gone(&cg);
	}
}

static void test_limits(const struct cgroup *host)
{
	struct cgroup cg = *host, again = { 0 };
	struct cg_limits l = { .memory = 64 << 20, .nano_cpus = 500000000,
			       .cpu_shares = 512, .cpuset_cpus = "0", .pids = 20 };
	struct md_err err;
	struct kid k;
	char id[64];
	int lines = 0, n = 0;

	snprintf(id, sizeof(id), "limits-%d", (int)getpid());
	if (cgroup_create(&cg, PARENT, id, &l, &err) < 0) {
		fails++;
		fprintf(stderr, "cgroup_create: %s\n", err.msg);
		return;
	}
	LEAF_IS(&cg, CG_MEMORY, "memory.limit_in_bytes", "memory.max", "67108864");
	if (!hier_of(&cg, CG_MEMORY)->v2) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s/memory.memsw.limit_in_bytes",
			 hier_of(&cg, CG_MEMORY)->mnt, cg.rel);
		if (access(path, F_OK) == 0)
			LEAF_IS(&cg, CG_MEMORY, "memory.memsw.limit_in_bytes", "-",
				"67108864");
		LEAF_IS(&cg, CG_CPU, "cpu.cfs_quota_us", "-", "50000");
		LEAF_IS(&cg, CG_CPU, "cpu.cfs_period_us", "-", "100000");
	} else {
		LEAF_IS(&cg, CG_MEMORY, "-", "memory.swap.max", "0");
		LEAF_IS(&cg, CG_CPU, "-", "cpu.max", "50000 100000");
	}
	LEAF_IS(&cg, CG_CPU, "cpu.shares", "cpu.weight", hier_of(&cg, CG_CPU)->v2 ? "20" : "512");
	LEAF_IS(&cg, CG_CPUSET, "cpuset.cpus", "cpuset.cpus", "0");
	LEAF_IS(&cg, CG_PIDS, "pids.max", "pids.max", "20");
	/* Made in each hierarchy of a controller md uses, not in the
	 * others (blkio, name=systemd), nor in a hybrid host's v2 tree. */
	for (int i = 0; i < cg.n; i++) {
		if (cg.mode != CG_V2)
			CHECK(cg.h[i].present == !!(cg.h[i].ctrl & MD_CTRLS));
		n += cg.h[i].present;
	}
	if (cg.mode == CG_HYBRID)
		for (int i = 0; i < cg.n; i++)
			if (cg.h[i].v2)
				CHECK(!leaf_exists(&cg.h[i], cg.rel));
	CHECK(cgroup_fd_v2(&cg, &err) < 0 ? cg.mode != CG_V2 && err.errnum == EOPNOTSUPP
					  : cg.mode == CG_V2);
	/* A second container can never get the same cgroup. */
	again = *host;
	CHECK(cgroup_create(&again, PARENT, id, &l, &err) < 0);
	CHECK(err.errnum == EEXIST);
	for (int i = 0; i < cg.n; i++)
		CHECK(leaf_exists(&cg.h[i], cg.rel) == cg.h[i].present);

	/* Another md process finds it by id. */
	memset(&again, 0, sizeof(again));
	CHECK(cgroup_load(&again, PARENT, id, &err) == n);
	CHECK(again.mode == cg.mode && !strcmp(again.rel, cg.rel));

	spawn(&k, do_pause);
	CHECK_OK(cgroup_enter(&again, k.pid, &err), &err);
	CHECK(in_cgroup(k.pid, &cg, 0, &lines));
	CHECK(lines == n);
	release(&k);
	CHECK(cgroup_oom_killed(&cg, &err) == 0);

	/* Without kill, a live process keeps the cgroup: an error, not a hang. */
	CHECK(cgroup_destroy(&cg, 0, &err) < 0 && err.errnum == EBUSY);
	CHECK(kill(k.pid, 0) == 0);
	CHECK_OK(cgroup_destroy(&cg, 1, &err), &err);
	CHECK(WIFSIGNALED(wait_status(k.pid)));
	close(k.report);
	all_gone(&cg);
	CHECK_OK(cgroup_destroy(&cg, 1, &err), &err);	/* idempotent */
	memset(&again, 0, sizeof(again));
	CHECK(cgroup_load(&again, PARENT, id, &err) == 0);
	CHECK(cgroup_enter(&again, getpid(), &err) < 0 && err.errnum == ENOENT);
}

static void test_oom(const struct cgroup *host)
{
	struct cgroup cg = *host;
	struct cg_limits l = { .memory = 32 << 20 };
	struct md_err err;
	struct kid k;
	char id[64];
	int st;

	snprintf(id, sizeof(id), "oom-%d", (int)getpid());
	if (cgroup_create(&cg, PARENT, id, &l, &err) < 0) {
		fails++;
		fprintf(stderr, "cgroup_create: %s\n", err.msg);
		return;
	}
	spawn(&k, do_hog);
	CHECK_OK(cgroup_enter(&cg, k.pid, &err), &err);
	release(&k);
	st = wait_status(k.pid);
	close(k.report);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	if (!WIFSIGNALED(st))
		fprintf(stderr, "oom child: status %#x\n", st);
	CHECK(cgroup_oom_killed(&cg, &err) == 1);
	CHECK_OK(cgroup_destroy(&cg, 0, &err), &err);
	all_gone(&cg);
}

/* A refused limit undoes the whole create. */
static void test_refused(const struct cgroup *host)
{
	struct cgroup cg = *host;
	struct cg_limits l = { .memory = 64 << 20, .cpuset_cpus = "0-4095" };
	struct md_err err;
	char id[64];

	snprintf(id, sizeof(id), "refused-%d", (int)getpid());
	CHECK(cgroup_create(&cg, PARENT, id, &l, &err) < 0);
	CHECK(strstr(err.msg, "Requested CPUs are not available - requested 0-4095"));
	fprintf(stderr, "(expected) %s\n", err.msg);
	all_gone(&cg);
}

static void test_pids(const struct cgroup *host)
{
	struct cgroup cg = *host;
	struct cg_limits l = { .pids = 20 };
	struct md_err err;
	struct kid k;
	char id[64], buf[64] = "";
	int n = -1, e = 0;

	snprintf(id, sizeof(id), "pids-%d", (int)getpid());
	if (cgroup_create(&cg, PARENT, id, &l, &err) < 0) {
		fails++;
		fprintf(stderr, "cgroup_create: %s\n", err.msg);
		return;
	}
	spawn(&k, do_forks);
	CHECK_OK(cgroup_enter(&cg, k.pid, &err), &err);
	release(&k);
	CHECK(read(k.report, buf, sizeof(buf) - 1) > 0);
	sscanf(buf, "%d %d", &n, &e);
	CHECK(n == 19);			/* the forking child is the 20th */
	CHECK(e == EAGAIN);
	CHECK_OK(cgroup_destroy(&cg, 1, &err), &err);
	CHECK(WIFSIGNALED(wait_status(k.pid)));
	close(k.report);
	all_gone(&cg);
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_ 0x200000000ULL

/* The v2 path against the host's cgroup2 tree, as if it were a pure v2
 * host; on a hybrid host that tree has no controllers. */
static void test_v2_tree(const struct cgroup *host)
{
	struct cgroup cg = { 0 };
	struct cg_limits l = { .memory = 64 << 20 };
	struct clone_args_v2 ca = { 0 };
	struct md_err err;
	struct kid k;
	char id[64];
	int fd, lines;
	long pid;

	for (int i = 0; i < host->n; i++)
		if (host->h[i].v2)
			cg.h[cg.n++] = host->h[i];
	if (!cg.n) {
		fprintf(stderr, "skip: no cgroup2 hierarchy\n");
		return;
	}
	cg.mode = CG_V2;
	snprintf(id, sizeof(id), "v2-%d", (int)getpid());
	if (!(cg.h[0].ctrl & CG_MEMORY)) {
		CHECK(cgroup_create(&cg, PARENT, id, &l, &err) < 0);
		CHECK(strstr(err.msg, "no memory controller"));
		CHECK(!leaf_exists(&cg.h[0], cg.rel));
	}
	if (cgroup_create(&cg, PARENT, id, NULL, &err) < 0) {
		fails++;
		fprintf(stderr, "cgroup_create v2: %s\n", err.msg);
		return;
	}
	fd = cgroup_fd_v2(&cg, &err);
	CHECK_OK(fd, &err);
	ca.flags = CLONE_INTO_CGROUP_;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = fd;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		/* One line, "0::/<rel>", before anything else ran. */
		_exit(in_cgroup(getpid(), &cg, 1, &lines) && lines == 1 ? 0 : 1);
	}
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG)) {
		fprintf(stderr, "skip: clone3 CLONE_INTO_CGROUP: %s\n", strerror(errno));
	} else {
		int st = wait_status(pid);
		CHECK(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(fd);

	spawn(&k, do_pause);
	CHECK_OK(cgroup_enter(&cg, k.pid, &err), &err);
	release(&k);
	CHECK(in_cgroup(k.pid, &cg, 1, &lines) && lines == 1);
	CHECK_OK(cgroup_destroy(&cg, 1, &err), &err);	/* cgroup.kill */
	CHECK(WTERMSIG(wait_status(k.pid)) == SIGKILL);
	close(k.report);
	all_gone(&cg);
}

/* The test's own parent levels go too; md keeps its "md" parent. */
static void remove_parents(const struct cgroup *host)
{
	char path[PATH_MAX];

	for (int i = 0; i < host->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", host->h[i].mnt, PARENT);
		rmdir(path);
		*strrchr(path, '/') = 0;
		if (rmdir(path) < 0 && errno != ENOENT) {
			fails++;
			fprintf(stderr, "rmdir %s: %s\n", path, strerror(errno));
		}
	}
}

static void timed(const char *name, void (*fn)(const struct cgroup *),
		  const struct cgroup *host)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	fn(host);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%s: %ld ms\n", name, (long)((b.tv_sec - a.tv_sec) * 1000 +
					    (b.tv_nsec - a.tv_nsec) / 1000000));
}

int main(void)
{
	static const char *modes[] = { "none", "v1", "hybrid", "v2" };
	struct cgroup host = { 0 };
	struct md_err err;

	test_parsers();
	test_names();
	test_mountinfo();
	if (geteuid() != 0) {
		fprintf(stderr, "skip live cgroup tests: not root\n");
		return fails != 0;
	}
	if (cgroup_detect(&host, &err) < 0) {	/* root: it must work */
		fprintf(stderr, "FAIL cgroup_detect: %s\n", err.msg);
		return 1;
	}
	printf("cgroup mode %s:", modes[host.mode]);
	for (int i = 0; i < host.n; i++)
		printf(" %s%s", host.h[i].mnt, host.h[i].v2 ? "(v2)" : "");
	printf("\n");
	fflush(stdout);
	/* Killed grandchildren come back to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	timed("no limits", test_no_limits, &host);
	timed("limits", test_limits, &host);
	timed("oom", test_oom, &host);
	timed("pids", test_pids, &host);
	timed("refused", test_refused, &host);
	timed("v2 tree", test_v2_tree, &host);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	remove_parents(&host);
	if (fails)
		fprintf(stderr, "%d failed\n", fails);
	return fails != 0;
}
