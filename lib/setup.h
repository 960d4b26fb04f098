/* The last steps of a process that is to run in a container, inside its
 * namespaces and root: identity, capabilities, no_new_privs, seccomp,
 * environment, working directory, exec. The container's first process
 * takes them after its root is set up (run.c); md-exec's process will
 * take the same. Failures go to md over the start-up socket (spawn.h). */
#ifndef MD_SETUP_H
#define MD_SETUP_H

#include <stdint.h>

/* What the process is, as md resolved it from image and options. */
struct proc_spec {
	char **argv;		/* the command, resolved */
	char **env;		/* NULL-terminated */
	const char *user;	/* -u, or the image's User ("": root) */
	const char *workdir;	/* absolute, "/" by default */
	uint64_t caps;		/* the capability set it keeps */
	int privileged;		/* no no_new_privs, no seccomp filter */
	int tty;		/* stdio is the container's pty */
	int die_with_parent;	/* SIGKILL when its parent (md) dies */
	int workdir_must_exist;	/* not made if missing (md-exec, as docker
				 * exec; md-run makes it, as docker run) */
};

/* The container's own pty (from its /dev/pts): the master goes to md
 * (a TTY message on sock), the slave becomes stdio and the controlling
 * terminal of the caller, which must lead a session of its own. */
void setup_tty(int sock);
/* Resolves the user in the container's /etc files, adds HOME, closes
 * every fd but sock (close-on-exec), enters workdir, takes identity and
 * privileges, and execs. Never returns: a failure is reported on sock. */
__attribute__((noreturn))
void setup_exec(const struct proc_spec *x, int sock);

#endif
