/* md-start, md-restart: starting containers again, each detached under
 * a monitor of its own (lib/start.c); md-start --boot for init scripts.
 * As Docker's, each prints the argument as typed once it runs; a failure
 * with a container is one line and exit status 1; md's own (a bad flag,
 * the store) 125. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "container.h"
#include "monitor.h"
#include "restart.h"
#include "start.h"
#include "store.h"
#include "util.h"

const char start_usage[] =
"Usage: md-start [OPTIONS] CONTAINER [CONTAINER...]\n"
"       md-start --boot [OPTIONS]\n"
"\n"
"Start one or more created or exited containers in the background, each\n"
"under a monitor of its own (as md-run -d): the same ID, name and upper\n"
"layer, and what md-run gave it to run. A running container is left as\n"
"it is. With --boot (for init scripts), start every container whose\n"
"restart policy asks for it once the host has started.\n"
"\n"
"Options:\n"
"      --boot           Start the containers whose restart policy asks for\n"
"                       it: always; unless-stopped unless stopped by hand;\n"
"                       on-failure after a non-zero exit, retries left\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

const char restart_usage[] =
"Usage: md-restart [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Restart one or more containers: md-stop, then md-start.\n"
"\n"
"Options:\n"
"  -s, --signal SIG     Signal to stop it with (default: its image's\n"
"                       StopSignal, else TERM)\n"
"  -t, --time SECS      Seconds to wait before killing it (default 10;\n"
"                       -1: wait for as long as it takes)\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

/* A failure with one container: said, and Docker's status. */
static int failed(const struct md_err *err)
{
	applet_fail(err);
	return 1;
}

/* Starts c (loaded) under a new monitor and prints arg: 0, or 1 (said).
 * The starter, the monitor's child, does not return. */
static int start_one(struct container *c, const char *arg)
{
	struct monitor_link l = { -1, -1, -1, -1, -1 };
	struct md_err err;
	int report, rc;

	if (!container_live(c)) {
		if ((rc = monitor_spawn(c->id, &report, &l, &err)) < 0)
			return failed(&err);
		if (rc == 1) {
			rc = start_container(c->id, &l, 0, &err);
			/* (Removed since the lookup: named as typed.) */
			if (rc == -2)
				err_set(&err, 0, "No such container: %s", arg);
			if (rc < 0 || rc > 1)
				applet_fail(&err);
			monitor_failed(&l, rc < 0 ? 125 : rc > 1 ? rc : 0);
			exit(rc == 0 || rc == 1 ? 0 : 1);
		}
		if (monitor_wait(report, &err)) {
			if (err.msg[0])
				applet_fail(&err);
			return 1;
		}
	}
	printf("%s\n", arg);
	fflush(stdout);
	return 0;
}

/* md-start --boot: what Docker's daemon starts as it starts. */
static int boot(struct store *s)
{
	struct container *list;
	struct md_err err;
	size_t n;
	int r, rc = 0;

	/* (Loading them records those that ran when the host went down:
	 * exited, 255.) */
	if ((r = container_list(s, &list, &n, &err)) < 0)
		return applet_fail(&err);
	if (r > 0)
		rc = failed(&err);
	for (size_t i = 0; i < n; i++)
		if (restart_at_boot(&list[i]))
			rc |= start_one(&list[i], list[i].name);
	container_list_free(list, n);
	return rc;
}

int start_main(int argc, char **argv)
{
	enum { O_BOOT = 0x100 };
	static const struct option lo[] = {
		{ "boot", no_argument, 0, O_BOOT },
		APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	struct store s;
	int ch, at_boot = 0, rc = 0;

	while ((ch = applet_getopt(argc, argv, "h", lo)) != -1)
		if (ch == O_BOOT)
			at_boot = 1;
	if (at_boot && optind < argc)
		return applet_usage_error("--boot takes no container");
	if (!at_boot && optind >= argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	if (at_boot)
		return boot(&s);
	for (int i = optind; i < argc; i++) {
		struct container c;
		if (container_lookup(&s, argv[i], &c, &err) < 0) {
			rc = failed(&err);
			continue;
		}
		rc |= start_one(&c, argv[i]);
		container_free(&c);
	}
	return rc;
}

int restart_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signal", required_argument, 0, 's' },
		{ "time", required_argument, 0, 't' },
		{ "timeout", required_argument, 0, 't' },	/* Docker's old name */
		APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	struct store s;
	int64_t secs = 10;
	int ch, sig = 0, rc = 0;

	while ((ch = applet_getopt(argc, argv, "s:t:h", lo)) != -1) {
		if (ch == 's' && (sig = signal_parse(optarg)) <= 0)
			return applet_flag_error("-s, --signal", optarg, "invalid signal");
		if (ch == 't' && applet_flag_int("-t, --time", optarg, INT32_MIN,
						 INT32_MAX, &secs))
			return 125;
	}
	if (optind >= argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++) {
		struct container_stop st = { 0 };
		if (container_lookup(&s, argv[i], &st.c, &err) < 0) {
			rc = failed(&err);
			continue;
		}
		container_stop(&s, &st, 1, sig, secs);
		if (st.rc == 1)
			err_set(&st.err, 0, "No such container: %s", argv[i]);
		rc |= st.rc ? failed(&st.err) : start_one(&st.c, argv[i]);
		container_free(&st.c);
	}
	return rc;
}
