/* md-inspect: an image's state, as INI, or one key's value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "ini.h"
#include "ref.h"
#include "store.h"

const char inspect_usage[] =
"Usage: md-inspect [OPTIONS] IMAGE [IMAGE...]\n"
"\n"
"Print what md knows of an image as INI (key = value lines). IMAGE is a\n"
"name[:tag], an ID or a unique ID prefix.\n"
"\n"
"Options:\n"
"  -f, --format KEY  Print only the value of KEY (one line per value)\n"
"      --root DIR    State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help        Print this help\n";

struct inspect {
	const char *key;	/* -f KEY, or NULL for all */
	struct ini_out out;
	int found;
};

static void emit(struct inspect *in, const char *key, const char *value)
{
	if (!in->key) {
		ini_kv(&in->out, key, value);
	} else if (!strcmp(in->key, key)) {
		fputs(value, stdout);
		fputc('\n', stdout);
		in->found = 1;
	}
}

static int ini_handler(void *user, const char *section, const char *key,
		       const char *value, struct md_err *err)
{
	emit(user, key, value);
	return 0;
}

static int inspect_image(struct store *s, struct inspect *in, const char *id,
			 struct md_err *err)
{
	struct image_ref *refs;
	size_t n;

	if (store_refs(s, &refs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ref r;
		char name[REF_STR_MAX];
		struct md_err e2;
		if (strcmp(refs[i].id, id) || ref_parse(refs[i].name, &r, &e2) < 0)
			continue;
		ref_format_familiar(&r, name, sizeof(name));
		emit(in, "repo_tag", name);
	}
	free(refs);
	return store_image_read(s, id, ini_handler, in, err);
}

int inspect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, 0, 'f' },
		APPLET_LONGOPTS, { 0 } };
	struct inspect in = { 0 };
	struct store s;
	struct md_err err;
	int c, ret = 0;

	while ((c = applet_getopt(argc, argv, "f:h", opts)) != -1)
		if (c == 'f')
			in.key = optarg;
	if (optind == argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(&s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++) {
		char id[DIGEST_LEN + 1];
		in.found = 0;
		ini_out_free(&in.out);
		if (store_lookup(&s, argv[i], id, &err) < 0 ||
		    inspect_image(&s, &in, id, &err) < 0) {
			ret = applet_fail(&err);
			continue;
		}
		if (in.key && !in.found)
			ret = applet_failf("%s: no key %s", argv[i], in.key);
		if (!in.key) {
			if (i > optind)
				fputc('\n', stdout);
			fwrite(in.out.buf, 1, in.out.len, stdout);
			ini_out_free(&in.out);
		}
	}
	store_close(&s);
	return ret;
}
