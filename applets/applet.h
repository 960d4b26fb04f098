/* What every applet shares: the dispatch table entry, option parsing with
 * the common -h/--help and --root, and one-line error reporting. */
#ifndef MD_APPLET_H
#define MD_APPLET_H

#include <getopt.h>
#include <stdio.h>
#include <stdint.h>

#include "err.h"

#define OPT_ROOT 0x1000
#define OPT_HELP 0x1001
#define APPLET_LONGOPTS \
	{ "help", no_argument, 0, OPT_HELP }, \
	{ "root", required_argument, 0, OPT_ROOT }

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *usage;
	int reads_config;	/* md.ini: its unknown keys are warned about */
};

extern const struct applet *applet_cur;

/* getopt_long, plus: -h/--help prints usage to stdout and exits 0;
 * --root DIR sets MD_ROOT; an unknown option or a missing argument
 * prints one line as Docker does ("unknown flag: --x", "flag needs an
 * argument: 'e' in -e") and the --help hint, and exits 125. */
int applet_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts);
/* Prints "md-NAME: reason" and the --help hint; returns 125. */
int applet_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* A bad flag value, as Docker: invalid argument "ARG" for "FLAG" flag:
 * WHY, and the hint; returns 125. */
int applet_flag_error(const char *flag, const char *arg, const char *why);
/* A flag's integer value in [min, max], strictly; 0, or 125 (said). */
int applet_flag_int(const char *flag, const char *arg, int64_t min,
		    int64_t max, int64_t *out);
/* Prints "md-NAME: msg" for err and returns 125. */
int applet_fail(const struct md_err *err);
/* Prints "md-NAME: " + formatted message, returns 125. */
int applet_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* md-pull's pull, shared with md-run: progress on out when it is a
 * terminal, then "Digest: ..." on out (NULL: quiet). 0, or 125 (said). */
int pull_show(const char *ref, FILE *out, const char *platform, char *id,
	      char *digest);

#define APPLET(n) int n##_main(int argc, char **argv); extern const char n##_usage[];
APPLET(exec)
APPLET(images)
APPLET(import)
APPLET(inspect)
APPLET(kill)
APPLET(load)
APPLET(logs)
APPLET(network)
APPLET(port)
APPLET(ps)
APPLET(pull)
APPLET(restart)
APPLET(rm)
APPLET(rmi)
APPLET(run)
APPLET(start)
APPLET(stop)
APPLET(wait)
#undef APPLET

#endif
