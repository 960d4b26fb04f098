/* md-rm: removes containers, all of each: state, logs, upper layer,
 * cgroups, name (container_remove), and any mount left of it; with -f,
 * a running one is killed first (lib/stop.c). Exit status as md-stop's
 * (applets/stop.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "cgroup.h"
#include "container.h"
#include "rootfs.h"
#include "store.h"
#include "util.h"

const char rm_usage[] =
"Usage: md-rm [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Remove one or more containers: state, logs, upper layer, cgroups and\n"
"name. A running container is refused unless -f kills it first.\n"
"\n"
"Options:\n"
"  -f, --force          Remove a running container too (SIGKILL to all of\n"
"                       its processes first); a missing one is no error\n"
"  -v, --volumes        Accepted, as Docker's: md makes no anonymous\n"
"                       volumes, and never removes a -v SRC:DST\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

/* What the container left outside its directory: mounts here (none,
 * unless something went wrong), and its cgroups, into cg (0 if none). */
static int leftovers(struct store *s, const struct container *c,
		     struct cgroup *cg, struct md_err *err)
{
	char dir[PATH_MAX], fdpath[32];
	cleanup_close int fd = -1;
	ssize_t len;

	/* As mountinfo names it: symlinks resolved (the kernel's name of
	 * the open directory). */
	snprintf(dir, sizeof(dir), "containers/%s", c->id);
	fd = openat(s->fd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (fd >= 0 && (len = readlink(fdpath, dir, sizeof(dir) - 1)) > 0) {
		dir[len] = 0;
		if (rootfs_unmount_under(dir, err) < 0)
			return -1;
	}
	return cgroup_load(cg, c->cgroup_parent[0] ? c->cgroup_parent : NULL,
			   c->id, err);
}

/* One container: 0 removed (or, with force, not there), 1 (said). */
static int rm_one(struct store *s, const char *arg, int force)
{
	struct container c;
	struct cgroup cg = { 0 };
	struct md_err err;
	int r, n, tries = 0;

again:
	r = 0;
	if (container_lookup(s, arg, &c, &err) < 0) {
		/* As Docker's: -f makes a missing container no failure. */
		applet_fail(&err);
		return !(force && err.errnum == ENOENT);
	}
	if (container_live(&c)) {
		if (!force && (container_alive(&c) ||
			       c.status == CONTAINER_RESTARTING)) {
			err_set(&err, 0, "cannot remove container \"/%s\": container is "
				"%s: stop the container before removing or force "
				"remove", c.name, c.status == CONTAINER_RESTARTING ?
				"restarting" : "running");
			r = -1;
		} else if (force && container_stop_restarts(s, &c, 1, &err) < 0) {
			/* (Removed meanwhile: as a missing one.) */
			r = err.errnum == ENOENT ? 1 : -1;
		} else if (force && container_live(&c) && container_kill(&c, &err) < 0) {
			r = -1;
		} else {
			/* Its watcher records the end first (and, with --rm,
			 * removes it itself: r = 1). */
			r = container_wait_end(s, &c, 0, &err);
		}
	}
	if (r == 0 && (n = leftovers(s, &c, &cg, &err)) >= 0)
		r = container_remove(s, &c, 0, -1, n > 0 ? &cg : NULL, &err);
	else if (r == 0)
		r = -1;
	container_free(&c);
	/* (-f, and md-start ran it again meanwhile: killed again.) */
	if (r < 0 && force && err.errnum == EBUSY && ++tries < 3)
		goto again;
	if (r < 0) {
		applet_fail(&err);
		return 1;
	}
	printf("%s\n", arg);
	return 0;
}

int rm_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "force", no_argument, 0, 'f' },
		{ "volumes", no_argument, 0, 'v' },
		APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	struct store s;
	int ch, force = 0, rc = 0;

	while ((ch = applet_getopt(argc, argv, "fvh", lo)) != -1)
		if (ch == 'f')
			force = 1;
	if (optind >= argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++)
		rc |= rm_one(&s, argv[i], force);
	return rc;
}
