/* The md multicall binary: picks the applet from argv[0] ("md-images",
 * a symlink, a path) or from "md APPLET ...". */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "config.h"
#include "monitor.h"
#include "start.h"
#include "store.h"
#include "util.h"

#define A(n, cfg) { #n, n##_main, n##_usage, cfg }
static const struct applet applets[] = {
	A(exec, 0), A(images, 0), A(import, 0), A(inspect, 0), A(kill, 0),
	A(load, 0), A(logs, 0), A(network, 0), A(port, 0), A(ps, 0), A(pull, 1), A(restart, 0), A(rm, 0),
	A(rmi, 0), A(run, 1), A(start, 0), A(stop, 0), A(wait, 0),
};
#undef A
/* md-run -d's monitor, which md-run execs as "md monitor ID" (not for
 * users: not listed, no md-monitor link). */
static const struct applet monitor_applet = {
	"monitor", monitor_main, "Usage: md monitor ID (md-run -d runs it)\n", 0 };
/* A monitor's restart of its container, "md starter ID" (start.h). */
static const struct applet starter_applet = {
	"starter", starter_main, "Usage: md starter ID (a monitor runs it)\n", 0 };

const struct applet *applet_cur;

static const struct applet *applet_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

static void list_applets(FILE *f)
{
	fputs("Usage: md APPLET [ARGS...]  or  md-APPLET [ARGS...]\n"
	      "A small container engine. Applets:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		fprintf(f, "  md-%s\n", applets[i].name);
	fputs("Run md-APPLET --help for an applet's options.\n", f);
}

static void vfail(const char *fmt, va_list ap);

/* Docker's hint after a usage error. */
static int usage_hint(void)
{
	fprintf(stderr, "See 'md-%s --help'.\n", applet_cur->name);
	return 125;
}

static int vusage_error(const char *fmt, va_list ap)
{
	vfail(fmt, ap);
	return usage_hint();
}

static int usage_errorf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vusage_error(fmt, ap);
	va_end(ap);
	return r;
}

/* The short option cluster ("-ix") holding c, for the message. */
static const char *cluster_of(int argc, char **argv, int c)
{
	for (int i = 1; i < argc && argv[i] && strcmp(argv[i], "--"); i++)
		if (argv[i][0] == '-' && argv[i][1] != '-' && strchr(argv[i] + 1, c))
			return argv[i];
	return "";
}

/* What getopt_long refused, as Docker (pflag) says it. */
static int bad_option(int c, int argc, char **argv, const char *last,
		      const char *shortopts)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";

	if (c == ':') {		/* the option is the last argument */
		if (!strncmp(last, "--", 2))
			return usage_errorf("flag needs an argument: %s", last);
		return usage_errorf("flag needs an argument: '%c' in %s", optopt,
				    last);
	}
	if (!optopt)
		return usage_errorf("unknown flag: %.*s", (int)strcspn(arg, "="), arg);
	if (optopt >= 0x100 || strchr(shortopts + (*shortopts == '+'), optopt))
		/* --flag=value of a flag that takes none */
		return usage_errorf("flag does not take an argument: %s", arg);
	return usage_errorf("unknown shorthand flag: '%c' in %s", optopt,
			    cluster_of(argc, argv, optopt));
}

int applet_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts)
{
	char opts[64];
	int plus = shortopts[0] == '+';

	/* A leading ':' tells a missing argument from an unknown option. */
	snprintf(opts, sizeof(opts), "%s:%s", plus ? "+" : "", shortopts + plus);
	for (;;) {
		const char *last = argc > 1 ? argv[argc - 1] : "";
		int c;

		optopt = 0;
		c = getopt_long(argc, argv, opts, longopts, NULL);
		switch (c) {
		case 'h':
			/* md-run's -h is --hostname, as in docker run */
			if (strstr(shortopts, "h:"))
				return c;
			fputs(applet_cur->usage, stdout);
			exit(0);
		case OPT_HELP:
			fputs(applet_cur->usage, stdout);
			exit(0);
		case OPT_ROOT:
			store_set_root(optarg);
			continue;
		case '?':
		case ':':
			exit(bad_option(c, argc, argv, last, shortopts));
		default:
			return c;
		}
	}
}

static void vfail(const char *fmt, va_list ap)
{
	fprintf(stderr, "md-%s: ", applet_cur->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int applet_usage_error(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vusage_error(fmt, ap);
	va_end(ap);
	return r;
}

int applet_flag_error(const char *flag, const char *arg, const char *why)
{
	return usage_errorf("invalid argument \"%s\" for \"%s\" flag: %s", arg,
			    flag, why);
}

int applet_flag_int(const char *flag, const char *arg, int64_t min,
		    int64_t max, int64_t *out)
{
	const char *why = parse_int(arg, min, max, out);

	return why ? applet_flag_error(flag, arg, why) : 0;
}

int applet_fail(const struct md_err *err)
{
	fprintf(stderr, "md-%s: %s\n", applet_cur->name, err->msg);
	return 125;
}

int applet_failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	return 125;
}

static void config_warn(void *user, const char *msg)
{
	fprintf(stderr, "md-%s: warning: %s\n", applet_cur->name, msg);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	/* fds 0-2 closed at start would be reused by files md opens. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			openat(AT_FDCWD, "/dev/null", O_RDWR);	/* gets fd */

	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "md-", 3)) {
		applet_cur = applet_find(base + 3);
	} else {
		if (argc < 2) {
			list_applets(stdout);
			return 0;
		}
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			list_applets(stdout);
			return 0;
		}
		base = argv[1];
		applet_cur = !strcmp(base, "monitor") ? &monitor_applet :
			     !strcmp(base, "starter") ? &starter_applet :
			     applet_find(base);
		argc--;
		argv++;
	}
	if (!applet_cur) {
		fprintf(stderr, "md: unknown applet '%s'\nSee 'md --help'.\n",
			base);
		return 125;
	}
	/* Our messages carry the applet name already. */
	opterr = 0;
	/* A typo in md.ini would be silently ignored; errors reading it are
	 * the applet's to report. */
	if (applet_cur->reads_config) {
		struct md_err err;
		config_check(config_warn, NULL, &err);
	}
	return applet_cur->main(argc, argv);
}
