/* A new process in a running container (md-exec): it enters the
 * container's namespaces, its cgroup and its root, and takes the same
 * in-container setup as the container's first process (setup.h): user,
 * capabilities, no_new_privs, seccomp, environment, working directory.
 *
 *   md-exec                              the container's pid 1
 *     pidfd_open(pid), then the pid checked to be still the container's
 *     (start time): a recycled pid cannot slip in
 *     setns(pidfd, PID): its children are born in the container's PID
 *     namespace (md-exec itself stays where it is)
 *     fork (pure cgroup v2: clone3 into the container's cgroup)
 *       |
 *       v  child: joins the cgroup (v1), setns(pidfd, mnt uts ipc net
 *          cgroup): its root and cwd are the container's root; then its
 *          own session, the container's pty (-t), setup_exec
 *   md-exec waits as md-run does (wait.h: signals, pty, exit code), or
 *   with -d returns once the command runs
 *
 * The start-up messages are spawn.h's (TTY, FAIL, EOF at exec). md-exec
 * is not dumpable from before the fork: its child, visible in the
 * container's /proc until it execs the command, is md's binary, and a
 * process of the container must not open /proc/PID/exe of it (the
 * CVE-2019-5736 class). Kernels without setns on a pidfd (before 5.8)
 * enter through /proc/PID/ns/ files, opened before the pid is checked. */
#ifndef MD_EXEC_H
#define MD_EXEC_H

#include <stddef.h>

#include "container.h"
#include "err.h"

struct exec_opts {
	char **argv;		/* the command, NULL-terminated */
	char **env_args;	/* -e KEY=VALUE or KEY, in order */
	size_t nenv_args;
	char **env_files;	/* --env-file, in order */
	size_t nenv_files;
	const char *user;	/* NULL: the container's */
	const char *workdir;	/* NULL: the container's; else absolute */
	int interactive;	/* -i: md-exec's stdin is the command's */
	int tty;		/* -t: the container's own pty */
	int detach;		/* -d: return once it runs */
};

/* Runs o's command in c (loaded: container_lookup) and returns Docker's
 * exit code: the command's, 128+N if signal N ended it; with detach, 0
 * once it runs. If err->msg is set on return, it is the line to print:
 * 125 md failed (128+N: a stop signal N ended the start); 126 or 127 the
 * command could not be run or found; 1 (errnum ESRCH) c is not running,
 * as Docker's "container ID is not running". */
int exec_run(const struct container *c, const struct exec_opts *o,
	     struct md_err *err);

#endif
