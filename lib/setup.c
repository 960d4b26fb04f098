/* In-container setup shared by run and exec (see setup.h). */
#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "seccomp.h"
#include "spawn.h"
#include "user.h"
#include "util.h"

void setup_tty(int sock)
{
	int master, slave;
	char *name;

	master = openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0 || !(name = ptsname(master)) ||
	    (slave = openat(AT_FDCWD, name, O_RDWR | O_NOCTTY)) < 0)
		spawn_failf(sock, STAGE_TTY, 125, errno, "terminal: open a pty");
	struct spawn_hdr h = { .type = MSG_TTY };
	if (spawn_send(sock, &h, NULL, &master, 1) < 0)
		spawn_failf(sock, STAGE_TTY, 125, errno, "terminal: pass the pty");
	close(master);
	if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 ||
	    dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		spawn_failf(sock, STAGE_TTY, 125, errno, "terminal: make it stdio");
	close(slave);
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* The environment with HOME added where the image and -e left it out:
 * a new array (x's stays as it is). */
static char **env_with_home(char *const *env, const char *home, int sock)
{
	size_t n = 0;
	char **ne;

	while (env[n])
		n++;
	if (!(ne = calloc(n + 2, sizeof(char *))))
		spawn_failf(sock, STAGE_USER, 125, ENOMEM, "environment");
	memcpy(ne, env, n * sizeof(char *));
	if (!env_get(env, "HOME") && asprintf(&ne[n], "HOME=%s", home) < 0)
		spawn_failf(sock, STAGE_USER, 125, ENOMEM, "environment");
	return ne;
}

/* execve through the container's PATH; returns only on failure, which
 * it reports as Docker does: 127 not found, 126 not runnable. */
static void exec_command(char *const *argv, char *const *env, int sock)
{
	const char *path = env_get(env, "PATH"), *cmd = argv[0];
	char buf[4096];
	int eacces = 0;

	if (strchr(cmd, '/')) {
		execve(cmd, argv, env);
		spawn_failf(sock, STAGE_EXEC, errno != ENOENT && errno != ENOTDIR ?
			    126 : 127, errno, "exec: \"%s\"", cmd);
	}
	for (const char *p = path ? path : ""; ; p++) {
		const char *e = strchrnul(p, ':');
		if (e > p && snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), p,
				      cmd) < (int)sizeof(buf)) {
			execve(buf, argv, env);
			if (errno == EACCES)
				eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				spawn_failf(sock, STAGE_EXEC, 126, errno,
					    "exec: \"%s\"", buf);
		}
		if (!*e)
			break;
		p = e;
	}
	if (eacces)
		spawn_failf(sock, STAGE_EXEC, 126, 0,
			    "exec: \"%s\": permission denied", cmd);
	spawn_failf(sock, STAGE_EXEC, 127, 0, "exec: \"%s\": executable file "
		    "not found in $PATH", cmd);
}

/* Identity and privileges, in the order capabilities allow. */
static int become_user(const struct proc_spec *x, const struct user_ids *u,
		       struct md_err *err)
{
	if (caps_drop_bounding(x->caps, err) < 0)
		return -1;
	/* Raw calls: the process has one thread, and libc's wrappers would
	 * block and restore all signals around each to reach the others. */
	if (syscall(SYS_setgroups, (int)u->ngroups, u->groups) < 0 ||
	    syscall(SYS_setresgid, u->gid, u->gid, u->gid) < 0 ||
	    syscall(SYS_setresuid, u->uid, u->uid, u->uid) < 0)
		return err_set(err, errno, "set user %u:%u", u->uid, u->gid);
	if (caps_apply(x->caps, err) < 0)
		return -1;
	/* A change of ids clears the parent-death signal: again. */
	if (x->die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return err_set(err, errno, "parent-death signal");
	if (x->privileged)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "no_new_privs");
	return seccomp_install_default(x->caps, err);
}

void setup_exec(const struct proc_spec *x, int sock)
{
	struct md_err err = { 0 };
	struct user_ids u;
	char **env;

	if (user_resolve(x->user ? x->user : "", "/etc/passwd", "/etc/group",
			 &u, &err) < 0)
		spawn_fail(sock, STAGE_USER, 125, &err);
	env = env_with_home(x->env, u.home, sock);
	/* Nothing of md's is left open but the socket (close-on-exec). */
	if (spawn_close_fds(sock) < 0)
		spawn_failf(sock, STAGE_START, 125, errno, "close_range");
	if ((!x->workdir_must_exist && mkdir_p_at(AT_FDCWD, x->workdir, 0755) < 0) ||
	    chdir(x->workdir) < 0)
		spawn_failf(sock, STAGE_WORKDIR, 126, errno, "workdir %s",
			    x->workdir);
	if (become_user(x, &u, &err) < 0)
		spawn_fail(sock, STAGE_PRIVILEGES, 125, &err);
	exec_command(x->argv, env, sock);
	_exit(125);	/* (exec_command reports and exits) */
}
