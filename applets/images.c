/* md-images: list images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applet.h"
#include "ref.h"
#include "store.h"
#include "table.h"
#include "util.h"

const char images_usage[] =
"Usage: md-images [OPTIONS] [REPOSITORY[:TAG]]\n"
"\n"
"List images, newest first.\n"
"\n"
"Options:\n"
"  -q, --quiet       Only show image IDs\n"
"      --no-trunc    Don't truncate image IDs\n"
"      --root DIR    State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help        Print this help\n";

struct row {
	char repo[REF_STR_MAX], tag[REF_TAG_MAX + 8];
	char id[DIGEST_LEN + 1];
	int64_t created;
	uint64_t size;
};

struct meta {
	int64_t created;
	uint64_t size;
};

static int meta_handler(void *user, const char *section, const char *key,
			const char *value, struct md_err *err)
{
	struct meta *m = user;

	if (!strcmp(key, "created") && rfc3339_parse(value, &m->created) < 0)
		m->created = 0;
	else if (!strcmp(key, "size"))
		m->size = strtoull(value, NULL, 10);
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	if ((c = strcmp(x->repo, y->repo)))
		return c;
	return strcmp(x->tag, y->tag);
}

/* The REPOSITORY and TAG columns of a canonical reference. */
static void split_ref(const char *canonical, struct row *r)
{
	struct ref ref;
	struct md_err err;

	if (ref_parse(canonical, &ref, &err) < 0) {
		snprintf(r->repo, sizeof(r->repo), "%s", canonical);
		strcpy(r->tag, "<none>");
		return;
	}
	ref_format_name(&ref, r->repo, sizeof(r->repo));
	snprintf(r->tag, sizeof(r->tag), "%s", ref.tag[0] ? ref.tag : "<none>");
}

static int filter_match(const char *filter, const struct row *r)
{
	char full[sizeof(r->repo) + sizeof(r->tag) + 1];

	if (!filter)
		return 1;
	if (!strcmp(filter, r->repo))
		return 1;
	snprintf(full, sizeof(full), "%s:%s", r->repo, r->tag);
	return !strcmp(filter, full);
}

int images_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, 0, 'q' },
		{ "no-trunc", no_argument, 0, 'T' },
		APPLET_LONGOPTS, { 0 } };
	int quiet = 0, notrunc = 0, c;
	struct store s;
	struct md_err err;
	struct image_ref *refs = NULL;
	char (*ids)[DIGEST_LEN + 1] = NULL;
	size_t nrefs = 0, nids = 0, nrows = 0;
	struct row *rows;
	struct table t;
	const char *filter;
	time_t now = time(NULL);

	while ((c = applet_getopt(argc, argv, "qh", opts)) != -1) {
		if (c == 'q')
			quiet = 1;
		else if (c == 'T')
			notrunc = 1;
	}
	if (argc - optind > 1)
		return applet_usage_error("too many arguments");
	filter = optind < argc ? argv[optind] : NULL;
	if (store_open(&s, STORE_READ, &err) < 0 ||
	    store_refs(&s, &refs, &nrefs, &err) < 0 ||
	    store_images(&s, &ids, &nids, &err) < 0)
		return applet_fail(&err);
	rows = calloc(nrefs + nids + 1, sizeof(*rows));
	if (!rows)
		return applet_failf("out of memory");
	for (size_t i = 0; i < nids; i++) {
		struct meta m = { 0 };
		int tagged = 0;
		if (store_image_read(&s, ids[i], meta_handler, &m, &err) < 0)
			continue;	/* removed meanwhile */
		for (size_t j = 0; j <= nrefs; j++) {
			struct row *r = &rows[nrows];
			if (j < nrefs && strcmp(refs[j].id, ids[i]))
				continue;
			if (j == nrefs && tagged)
				break;
			if (j < nrefs) {
				split_ref(refs[j].name, r);
				tagged = 1;
			} else {
				strcpy(r->repo, "<none>");
				strcpy(r->tag, "<none>");
			}
			strcpy(r->id, ids[i]);
			r->created = m.created;
			r->size = m.size;
			if (filter_match(filter, r))
				nrows++;
		}
	}
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	table_init(&t, 5);
	if (!quiet)
		table_row(&t, (const char *[]){ "REPOSITORY", "TAG", "IMAGE ID",
						"CREATED", "SIZE" });
	for (size_t i = 0; i < nrows; i++) {
		char id[DIGEST_LEN + 1], created[64] = "N/A", size[32];
		snprintf(id, sizeof(id), "%.*s", notrunc ? DIGEST_LEN : 12,
			 rows[i].id + (notrunc ? 0 : 7));
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		if (rows[i].created) {
			human_duration(created, sizeof(created) - 4,
				       now - rows[i].created);
			strcat(created, " ago");
		}
		human_size(size, sizeof(size), rows[i].size);
		table_row(&t, (const char *[]){ rows[i].repo, rows[i].tag, id,
						created, size });
	}
	c = table_print(&t, stdout);
	table_free(&t);
	free(rows);
	free(refs);
	free(ids);
	store_close(&s);
	return c < 0 ? applet_failf("write: output error") : 0;
}
