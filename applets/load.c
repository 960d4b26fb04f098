/* md-load: images from `docker save` archives and OCI layout tarballs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "archive.h"
#include "store.h"

const char load_usage[] =
"Usage: md-load [OPTIONS]\n"
"\n"
"Load images from a tar archive written by `docker save` (or skopeo's\n"
"docker-archive:) or an OCI image layout tarball (oci-archive:), read\n"
"from a file or standard input. The archive's tags are applied.\n"
"\n"
"Options:\n"
"  -i, --input FILE  Read from FILE instead of standard input\n"
"  -q, --quiet       Print nothing but errors\n"
"      --root DIR    State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help        Print this help\n";

static void report(void *user, const char *what, const char *name)
{
	if (!*(int *)user)
		printf("Loaded image%s: %s\n", what, name);
}

int load_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, 0, 'i' },
		{ "quiet", no_argument, 0, 'q' },
		APPLET_LONGOPTS, { 0 } };
	const char *file = NULL;
	int c, fd = 0, quiet = 0;
	struct store s;
	struct md_err err;

	while ((c = applet_getopt(argc, argv, "i:qh", opts)) != -1) {
		if (c == 'i')
			file = optarg;
		else if (c == 'q')
			quiet = 1;
	}
	if (optind != argc)
		return applet_usage_error("accepts no arguments");
	if (layer_check_privileges(&err) < 0)
		return applet_fail(&err);
	if (file && (fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC)) < 0)
		return applet_failf("open %s: %s", file, strerror(errno));
	if (!file && isatty(0))
		return applet_usage_error("requested load from stdin, but stdin "
					  "is empty");
	if (store_open(&s, STORE_WRITE, &err) < 0 ||
	    store_import_begin(&s, &err) < 0 ||
	    archive_load(&s, fd, file ? file : "stdin", report, &quiet, &err) < 0)
		return applet_fail(&err);
	store_close(&s);
	return 0;
}
