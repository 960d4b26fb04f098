/* md-rmi: untag images, delete what no tag refers to any more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "container.h"
#include "ref.h"
#include "store.h"

const char rmi_usage[] =
"Usage: md-rmi [OPTIONS] IMAGE [IMAGE...]\n"
"\n"
"Remove images. A name[:tag] is untagged, and the image deleted when no\n"
"tag is left; an ID deletes the image and all its tags. Layers no image\n"
"uses are then deleted.\n"
"\n"
"Options:\n"
"  -f, --force       Delete an image referenced by several tags\n"
"      --root DIR    State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help        Print this help\n";

static void familiar(const char *canonical, char *out, size_t outlen)
{
	struct ref r;
	struct md_err err;

	if (ref_parse(canonical, &r, &err) == 0)
		ref_format_familiar(&r, out, outlen);
	else
		snprintf(out, outlen, "%s", canonical);
}

/* Tags pointing at id (count, and optionally the list). */
static size_t tags_of(struct image_ref *refs, size_t n, const char *id)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += !strcmp(refs[i].id, id);
	return k;
}

static int rmi_one(struct store *s, const char *arg, int force,
		   struct md_err *err)
{
	struct image_ref *refs;
	size_t n;
	char id[DIGEST_LEN + 1], full[REF_STR_MAX], name[REF_STR_MAX], who[16];
	struct ref r;
	struct md_err e2;
	int by_name = 0;

	if (store_refs(s, &refs, &n, err) < 0)
		return -1;
	if (ref_parse(arg, &r, &e2) == 0) {
		ref_format_full(&r, full, sizeof(full));
		for (size_t i = 0; i < n; i++)
			if (!strcmp(refs[i].name, full)) {
				strcpy(id, refs[i].id);
				by_name = 1;
			}
	}
	if (!by_name && store_resolve(s, NULL, arg, id, err) < 0)
		goto fail;
	/* Refused before anything is untagged, as Docker does. */
	if (!force && (!by_name || tags_of(refs, n, id) <= 1) &&
	    container_using_image(s, id, who, sizeof(who))) {
		err_set(err, 0, "conflict: unable to remove %s (must be forced) - "
			"container %s is using its referenced image %.12s", arg,
			who, id + 7);
		goto fail;
	}
	if (by_name) {
		if (store_untag(s, full, err) < 0)
			goto fail;
		familiar(full, name, sizeof(name));
		printf("Untagged: %s\n", name);
	} else if (tags_of(refs, n, id) > 1 && !force) {
		err_set(err, 0, "conflict: unable to delete %.12s (must be "
			"forced) - image is referenced in multiple repositories",
			id + 7);
		goto fail;
	} else {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(refs[i].id, id)) {
				familiar(refs[i].name, name, sizeof(name));
				printf("Untagged: %s\n", name);
			}
	}
	free(refs);
	/* Forced while a container uses it: untagged, but its layers stay
	 * for the container (a dangling image, as Docker leaves it). */
	if (container_using_image(s, id, who, sizeof(who)))
		return 0;
	/* By name, the image goes only if no tag is left by then (another
	 * md may have tagged it meanwhile); by ID, with all its tags. */
	switch (store_image_delete(s, id, by_name, err)) {
	case -1:
		return -1;
	case 0:
		printf("Deleted: %s\n", id);
	}
	return 0;
fail:
	free(refs);
	return -1;
}

int rmi_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, 0, 'f' },
		APPLET_LONGOPTS, { 0 } };
	struct store s;
	struct md_err err;
	int c, force = 0, ret = 0;

	while ((c = applet_getopt(argc, argv, "fh", opts)) != -1)
		if (c == 'f')
			force = 1;
	if (optind == argc)
		return applet_usage_error("requires at least 1 argument");
	if (store_open(&s, STORE_WRITE, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++)
		if (rmi_one(&s, argv[i], force, &err) < 0)
			ret = applet_fail(&err);
	if (store_gc(&s, &err) < 0)
		ret = applet_fail(&err);
	store_close(&s);
	return ret;
}
