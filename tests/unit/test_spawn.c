/* The start-up protocol: packing, and messages with fds over a real
 * socketpair, including a peer that goes away. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

static void test_pack_roundtrip(void)
{
	char *argv[] = { "sh", "-c", "echo \"$x\"", "", NULL };
	struct pack k = { 0 };
	struct unpack u;
	char **v;

	pack_strv(&k, argv);
	pack_str(&k, NULL);
	pack_str(&k, "");
	pack_u64(&k, 0xfeedface12345678ULL);
	pack_bytes(&k, "abc", 3);
	CHECK(!k.oom);
	u = (struct unpack){ .buf = k.buf, .len = k.len };
	v = unpack_strv(&u);
	CHECK(v && !strcmp(v[0], "sh") && !strcmp(v[2], "echo \"$x\"") &&
	      !strcmp(v[3], "") && !v[4]);
	CHECK(unpack_str(&u) == NULL && !u.bad);
	char *e = unpack_str(&u);
	CHECK(e && !*e);
	CHECK(unpack_u64(&u) == 0xfeedface12345678ULL);
	char b[3];
	unpack_bytes(&u, b, 3);
	CHECK(!memcmp(b, "abc", 3) && !u.bad && u.off == u.len);
	free(v);
	/* Every cut-short prefix is refused, never read past. */
	for (size_t n = 0; n < k.len; n++) {
		char *cut = malloc(n ? n : 1);
		memcpy(cut, k.buf, n);
		u = (struct unpack){ .buf = cut, .len = n };
		v = unpack_strv(&u);
		unpack_str(&u);
		unpack_str(&u);
		unpack_u64(&u);
		unpack_bytes(&u, b, 3);
		CHECK(u.bad);
		free(v);
		free(cut);
	}
	free(k.buf);
}

static void test_bad_strings(void)
{
	struct pack k = { 0 };
	struct unpack u;

	pack_str(&k, "abcd");
	k.buf[8 + 4] = 'x';	/* no NUL at the end */
	u = (struct unpack){ .buf = k.buf, .len = k.len };
	CHECK(!unpack_str(&u) && u.bad);
	k.buf[8 + 4] = 0;
	k.buf[8 + 1] = 0;	/* a NUL inside */
	u = (struct unpack){ .buf = k.buf, .len = k.len };
	CHECK(!unpack_str(&u) && u.bad);
	free(k.buf);
	/* A list claiming more strings than bytes could hold. */
	k = (struct pack){ 0 };
	pack_u64(&k, 1u << 30);
	u = (struct unpack){ .buf = k.buf, .len = k.len };
	CHECK(!unpack_strv(&u) && u.bad);
	free(k.buf);
}

static void test_messages(void)
{
	int sv[2], fds[3], pfd[2];
	struct spawn_msg_in m;
	struct spawn_hdr h = { .type = MSG_GO, .len = 5 };
	char big[200000];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(pipe(pfd) == 0);
	fds[0] = -1;
	fds[1] = pfd[0];
	fds[2] = -1;
	CHECK(spawn_send(sv[0], &h, "hello", fds, 3) == 0);
	CHECK(spawn_recv(sv[1], &m) == 0);
	CHECK(m.h.type == MSG_GO && m.h.len == 5 && !strcmp(m.payload, "hello"));
	CHECK(m.fds[0] == -1 && m.fds[1] >= 0 && m.fds[2] == -1);
	CHECK(m.fds[1] >= 0 && (fcntl(m.fds[1], F_GETFD) & FD_CLOEXEC));
	CHECK(write(pfd[1], "x", 1) == 1);
	char c = 0;
	CHECK(m.fds[1] >= 0 && read(m.fds[1], &c, 1) == 1 && c == 'x');
	spawn_msg_free(&m);
	/* A payload larger than the socket's buffer, from another process. */
	memset(big, 'b', sizeof(big));
	h = (struct spawn_hdr){ .type = MSG_FAIL, .stage = STAGE_ROOTFS,
				.errnum = ENOENT, .code = 125, .len = sizeof(big) };
	if (fork() == 0) {
		spawn_send(sv[0], &h, big, NULL, 0);
		_exit(0);
	}
	CHECK(spawn_recv(sv[1], &m) == 0);
	CHECK(m.h.type == MSG_FAIL && m.h.stage == STAGE_ROOTFS &&
	      m.h.errnum == ENOENT && m.h.len == sizeof(big) &&
	      m.payload[sizeof(big) - 1] == 'b' && !m.payload[sizeof(big)]);
	spawn_msg_free(&m);
	/* The peer gone: EOF (errno 0), no message. */
	close(sv[0]);
	errno = EINVAL;
	CHECK(spawn_recv(sv[1], &m) == -1 && errno == 0);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_short_payload(void)
{
	int sv[2];
	struct spawn_msg_in m;
	struct spawn_hdr h = { .type = MSG_GO, .len = 100 };

	/* A header that promises more than comes before EOF. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(send(sv[0], &h, sizeof(h), 0) == sizeof(h));
	CHECK(send(sv[0], "abc", 3, 0) == 3);
	close(sv[0]);
	CHECK(spawn_recv(sv[1], &m) == -1 && errno == EPROTO && !m.payload);
	close(sv[1]);
}

/* A child that sends what is given, then exits 0 (its socket's EOF
 * is its "exec"). */
static pid_t child_says(int sock, int other, const struct spawn_hdr *h,
			const char *payload, int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(other);
		if (h)
			spawn_send(sock, h, payload, &fd, fd >= 0);
		_exit(0);
	}
	close(sock);
	return pid;
}

/* md's side up to the exec, as md-run and md-exec see it. */
static void test_until_exec(void)
{
	struct fg_signals sig = { 0 };
	struct md_err err = { 0 };
	int sv[2], pfd[2], master, status, st;
	pid_t pid;

	/* TTY with the pty's master, then EOF: it runs. */
	CHECK(pipe(pfd) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	struct spawn_hdr tty = { .type = MSG_TTY };
	pid = child_says(sv[1], sv[0], &tty, NULL, pfd[0]);
	master = -1;
	status = -7;
	CHECK(spawn_until_exec(sv[0], pid, &sig, &master, &status, &err) == 1);
	CHECK(master >= 0 && status == -7);
	CHECK(write(pfd[1], "y", 1) == 1);
	char c = 0;
	CHECK(master >= 0 && read(master, &c, 1) == 1 && c == 'y');
	CHECK(waitpid(pid, &st, 0) == pid);
	close(master);
	close(sv[0]);
	close(pfd[0]);
	close(pfd[1]);
	/* FAIL: its code and line; it is reaped. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	struct spawn_hdr fail = { .type = MSG_FAIL, .stage = STAGE_EXEC,
				  .errnum = ENOENT, .code = 127, .len = 9 };
	pid = child_says(sv[1], sv[0], &fail, "not found", -1);
	master = -1;
	CHECK(spawn_until_exec(sv[0], pid, &sig, &master, &status, &err) == 0);
	CHECK(status == 127 && err.errnum == ENOENT && !strcmp(err.msg, "not found"));
	CHECK(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD);
	close(sv[0]);
	/* Anything else: md fails; the child is the caller's to end. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	struct spawn_hdr odd = { .type = MSG_GO };
	pid = child_says(sv[1], sv[0], &odd, NULL, -1);
	CHECK(spawn_until_exec(sv[0], pid, &sig, &master, &status, &err) == -1);
	CHECK(err.errnum == EPROTO && master == -1);
	CHECK(waitpid(pid, &st, 0) == pid);
	close(sv[0]);
}

int main(void)
{
	test_pack_roundtrip();
	test_bad_strings();
	test_messages();
	test_short_payload();
	test_until_exec();
	printf("%s: %d failed\n", __FILE__, fails);
	return fails != 0;
}
