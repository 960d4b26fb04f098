/* md-pull: fetch an image from a registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applet.h"
#include "pull.h"
#include "store.h"
#include "util.h"

const char pull_usage[] =
"Usage: md-pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
"\n"
"Download an image from a registry and print its ID.\n"
"\n"
"Options:\n"
"  -q, --quiet              Print only the image ID\n"
"      --platform OS/ARCH[/VARIANT]\n"
"                           Platform to pick from a multi-platform image\n"
"                           (default linux/ and md's architecture)\n"
"      --root DIR           State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help               Print this help\n";

struct view {
	FILE *out;		/* a terminal */
	size_t shown;		/* lines drawn so far */
	struct timespec start, last;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* One line per layer, redrawn in place (at most 10 times a second). */
static void progress(void *user, const struct pull_layer *l, size_t n)
{
	struct view *v = user;
	struct timespec now;
	int all_done = 1;

	for (size_t i = 0; i < n; i++)
		all_done &= l[i].state == PULL_DONE || l[i].state == PULL_EXISTS;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!all_done && v->shown == n && since(&v->last, &now) < 0.1)
		return;
	v->last = now;
	if (v->shown)
		fprintf(v->out, "\033[%zuA", v->shown);
	for (size_t i = 0; i < n; i++) {
		char a[16], b[16], sp[16];
		fprintf(v->out, "\033[2K%.12s: ", l[i].digest + 7);
		switch (l[i].state) {
		case PULL_WAITING: fputs("Waiting\n", v->out); break;
		case PULL_EXISTS: fputs("Already exists\n", v->out); break;
		case PULL_DONE: fputs("Pull complete\n", v->out); break;
		case PULL_DOWNLOADING:
			human_size(a, sizeof(a), l[i].done);
			human_size(b, sizeof(b), l[i].size);
			human_size(sp, sizeof(sp), l[i].done /
				   (since(&v->start, &now) + 1e-3));
			fprintf(v->out, "Downloading %s/%s  %s/s\n", a, b, sp);
			break;
		}
	}
	v->shown = n;
	fflush(v->out);
}

/* A mirror that failed: one line, and the progress drawn anew below it. */
static void notice(void *user, const char *msg)
{
	struct view *v = user;

	fflush(stdout);
	fprintf(stderr, "md-%s: %s\n", applet_cur->name, msg);
	if (v)
		v->shown = 0;
}

/* MD_PULL_WORKERS: how many layers download at once (default 2). */
static int workers_from_env(struct pull_opts *o)
{
	const char *v = getenv("MD_PULL_WORKERS"), *why;
	int64_t n;

	if (!v || !*v)
		return 0;
	if ((why = parse_int(v, 1, PULL_WORKERS_MAX, &n)))
		return applet_failf("MD_PULL_WORKERS=%s: %s (1 to %d)", v, why,
				    PULL_WORKERS_MAX);
	o->workers = n;
	return 0;
}

int pull_show(const char *ref, FILE *out, const char *platform, char *id,
	      char *digest)
{
	struct pull_opts o = { .workers = 2, .notice = notice,
			       .platform = platform };
	struct view v = { .out = out };
	struct store s;
	struct md_err err;

	if (workers_from_env(&o))
		return 125;
	if (layer_check_privileges(&err) < 0)
		return applet_fail(&err);
	if (out && isatty(fileno(out))) {
		clock_gettime(CLOCK_MONOTONIC, &v.start);
		o.progress = progress;
		o.user = &v;
		fprintf(out, "Pulling %s\n", ref);
	}
	if (store_open(&s, STORE_WRITE, &err) < 0 ||
	    pull_image(&s, ref, &o, id, digest, &err) < 0)
		return applet_fail(&err);
	store_close(&s);
	if (out)
		fprintf(out, "Digest: %s\n", digest);
	return 0;
}

int pull_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, 0, 'q' },
		{ "platform", required_argument, 0, 'P' },
		APPLET_LONGOPTS, { 0 } };
	const char *platform = NULL;
	char id[DIGEST_LEN + 1], digest[DIGEST_LEN + 1];
	int c, rc, quiet = 0;

	while ((c = applet_getopt(argc, argv, "qh", opts)) != -1) {
		if (c == 'q')
			quiet = 1;
		else if (c == 'P')
			platform = optarg;
	}
	if (argc - optind != 1)
		return applet_usage_error("requires exactly 1 argument");
	/* progress and the digest on a terminal only */
	if ((rc = pull_show(argv[optind], !quiet && isatty(1) ? stdout : NULL,
			    platform, id, digest)))
		return rc;
	printf("%s\n", id);
	return 0;
}
