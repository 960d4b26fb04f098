/* The md multicall binary: picks the applet from argv[0] ("md-images",
 * a symlink, a path) or from "md APPLET ...". */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "store.h"

#define A(n) { #n, n##_main, n##_usage }
static const struct applet applets[] = {
	A(images), A(import), A(inspect), A(load), A(pull), A(rmi), A(run),
};
#undef A

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

int applet_getopt(int argc, char **argv, const char *shortopts,
		  const struct option *longopts)
{
	for (;;) {
		int c = getopt_long(argc, argv, shortopts, longopts, NULL);
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
			fprintf(stderr, "md-%s: unknown option or missing argument: %s\n",
				applet_cur->name, argv[optind - 1]);
			fputs(applet_cur->usage, stderr);
			exit(125);
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

	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	fputs(applet_cur->usage, stderr);
	return 125;
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
		applet_cur = applet_find(base);
		argc--;
		argv++;
	}
	if (!applet_cur) {
		fprintf(stderr, "md: unknown applet '%s'\n", base);
		list_applets(stderr);
		return 125;
	}
	/* Our messages carry the applet name already. */
	opterr = 0;
	return applet_cur->main(argc, argv);
}
