/* Unit tests for lib/caps.c: names and Docker's --cap-add/--cap-drop
 * rules first, then forked children (as root) that apply a set, switch
 * user or not, exec /bin/cat /proc/self/status and read what the kernel
 * says their capability sets are after execve. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "caps.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_X(got, want) do { uint64_t g_ = (got), w_ = (want); \
	if (g_ != w_) { failures++; fprintf(stderr, "%s:%d: %s: got %016llx, " \
	"want %016llx\n", __FILE__, __LINE__, #got, (unsigned long long)g_, \
	(unsigned long long)w_); } } while (0)

static void test_names(void)
{
	struct md_err err = { 0 };
	char buf[64];

	CHECK(caps_from_name("chown", &err) == MD_CAP_CHOWN);
	CHECK(caps_from_name("CAP_NET_ADMIN", &err) == MD_CAP_NET_ADMIN);
	CHECK(caps_from_name("cap_sys_admin", &err) == MD_CAP_SYS_ADMIN);
	CHECK(caps_from_name("Net_Raw", &err) == MD_CAP_NET_RAW);
	CHECK(caps_from_name("checkpoint_restore", &err) ==
	      MD_CAP_CHECKPOINT_RESTORE);
	CHECK(caps_from_name("ALL", &err) == CAPS_NAME_ALL);
	CHECK(caps_from_name("all", &err) == CAPS_NAME_ALL);
	/* Docker: "CAP_ALL" is not "ALL" */
	CHECK(caps_from_name("CAP_ALL", &err) == -1);
	CHECK(caps_from_name("", &err) == -1);
	CHECK(caps_from_name("CAP_", &err) == -1);
	CHECK(caps_from_name("CAP_CAP_CHOWN", &err) == -1);
	CHECK(caps_from_name("chown ", &err) == -1);
	CHECK(caps_from_name("FOO", &err) == -1);
	CHECK(strcmp(err.msg, "unknown capability: \"FOO\"") == 0);

	CHECK(strcmp(caps_name(0), "CAP_CHOWN") == 0);
	CHECK(strcmp(caps_name(CAPS_LAST), "CAP_CHECKPOINT_RESTORE") == 0);
	CHECK(caps_name(CAPS_LAST + 1) == NULL && caps_name(-1) == NULL);

	CHECK(caps_format(0, buf, sizeof(buf)) == 0 && buf[0] == '\0');
	CHECK(caps_format(3, buf, sizeof(buf)) == 26);
	CHECK(strcmp(buf, "CAP_CHOWN,CAP_DAC_OVERRIDE") == 0);
	CHECK(caps_format(CAPS_BIT(41) | 1, buf, sizeof(buf)) == 16);
	CHECK(strcmp(buf, "CAP_CHOWN,CAP_41") == 0);
	CHECK(caps_format(3, buf, 12) == 26 && strcmp(buf, "CAP_CHOWN,C") == 0);
	CHECK(caps_format(CAPS_DEFAULT, buf, sizeof(buf)) > sizeof(buf));
	CHECK(caps_format(CAPS_DEFAULT, NULL, 0) > sizeof(buf));
}

static uint64_t resolve(const char *const *add, const char *const *drop,
			int privileged)
{
	struct caps_change c = { 0 };
	struct md_err err = { 0 };

	for (; add && *add; add++)
		CHECK(caps_change_add(&c, *add, &err) == 0);
	for (; drop && *drop; drop++)
		CHECK(caps_change_drop(&c, *drop, &err) == 0);
	return caps_resolve(&c, privileged);
}
#define L(...) ((const char *const []){ __VA_ARGS__, NULL })

static void test_resolve(void)
{
	struct caps_change c = { 0 };
	struct md_err err = { 0 };
	uint64_t raw = CAPS_BIT(MD_CAP_NET_RAW);
	uint64_t admin = CAPS_BIT(MD_CAP_NET_ADMIN);

	CHECK_X(CAPS_DEFAULT, 0xa80425fb);
	CHECK_X(resolve(NULL, NULL, 0), CAPS_DEFAULT);
	CHECK_X(resolve(NULL, NULL, 1), CAPS_ALL);
	CHECK_X(resolve(L("NET_ADMIN"), L("net_raw"), 1), CAPS_ALL);
	CHECK_X(resolve(NULL, L("NET_RAW"), 0), CAPS_DEFAULT & ~raw);
	CHECK_X(resolve(L("cap_net_admin"), NULL, 0), CAPS_DEFAULT | admin);
	/* default case: drops first, then adds, so add wins */
	CHECK_X(resolve(L("NET_RAW"), L("NET_RAW"), 0), CAPS_DEFAULT);
	CHECK_X(resolve(L("CHOWN"), L("ALL"), 0), CAPS_BIT(MD_CAP_CHOWN));
	CHECK_X(resolve(NULL, L("ALL"), 0), 0);
	CHECK_X(resolve(L("ALL"), L("CHOWN"), 0), CAPS_ALL & ~UINT64_C(1));
	/* "--cap-add ALL" wins over "--cap-drop ALL" */
	CHECK_X(resolve(L("ALL"), L("ALL"), 0), CAPS_ALL);
	CHECK_X(CAPS_ALL, 0x1ffffffffffULL);
	CHECK(caps_change_add(&c, "NOPE", &err) == -1);
	CHECK(caps_change_drop(&c, "CAP_NOPE", &err) == -1);
	CHECK(strstr(err.msg, "CAP_NOPE") != NULL);
	CHECK(c.add == 0 && c.drop == 0 && !c.add_all && !c.drop_all);
}

/* The Cap* lines of a /proc/PID/status text. */
struct sets {
	uint64_t inh, prm, eff, bnd, amb;
};

static int parse_status(const char *text, struct sets *s)
{
	static const char *const keys[] = {
		"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
	};
	uint64_t *dst[] = { &s->inh, &s->prm, &s->eff, &s->bnd, &s->amb };
	const char *p;
	unsigned i;

	for (i = 0; i < 5; i++) {
		p = strstr(text, keys[i]);
		if (!p)
			return -1;
		*dst[i] = strtoull(p + strlen(keys[i]), NULL, 16);
	}
	return 0;
}

static int read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - n - 1)) > 0)
		n += r;
	buf[n] = '\0';
	return n;
}

static uint64_t my_bounding(void)
{
	char buf[4096];
	struct sets s;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return parse_status(buf, &s) < 0 ? 0 : s.bnd;
}

/* In a child: caps_drop_bounding, maybe become uid/gid `user`, caps_apply,
 * no_new_privs, then exec cat of its own status. Fills *after. */
static int run_as(uint64_t set, uid_t user, struct sets *after)
{
	char text[8192];
	int p[2], st;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct md_err err = { 0 };

		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (caps_drop_bounding(set, &err) < 0 ||
		    (user && (setgroups(0, NULL) < 0 || setresgid(user, user,
		     user) < 0 || setresuid(user, user, user) < 0)) ||
		    caps_apply(set, &err) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			fprintf(stderr, "child: %s\n", err.msg[0] ? err.msg :
				strerror(errno));
			_exit(1);
		}
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	read_all(p[0], text, sizeof(text));
	close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || parse_status(text, after) < 0) {
		failures++;
		fprintf(stderr, "child for set %llx uid %d failed\n",
			(unsigned long long)set, (int)user);
		return -1;
	}
	return 0;
}

static void test_apply(void)
{
	uint64_t host = my_bounding(), want;
	struct sets s;

	CHECK(caps_last_cap() >= MD_CAP_AUDIT_READ);
	/* Root in the container: exactly the set, nothing inheritable. */
	want = CAPS_DEFAULT & host;
	if (run_as(CAPS_DEFAULT, 0, &s) == 0) {
		CHECK_X(s.inh, 0);
		CHECK_X(s.prm, want);
		CHECK_X(s.eff, want);
		CHECK_X(s.bnd, want);
		CHECK_X(s.amb, 0);
	}
	/* --cap-drop ALL --cap-add NET_BIND_SERVICE */
	want = CAPS_BIT(MD_CAP_NET_BIND_SERVICE);
	if (run_as(want, 0, &s) == 0) {
		CHECK_X(s.prm, want);
		CHECK_X(s.eff, want);
		CHECK_X(s.bnd, want);
		CHECK_X(s.inh | s.amb, 0);
	}
	/* --privileged: everything the host gives us. */
	if (run_as(CAPS_ALL, 0, &s) == 0) {
		CHECK_X(s.prm, host);
		CHECK_X(s.eff, host);
		CHECK_X(s.bnd, host);
	}
	/* -u 65534: only the bounding set, as Docker. */
	want = CAPS_DEFAULT & host;
	if (run_as(CAPS_DEFAULT, 65534, &s) == 0) {
		CHECK_X(s.inh, 0);
		CHECK_X(s.prm, 0);
		CHECK_X(s.eff, 0);
		CHECK_X(s.bnd, want);
		CHECK_X(s.amb, 0);
	}
	/* --cap-drop SETUID,SETGID -u 65534: the switch still works. */
	want = CAPS_DEFAULT & ~CAPS_BIT(MD_CAP_SETUID) &
	       ~CAPS_BIT(MD_CAP_SETGID);
	if (run_as(want, 65534, &s) == 0) {
		CHECK_X(s.prm | s.eff | s.inh | s.amb, 0);
		CHECK_X(s.bnd, want & host);
	}
}

int main(void)
{
	test_names();
	test_resolve();
	if (geteuid() == 0)
		test_apply();
	else
		fprintf(stderr, "not root: skipping caps_apply tests\n");
	if (failures)
		fprintf(stderr, "test_caps: %d failure(s)\n", failures);
	return failures != 0;
}
