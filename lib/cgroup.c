/* cgroup v1, v2 and hybrid handling for containers: detection, creation
 * with limits, joining, OOM reporting and removal. On v2 one hierarchy
 * does everything; on v1 each controller has its own mount and the leaf
 * is made in each of a controller md uses; hybrid is v1 plus a
 * controller-less v2 tree, which md leaves alone (cgroup_create). */
#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "devcg.h"
#include "util.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define TMPFS_MAGIC 0x01021994
#define CG_ROOT "/sys/fs/cgroup"

static const struct {
	const char *name;
	unsigned bit;
} ctrls[] = {
	{ "cpu", CG_CPU }, { "cpuacct", CG_CPUACCT }, { "cpuset", CG_CPUSET },
	{ "memory", CG_MEMORY }, { "pids", CG_PIDS }, { "devices", CG_DEVICES },
	{ "freezer", CG_FREEZER },
};

/* Controller bits named in a list such as "rw,cpu,cpuacct" or
 * "cpuset cpu io memory pids". Modifies the string. */
static unsigned ctrl_bits(char *list)
{
	unsigned bits = 0;
	char *save, *t;

	for (t = strtok_r(list, ", \n", &save); t; t = strtok_r(NULL, ", \n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++)
			if (!strcmp(t, ctrls[i].name))
				bits |= ctrls[i].bit;
	return bits;
}

/* ---- parsers of user strings ---- */

int cg_parse_memory(const char *s, int64_t *bytes, struct md_err *err)
{
	const char *p = s, *frac = NULL;
	uint64_t ip = 0, mult = 1, val, acc = 0;
	int nd = 0, nf = 0;

	for (; isdigit((unsigned char)*p); p++, nd++) {
		if (ip > (UINT64_MAX - 9) / 10)
			goto bad;
		ip = ip * 10 + (*p - '0');
	}
	if (*p == '.')
		for (frac = ++p; isdigit((unsigned char)*p); p++)
			nf++;
	if (!nd && !nf)
		goto bad;
	if (*p == ' ' && p[1])
		p++;
	if (tolower((unsigned char)*p) == 'b') {
		p++;
	} else if (*p && strchr("kmgtp", tolower((unsigned char)*p))) {
		for (const char *u = "kmgtp"; *u; u++) {
			mult <<= 10;
			if (*u == tolower((unsigned char)*p))
				break;
		}
		p++;
		if (tolower((unsigned char)*p) == 'i') {
			p++;
			if (tolower((unsigned char)*p) != 'b')
				goto bad;
		}
		if (tolower((unsigned char)*p) == 'b')
			p++;
	}
	if (*p)
		goto bad;
	if (ip > (uint64_t)INT64_MAX / mult)
		goto bad;
	/* The fraction times mult, exactly floored: Horner from the last
	 * digit keeps every step below mult. */
	for (int i = nf - 1; i >= 0; i--)
		acc = (acc + (uint64_t)(frac[i] - '0') * mult) / 10;
	val = ip * mult + acc;
	if (val > INT64_MAX)
		goto bad;
	*bytes = val;
	return 0;
bad:
	return err_set(err, 0, "invalid size: '%s'", s);
}

int cg_parse_cpus(const char *s, int64_t *nano_cpus, struct md_err *err)
{
	const char *p = s;
	uint64_t ip = 0, fr = 0;
	int nd = 0, nf = 0;

	for (; isdigit((unsigned char)*p); p++, nd++) {
		if (ip > (uint64_t)INT64_MAX / 1000000000 / 10)
			goto bad;
		ip = ip * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (nf < 9) {
				fr = fr * 10 + (*p - '0');
				nf++;
			} else if (*p != '0') {
				return err_set(err, 0, "value is too precise");
			}
		}
		if (!nf && !nd)
			goto bad;
	}
	if (*p || (!nd && !nf))
		goto bad;
	for (int i = nf; i < 9; i++)
		fr *= 10;
	*nano_cpus = (int64_t)(ip * 1000000000 + fr);
	return 0;
bad:
	return err_set(err, 0, "failed to parse %s as a rational number", s);
}

/* Reads one CPU number; returns the char after it or NULL. */
static const char *cpu_number(const char *p, unsigned *n)
{
	unsigned v = 0;

	if (!isdigit((unsigned char)*p))
		return NULL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return NULL;
	}
	*n = v;
	return p;
}

int cg_parse_cpuset(const char *s, struct md_err *err)
{
	const char *p = s;
	unsigned a, b;

	for (;;) {
		if (!(p = cpu_number(p, &a)))
			break;
		if (*p == '-') {
			if (!(p = cpu_number(p + 1, &b)) || b < a)
				break;
		}
		if (!*p)
			return 0;
		if (*p++ != ',')
			break;
	}
	return err_set(err, 0, "invalid value %s for cpuset cpus", s);
}

static int online_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

int cgroup_check_limits(const struct cg_limits *l, struct md_err *err)
{
	if (l->memory < 0)
		return err_set(err, 0, "invalid memory limit %lld", (long long)l->memory);
	if (l->memory > 0 && l->memory < CG_MIN_MEMORY)
		return err_set(err, 0, "Minimum memory limit allowed is 6MB");
	if (l->nano_cpus) {
		int n = online_cpus();
		if (l->nano_cpus < 10000000 || l->nano_cpus > n * 1000000000LL)
			return err_set(err, 0, "Range of CPUs is from 0.01 to %d.00, "
				       "as there are only %d CPUs available", n, n);
	}
	if (l->cpu_shares < 0)
		return err_set(err, 0, "invalid cpu-shares %lld", (long long)l->cpu_shares);
	if (l->cpuset_cpus && *l->cpuset_cpus)
		return cg_parse_cpuset(l->cpuset_cpus, err);
	return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < CG_MIN_SHARES)
		shares = CG_MIN_SHARES;
	if (shares > CG_MAX_SHARES)
		shares = CG_MAX_SHARES;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* ---- files ---- */

/* mnt[/rel][/file] into buf. */
static int cg_path(char *buf, size_t len, const struct cg_hier *h,
		   const char *rel, const char *file, struct md_err *err)
{
	int n = snprintf(buf, len, "%s%s%s%s%s", h->mnt, rel && *rel ? "/" : "",
			 rel ? rel : "", file ? "/" : "", file ? file : "");

	if (n < 0 || (size_t)n >= len)
		return err_set(err, ENAMETOOLONG, "cgroup path %s/%s", h->mnt, rel);
	return 0;
}

/* A cgroup file takes a value in one write(2). */
static int write_str(const char *path, const char *val, struct md_err *err)
{
	cleanup_close int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return err_set(err, errno, "open %s", path);
	n = write(fd, val, len);
	if (n != (ssize_t)len)
		return err_set(err, n < 0 ? errno : EIO, "write %s to %s", val, path);
	return 0;
}

/* Reads a small file into buf, NUL terminated, trailing newline cut;
 * -1 with errno on failure. */
static int read_str(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read_full(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* Writes FILE of the leaf; a missing file is skipped when optional. */
static int leaf_set(const struct cgroup *cg, const struct cg_hier *h,
		    const char *file, const char *val, int optional,
		    struct md_err *err)
{
	char path[PATH_MAX];

	if (cg_path(path, sizeof(path), h, cg->rel, file, err) < 0)
		return -1;
	if (optional && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	return write_str(path, val, err);
}

/* Value of "key N" in a flat keyed file (memory.events, oom_control). */
static int keyed_value(const char *path, const char *key, uint64_t *val)
{
	char buf[2048], *p = buf;
	size_t kl = strlen(key);

	if (read_str(path, buf, sizeof(buf)) < 0)
		return -1;
	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*val = strtoull(p + kl + 1, NULL, 10);
			return 0;
		}
		if ((p = strchr(p, '\n')))
			p++;
	}
	errno = ENOENT;
	return -1;
}

/* ---- detection ---- */

/* Mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

static int add_hier(struct cgroup *cg, const char *mnt, unsigned ctrl, int v2)
{
	struct cg_hier *h;

	if (cg->n >= CG_MAX_HIER || strlen(mnt) >= sizeof(h->mnt))
		return -1;
	h = &cg->h[cg->n++];
	memset(h, 0, sizeof(*h));
	strcpy(h->mnt, mnt);
	h->ctrl = ctrl;
	h->v2 = v2;
	return 0;
}

/* One mountinfo line: "36 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,... -
 * cgroup cgroup rw,cpu,cpuacct". A hierarchy mounted twice keeps its
 * first mount point (same device number). */
static void mountinfo_line(struct cgroup *cg, char *line, char devs[][24])
{
	char *f[64], *save, *t;
	int n = 0, dash = -1, v2;

	for (t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save)) {
		if (n >= 6 && dash < 0 && !strcmp(t, "-"))
			dash = n;
		f[n++] = t;
	}
	if (dash < 0 || dash + 3 >= n)
		return;
	if (!strcmp(f[dash + 1], "cgroup2"))
		v2 = 1;
	else if (!strcmp(f[dash + 1], "cgroup"))
		v2 = 0;
	else
		return;
	for (int i = 0; i < cg->n; i++)
		if (!strcmp(devs[i], f[2]))
			return;
	if (strlen(f[2]) >= 24)
		return;
	unescape(f[4]);
	if (add_hier(cg, f[4], v2 ? 0 : ctrl_bits(f[dash + 3]), v2) == 0)
		strcpy(devs[cg->n - 1], f[2]);
}

/* Mode from the hierarchies found; v2 ones learn their controllers. */
static int set_mode(struct cgroup *cg, struct md_err *err)
{
	int nv1 = 0, nv2 = 0;

	for (int i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		char path[PATH_MAX + 32], buf[512];

		if (!h->v2) {
			nv1++;
			continue;
		}
		nv2++;
		snprintf(path, sizeof(path), "%s/cgroup.controllers", h->mnt);
		if (read_str(path, buf, sizeof(buf)) == 0)
			h->ctrl = ctrl_bits(buf);
	}
	if (nv1 && nv2)
		cg->mode = CG_HYBRID;
	else if (nv1)
		cg->mode = CG_V1;
	else if (nv2 == 1)
		cg->mode = CG_V2;
	else
		return err_set(err, 0, "cgroup: no cgroup filesystem mounted");
	return 0;
}

int cgroup_detect_mountinfo(struct cgroup *cg, char *mountinfo, struct md_err *err)
{
	char devs[CG_MAX_HIER][24], *save, *line;

	cg->n = 0;
	cg->mode = CG_NONE;
	for (line = strtok_r(mountinfo, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		mountinfo_line(cg, line, devs);
	return set_mode(cg, err);
}

/* v1 and hybrid hosts as systemd and the distributions mount them: each
 * hierarchy of /proc/self/cgroup ("4:cpu,cpuacct:/...") at
 * /sys/fs/cgroup/<its controllers> ("name=systemd" at systemd), a v2 tree
 * at unified. Cheaper than mountinfo, which the kernel writes out for
 * every mount. 0 if the host is not laid out so. */
static int detect_standard(struct cgroup *cg)
{
	char buf[4096], *save, *line;
	ssize_t n;
	int fd = openat(AT_FDCWD, "/proc/self/cgroup", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || n == sizeof(buf) - 1)
		return 0;
	buf[n] = 0;
	cg->n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(line, ':'), *end, path[300];
		struct statfs sf;
		int v2;

		if (!c || !(end = strchr(++c, ':')))
			return 0;
		*end = 0;
		v2 = !*c;
		snprintf(path, sizeof(path), CG_ROOT "/%s", v2 ? "unified" :
			 strncmp(c, "name=", 5) ? c : c + 5);
		if (statfs(path, &sf) < 0 || sf.f_type != (v2 ? CGROUP2_SUPER_MAGIC :
							    CGROUP_SUPER_MAGIC)) {
			if (v2)
				continue;	/* v2 not mounted there */
			return 0;
		}
		if (add_hier(cg, path, v2 ? 0 : ctrl_bits(c), v2) < 0)
			return 0;
	}
	return cg->n > 0;
}

int cgroup_detect(struct cgroup *cg, struct md_err *err)
{
	cleanup_free char *mi = NULL;
	struct statfs sf;
	int fs = statfs(CG_ROOT, &sf) == 0 ? (int)sf.f_type : 0;

	/* The common cases need no mountinfo. */
	if (fs == CGROUP2_SUPER_MAGIC) {
		cg->n = 0;
		add_hier(cg, CG_ROOT, 0, 1);
		return set_mode(cg, err);
	}
	if (fs == TMPFS_MAGIC && detect_standard(cg))
		return set_mode(cg, err);
	mi = file_read_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, NULL, err);
	if (!mi)
		return -1;
	return cgroup_detect_mountinfo(cg, mi, err);
}

/* ---- naming ---- */

static int name_ok(const char *s, size_t n)
{
	if (!n || (n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-@:", s[i]))
			return 0;
	return 1;
}

/* rel = PARENT/id; parent NULL or "" is "md", "/" is the root. */
static int set_rel(struct cgroup *cg, const char *parent, const char *id,
		   struct md_err *err)
{
	const char *p;
	size_t len = 0, n;

	if (!id || !name_ok(id, strlen(id)) || strlen(id) > 64)
		return err_set(err, EINVAL, "cgroup: bad container id '%s'", id ? id : "");
	if (!parent || !*parent)
		parent = CG_DEFAULT_PARENT;
	for (p = parent; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (!name_ok(p, n) || len + n + 1 + 64 + 1 >= sizeof(cg->rel))
			return err_set(err, EINVAL, "cgroup: bad parent '%s'", parent);
		memcpy(cg->rel + len, p, n);
		len += n;
		cg->rel[len++] = '/';
	}
	strcpy(cg->rel + len, id);
	return 0;
}

/* ---- creation ---- */

/* The hierarchy whose files set a controller: v1 first, as hybrid
 * hosts keep their controllers there. */
static struct cg_hier *provider(struct cgroup *cg, unsigned ctrl)
{
	for (int v2 = 0; v2 <= 1; v2++)
		for (int i = 0; i < cg->n; i++)
			if (cg->h[i].v2 == v2 && (cg->h[i].ctrl & ctrl))
				return &cg->h[i];
	return NULL;
}

/* Controllers h is the provider of. */
static unsigned provides(struct cgroup *cg, struct cg_hier *h)
{
	unsigned bits = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++)
		if (provider(cg, ctrls[i].bit) == h)
			bits |= ctrls[i].bit;
	return bits;
}

static unsigned limits_need(const struct cg_limits *l)
{
	unsigned c = 0;

	if (l->memory > 0)
		c |= CG_MEMORY;
	if (l->nano_cpus > 0 || l->cpu_shares > 0)
		c |= CG_CPU;
	if (l->pids > 0)
		c |= CG_PIDS;
	if (l->cpuset_cpus && *l->cpuset_cpus)
		c |= CG_CPUSET;
	return c;
}

/* v2: lets the children of dir use the controllers in want ("+memory"
 * in its cgroup.subtree_control). Only a failure on one in need is an
 * error: the rest are for accounting. */
static int v2_enable(const char *dir, unsigned want, unsigned need,
		     struct md_err *err)
{
	char path[PATH_MAX + 32], have[512] = "", on[512] = "", val[16];
	unsigned have_bits, on_bits;

	want &= ~(CG_CPUACCT | CG_FREEZER);	/* v2 has no such controllers */
	if (!want)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	read_str(path, have, sizeof(have));
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	read_str(path, on, sizeof(on));
	have_bits = ctrl_bits(have);
	on_bits = ctrl_bits(on);
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		unsigned bit = ctrls[i].bit;
		if (!(want & bit) || (on_bits & bit))
			continue;
		if (!(have_bits & bit)) {
			if (need & bit)
				return err_set(err, 0, "cgroup %s: controller %s not available",
					       dir, ctrls[i].name);
			continue;
		}
		snprintf(val, sizeof(val), "+%s", ctrls[i].name);
		if (write_str(path, val, err) < 0 && (need & bit))
			return -1;
	}
	return 0;
}

/* dir/../file into out. */
static void parent_file(char *out, size_t len, const char *dir, const char *file)
{
	const char *slash = strrchr(dir, '/');

	snprintf(out, len, "%.*s/%s", (int)(slash - dir), dir, file);
}

/* Docker's words for a cpuset the kernel refused. */
static int cpuset_refused(const char *dir, const char *cpus, struct md_err *err)
{
	char path[PATH_MAX + 32], avail[256];

	parent_file(path, sizeof(path), dir, "cpuset.effective_cpus");
	if (!err || (err->errnum != EINVAL && err->errnum != ERANGE) ||
	    read_str(path, avail, sizeof(avail)) < 0)
		return err_wrap(err, "cpuset-cpus %s", cpus);
	return err_set(err, 0, "Requested CPUs are not available - requested %s, "
		       "available: %s", cpus, avail);
}

/* v1 cpuset: a cgroup with empty cpuset.cpus or cpuset.mems refuses
 * tasks, so every level copies them from its parent (cpus may be the
 * container's own list instead). */
static int v1_cpuset_fill(const char *dir, const char *cpus, struct md_err *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX + 32], ppath[PATH_MAX + 32], buf[4096];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (i == 0 && cpus) {
			if (write_str(path, cpus, err) < 0)
				return cpuset_refused(dir, cpus, err);
			continue;
		}
		if (read_str(path, buf, sizeof(buf)) == 0 && buf[0])
			continue;
		parent_file(ppath, sizeof(ppath), dir, files[i]);
		if (read_str(ppath, buf, sizeof(buf)) < 0)
			return err_set(err, errno, "read %s", ppath);
		if (write_str(path, buf, err) < 0)
			return -1;
	}
	return 0;
}

/* After the mkdir of a level of h (made: by this call, not there
 * before): the leaf is present; v1 cpuset levels get cpus and mems. */
static int level_done(struct cg_hier *h, const char *dir, int leaf, int made,
		      const char *cpus, struct md_err *err)
{
	char cc[PATH_MAX + 32];

	if (leaf)
		h->present = 1;
	if (h->v2 || !(h->ctrl & CG_CPUSET))
		return 0;
	if (v1_cpuset_fill(dir, leaf ? cpus : NULL, err) < 0)
		return -1;
	/* Children of a level md makes are born with its cpus and mems
	 * (clone_children): a leaf then costs two reads, not two reads and
	 * two writes of each file. */
	if (made && !leaf) {
		snprintf(cc, sizeof(cc), "%s/cgroup.clone_children", dir);
		write_str(cc, "1", NULL);
	}
	return 0;
}

/* mkdir of each level of rel under h, the leaf last; the leaf must be
 * new so two containers can never share it. */
static int make_dirs(struct cgroup *cg, struct cg_hier *h, unsigned need,
		     const struct cg_limits *lim, struct md_err *err)
{
	char dir[PATH_MAX], parent[PATH_MAX];
	unsigned want = h->v2 ? provides(cg, h) : 0;
	size_t len = strlen(cg->rel);
	const char *cpus = lim->cpuset_cpus && *lim->cpuset_cpus ? lim->cpuset_cpus : NULL;

	if (snprintf(dir, sizeof(dir), "%s/%s", h->mnt, cg->rel) >= (int)sizeof(dir))
		return err_set(err, ENAMETOOLONG, "cgroup %s/%s", h->mnt, cg->rel);
	/* v1: the levels above the leaf are there but for the first
	 * container of a parent, so the leaf first: one mkdir per
	 * hierarchy, not one per level (v2 enables its controllers level
	 * by level, so it walks them all). */
	if (!h->v2) {
		if (mkdir(dir, 0755) == 0)
			return level_done(h, dir, 1, 1, cpus, err);
		if (errno != ENOENT)
			return err_set(err, errno, "create cgroup %s", dir);
	}
	for (size_t i = 0; i <= len; i++) {
		int leaf = i == len, made;
		if (!leaf && cg->rel[i] != '/')
			continue;
		/* dir = mnt/rel[0..i) and parent the level above it */
		snprintf(dir, sizeof(dir), "%s/%.*s", h->mnt, (int)i, cg->rel);
		strcpy(parent, dir);
		*strrchr(parent, '/') = 0;
		if (h->v2 && v2_enable(parent, want, need, err) < 0)
			return -1;
		if (!(made = mkdir(dir, 0755) == 0) && (leaf || errno != EEXIST))
			return err_set(err, errno, "create cgroup %s", dir);
		if (level_done(h, dir, leaf, made, cpus, err) < 0)
			return -1;
	}
	return 0;
}

static int write_limits(struct cgroup *cg, const struct cg_limits *l,
			struct md_err *err)
{
	struct cg_hier *h;
	char val[64];

	if (l->memory > 0) {
		h = provider(cg, CG_MEMORY);
		snprintf(val, sizeof(val), "%lld", (long long)l->memory);
		/* memory+swap capped at memory: no swap at all, the same on
		 * v1 and v2 (Docker would allow as much swap again). */
		if (h->v2 ? leaf_set(cg, h, "memory.max", val, 0, err) < 0 ||
			    leaf_set(cg, h, "memory.swap.max", "0", 1, err) < 0
			  : leaf_set(cg, h, "memory.limit_in_bytes", val, 0, err) < 0 ||
			    leaf_set(cg, h, "memory.memsw.limit_in_bytes", val, 1, err) < 0)
			return -1;
	}
	if (l->nano_cpus > 0) {
		long long quota = l->nano_cpus * CG_CPU_PERIOD / 1000000000;
		h = provider(cg, CG_CPU);
		if (h->v2) {
			snprintf(val, sizeof(val), "%lld %d", quota, CG_CPU_PERIOD);
			if (leaf_set(cg, h, "cpu.max", val, 0, err) < 0)
				return -1;
		} else {
			snprintf(val, sizeof(val), "%d", CG_CPU_PERIOD);
			if (leaf_set(cg, h, "cpu.cfs_period_us", val, 0, err) < 0)
				return -1;
			snprintf(val, sizeof(val), "%lld", quota);
			if (leaf_set(cg, h, "cpu.cfs_quota_us", val, 0, err) < 0)
				return -1;
		}
	}
	if (l->cpu_shares > 0) {
		long long shares = l->cpu_shares;
		h = provider(cg, CG_CPU);
		if (shares < CG_MIN_SHARES)
			shares = CG_MIN_SHARES;
		if (shares > CG_MAX_SHARES)
			shares = CG_MAX_SHARES;
		snprintf(val, sizeof(val), "%llu", h->v2 ?
			 (unsigned long long)cg_shares_to_weight(shares) : (unsigned long long)shares);
		if (leaf_set(cg, h, h->v2 ? "cpu.weight" : "cpu.shares", val, 0, err) < 0)
			return -1;
	}
	if (l->pids > 0) {
		h = provider(cg, CG_PIDS);
		snprintf(val, sizeof(val), "%lld", (long long)l->pids);
		if (leaf_set(cg, h, "pids.max", val, 0, err) < 0)
			return -1;
	}
	/* v1 cpusets were written while the levels were made. */
	if (l->cpuset_cpus && *l->cpuset_cpus) {
		h = provider(cg, CG_CPUSET);
		if (h->v2 && leaf_set(cg, h, "cpuset.cpus", l->cpuset_cpus, 0, err) < 0) {
			char dir[PATH_MAX];
			cg_path(dir, sizeof(dir), h, cg->rel, NULL, NULL);
			return cpuset_refused(dir, l->cpuset_cpus, err);
		}
	}
	return 0;
}

/* The device allowlist (devcg.c), before any process is in the leaf:
 * v1's devices controller, or a BPF program on the v2 leaf. */
static int set_device_policy(struct cgroup *cg, struct md_err *err)
{
	struct cg_hier *h = cg->mode == CG_V2 ? &cg->h[0] : provider(cg, CG_DEVICES);
	char dir[PATH_MAX];
	cleanup_close int fd = -1;

	if (cg_path(dir, sizeof(dir), h, cg->rel, NULL, err) < 0)
		return -1;
	if (!h->v2)
		return devcg_v1_apply(dir, err);
	fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open cgroup %s", dir);
	return devcg_v2_attach(fd, dir, err);
}

static int remove_leaves(struct cgroup *cg, int only_present, struct md_err *err);

int cgroup_create(struct cgroup *cg, const char *parent, const char *id,
		  const struct cg_limits *lim, struct md_err *err)
{
	static const struct cg_limits none;
	struct md_err scratch;
	unsigned need;
	int made = 0;

	if (!err)
		err = &scratch;
	if (!lim)
		lim = &none;
	if (cgroup_check_limits(lim, err) < 0 || set_rel(cg, parent, id, err) < 0)
		return -1;
	if (!cg->n && cgroup_detect(cg, err) < 0)
		return -1;
	need = limits_need(lim);
	/* The device policy needs v1's devices controller (a hybrid host's
	 * v2 tree has no controllers, and md stays out of it); pure v2 has
	 * none, there it is a BPF program on the leaf. */
	if (!lim->all_devices && cg->mode != CG_V2) {
		if (!provider(cg, CG_DEVICES))
			return err_set(err, 0, "cgroup: no devices controller on "
				       "this host for the device allowlist");
		need |= CG_DEVICES;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++)
		if ((need & ctrls[i].bit) && !provider(cg, ctrls[i].bit))
			return err_set(err, 0, "cgroup: no %s controller on this host "
				       "for the %s limit", ctrls[i].name, ctrls[i].name);
	for (int i = 0; i < cg->n; i++)
		cg->h[i].present = 0;
	/* A cgroup in every hierarchy of a controller md uses, limits or
	 * not: every process of the container is in each, so md-stop,
	 * md-kill and md-rm -f reach them all, memory and OOM kills are
	 * accounted, cpu and pids too, and a later pause finds the v1
	 * freezer (joining one afterwards would need every process moved,
	 * racing with forks). The cost, on this project's 2-vCPU hybrid VM
	 * (Linux 6.18), per hierarchy: a mkdir of 10-30 us (memory the
	 * most; md-run makes them while its child makes its namespaces), a
	 * join of 8-15 us of CPU (cgroup_enter_self: v1's "tasks" door, no
	 * global lock), an rmdir of ~8 us (after md-run --rm has returned).
	 * Joining cpu also makes the kernel reschedule the joining task
	 * (sched_move_task), which on a busy host waits its turn there.
	 * md-run --rm: 0.2-0.4 ms more, of about 3 ms (make bench). See
	 * make_dirs for what the mkdirs cost beyond the kernel's. Where no hierarchy has any of them
	 * (a v1 host with only name=systemd), the first v1 one tracks the
	 * container's processes. */
	struct cg_hier *tracker = NULL;
	unsigned any = 0;
	for (int i = 0; i < cg->n; i++)
		any |= provides(cg, &cg->h[i]);
	for (int i = 0; !any && !tracker && i < cg->n; i++)
		if (!cg->h[i].v2)
			tracker = &cg->h[i];
	for (int i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];
		unsigned hneed = need & provides(cg, h);
		int e;

		/* (A hybrid host's v2 tree has no controllers: joining it
		 * would cost a global lock, an RCU grace period, per start,
		 * as v2's cgroup.procs has no door like v1's "tasks"; Docker's
		 * containers stay out of it too. Nor does md join a v1
		 * hierarchy of no controller of its own: name=systemd, blkio,
		 * net_cls...) */
		if (cg->mode != CG_V2 && !provides(cg, h) && h != tracker)
			continue;
		if (make_dirs(cg, h, hneed, lim, err) == 0) {
			made++;
			continue;
		}
		/* A hierarchy md sets no limit in is only for accounting
		 * and tracking: one that cannot be written (read-only, or
		 * another's) is done without. */
		e = err->errnum;
		if (hneed || cg->mode == CG_V2 || h->present ||
		    (e != EROFS && e != EACCES && e != EPERM))
			goto fail;
	}
	if (!made) {
		err_set(err, 0, "cgroup %s: no writable cgroup hierarchy", cg->rel);
		goto fail;
	}
	if (write_limits(cg, lim, err) < 0 ||
	    (!lim->all_devices && set_device_policy(cg, err) < 0))
		goto fail;
	return 0;
fail:
	remove_leaves(cg, 1, NULL);
	return -1;
}

int cgroup_load(struct cgroup *cg, const char *parent, const char *id,
		struct md_err *err)
{
	int n = 0;

	if (set_rel(cg, parent, id, err) < 0)
		return -1;
	if (!cg->n && cgroup_detect(cg, err) < 0)
		return -1;
	for (int i = 0; i < cg->n; i++) {
		char path[PATH_MAX];
		struct stat st;

		if (cg_path(path, sizeof(path), &cg->h[i], cg->rel, NULL, err) < 0)
			return -1;
		cg->h[i].present = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		n += cg->h[i].present;
	}
	return n;
}

/* ---- joining ---- */

int cgroup_fd_v2(const struct cgroup *cg, struct md_err *err)
{
	char path[PATH_MAX];
	int fd;

	if (cg->mode != CG_V2 || !cg->h[0].v2)
		return err_set(err, EOPNOTSUPP, "cgroup %s: not a pure cgroup v2 host",
			       cg->rel);
	if (cg_path(path, sizeof(path), &cg->h[0], cg->rel, NULL, err) < 0)
		return -1;
	fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, errno, "open cgroup %s", path);
	return fd;
}

/* Writes val to file (v1) or cgroup.procs (v2) in every hierarchy. */
static int enter(const struct cgroup *cg, const char *v1file, const char *val,
		 struct md_err *err)
{
	char path[PATH_MAX];
	int n = 0;

	for (int i = 0; i < cg->n; i++) {
		if (!cg->h[i].present)
			continue;
		if (cg_path(path, sizeof(path), &cg->h[i], cg->rel,
			    cg->h[i].v2 ? "cgroup.procs" : v1file, err) < 0 ||
		    write_str(path, val, err) < 0)
			return -1;
		n++;
	}
	if (!n)
		return err_set(err, ENOENT, "cgroup %s", cg->rel);
	return 0;
}

int cgroup_enter(const struct cgroup *cg, pid_t pid, struct md_err *err)
{
	char val[24];

	snprintf(val, sizeof(val), "%d", (int)pid);
	return enter(cg, "cgroup.procs", val, err);
}

int cgroup_enter_self(const struct cgroup *cg, struct md_err *err)
{
	/* "0" in a v1 tasks file moves the calling thread without the
	 * cgroup_threadgroup_rwsem (whose write side waits for an RCU grace
	 * period); the caller is single-threaded, so that is the whole
	 * process. v2 has no such door. */
	return enter(cg, "tasks", "0", err);
}

/* ---- reporting ---- */

int cgroup_oom_killed(const struct cgroup *cg, struct md_err *err)
{
	const struct cg_hier *h = provider((struct cgroup *)cg, CG_MEMORY);
	char path[PATH_MAX];
	uint64_t v = 0;

	if (!h || !h->present)
		return 0;
	if (cg_path(path, sizeof(path), h, cg->rel,
		    h->v2 ? "memory.events" : "memory.oom_control", err) < 0)
		return -1;
	if (keyed_value(path, "oom_kill", &v) == 0)
		return v > 0;
	if (errno != ENOENT)
		return err_set(err, errno, "read %s", path);
	/* v1 before Linux 4.13 has no oom_kill count: a cgroup still
	 * under OOM is the best sign left. */
	if (!h->v2 && keyed_value(path, "under_oom", &v) == 0)
		return v > 0;
	return 0;
}

/* ---- removal ---- */

/* SIGKILLs every process listed in cgroup.procs of dirfd and of the
 * cgroups below it; returns how many were found. Takes dirfd. */
static int kill_tree(int dirfd, int depth)
{
	cleanup_free char *procs = file_read_at(dirfd, "cgroup.procs", 4 << 20, NULL, NULL);
	pid_t self = getpid();
	struct dirent *de;
	DIR *d;
	int n = 0;

	for (char *p = procs, *end; p && *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && pid != self) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	if (depth >= 32 || !(d = fdopendir(dirfd))) {
		close(dirfd);
		return n;
	}
	while ((de = readdir(d))) {
		int sub;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			n += kill_tree(sub, depth + 1);
	}
	closedir(d);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cgroup_kill(const struct cgroup *cg)
{
	char path[PATH_MAX];
	int n = 0;

	/* An empty rel would name the hierarchy root: every process. */
	if (!cg->rel[0])
		return 0;

	/* cgroup.kill (Linux 5.14) kills atomically, fork bombs included;
	 * on a hybrid host it reaches the processes through the v2 tree. */
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].v2 &&
		    cg_path(path, sizeof(path), &cg->h[i], cg->rel, "cgroup.kill", NULL) == 0)
			write_str(path, "1", NULL);
	for (int round = 0; round < 200; round++) {
		n = 0;
		for (int i = 0; i < cg->n; i++) {
			int fd;
			if (cg_path(path, sizeof(path), &cg->h[i], cg->rel, NULL, NULL) < 0)
				continue;
			fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0)
				n += kill_tree(fd, 0);
		}
		if (!n)
			return 0;
		sleep_ms(5);
	}
	return n;
}

/* rmdir of name and the cgroups under it, deepest first. cgroup
 * directories hold only kernel files, which go with the rmdir. */
static int rmdir_tree(int dirfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd;

	/* Usually a leaf without children: one rmdir. (EBUSY: it has
	 * children, or tasks.) */
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while (depth < 32 && (de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rmdir_tree(fd, de->d_name, depth + 1);
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* Removes the leaf from every hierarchy (only where present, to undo a
 * failed create). Processes that were just killed leave their cgroup a
 * moment later, so rmdir is retried on EBUSY for about two seconds in
 * all. */
static int remove_leaves(struct cgroup *cg, int only_present, struct md_err *err)
{
	unsigned todo = 0;
	long delay = 2, waited = 0;
	int ret = 0;

	/* An empty rel would name the hierarchy root. */
	if (!cg->rel[0])
		return err_set(err, EINVAL, "remove cgroup: no path");
	for (int i = 0; i < cg->n; i++)
		if (!only_present || cg->h[i].present)
			todo |= 1u << i;
	for (;;) {
		for (int i = 0; i < cg->n; i++) {
			char path[PATH_MAX];

			if (!(todo & (1u << i)))
				continue;
			if (cg_path(path, sizeof(path), &cg->h[i], cg->rel, NULL, err) < 0)
				return -1;
			if (rmdir_tree(AT_FDCWD, path, 0) == 0) {
				cg->h[i].present = 0;
				todo &= ~(1u << i);
			} else if (errno != EBUSY || waited >= 2000) {
				if (!ret)
					err_set(err, errno, "remove cgroup %s", path);
				ret = -1;
				todo &= ~(1u << i);
			}
		}
		if (!todo)
			return ret;
		sleep_ms(delay);
		waited += delay;
		if (delay < 256)
			delay *= 2;
	}
}

int cgroup_destroy(struct cgroup *cg, int kill, struct md_err *err)
{
	if (kill)
		cgroup_kill(cg);
	return remove_leaves(cg, 1, err);
}
