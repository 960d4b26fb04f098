/* Starting a container's first process, and the protocol md and that
 * process speak over one socketpair until it execs the command.
 *
 * The child is a copy of md (clone without CLONE_VM: no memory is shared
 * after it), in a new PID namespace. The conversation:
 *
 *   child -> md   NS_READY            its namespaces exist; md may act on
 *                                     them (join it to cgroups, move a
 *                                     veth in, ...) before it goes on
 *   md -> child   GO + payload + fds  what md prepared since the clone:
 *                                     the rest of the spec, packed, and
 *                                     the mounts it made ahead
 *   child -> md   TTY + fd            (with -t) the pty's master
 *   child -> md   FAIL stage errno    what failed, and why; it then exits
 *   (exec)        the socket is close-on-exec: EOF at md means the
 *                 command runs (or the child died: waitpid says)
 *
 * Either side reading EOF where a message was due knows the other is
 * gone: md sends nothing to a dead child, and a child whose md died
 * exits instead of waiting forever. Messages are a fixed header, then
 * len bytes of payload; fds ride on the header. */
#ifndef MD_SPAWN_H
#define MD_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "wait.h"

enum spawn_msg { MSG_NS_READY = 1, MSG_GO, MSG_TTY, MSG_FAIL,
		 /* md-run -d's starter to the monitor (monitor.h): the
		  * container's pid, and its watch lock as the fd */
		 MSG_STARTED,
		 /* before STARTED, from md-run -d's and md-start's starter:
		  * published ports' sockets, "t80 u53 ..." (ports.h) */
		 MSG_PORTS };

/* Where the child was when it failed (FAIL's stage). */
enum spawn_stage {
	STAGE_START = 1,	/* signals, fds, session */
	STAGE_NAMESPACES,	/* unshare, host name, loopback, stdin */
	STAGE_GO,		/* receiving and unpacking GO */
	STAGE_CGROUP,		/* joining its cgroups, cgroup namespace */
	STAGE_ROOTFS,		/* mounts, pivot_root */
	STAGE_TTY,		/* the container's pty */
	STAGE_USER,		/* /etc/passwd and /etc/group */
	STAGE_WORKDIR,
	STAGE_PRIVILEGES,	/* ids, capabilities, no_new_privs, seccomp */
	STAGE_EXEC,
};

#define SPAWN_FDS_MAX 8
#define SPAWN_PAYLOAD_MAX (16u << 20)	/* argv and env are the big part */

struct spawn_hdr {
	uint32_t type;		/* enum spawn_msg */
	uint32_t stage;		/* FAIL: enum spawn_stage */
	int32_t errnum;		/* FAIL: errno of the cause, or 0 */
	int32_t code;		/* FAIL: exit status (125, 126, 127) */
	uint32_t len;		/* payload bytes that follow */
	uint32_t fdmask;	/* bit i: fds[i] came */
};

/* A received message: its payload (malloc'd, NUL-terminated) and fds. */
struct spawn_msg_in {
	struct spawn_hdr h;
	char *payload;
	int fds[SPAWN_FDS_MAX];
};

/* Sends a message with fds[0..nfds) (those < 0 are left out). */
int spawn_send(int sock, const struct spawn_hdr *h, const void *payload,
	       const int *fds, int nfds);
/* Receives one message, waiting; 0, or -1 with errno (0: EOF). */
int spawn_recv(int sock, struct spawn_msg_in *m);
void spawn_msg_free(struct spawn_msg_in *m);
/* The child's end: reports a failure and exits with code. */
__attribute__((noreturn))
void spawn_fail(int sock, enum spawn_stage stage, int code,
		const struct md_err *err);
__attribute__((noreturn))
void spawn_failf(int sock, enum spawn_stage stage, int code, int errnum,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Closes every fd from 3 up but keep. */
int spawn_close_fds(int keep);

/* A fork-like clone into a new PID namespace (and, if cgfd >= 0, into
 * that cgroup v2 directory: CLONE_INTO_CGROUP). Returns 0 in the child,
 * its pid in the parent, -1 on failure. The parent must have one thread:
 * the child copies its memory, locks and all, without libc's fork
 * handlers (so the child must not use pthread functions or raise()). */
pid_t spawn_clone(int cgfd, int *into_cgroup);
/* The same without a new PID namespace: the child is born in the
 * caller's PID namespace for children (md-exec: the container's). */
pid_t spawn_fork(int cgfd, int *into_cgroup);

/* md's side, with the signals of wait.h caught (fg_signals_catch). The
 * next message from the child, waiting as long as it takes unless a
 * stop signal comes (fg_stop_signal() says which): 0 (type 0 on EOF),
 * or -1 (err says why). */
int spawn_next(int sock, const struct fg_signals *sig, struct spawn_msg_in *m,
	       struct md_err *err);
/* The child said FAIL (m): *status is its code, err its line; it is
 * reaped. */
void spawn_failed(const struct spawn_msg_in *m, pid_t pid, int *status,
		  struct md_err *err);
/* The child's last messages, up to its exec: TTY (its pty's master goes
 * to *master, if that is -1), FAIL. 1: it runs (EOF: it exec'd, or died:
 * waitpid says); 0: it failed (*status its code, err its line; reaped);
 * -1: md failed or a stop signal came (err says why; the child is the
 * caller's to end). */
int spawn_until_exec(int sock, pid_t pid, const struct fg_signals *sig,
		     int *master, int *status, struct md_err *err);

/* Packing: how the GO payload carries strings, lists and numbers. */
struct pack {
	char *buf;
	size_t len, cap;
	int oom;
};
void pack_u64(struct pack *p, uint64_t v);
void pack_str(struct pack *p, const char *s);	/* NULL allowed */
void pack_strv(struct pack *p, char *const *v);	/* NULL-terminated */
void pack_bytes(struct pack *p, const void *b, size_t n);

struct unpack {
	char *buf;
	size_t len, off;
	int bad;		/* ran short or malformed: all gets are 0/NULL */
};
uint64_t unpack_u64(struct unpack *u);
/* Strings and lists point into u->buf (lists are malloc'd arrays). */
char *unpack_str(struct unpack *u);
char **unpack_strv(struct unpack *u);
/* Copies n bytes into out. */
void unpack_bytes(struct unpack *u, void *out, size_t n);

#endif
