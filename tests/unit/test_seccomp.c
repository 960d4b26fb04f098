/* Unit tests for lib/seccomp.c: forked children install the default
 * filter and check that Docker's denied syscalls fail the way Docker's
 * fail while ordinary work (getpid, read, write, fork) goes on. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "seccomp.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
/* call must fail with errno want. */
#define DENIED(call, want) do { errno = 0; long r_ = (call); int e_ = errno; \
	if (r_ != -1 || e_ != (want)) { failures++; fprintf(stderr, \
	"%s:%d: %s: got %ld (%s), want %s\n", __FILE__, __LINE__, #call, r_, \
	strerror(e_), strerror(want)); } } while (0)
/* call must not fail (or fail for another reason than the filter). */
#define PASSES(call) do { errno = 0; long r_ = (call); int e_ = errno; \
	if (r_ == -1 && (e_ == EPERM || e_ == ENOSYS)) { failures++; \
	fprintf(stderr, "%s:%d: %s: denied (%s)\n", __FILE__, __LINE__, \
	#call, strerror(e_)); } } while (0)

#define CLONE_NEWUSER_ 0x10000000
#define AF_VSOCK_ 40
#define X32_BIT 0x40000000
#define NOWHERE "/nonexistent-md-test"

/* Runs fn in a child and returns its wait status. */
static int in_child(void (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		failures = 0;
		fn();
		fflush(stderr);
		_exit(failures > 100 ? 100 : failures);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return st;
}

static void child_failed(const char *what, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	failures++;
	if (WIFSIGNALED(st))
		fprintf(stderr, "%s: child killed by signal %d\n", what,
			WTERMSIG(st));
	else
		fprintf(stderr, "%s: %d failure(s) in the child\n", what,
			WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int install(uint64_t caps)
{
	struct md_err err = { 0 };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    seccomp_install_default(caps, &err) < 0) {
		failures++;
		fprintf(stderr, "install: %s\n", err.msg[0] ? err.msg :
			strerror(errno));
		return -1;
	}
	return 0;
}

static long raw_clone(unsigned long flags)
{
	long r = syscall(SYS_clone, flags, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid(r, NULL, 0);
	return r;
}

static void default_denials(void)
{
	/* Each call is harmless should the filter let it through: bad
	 * paths, bad flags, a forked child. */
	if (install(CAPS_DEFAULT) < 0)
		return;
	DENIED(syscall(SYS_keyctl, 0, -3, 0), EPERM);
	DENIED(syscall(SYS_add_key, "user", "k", "v", 1, -3), EPERM);
	DENIED(syscall(SYS_request_key, "user", "k", NULL, -3), EPERM);
	DENIED(syscall(SYS_bpf, 0, NULL, 0), EPERM);
	DENIED(syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000), EPERM);
	DENIED(unshare(CLONE_NEWNS), EPERM);
	DENIED(unshare(CLONE_FS), EPERM);
	DENIED(setns(0, 0), EPERM);
	DENIED(mount("none", NOWHERE, "tmpfs", 0, NULL), EPERM);
	DENIED(umount2(NOWHERE, 0), EPERM);
	DENIED(syscall(SYS_pivot_root, NOWHERE, NOWHERE), EPERM);
	DENIED(syscall(SYS_open_tree, -100, "/", 0), EPERM);
	DENIED(syscall(SYS_fsopen, "tmpfs", 0), EPERM);
	DENIED(syscall(SYS_io_uring_setup, 1, NULL), EPERM);
	DENIED(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
	DENIED(syscall(SYS_init_module, NULL, 0, ""), EPERM);
	DENIED(syscall(SYS_finit_module, -1, "", 0), EPERM);
	DENIED(syscall(SYS_delete_module, "x", 0), EPERM);
	DENIED(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM);
	DENIED(syscall(SYS_swapon, "/nonexistent", 0), EPERM);
	DENIED(syscall(SYS_acct, NULL), EPERM);
	DENIED(syscall(SYS_userfaultfd, 0), EPERM);
	DENIED(syscall(SYS_kcmp, getpid(), getpid(), 0, 0, 0), EPERM);
	DENIED(syscall(SYS_name_to_handle_at, -100, "/", NULL, NULL, 0), EPERM);
	DENIED(syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM);
	DENIED(syscall(SYS_sethostname, NULL, 100000), EPERM);
	DENIED(syscall(SYS_syslog, 3, NULL, 0), EPERM);
	DENIED(syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0), EPERM);
	DENIED(syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0), EPERM);
	DENIED(syscall(SYS_iopl, 3), EPERM);
	DENIED(syscall(SYS_settimeofday, NULL, NULL), EPERM);
	DENIED(raw_clone(CLONE_NEWUSER_ | SIGCHLD), EPERM);
	DENIED(raw_clone(CLONE_NEWNET | SIGCHLD), EPERM);
	DENIED(raw_clone(CLONE_NEWPID | SIGCHLD), EPERM);
	DENIED(syscall(SYS_clone3, NULL, 0), ENOSYS);
	DENIED(personality(ADDR_NO_RANDOMIZE), EPERM);
	DENIED(socket(AF_VSOCK_, SOCK_STREAM, 0), EPERM);
	DENIED(syscall(1000), ENOSYS);
	DENIED(syscall(451), ENOSYS);
}

static void default_allowed(void)
{
	char buf[4];
	int p[2], fd, st = -1;
	pid_t pid;

	if (install(CAPS_DEFAULT) < 0)
		return;
	CHECK(syscall(SYS_getpid) == getpid());
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "abc", 3) == 3);
	CHECK(read(p[0], buf, sizeof(buf)) == 3 && memcmp(buf, "abc", 3) == 0);
	pid = fork();
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 7);
	CHECK(raw_clone(SIGCHLD) > 0);
	PASSES(personality(0xffffffff));
	PASSES(personality(PER_LINUX));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	close(fd);
	PASSES(syscall(SYS_ptrace, 3 /* PEEKUSER */, getppid(), 0, 0));
	PASSES(syscall(SYS_process_vm_readv, getpid(), NULL, 0, NULL, 0, 0));
	PASSES(syscall(SYS_adjtimex, NULL));
	PASSES(syscall(SYS_getrandom, buf, 1, 0));
	if (geteuid() == 0)
		PASSES(chroot("/"));
	/* A tracer's "skip this syscall" is -1: it must not kill us; the
	 * kernel itself answers ENOSYS. */
	DENIED(syscall(-1), ENOSYS);
}

static void x32_killed(void)
{
	if (install(CAPS_DEFAULT) < 0)
		return;
	syscall(X32_BIT | SYS_getpid);
	fprintf(stderr, "x32 getpid returned\n");
	failures++;
}

/* --cap-add SYS_ADMIN / SYS_TIME lift their denials, as in Docker. */
static void admin_lifted(void)
{
	if (install(CAPS_DEFAULT | CAPS_BIT(MD_CAP_SYS_ADMIN)) < 0)
		return;
	PASSES(raw_clone(CLONE_NEWNS | SIGCHLD));
	DENIED(syscall(SYS_clone3, NULL, 0), EINVAL);
	/* sethostname only once in a UTS namespace of our own */
	CHECK(unshare(CLONE_NEWNS | CLONE_NEWUTS) == 0);
	if (failures == 0)
		PASSES(syscall(SYS_sethostname, "md-test", 7));
	/* still denied whatever the capabilities */
	DENIED(syscall(SYS_keyctl, 0, -3, 0), EPERM);
	DENIED(syscall(SYS_pivot_root, NOWHERE, NOWHERE), EPERM);
	DENIED(syscall(SYS_settimeofday, NULL, NULL), EPERM);
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses. */
static void needs_nnp(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t eff, perm, inh; } d[2];
	struct md_err err = { 0 };

	CHECK(syscall(SYS_capget, &hdr, d) == 0);
	d[0].eff &= ~(1U << MD_CAP_SYS_ADMIN);
	CHECK(syscall(SYS_capset, &hdr, d) == 0);
	CHECK(seccomp_install_default(CAPS_DEFAULT, &err) == -1);
	CHECK(err.errnum == EACCES);
	CHECK(strstr(err.msg, "no_new_privs") != NULL);
}

/* A classic BPF interpreter for what the filter uses, over seccomp_data
 * {nr, arch, ip, args} with zero arguments. */
struct insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

static uint32_t run_filter(const struct insn *p, unsigned n, uint32_t nr,
			   uint32_t arch)
{
	uint32_t a = 0, data[16] = { nr, arch };

	for (unsigned pc = 0; pc < n; pc++) {
		const struct insn *i = &p[pc];
		switch (i->code) {
		case 0x20: a = i->k < sizeof(data) ? data[i->k / 4] : 0; break;
		case 0x06: return i->k;
		case 0x15: pc += a == i->k ? i->jt : i->jf; break;
		case 0x25: pc += a > i->k ? i->jt : i->jf; break;
		case 0x35: pc += a >= i->k ? i->jt : i->jf; break;
		case 0x45: pc += a & i->k ? i->jt : i->jf; break;
		default: return 0xdeadbeef;
		}
	}
	return 0xdeadbeef;	/* fell off the end */
}

/* Every syscall number through the program: EPERM exactly for the table's
 * denials (given the capabilities), whatever shape the program has. */
static void program_matches_table(uint64_t caps)
{
	struct insn p[256];
	unsigned n = seccomp_default_program(caps, p, 256);
	uint32_t arch = 0xc000003e;	/* x86-64 */

	CHECK(n <= 256);
	for (uint32_t nr = 0; nr <= 450 && n <= 256; nr++) {
		uint32_t got = run_filter(p, n, nr, arch), want;
		if (nr == SYS_clone || nr == SYS_personality || nr == SYS_socket)
			continue;	/* decided by their arguments */
		want = seccomp_default_denies(caps, nr) ? 0x50000 | EPERM :
		       nr == SYS_clone3 && !(caps & CAPS_BIT(MD_CAP_SYS_ADMIN)) ?
		       0x50000 | ENOSYS : 0x7fff0000;
		if (got != want) {
			failures++;
			fprintf(stderr, "syscall %u: filter returns %#x, want %#x\n",
				nr, got, want);
		}
	}
	CHECK(run_filter(p, n, 451, arch) == (0x50000 | ENOSYS));
	CHECK(run_filter(p, n, SYS_getpid, 0x40000003) == 0x80000000U);
}

int main(void)
{
	int st;

#if defined(__x86_64__)
	program_matches_table(CAPS_DEFAULT);
	program_matches_table(CAPS_DEFAULT | CAPS_BIT(MD_CAP_SYS_ADMIN));
	program_matches_table(0);
#endif

	child_failed("default denials", in_child(default_denials));
	child_failed("default allowed", in_child(default_allowed));
	st = in_child(x32_killed);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) {
		failures++;
		fprintf(stderr, "x32 syscall: status %#x, want SIGSYS\n", st);
	}
	if (geteuid() == 0) {
		child_failed("SYS_ADMIN lifts", in_child(admin_lifted));
		child_failed("no_new_privs needed", in_child(needs_nnp));
	} else {
		fprintf(stderr, "not root: skipping the capability cases\n");
	}
	if (failures)
		fprintf(stderr, "test_seccomp: %d failure(s)\n", failures);
	return failures != 0;
}
