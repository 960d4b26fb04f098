/* md-stop, md-kill, md-wait: ending containers and waiting for their
 * end (lib/stop.c). As docker's, each prints the argument as typed (its
 * exit code, for md-wait) for every container it is done with; a
 * failure with a container is one line and exit status 1, as Docker's
 * CLI; md's own (a bad flag, the store) 125. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "container.h"
#include "store.h"
#include "util.h"

const char stop_usage[] =
"Usage: md-stop [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Stop one or more running containers: each gets its stop signal (its\n"
"image's StopSignal, else SIGTERM); what still runs when the time is up\n"
"is killed (SIGKILL to every process of the container). Returns once\n"
"each has ended; a container not running is left as it is.\n"
"\n"
"Options:\n"
"  -s, --signal SIG     Signal to send instead (name or number)\n"
"  -t, --time SECS      Seconds to wait before killing (default 10;\n"
"                       -1: wait for as long as it takes)\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

const char kill_usage[] =
"Usage: md-kill [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Send a signal to the first process (pid 1) of one or more running\n"
"containers. With KILL (the default) every process of the container is\n"
"killed, and md-kill returns once it has ended.\n"
"\n"
"Options:\n"
"  -s, --signal SIG     Signal to send (default KILL): a name, with or\n"
"                       without SIG (TERM, SIGUSR1, RTMIN+3), or a number\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

const char wait_usage[] =
"Usage: md-wait CONTAINER [CONTAINER...]\n"
"\n"
"Block until one or more containers stop, then print their exit codes,\n"
"one per line, in the order given.\n"
"\n"
"Options:\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

/* A failure with one container: said, and Docker's status. */
static int failed(const struct md_err *err)
{
	applet_fail(err);
	return 1;
}

static int signal_opt(const char *arg, int *sig)
{
	if ((*sig = signal_parse(arg)) > 0)
		return 0;
	return applet_flag_error("-s, --signal", arg, "invalid signal");
}

/* Options, then the store; 0, or the exit status (said). */
static int start(int argc, char **argv, const char *opts,
		 const struct option *lo, int *sig, int64_t *secs,
		 struct store *s)
{
	struct md_err err;
	int ch;

	while ((ch = applet_getopt(argc, argv, opts, lo)) != -1) {
		if (ch == 's' && signal_opt(optarg, sig))
			return 125;
		if (ch == 't' && applet_flag_int("-t, --time", optarg, INT32_MIN,
						 INT32_MAX, secs))
			return 125;
	}
	if (optind >= argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	return 0;
}

int stop_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signal", required_argument, 0, 's' },
		{ "time", required_argument, 0, 't' },
		{ "timeout", required_argument, 0, 't' },	/* Docker's old name */
		APPLET_LONGOPTS, { 0 } };
	struct container_stop *st;
	int64_t secs = 10;
	int sig = 0, rc, n = 0;
	int *argi;
	struct store s;

	if ((rc = start(argc, argv, "s:t:h", lo, &sig, &secs, &s)))
		return rc;
	st = calloc(argc - optind, sizeof(*st));
	argi = calloc(argc - optind, sizeof(*argi));
	if (!st || !argi)
		return applet_failf("out of memory");
	for (int i = optind; i < argc; i++) {
		struct md_err err;
		if (container_lookup(&s, argv[i], &st[n].c, &err) < 0) {
			rc = failed(&err);
			continue;
		}
		argi[n++] = i;
	}
	container_stop(&s, st, n, sig, secs);
	for (int k = 0; k < n; k++) {
		/* Removed while it stopped (md-rm -f, --rm): stopped too. */
		if (st[k].rc < 0)
			rc = failed(&st[k].err);
		else
			printf("%s\n", argv[argi[k]]);
		container_free(&st[k].c);
	}
	free(st);
	free(argi);
	return rc;
}

/* md-kill of one container: 0, or 1 (said). */
static int kill_one(struct store *s, const char *arg, int sig)
{
	struct container c;
	struct md_err err;
	int r;

	if (container_lookup(s, arg, &c, &err) < 0)
		return failed(&err);
	/* Killed by hand (and, as Docker, its restarts ended unless the
	 * signal is not its stop signal); one waiting to restart has no
	 * process to signal: ended. */
	if ((r = container_stop_restarts(s, &c, container_kill_cancels(s, &c, sig),
					 &err)) < 0) {
		container_free(&c);
		return failed(&err);
	}
	r = r > 0 ? 0 : container_live(&c) ? container_signal(&c, sig, NULL, &err) : 1;
	if (r == 0 && sig == SIGKILL) {
		/* As Docker's kill with KILL: all of it, and until it has
		 * ended (an md-rm right after finds it stopped). */
		r = container_kill(&c, &err);
		if (r == 0 && container_wait_end(s, &c, 0, &err) < 0)
			r = -1;
	}
	if (r > 0)
		err_set(&err, 0, "cannot kill container: %s: container %s is not "
			"running", arg, c.id);
	container_free(&c);
	if (r)
		return failed(&err);
	printf("%s\n", arg);
	return 0;
}

int kill_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signal", required_argument, 0, 's' },
		APPLET_LONGOPTS, { 0 } };
	int64_t secs = 0;
	int sig = SIGKILL, rc;
	struct store s;

	if ((rc = start(argc, argv, "s:h", lo, &sig, &secs, &s)))
		return rc;
	for (int i = optind; i < argc; i++)
		if (kill_one(&s, argv[i], sig))
			rc = 1;
	return rc;
}

int wait_main(int argc, char **argv)
{
	static const struct option lo[] = { APPLET_LONGOPTS, { 0 } };
	int64_t secs = 0;
	int sig = 0, rc;
	struct store s;

	if ((rc = start(argc, argv, "h", lo, &sig, &secs, &s)))
		return rc;
	for (int i = optind; i < argc; i++) {
		struct container c;
		struct md_err err;
		if (container_lookup(&s, argv[i], &c, &err) < 0) {
			rc = failed(&err);
			continue;
		}
		switch (container_wait_end(&s, &c, 1, &err)) {
		case 0:
			printf("%d\n", c.exit_code);
			fflush(stdout);
			break;
		case 1:
			/* --rm: removed as it ended, its exit code with it. */
			err_set(&err, 0, "No such container: %s", argv[i]);
			/* fall through */
		default:
			rc = failed(&err);
		}
		container_free(&c);
	}
	return rc;
}
