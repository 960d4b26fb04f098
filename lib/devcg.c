/* The device allowlist of a container: made with the v1 devices
 * controller, or on cgroup v2 with a BPF_PROG_TYPE_CGROUP_DEVICE program
 * built here instruction by instruction (no libbpf, no compiler), as
 * seccomp.c builds its filter.
 *
 * The list is what Docker 28 gives a container without --privileged:
 * moby's DefaultLinuxSpec (oci/defaults.go, now daemon/pkg/oci/: deny
 * all; null, zero, urandom, random, tty, console; fuse denied) followed,
 * as runc appends them, by runc's AllowedDevices (libcontainer/specconv,
 * runc 1.2.4 and later, which Docker 28 ships): mknod of any node, null,
 * random, full, tty, zero, urandom, the pts devices, ptmx and tun. tun was
 * dropped in runc 1.2.0 and put back in 1.2.4 because users relied on
 * it; fuse's deny only takes away a read/write no rule gives. Nodes
 * made with mknod are thus allowed, but of those only the listed ones
 * can be opened: anything else gives EPERM, as under Docker. */
#include "devcg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Access bits, as the kernel hands them to the BPF program
 * (BPF_DEVCG_ACC_*) and as v1 spells them ("m", "r", "w"). */
#define ACC_M	1
#define ACC_R	2
#define ACC_W	4
#define ACC_ALL	(ACC_M | ACC_R | ACC_W)
/* Device types (BPF_DEVCG_DEV_*). */
#define DEV_BLOCK 1
#define DEV_CHAR  2
#define ANY	(-1)

static const struct rule {
	unsigned char type;
	short major, minor;	/* ANY: every number */
	unsigned char access;
} rules[] = {
	{ DEV_CHAR, ANY, ANY, ACC_M },	/* mknod of any node; opening */
	{ DEV_BLOCK, ANY, ANY, ACC_M },	/* it is another matter */
	{ DEV_CHAR, 1, 3, ACC_ALL },	/* null */
	{ DEV_CHAR, 1, 5, ACC_ALL },	/* zero */
	{ DEV_CHAR, 1, 7, ACC_ALL },	/* full */
	{ DEV_CHAR, 1, 8, ACC_ALL },	/* random */
	{ DEV_CHAR, 1, 9, ACC_ALL },	/* urandom */
	{ DEV_CHAR, 5, 0, ACC_ALL },	/* tty */
	{ DEV_CHAR, 5, 1, ACC_ALL },	/* console */
	{ DEV_CHAR, 5, 2, ACC_ALL },	/* ptmx */
	{ DEV_CHAR, 136, ANY, ACC_ALL },	/* pts */
	{ DEV_CHAR, 10, 200, ACC_ALL },	/* net/tun */
};

/* ---- v1: devices.deny and devices.allow ---- */

/* "c 1:3 rwm", "b *:* m" */
static void v1_rule(char *buf, size_t len, const struct rule *r)
{
	char maj[8] = "*", min[8] = "*";

	if (r->major != ANY)
		snprintf(maj, sizeof(maj), "%d", r->major);
	if (r->minor != ANY)
		snprintf(min, sizeof(min), "%d", r->minor);
	snprintf(buf, len, "%c %s:%s %s%s%s", r->type == DEV_CHAR ? 'c' : 'b',
		 maj, min, r->access & ACC_R ? "r" : "", r->access & ACC_W ? "w" : "",
		 r->access & ACC_M ? "m" : "");
}

/* Each write to a devices file is one rule. */
static int v1_write(const char *dir, const char *file, const char *val,
		    int *fd, struct md_err *err)
{
	char path[PATH_MAX];

	if (*fd < 0) {
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		if ((*fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC)) < 0)
			return err_set(err, errno, "open %s", path);
	}
	if (write(*fd, val, strlen(val)) != (ssize_t)strlen(val))
		return err_set(err, errno, "write '%s' to %s/%s", val, dir, file);
	return 0;
}

int devcg_v1_apply(const char *dir, struct md_err *err)
{
	cleanup_close int deny = -1, allow = -1;
	char buf[32];

	if (v1_write(dir, "devices.deny", "a", &deny, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		v1_rule(buf, sizeof(buf), &rules[i]);
		if (v1_write(dir, "devices.allow", buf, &allow, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- v2: a BPF_PROG_TYPE_CGROUP_DEVICE program ---- */

/* <linux/bpf.h> is not in musl: the parts used here. */
struct ebpf_insn {
	uint8_t code;
	uint8_t dst:4, src:4;
	int16_t off;
	int32_t imm;
};

#define LDX_W		0x61	/* BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off) */
#define MOV64_X		0xbf	/* BPF_ALU64 | BPF_MOV | BPF_X: dst = src */
#define MOV64_K		0xb7	/* dst = imm */
#define AND32_K		0x54	/* BPF_ALU | BPF_AND | BPF_K: dst = (u32)(dst & imm) */
#define RSH32_K		0x74	/* dst = (u32)dst >> imm */
#define JNE_K		0x55	/* BPF_JMP | BPF_JNE | BPF_K: if dst != imm, pc += off */
#define JSET_K		0x45	/* if dst & imm, pc += off */
#define JEQ_K		0x15	/* if dst == imm, pc += off */
#define JA		0x05	/* pc += off */
#define EXIT		0x95

#define BPF_PROG_LOAD	5
#define BPF_PROG_ATTACH	8
#define BPF_PROG_TYPE_CGROUP_DEVICE 15
#define BPF_CGROUP_DEVICE 6
#define BPF_F_ALLOW_MULTI 2

/* struct bpf_cgroup_dev_ctx, what r1 points to. */
#define CTX_ACCESS_TYPE	0	/* type | access << 16 */
#define CTX_MAJOR	4
#define CTX_MINOR	8

/* Registers: r1 the context; r0 the verdict, 1 allow, 0 deny. */
#define R0 0
#define R1 1
#define R_TYPE 2
#define R_ACC 3
#define R_MAJ 4
#define R_MIN 5

/* Room for the longest block for every rule, the prologue and the end. */
#define PROG_MAX (ARRAY_SIZE(rules) * 7 + 8)

struct prog {
	struct ebpf_insn insn[PROG_MAX];
	unsigned n;
};

static void emit(struct prog *p, uint8_t code, int dst, int src, int off,
		 int32_t imm)
{
	struct ebpf_insn i = { code, dst, src, off, imm };

	if (p->n < PROG_MAX)
		p->insn[p->n] = i;
	p->n++;
}

/* The program, for an access (type, access bits, major, minor):
 *
 *	r2 = type; r3 = access; r4 = major; r5 = minor
 *	for each rule, a block that returns 1 if the rule allows it, and
 *	goes to the next block at its first test that fails:
 *		if r2 == TYPE goto +1
 *		goto next
 *		if r3 & ~ACCESS goto next	(none for rwm)
 *		if r4 != MAJOR goto next	(none for any major)
 *		if r5 != MINOR goto next	(none for any minor)
 *		r0 = 1; exit
 *	r0 = 0; exit
 *
 * A rule allows what it names and nothing else, and whatever no rule
 * allows is denied: the list is allow-only, so its order does not
 * matter. Access bits unknown today fail the ACCESS test.
 * The type test falls through to "goto next" rather than jumping there
 * for the kernel's verifier, which follows a fall-through first: it
 * then reaches every block first knowing nothing of the registers, and
 * the paths that reach it later knowing more are pruned. That halves
 * its work, which every container start pays (about 75 instead of 120
 * microseconds here). */
static void build(struct prog *p)
{
	p->n = 0;
	emit(p, LDX_W, R_TYPE, R1, CTX_ACCESS_TYPE, 0);
	emit(p, MOV64_X, R_ACC, R_TYPE, 0, 0);
	emit(p, RSH32_K, R_ACC, 0, 0, 16);
	emit(p, AND32_K, R_TYPE, 0, 0, 0xffff);
	emit(p, LDX_W, R_MAJ, R1, CTX_MAJOR, 0);
	emit(p, LDX_W, R_MIN, R1, CTX_MINOR, 0);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct rule *r = &rules[i];
		int tests = 2 + (r->access != ACC_ALL) + (r->major != ANY) +
			    (r->minor != ANY);
		int next = p->n + tests + 2;	/* the first of the next block */

		emit(p, JEQ_K, R_TYPE, 0, 1, r->type);
		emit(p, JA, 0, 0, next - (p->n + 1), 0);
		if (r->access != ACC_ALL)
			emit(p, JSET_K, R_ACC, 0, next - (p->n + 1), ~(int32_t)r->access);
		if (r->major != ANY)
			emit(p, JNE_K, R_MAJ, 0, next - (p->n + 1), r->major);
		if (r->minor != ANY)
			emit(p, JNE_K, R_MIN, 0, next - (p->n + 1), r->minor);
		emit(p, MOV64_K, R0, 0, 0, 1);
		emit(p, EXIT, 0, 0, 0, 0);
	}
	emit(p, MOV64_K, R0, 0, 0, 0);
	emit(p, EXIT, 0, 0, 0, 0);
}

unsigned devcg_program(void *insns, unsigned max)
{
	struct prog p;

	build(&p);
	memcpy(insns, p.insn, (p.n < max ? p.n : max) * sizeof(p.insn[0]));
	return p.n;
}

/* union bpf_attr as BPF_PROG_LOAD reads it, up to the program's name
 * (Linux 4.15, as old as BPF_PROG_TYPE_CGROUP_DEVICE itself). */
struct prog_load_attr {
	uint32_t prog_type, insn_cnt;
	uint64_t insns, license;
	uint32_t log_level, log_size;
	uint64_t log_buf;
	uint32_t kern_version, prog_flags;
	char prog_name[16];
};

struct prog_attach_attr {
	uint32_t target_fd, attach_bpf_fd, attach_type, attach_flags;
};

int devcg_v2_attach(int cgfd, const char *what, struct md_err *err)
{
	struct prog p;
	/* The program calls no kernel helper, so no license is needed (only
	 * GPL-only helpers ask for a GPL one). */
	struct prog_load_attr load = { .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
		.license = (uintptr_t)"", .prog_name = "md_devices" };
	struct prog_attach_attr att = { .target_fd = cgfd,
		.attach_type = BPF_CGROUP_DEVICE, .attach_flags = BPF_F_ALLOW_MULTI };
	cleanup_close int fd = -1;

	build(&p);
	if (p.n > PROG_MAX)	/* PROG_MAX's arithmetic is wrong */
		return err_set(err, 0, "%s: device program of %u instructions, "
			       "room for %u", what, p.n, (unsigned)PROG_MAX);
	load.insns = (uintptr_t)p.insn;
	load.insn_cnt = p.n;
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	if (fd < 0)
		return err_set(err, errno, "%s: load the device policy "
			       "(a BPF cgroup device program)", what);
	att.attach_bpf_fd = fd;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &att, sizeof(att)) < 0)
		return err_set(err, errno, "%s: attach the device policy", what);
	return 0;
}
