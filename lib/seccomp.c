/* md's default seccomp filter, written as classic BPF by hand (no
 * libseccomp) and installed with seccomp(2).
 *
 * Design: a denylist. Everything is allowed except the syscalls Docker's
 * default profile (moby profiles/seccomp/default.json, 25.0+) does not
 * allow a container with the 14 default capabilities. Docker's profile is
 * an allowlist; ours is its complement over the syscall table of the
 * kernel headers we know (up to nr 450 on both arches, the numbers from
 * 424 on are shared), and everything above that number gets ENOSYS, so a
 * syscall newer than this file is refused too, but in the way libc
 * expects from an old kernel (it falls back) rather than Docker's EPERM.
 *
 * Denied with EPERM (x86-64; aarch64 lacks the ones marked *):
 *   always: add_key keyctl request_key kexec_load kexec_file_load
 *     io_uring_setup io_uring_enter io_uring_register (Docker 25+)
 *     pivot_root swapon swapoff userfaultfd migrate_pages move_pages
 *     nfsservctl
 *     _sysctl* uselib* ustat* sysfs* create_module* get_kernel_syms*
 *     query_module* afs_syscall* getpmsg* putpmsg* tuxcall* security*
 *     vserver*, socket(AF_VSOCK, ...), personality(x) unless x is one of
 *     0, 8, 0x20000, 0x20008, 0xffffffff
 *   unless CAP_SYS_ADMIN: mount umount2 unshare setns fsopen fsconfig
 *     fsmount fspick open_tree move_mount mount_setattr sethostname
 *     setdomainname quotactl quotactl_fd fanotify_init name_to_handle_at
 *     lookup_dcookie
 *     clone with any CLONE_NEW{NS,UTS,IPC,USER,PID,NET,CGROUP} flag;
 *     clone3 gets ENOSYS so libc falls back to clone (the flags of
 *     clone3 live in memory, where BPF cannot look)
 *   unless CAP_SYS_ADMIN or CAP_BPF: bpf
 *   unless CAP_SYS_ADMIN or CAP_PERFMON: perf_event_open
 *   unless CAP_SYS_ADMIN or CAP_SYSLOG: syslog
 *   unless CAP_DAC_READ_SEARCH: open_by_handle_at
 *   unless CAP_SYS_BOOT: reboot
 *   unless CAP_SYS_CHROOT (a default one): chroot
 *   unless CAP_SYS_MODULE: init_module finit_module delete_module
 *   unless CAP_SYS_PACCT: acct
 *   unless CAP_SYS_PTRACE: kcmp pidfd_getfd process_madvise; and on
 *     kernels before 4.8 (where seccomp ran before ptrace could change
 *     the syscall) ptrace process_vm_readv process_vm_writev, which newer
 *     kernels allow as Docker does
 *   unless CAP_SYS_RAWIO: iopl* ioperm*
 *   unless CAP_SYS_TIME: settimeofday clock_settime
 *   unless CAP_SYS_TTY_CONFIG: vhangup
 *   unless CAP_SYS_NICE: mbind get_mempolicy set_mempolicy
 *     set_mempolicy_home_node
 * Allowed although a capability check may still refuse them: adjtimex,
 * clock_adjtime (read-only use is common), ptrace family (kernel >= 4.8).
 *
 * Architecture: only the native ABI. Another seccomp_data.arch (i386 via
 * int 0x80, arm32 compat) and x32 syscalls (nr | 0x40000000) kill the
 * process (SECCOMP_RET_KILL_PROCESS): their numbers mean other syscalls,
 * and a program that cannot make a single syscall is better dead with
 * SIGSYS than spinning on EPERM. Docker allows them; 32-bit binaries do
 * not run under md's default filter. nr == -1 (a tracer skipping a
 * syscall) is allowed, the kernel then just returns. */
#include "seccomp.h"

#include "caps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>: not in musl. */
struct bpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct bpf_prog {
	unsigned short len;
	struct bpf_insn *insns;
};

#define BPF_LD_ABS	0x20	/* BPF_LD | BPF_W | BPF_ABS */
#define BPF_JEQ_K	0x15	/* BPF_JMP | BPF_JEQ | BPF_K */
#define BPF_JGT_K	0x25
#define BPF_JGE_K	0x35
#define BPF_JSET_K	0x45
#define BPF_RET_K	0x06

#define RET_KILL_PROCESS 0x80000000U	/* kernels < 4.14 read it as KILL */
#define RET_ERRNO(e)	(0x00050000U | (e))
#define RET_ALLOW	0x7fff0000U

#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_MODE_FILTER 2

/* struct seccomp_data: nr, arch, ip, args[6]; little endian. */
#define OFF_NR		0
#define OFF_ARCH	4
#define OFF_ARG_LO(n)	(16 + 8 * (n))

#if defined(__x86_64__)
#define NATIVE_ARCH	0xc000003eU	/* AUDIT_ARCH_X86_64 */
#define X32_BIT		0x40000000U
#elif defined(__aarch64__)
#define NATIVE_ARCH	0xc00000b7U	/* AUDIT_ARCH_AARCH64 */
#else
#error "the seccomp filter knows x86-64 and aarch64 only"
#endif

/* Numbers from 424 on are the same on every architecture. */
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#define LAST_KNOWN_NR	450

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define CLONE_NEW_ANY	0x7e020000U	/* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|
					   NEWUSER|NEWPID|NEWNET */

#define ADMIN	CAPS_BIT(MD_CAP_SYS_ADMIN)

/* A denied syscall and the capabilities any of which allows it again. */
struct deny {
	int nr;
	uint64_t lift;
};

static const struct deny deny_table[] = {
	{ SYS_add_key, 0 },
	{ SYS_keyctl, 0 },
	{ SYS_request_key, 0 },
	{ SYS_kexec_load, 0 },
	{ SYS_kexec_file_load, 0 },
	{ SYS_io_uring_setup, 0 },
	{ SYS_io_uring_enter, 0 },
	{ SYS_io_uring_register, 0 },
	{ SYS_pivot_root, 0 },
	{ SYS_swapon, 0 },
	{ SYS_swapoff, 0 },
	{ SYS_userfaultfd, 0 },
	{ SYS_migrate_pages, 0 },
	{ SYS_move_pages, 0 },
#ifdef SYS_nfsservctl
	{ SYS_nfsservctl, 0 },
#endif
#if defined(__x86_64__)
	{ SYS__sysctl, 0 },
	{ SYS_uselib, 0 },
	{ SYS_ustat, 0 },
	{ SYS_sysfs, 0 },
	{ SYS_create_module, 0 },
	{ SYS_get_kernel_syms, 0 },
	{ SYS_query_module, 0 },
	{ SYS_afs_syscall, 0 },
	{ SYS_getpmsg, 0 },
	{ SYS_putpmsg, 0 },
	{ SYS_tuxcall, 0 },
	{ SYS_security, 0 },
	{ SYS_vserver, 0 },
	{ SYS_iopl, CAPS_BIT(MD_CAP_SYS_RAWIO) },
	{ SYS_ioperm, CAPS_BIT(MD_CAP_SYS_RAWIO) },
#endif
	{ SYS_mount, ADMIN },
	{ SYS_umount2, ADMIN },
#ifdef SYS_umount
	{ SYS_umount, ADMIN },
#endif
	{ SYS_unshare, ADMIN },
	{ SYS_setns, ADMIN },
	{ SYS_fsopen, ADMIN },
	{ SYS_fsconfig, ADMIN },
	{ SYS_fsmount, ADMIN },
	{ SYS_fspick, ADMIN },
	{ SYS_open_tree, ADMIN },
	{ SYS_move_mount, ADMIN },
	{ SYS_mount_setattr, ADMIN },
	{ SYS_sethostname, ADMIN },
	{ SYS_setdomainname, ADMIN },
	{ SYS_quotactl, ADMIN },
	{ SYS_quotactl_fd, ADMIN },
	{ SYS_fanotify_init, ADMIN },
	{ SYS_name_to_handle_at, ADMIN },
#ifdef SYS_lookup_dcookie
	{ SYS_lookup_dcookie, ADMIN },
#endif
	{ SYS_bpf, ADMIN | CAPS_BIT(MD_CAP_BPF) },
	{ SYS_perf_event_open, ADMIN | CAPS_BIT(MD_CAP_PERFMON) },
	{ SYS_syslog, ADMIN | CAPS_BIT(MD_CAP_SYSLOG) },
	{ SYS_open_by_handle_at, CAPS_BIT(MD_CAP_DAC_READ_SEARCH) },
	{ SYS_reboot, CAPS_BIT(MD_CAP_SYS_BOOT) },
	{ SYS_chroot, CAPS_BIT(MD_CAP_SYS_CHROOT) },
	{ SYS_init_module, CAPS_BIT(MD_CAP_SYS_MODULE) },
	{ SYS_finit_module, CAPS_BIT(MD_CAP_SYS_MODULE) },
	{ SYS_delete_module, CAPS_BIT(MD_CAP_SYS_MODULE) },
	{ SYS_acct, CAPS_BIT(MD_CAP_SYS_PACCT) },
	{ SYS_kcmp, CAPS_BIT(MD_CAP_SYS_PTRACE) },
	{ SYS_pidfd_getfd, CAPS_BIT(MD_CAP_SYS_PTRACE) },
	{ SYS_process_madvise, CAPS_BIT(MD_CAP_SYS_PTRACE) },
	{ SYS_settimeofday, CAPS_BIT(MD_CAP_SYS_TIME) },
#ifdef SYS_stime
	{ SYS_stime, CAPS_BIT(MD_CAP_SYS_TIME) },
#endif
	{ SYS_clock_settime, CAPS_BIT(MD_CAP_SYS_TIME) },
	{ SYS_vhangup, CAPS_BIT(MD_CAP_SYS_TTY_CONFIG) },
	{ SYS_mbind, CAPS_BIT(MD_CAP_SYS_NICE) },
	{ SYS_get_mempolicy, CAPS_BIT(MD_CAP_SYS_NICE) },
	{ SYS_set_mempolicy, CAPS_BIT(MD_CAP_SYS_NICE) },
	{ SYS_set_mempolicy_home_node, CAPS_BIT(MD_CAP_SYS_NICE) },
};

/* Denied only on kernels before 4.8, unless CAP_SYS_PTRACE. */
static const int ptrace_family[] = {
	SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
};

static const uint32_t personality_ok[] = {
	0, 0x0008, 0x20000, 0x20008, 0xffffffffU,
};

/* The tree takes one instruction per boundary of a run of denied
 * numbers (at most two per number), and its longest jump is to the end. */
#define DENY_MAX (ARRAY_SIZE(deny_table) + ARRAY_SIZE(ptrace_family))
#define PROG_MAX 256
_Static_assert(DENY_MAX * 2 + 40 < PROG_MAX, "seccomp program too small");
_Static_assert(DENY_MAX * 2 + 2 < 255, "deny list longer than a BPF jump");

struct prog {
	struct bpf_insn insn[PROG_MAX];
	unsigned n;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt,
		 uint8_t jf)
{
	struct bpf_insn i = { code, jt, jf, k };

	if (p->n < PROG_MAX)
		p->insn[p->n] = i;
	p->n++;
}

static int kernel_at_least(unsigned major, unsigned minor)
{
	struct utsname u;
	unsigned long ma, mi = 0;
	char *end;

	if (uname(&u) < 0)
		return 0;
	ma = strtoul(u.release, &end, 10);
	if (*end == '.')
		mi = strtoul(end + 1, NULL, 10);
	return ma > major || (ma == major && mi >= minor);
}

/* For syscall nr (in the accumulator): load the low 32 bits of argument
 * 0, all the kernel reads of these int arguments, and return EPERM when
 * it equals none of ok[] or, given a mask, has a bit of mask; else ALLOW.
 * Other syscalls go on to the next check. */
static void emit_arg_check(struct prog *p, int nr, const uint32_t *ok,
			   unsigned nok, uint32_t mask)
{
	unsigned i, body = mask ? 4 : nok + 3;

	emit(p, BPF_JEQ_K, nr, 0, body);
	emit(p, BPF_LD_ABS, OFF_ARG_LO(0), 0, 0);
	if (mask) {
		emit(p, BPF_JSET_K, mask, 0, 1);
	} else {
		for (i = 0; i < nok; i++)
			emit(p, BPF_JEQ_K, ok[i], nok - i, 0);
	}
	emit(p, BPF_RET_K, RET_ERRNO(EPERM), 0, 0);
	emit(p, BPF_RET_K, RET_ALLOW, 0, 0);
}

/* The denylist as a binary search tree over the boundaries of its runs
 * of consecutive numbers, b[0] < b[1] < ...: a number is denied when an
 * odd count of them is at most it. A syscall takes about log2(k) jumps,
 * and the kernel, which runs the filter for every syscall number once at
 * install to cache the always-allowed ones (and JIT-compiles it), has
 * about one instruction per boundary to deal with. The leaves are the
 * two shared returns at the end; jumps only go forward, within 255. */
static void emit_tree(struct prog *p, const uint32_t *b, unsigned lo,
		      unsigned hi, unsigned ret_allow)
{
	unsigned mid = lo + (hi - lo) / 2, at = p->n, right, left, jt, jf;

	if (lo == hi)
		return;
	right = hi - mid - 1;
	left = mid - lo;
	/* A leaf: n boundaries are at most nr, n odd means denied. */
#define LEAF(n) (ret_allow + ((n) & 1))
	jt = right ? at + 1 : LEAF(mid + 1);
	jf = left ? at + 1 + right : LEAF(lo);
#undef LEAF
	emit(p, BPF_JGE_K, b[mid], jt - at - 1, jf - at - 1);
	emit_tree(p, b, mid + 1, hi, ret_allow);
	emit_tree(p, b, lo, mid, ret_allow);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void build(struct prog *p, uint64_t caps, int old_kernel)
{
	int deny[DENY_MAX];
	uint32_t bound[2 * DENY_MAX];
	unsigned i, k, n = 0;

	for (i = 0; i < ARRAY_SIZE(deny_table); i++)
		if (!(caps & deny_table[i].lift))
			deny[n++] = deny_table[i].nr;
	if (old_kernel && !(caps & CAPS_BIT(MD_CAP_SYS_PTRACE)))
		for (i = 0; i < ARRAY_SIZE(ptrace_family); i++)
			deny[n++] = ptrace_family[i];

	p->n = 0;
	emit(p, BPF_LD_ABS, OFF_ARCH, 0, 0);
	emit(p, BPF_JEQ_K, NATIVE_ARCH, 1, 0);
	emit(p, BPF_RET_K, RET_KILL_PROCESS, 0, 0);
	emit(p, BPF_LD_ABS, OFF_NR, 0, 0);

	/* Above the table: -1 passes, x32 dies, the rest is "too new". */
#ifdef X32_BIT
	emit(p, BPF_JGT_K, LAST_KNOWN_NR, 0, 5);
	emit(p, BPF_JEQ_K, 0xffffffffU, 0, 1);
	emit(p, BPF_RET_K, RET_ALLOW, 0, 0);
	emit(p, BPF_JGE_K, X32_BIT, 0, 1);
	emit(p, BPF_RET_K, RET_KILL_PROCESS, 0, 0);
#else
	emit(p, BPF_JGT_K, LAST_KNOWN_NR, 0, 3);
	emit(p, BPF_JEQ_K, 0xffffffffU, 0, 1);
	emit(p, BPF_RET_K, RET_ALLOW, 0, 0);
#endif
	emit(p, BPF_RET_K, RET_ERRNO(ENOSYS), 0, 0);

	if (!(caps & ADMIN)) {
		emit(p, BPF_JEQ_K, SYS_clone3, 0, 1);
		emit(p, BPF_RET_K, RET_ERRNO(ENOSYS), 0, 0);
		emit_arg_check(p, SYS_clone, NULL, 0, CLONE_NEW_ANY);
	}
	emit_arg_check(p, SYS_personality, personality_ok,
		       ARRAY_SIZE(personality_ok), 0);
	/* socket(AF_VSOCK, ...): the host's vsock is no business of ours. */
	emit(p, BPF_JEQ_K, SYS_socket, 0, 4);
	emit(p, BPF_LD_ABS, OFF_ARG_LO(0), 0, 0);
	emit(p, BPF_JEQ_K, AF_VSOCK, 0, 1);
	emit(p, BPF_RET_K, RET_ERRNO(EPERM), 0, 0);
	emit(p, BPF_RET_K, RET_ALLOW, 0, 0);

	qsort(deny, n, sizeof(deny[0]), int_cmp);
	for (i = 0, k = 0; i < n; i++) {
		if (i && deny[i] == deny[i - 1])
			continue;
		if (k && bound[k - 1] == (uint32_t)deny[i])	/* the run goes on */
			bound[k - 1]++;
		else {
			bound[k++] = deny[i];
			bound[k++] = deny[i] + 1;
		}
	}
	emit_tree(p, bound, 0, k, p->n + k);
	emit(p, BPF_RET_K, RET_ALLOW, 0, 0);
	emit(p, BPF_RET_K, RET_ERRNO(EPERM), 0, 0);
}

int seccomp_default_denies(uint64_t caps, int nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(deny_table); i++)
		if (deny_table[i].nr == nr && !(caps & deny_table[i].lift))
			return 1;
	return 0;
}

unsigned seccomp_default_program(uint64_t caps, void *insns, unsigned max)
{
	struct prog p;

	build(&p, caps, 0);
	memcpy(insns, p.insn, (p.n < max ? p.n : max) * sizeof(p.insn[0]));
	return p.n;
}

int seccomp_install_default(uint64_t caps, struct md_err *err)
{
	struct prog p;
	struct bpf_prog fprog;

	build(&p, caps, !kernel_at_least(4, 8));
	if (p.n > PROG_MAX)
		return err_set(err, 0, "seccomp filter: %u instructions, "
			       "room for %u", p.n, PROG_MAX);
	fprog.len = p.n;
	fprog.insns = p.insn;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0)
		return 0;
	/* Kernels 3.5 to 3.16 have the filter mode only through prctl. */
	if (errno == ENOSYS &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0)
		return 0;
	if (errno == EACCES)
		return err_set(err, errno, "install seccomp filter "
			       "(no_new_privs is not set)");
	return err_set(err, errno, "install seccomp filter");
}
