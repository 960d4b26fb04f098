/* md-import: a rootfs tarball becomes a one-layer image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "image.h"
#include "json.h"
#include "ref.h"
#include "store.h"

const char import_usage[] =
"Usage: md-import [OPTIONS] FILE|- [REPOSITORY[:TAG]]\n"
"\n"
"Create an image from a rootfs tarball (plain or gzip-compressed; - reads\n"
"standard input) and print its ID.\n"
"\n"
"Options:\n"
"      --root DIR    State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help        Print this help\n";

int import_main(int argc, char **argv)
{
	static const struct option opts[] = { APPLET_LONGOPTS, { 0 } };
	struct store s;
	struct md_err err;
	struct ref r;
	const char *file, *tag = NULL;
	char full[REF_STR_MAX], diff_id[DIGEST_LEN + 1], id[DIGEST_LEN + 1];
	cleanup_free char *config = NULL;
	char *comment = NULL;
	int fd;

	while (applet_getopt(argc, argv, "h", opts) != -1)
		;
	if (argc - optind < 1 || argc - optind > 2)
		return applet_usage_error("requires 1 or 2 arguments");
	if (layer_check_privileges(&err) < 0)
		return applet_fail(&err);
	file = argv[optind];
	if (optind + 1 < argc) {
		if (ref_parse(argv[optind + 1], &r, &err) < 0)
			return applet_fail(&err);
		if (r.digest[0])
			return applet_failf("%s: a tag, not a digest, names an "
					    "imported image", argv[optind + 1]);
		ref_format_full(&r, full, sizeof(full));
		tag = full;
	}
	fd = strcmp(file, "-") ? openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return applet_failf("open %s: %s", file, strerror(errno));
	if (store_open(&s, STORE_WRITE, &err) < 0 ||
	    store_import_begin(&s, &err) < 0 ||
	    image_import_layer(&s, fd, file, diff_id, &err) < 0)
		return applet_fail(&err);
	comment = malloc(json_quote(NULL, 0, file) + 16);
	if (!comment)
		return applet_failf("out of memory");
	json_quote(comment, json_quote(NULL, 0, file) + 1, file);
	config = image_config_new(diff_id, comment);
	free(comment);
	if (!config)
		return applet_failf("out of memory");
	if (store_image_commit(&s, config, strlen(config), NULL,
			       tag ? (const char *[]){ tag } : NULL, tag ? 1 : 0,
			       id, &err) < 0)
		return applet_fail(&err);
	store_close(&s);
	printf("%s\n", id);
	return 0;
}
