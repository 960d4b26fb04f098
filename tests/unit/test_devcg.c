/* The device allowlist (lib/devcg.c) as the kernel applies it: as root,
 * a child in a cgroup made by cgroup_create makes device nodes of many
 * kinds on a tmpfs of its own and opens each for reading and writing;
 * what it may do must be Docker's list, on this host's own cgroup mode
 * (the v1 devices controller on a v1 or hybrid host) and with the BPF
 * program on the host's cgroup2 tree (on a hybrid host: a v2 tree with
 * no controllers, where cgroup BPF works all the same). Nodes that do
 * not exist on the host are probed where that suffices, and none is
 * read or written: opening is what the policy decides. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "devcg.h"

static int fails;

#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #c); } } while (0)

#define PARENT "md-unittest-devcg"

/* What the policy lets a container do with each node: of "mrw" (mknod,
 * open for reading, for writing), "-" where it may not. */
static const struct probe {
	char type;
	unsigned major, minor;
	const char *want;
} probes[] = {
	{ 'c', 1, 3, "mrw" },		/* null */
	{ 'c', 1, 5, "mrw" },		/* zero */
	{ 'c', 1, 7, "mrw" },		/* full */
	{ 'c', 1, 8, "mrw" },		/* random */
	{ 'c', 1, 9, "mrw" },		/* urandom */
	{ 'c', 5, 0, "mrw" },		/* tty */
	{ 'c', 5, 1, "mrw" },		/* console */
	{ 'c', 5, 2, "mrw" },		/* ptmx */
	{ 'c', 136, 3, "mrw" },		/* a pts */
	{ 'c', 10, 200, "mrw" },	/* tun */
	{ 'c', 1, 11, "m--" },		/* kmsg */
	{ 'c', 1, 2, "m--" },		/* a neighbour of null and zero */
	{ 'c', 5, 3, "m--" },		/* and of ptmx */
	{ 'c', 137, 3, "m--" },		/* of the pts */
	{ 'c', 10, 229, "m--" },	/* fuse: Docker denies it by name */
	{ 'c', 10, 232, "m--" },	/* kvm */
	{ 'c', 10, 183, "m--" },	/* hwrng */
	{ 'b', 7, 250, "m--" },		/* a loop device */
	{ 'b', 1, 3, "m--" },		/* null's numbers, but a block device */
	{ 'b', 136, 3, "m--" },		/* a pts's, a block device */
};

static char dir[64];

static char try_open(int fd, const char *name, int flags, char yes)
{
	int f = openat(fd, name, flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (f >= 0)
		close(f);
	/* Only the policy says EPERM; ENXIO, ENODEV, EIO and the like
	 * come from the driver, after the policy let the open through. */
	return f >= 0 || errno != EPERM ? yes : '-';
}

/* In the child, in the cgroup: each probe's "mrw" on a tmpfs of its own
 * (not nodev), written to out. */
static void probe_all(int out)
{
	char res[ARRAY_SIZE(probes) * 4 + 1], name[16];
	int fd;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("devcg", dir, "tmpfs", 0, "mode=700") < 0 ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		_exit(2);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		const struct probe *p = &probes[i];
		char *r = res + 4 * i;

		snprintf(name, sizeof(name), "n%zu", i);
		strcpy(r, "---\n");
		if (mknodat(fd, name, (p->type == 'c' ? S_IFCHR : S_IFBLK) | 0600,
			    makedev(p->major, p->minor)) < 0) {
			if (errno != EPERM)
				_exit(3);
			continue;
		}
		r[0] = 'm';
		r[1] = try_open(fd, name, O_RDONLY, 'r');
		r[2] = try_open(fd, name, O_WRONLY, 'w');
	}
	if (write(out, res, 4 * ARRAY_SIZE(probes)) != 4 * (ssize_t)ARRAY_SIZE(probes))
		_exit(4);
	_exit(0);
}

/* Runs probe_all in a child that cgroup_enter puts in cg before it
 * starts; returns its report, one "mrw" line per probe, or "" */
static void probe_in(const struct cgroup *cg, char *res, size_t len)
{
	int go[2], rep[2], st = 0;
	struct md_err err;
	ssize_t n = 0, k;
	pid_t pid;
	char c;

	res[0] = 0;
	if (pipe(go) < 0 || pipe(rep) < 0)
		abort();
	if ((pid = fork()) == 0) {
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		probe_all(rep[1]);
	}
	close(go[0]);
	close(rep[1]);
	if (cgroup_enter(cg, pid, &err) < 0) {
		fails++;
		fprintf(stderr, "cgroup_enter: %s\n", err.msg);
	}
	CHECK(write(go[1], "x", 1) == 1);
	close(go[1]);
	while ((k = read(rep[0], res + n, len - 1 - n)) > 0)
		n += k;
	res[n] = 0;
	close(rep[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fails++;
		fprintf(stderr, "probe child: status %#x\n", st);
	}
}

/* Each probe's result against want (all "mrw" with all_devices). */
static void expect_probes(const char *what, const char *res, int all)
{
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		const struct probe *p = &probes[i];
		const char *want = all ? "mrw" : p->want;

		if (strlen(res) < 4 * (i + 1) || strncmp(res + 4 * i, want, 3)) {
			fails++;
			fprintf(stderr, "%s: %c %u:%u: got '%.3s', want '%s'\n", what,
				p->type, p->major, p->minor,
				strlen(res) >= 4 * (i + 1) ? res + 4 * i : "", want);
		}
	}
}

static int leaf_file(const struct cgroup *cg, unsigned ctrl, const char *file,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	for (int i = 0; i < cg->n; i++) {
		if (cg->h[i].v2 || !(cg->h[i].ctrl & ctrl))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", cg->h[i].mnt, cg->rel, file);
		if ((fd = open(path, O_RDONLY)) < 0)
			return -1;
		n = read(fd, buf, len - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		return n < 0 ? -1 : 0;
	}
	return -1;
}

static void all_gone(const struct cgroup *cg)
{
	char path[PATH_MAX];

	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", cg->h[i].mnt, cg->rel);
		if (access(path, F_OK) == 0) {
			fails++;
			fprintf(stderr, "left behind: %s\n", path);
		}
	}
}

/* One container's cgroup on cg's hierarchies, with the policy or (all)
 * without, probed and removed. */
static void policy_on(const struct cgroup *host, const char *what, int all)
{
	struct cgroup cg = *host;
	struct cg_limits l = { .all_devices = all };
	struct md_err err;
	char id[64], res[1024];

	snprintf(id, sizeof(id), "%s-%d", what, (int)getpid());
	if (cgroup_create(&cg, PARENT, id, &l, &err) < 0) {
		fails++;
		fprintf(stderr, "%s: cgroup_create: %s\n", what, err.msg);
		return;
	}
	if (cg.mode != CG_V2) {
		/* The rules as Docker's devices.list shows them; with
		 * --privileged, the parent's: every device. */
		char list[1024] = "";
		int r = leaf_file(&cg, CG_DEVICES, "devices.list", list, sizeof(list));
		if (all)
			CHECK(r == 0 && !strcmp(list, "a *:* rwm\n"));
		else if (r < 0 || strcmp(list, "c *:* m\nb *:* m\nc 1:3 rwm\n"
				"c 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\n"
				"c 5:0 rwm\nc 5:1 rwm\nc 5:2 rwm\nc 136:* rwm\n"
				"c 10:200 rwm\n")) {
			fails++;
			fprintf(stderr, "%s: devices.list:\n%s", what, list);
		}
	}
	probe_in(&cg, res, sizeof(res));
	expect_probes(what, res, all);
	if (cgroup_destroy(&cg, 1, &err) < 0) {
		fails++;
		fprintf(stderr, "%s: cgroup_destroy: %s\n", what, err.msg);
	}
	all_gone(&cg);
}

/* The host's cgroup2 tree alone, as a pure v2 host has it. */
static int v2_only(const struct cgroup *host, struct cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	for (int i = 0; i < host->n; i++)
		if (host->h[i].v2)
			cg->h[cg->n++] = host->h[i];
	cg->mode = CG_V2;
	return cg->n == 1;
}

/* The program's shape: its jumps stay inside it and go forward, and it
 * ends in "r0 = 0; exit" (deny what no rule allows). */
static void test_program(void)
{
	struct { uint8_t code, regs; int16_t off; int32_t imm; } p[256];
	unsigned n = devcg_program(p, 256);

	CHECK(n > 8 && n <= 256);
	for (unsigned i = 0; i < n && n <= 256; i++)
		if ((p[i].code & 0x07) == 0x05 && p[i].code != 0x95)	/* a jump */
			CHECK(p[i].off > 0 && i + 1 + p[i].off < n);
	CHECK(p[n - 2].code == 0xb7 && p[n - 2].imm == 0 && p[n - 1].code == 0x95);
}

/* Microseconds for one cgroup_create + cgroup_destroy, over 20. */
static long create_cost(const struct cgroup *host, int all)
{
	struct timespec a, b;
	struct cg_limits l = { .all_devices = all };
	struct md_err err;
	char id[64];

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 20; i++) {
		struct cgroup cg = *host;
		snprintf(id, sizeof(id), "cost-%d-%d", (int)getpid(), i);
		if (cgroup_create(&cg, PARENT, id, &l, &err) < 0 ||
		    cgroup_destroy(&cg, 0, &err) < 0) {
			fails++;
			fprintf(stderr, "cost: %s\n", err.msg);
			return -1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec) / 20000;
}

int main(void)
{
	struct cgroup host = { 0 }, v2;
	struct md_err err;
	char path[PATH_MAX];

	test_program();
	if (geteuid() != 0) {
		fprintf(stderr, "skip live device policy tests: not root\n");
		return fails != 0;
	}
	if (cgroup_detect(&host, &err) < 0) {
		fprintf(stderr, "FAIL cgroup_detect: %s\n", err.msg);
		return 1;
	}
	strcpy(dir, "/tmp/md-devcg.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	policy_on(&host, "host", 0);
	policy_on(&host, "host-all", 1);
	if (host.mode != CG_V2 && v2_only(&host, &v2)) {
		policy_on(&v2, "v2-tree", 0);
		policy_on(&v2, "v2-tree-all", 1);
	}
	printf("create+destroy, us: host %ld (all devices %ld)", create_cost(&host, 0),
	       create_cost(&host, 1));
	if (host.mode != CG_V2 && v2_only(&host, &v2))
		printf(", v2 tree %ld (all devices %ld)", create_cost(&v2, 0),
		       create_cost(&v2, 1));
	printf("\n");
	rmdir(dir);
	for (int i = 0; i < host.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", host.h[i].mnt, PARENT);
		rmdir(path);
	}
	if (fails)
		fprintf(stderr, "%d failed\n", fails);
	return fails != 0;
}
