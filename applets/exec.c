/* md-exec: run a command in a running container. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "container.h"
#include "exec.h"
#include "spec.h"
#include "store.h"

const char exec_usage[] =
"Usage: md-exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
"\n"
"Run a command in a running container: in its namespaces, cgroup and\n"
"root, with its environment, user, working directory, capabilities,\n"
"no_new_privs and seccomp filter. md-exec exits with the command's\n"
"status (128+N if signal N ended it; 126 if it could not be run, 127 if\n"
"it was not found; 125 if md failed; 1 if there is no such container or\n"
"it is not running).\n"
"\n"
"Options:\n"
"  -d, --detach             Run in the background (no output, no wait)\n"
"  -i, --interactive        Keep standard input open\n"
"  -t, --tty                Allocate a pseudo-terminal\n"
"  -e, --env KEY[=VALUE]    Set an environment variable\n"
"      --env-file FILE      Read KEY=VALUE lines from FILE\n"
"  -u, --user USER[:GROUP]  User name or UID (and group name or GID)\n"
"  -w, --workdir DIR        Working directory inside the container\n"
"      --root DIR           State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help               Print this help\n";

enum { O_ENVFILE = 0x100 };

static int parse_opts(int argc, char **argv, struct exec_opts *o,
		      struct strv *env_args, struct strv *env_files)
{
	static const struct option lo[] = {
		{ "detach", no_argument, 0, 'd' },
		{ "interactive", no_argument, 0, 'i' },
		{ "tty", no_argument, 0, 't' },
		{ "env", required_argument, 0, 'e' },
		{ "env-file", required_argument, 0, O_ENVFILE },
		{ "user", required_argument, 0, 'u' },
		{ "workdir", required_argument, 0, 'w' },
		APPLET_LONGOPTS, { 0 } };
	int ch;

	while ((ch = applet_getopt(argc, argv, "+dite:u:w:", lo)) != -1) {
		switch (ch) {
		case 'd': o->detach = 1; break;
		case 'i': o->interactive = 1; break;
		case 't': o->tty = 1; break;
		case 'e':
			if (strv_add(env_args, optarg) < 0)
				return applet_failf("out of memory");
			break;
		case O_ENVFILE:
			if (strv_add(env_files, optarg) < 0)
				return applet_failf("out of memory");
			break;
		case 'u': o->user = optarg; break;
		case 'w': o->workdir = optarg; break;
		}
	}
	if (argc - optind < 2)
		return applet_usage_error("requires at least 2 arguments");
	if (o->detach && (o->tty || o->interactive))
		return applet_failf("-d with -t or -i is not supported yet");
	if (o->tty && o->interactive && !isatty(0))
		return applet_failf("the input device is not a TTY");
	if (o->workdir && o->workdir[0] != '/')
		return applet_failf("the working directory '%s' is invalid, it "
				    "needs to be an absolute path", o->workdir);
	o->argv = argv + optind + 1;
	o->env_args = env_args->v;
	o->nenv_args = env_args->n;
	o->env_files = env_files->v;
	o->nenv_files = env_files->n;
	return 0;
}

int exec_main(int argc, char **argv)
{
	struct strv env_args = { 0 }, env_files = { 0 };
	struct exec_opts o = { 0 };
	struct container c = { 0 };
	struct md_err err;
	struct store s;
	int rc;

	if ((rc = parse_opts(argc, argv, &o, &env_args, &env_files)))
		return rc;
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	/* As docker exec: no such container (as a stopped one) is 1. */
	if (container_lookup(&s, argv[optind], &c, &err) < 0) {
		store_close(&s);
		applet_fail(&err);
		return err.errnum == ENOENT ? 1 : 125;
	}
	store_close(&s);
	rc = exec_run(&c, &o, &err);
	if (err.msg[0])
		fprintf(stderr, "md-exec: %s\n", err.msg);
	container_free(&c);
	strv_free(&env_args);
	strv_free(&env_files);
	return rc;
}
