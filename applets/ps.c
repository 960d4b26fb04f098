/* md-ps: list containers, as docker ps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applet.h"
#include "container.h"
#include "ctrview.h"
#include "names.h"
#include "rematch.h"
#include "ref.h"
#include "store.h"
#include "table.h"
#include "template.h"
#include "util.h"

const char ps_usage[] =
"Usage: md-ps [OPTIONS]\n"
"\n"
"List containers, newest first: the running ones, or all with -a.\n"
"\n"
"Options:\n"
"  -a, --all                Show all containers (default shows just running)\n"
"  -f, --filter KEY=VALUE   Only containers that match: status=STATE,\n"
"                           name=REGEX, ancestor=IMAGE, id=PREFIX,\n"
"                           exited=CODE, before=CONTAINER, since=CONTAINER,\n"
"                           network=NAME, volume=PATH, label=...\n"
"      --format TEMPLATE    Print each container with a Go template\n"
"                           ({{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}}\n"
"                           {{.RunningFor}} {{.Status}} {{.State}} {{.Ports}}\n"
"                           {{.Names}} {{.Size}} {{.Mounts}} {{.Networks}}),\n"
"                           \"table TEMPLATE\" for columns, \"json\" for JSON\n"
"  -n, --last N             Show the N last created containers (all states)\n"
"  -l, --latest             Show the latest created container (all states)\n"
"      --no-trunc           Don't truncate output\n"
"  -q, --quiet              Only display container IDs\n"
"  -s, --size               Display total file sizes\n"
"      --root DIR           State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help               Print this help\n";

enum { O_NOTRUNC = 0x100, O_FORMAT };

#define DEFAULT_TABLE "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t" \
	"{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}"
#define RAW_FORMAT "container_id: {{.ID}}\nimage: {{.Image}}\n" \
	"command: {{.Command}}\ncreated_at: {{.CreatedAt}}\n" \
	"state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\n" \
	"names: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\n" \
	"ports: {{- pad .Ports 1 0}}\n"
#define FILTERS_MAX 64

struct filter {
	const char *key, *value;
};

struct ps {
	int all, quiet, notrunc, size, table;
	int64_t last;			/* -n; -1: none */
	struct filter f[FILTERS_MAX];
	size_t nf;
	char *format;			/* as the template has it */
	/* filters resolved */
	char (*ancestors)[DIGEST_LEN + 1];
	size_t nanc;
	char before[CONTAINER_ID_LEN + 1], since[CONTAINER_ID_LEN + 1];
};

/* The fields the template uses (ctrview.h), as Docker finds that .Size
 * is: by their names in it; "." alone ({{json .}}) uses all. */
static unsigned fields_used(const char *f)
{
	static const struct { const char *name; unsigned bit; } m[] = {
		{ "Command", CTR_PS_COMMAND }, { "CreatedAt", CTR_PS_CREATED_AT },
		{ "Mounts", CTR_PS_MOUNTS }, { "RunningFor", CTR_PS_RUNNING_FOR },
		{ "Status", CTR_PS_STATUS },
	};
	unsigned bits = 0;

	for (const char *p = f; (p = strchr(p, '.')); p++)
		if (!((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z') ||
		      p[1] == '_'))
			return CTR_PS_ALL;
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (strstr(f, m[i].name))
			bits |= m[i].bit;
	return bits;
}

/* A container of the list and when it was made, for sorting. */
struct entry {
	struct container *c;
	int64_t sec;
	long nsec;
};

static int ps_fail(const struct md_err *err)
{
	/* Docker's CLI exits 1 for what is not a usage error */
	applet_fail(err);
	return 1;
}

static int has(const struct ps *o, const char *key)
{
	for (size_t i = 0; i < o->nf; i++)
		if (!strcmp(o->f[i].key, key))
			return 1;
	return 0;
}

/* c matches one of the values of key (or key has none). */
static int match(const struct ps *o, const char *key, const struct container *c,
		 int (*fn)(const struct ps *o, const char *v,
			   const struct container *c))
{
	int some = 0;

	for (size_t i = 0; i < o->nf; i++)
		if (!strcmp(o->f[i].key, key)) {
			if (fn(o, o->f[i].value, c))
				return 1;
			some = 1;
		}
	return !some;
}

static int live(const struct container *c)
{
	return c->status == CONTAINER_RUNNING || c->status == CONTAINER_PAUSED ||
	       c->status == CONTAINER_RESTARTING;
}

/* Go's filters.Match: exactly, else as a regular expression; names with
 * and without their slash. */
static int by_name(const struct ps *o, const char *v, const struct container *c)
{
	char slashed[sizeof(c->name) + 1];

	snprintf(slashed, sizeof(slashed), "/%s", c->name);
	return !strcmp(v, c->name) || !strcmp(v, slashed) ||
	       re_search(v, slashed) == 1 || re_search(v, c->name) == 1;
}

static int by_status(const struct ps *o, const char *v, const struct container *c)
{
	return !strcmp(v, container_status_name(c->status));
}

static int by_id(const struct ps *o, const char *v, const struct container *c)
{
	return !strncmp(c->id, v, strlen(v));
}

static int by_exit(const struct ps *o, const char *v, const struct container *c)
{
	return !live(c) && c->started[0] && c->exit_code == atoi(v);
}

static int by_network(const struct ps *o, const char *v, const struct container *c)
{
	return names_on(c, v);
}

static int by_volume(const struct ps *o, const char *v, const struct container *c)
{
	size_t n = strlen(v);
	const char *m = c->mounts;

	/* "SRC:DST[:ro]" strings in a JSON array: v as a whole SRC or DST */
	while ((m = strstr(m, v)))
		if ((m[-1] == '"' || m[-1] == ':') && (m[n] == ':' || m[n] == '"'))
			return 1;
		else
			m += n;
	return 0;
}

static int by_label(const struct ps *o, const char *v, const struct container *c)
{
	return 0;	/* md's containers have no labels */
}

static int by_ancestor(const struct ps *o, const char *v, const struct container *c)
{
	for (size_t i = 0; i < o->nanc; i++)
		if (!strcmp(o->ancestors[i], c->image_id))
			return 1;
	return 0;
}

/* Docker's includeContainerInList, but for before=, since= and the
 * count, which the caller does. */
static int wanted(const struct ps *o, const struct container *c)
{
	if (has(o, "ancestor") && !by_ancestor(o, NULL, c))
		return 0;
	return match(o, "name", c, by_name) && match(o, "id", c, by_id) &&
	       match(o, "label", c, by_label) && match(o, "exited", c, by_exit) &&
	       match(o, "status", c, by_status) &&
	       match(o, "network", c, by_network) &&
	       match(o, "volume", c, by_volume);
}

/* Checks the filters' keys and values and resolves those that name
 * images or containers. 0, or the exit code (said). */
static int filters_resolve(struct store *s, struct ps *o)
{
	static const char *const keys[] = { "status", "name", "ancestor", "id",
		"exited", "before", "since", "network", "volume", "label" };
	static const char *const docker_only[] = { "health", "isolation",
		"is-task", "publish", "expose" };
	struct md_err err;
	int64_t code;
	size_t k;

	for (size_t i = 0; i < o->nf; i++) {
		const char *key = o->f[i].key, *v = o->f[i].value;
		for (k = 0; k < ARRAY_SIZE(docker_only); k++)
			if (!strcmp(key, docker_only[k])) {
				applet_failf("filter '%s' is not supported", key);
				return 1;
			}
		for (k = 0; k < ARRAY_SIZE(keys) && strcmp(key, keys[k]); k++)
			;
		if (k == ARRAY_SIZE(keys) ||
		    (!strcmp(key, "status") && container_status_parse(v) < 0) ||
		    (!strcmp(key, "exited") && parse_int(v, INT32_MIN, INT32_MAX, &code))) {
			applet_failf("invalid filter '%s%s%s'", key,
				     k == ARRAY_SIZE(keys) ? "" : "=",
				     k == ARRAY_SIZE(keys) ? "" : v);
			return 1;
		}
		if (!strcmp(key, "status"))
			o->all = 1;	/* as Docker */
		if ((!strcmp(key, "before") || !strcmp(key, "since")) &&
		    container_resolve(s, v, key[0] == 'b' ? o->before : o->since,
				      &err) < 0)
			return ps_fail(&err);
		if (!strcmp(key, "ancestor")) {
			void *nv = realloc(o->ancestors, (o->nanc + 1) *
					   sizeof(*o->ancestors));
			if (!nv)
				return applet_failf("out of memory");
			o->ancestors = nv;
			/* An image md does not have matches nothing (as
			 * Docker: a warning in its log). */
			if (store_lookup(s, v, o->ancestors[o->nanc], &err) == 0)
				o->nanc++;
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct ps *o)
{
	static const struct option opts[] = {
		{ "all", no_argument, 0, 'a' },
		{ "filter", required_argument, 0, 'f' },
		{ "format", required_argument, 0, O_FORMAT },
		{ "last", required_argument, 0, 'n' },
		{ "latest", no_argument, 0, 'l' },
		{ "no-trunc", no_argument, 0, O_NOTRUNC },
		{ "quiet", no_argument, 0, 'q' },
		{ "size", no_argument, 0, 's' },
		APPLET_LONGOPTS, { 0 } };
	const char *format = NULL, *eq;
	int c, latest = 0;

	o->last = -1;
	while ((c = applet_getopt(argc, argv, "af:n:lqsh", opts)) != -1) {
		switch (c) {
		case 'a': o->all = 1; break;
		case 'q': o->quiet = 1; break;
		case 's': o->size = 1; break;
		case 'l': latest = 1; break;
		case O_NOTRUNC: o->notrunc = 1; break;
		case O_FORMAT: format = optarg; break;
		case 'n':
			if (applet_flag_int("-n, --last", optarg, INT32_MIN,
					    INT32_MAX, &o->last))
				return 125;
			break;
		case 'f':
			if (!(eq = strchr(optarg, '=')) || eq == optarg)
				return applet_flag_error("-f, --filter", optarg,
					"bad format of filter (expected name=value)");
			if (o->nf == FILTERS_MAX)
				return applet_usage_error("too many filters");
			/* (the key ends at '=': cut in argv's copy) */
			*(char *)eq = 0;
			o->f[o->nf].key = optarg;
			o->f[o->nf++].value = eq + 1;
			break;
		}
	}
	if (optind < argc)
		return applet_usage_error("accepts no arguments");
	if (latest && o->last == -1)
		o->last = 1;
	if (format && !format[0])
		format = NULL;	/* as Docker: the default */
	if (format && o->quiet)
		fputs("WARNING: Ignoring custom format, because both --format and "
		      "--quiet are set.\n", stderr);
	/* Docker's NewContainerFormat, then its preFormat */
	if (!format || !strcmp(format, "table"))
		format = o->quiet ? "{{.ID}}" : DEFAULT_TABLE;
	else if (!strcmp(format, "raw"))
		format = o->quiet ? "container_id: {{.ID}}\n" : RAW_FORMAT;
	else if (o->quiet)
		format = "{{.ID}}";
	if (!o->quiet && !o->size && strstr(format, ".Size"))
		o->size = 1;	/* as Docker, asked for by the template */
	if (!(o->format = malloc(strlen(format) + sizeof("\\t{{.Size}}"))))
		return applet_failf("out of memory");
	o->table = !strncmp(format, "table", 5);
	strcpy(o->format, format + (o->table ? 5 : 0));
	if (!strcmp(format, "json"))
		strcpy(o->format, "{{json .}}");
	if (o->size && !strcmp(format, DEFAULT_TABLE))
		strcat(o->format, "\\t{{.Size}}");
	tmpl_unescape(o->format);
	while (o->format[0] == ' ')
		memmove(o->format, o->format + 1, strlen(o->format));
	for (size_t n = strlen(o->format); n && o->format[n - 1] == ' '; n--)
		o->format[n - 1] = 0;
	return 0;
}

/* Newest first (ties by ID). */
static int entry_before(const struct entry *x, const struct entry *y)
{
	if (x->sec != y->sec)
		return x->sec > y->sec;
	if (x->nsec != y->nsec)
		return x->nsec > y->nsec;
	return strcmp(x->c->id, y->c->id) < 0;
}

/* A merge sort of e through tmp (not qsort: musl's moves elements with
 * memcpy, slow on short copies, and md-ps sorts a thousand). */
static void entries_sort(struct entry *e, struct entry *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	entries_sort(e, tmp, h);
	entries_sort(e + h, tmp, n - h);
	while (i < h || j < n)
		tmp[k++] = j == n || (i < h && !entry_before(&e[j], &e[i])) ?
			   e[i++] : e[j++];
	for (k = 0; k < n; k++)
		e[k] = tmp[k];
}

/* What the IMAGE column shows (Docker's daemon and CLI): the image as
 * the user named it, familiar, if it still names the container's image;
 * else the image's ID. */
struct image_cache {
	char image[512];
	char show[REF_STR_MAX + 80];
};

/* Docker's TruncateID: what follows "algo:", 12 characters. */
static void truncate_id(const char *id, char *out)
{
	const char *c = strchr(id, ':');

	snprintf(out, 13, "%s", c ? c + 1 : id);
}

static const char *image_column(struct store *s, const struct container *c,
				int trunc, struct image_cache *cache, size_t *n)
{
	char id[DIGEST_LEN + 1], name[REF_STR_MAX], t1[13], t2[13];
	struct image_cache *e;
	struct md_err err;
	struct ref r;
	const char *slash, *colon;
	size_t len;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp(cache[i].image, c->image))
			return cache[i].show;
	e = &cache[*n < 16 ? (*n)++ : 15];
	snprintf(e->image, sizeof(e->image), "%s", c->image);
	if (store_lookup(s, c->image, id, &err) < 0 || strcmp(id, c->image_id))
		snprintf(e->show, sizeof(e->show), "%s", c->image_id);
	else
		snprintf(e->show, sizeof(e->show), "%s", c->image);
	if (!trunc)
		return e->show;
	truncate_id(c->image_id, t1);
	truncate_id(e->show, t2);
	if (!strcmp(t1, t2)) {
		strcpy(e->show, t1);
	} else if (ref_parse(e->show, &r, &err) == 0) {
		/* familiar, without a digest; the tag if one was given */
		len = strcspn(e->show, "@");
		for (slash = e->show + len; slash > e->show && slash[-1] != '/'; slash--)
			;
		colon = memchr(slash, ':', e->show + len - slash);
		ref_format_name(&r, name, sizeof(name));
		snprintf(e->show, sizeof(e->show), "%s%s%s", name, colon ? ":" : "",
			 colon ? r.tag : "");
	}
	return e->show;
}

struct image_size {
	char id[DIGEST_LEN + 1];
	int64_t size;
};

static int size_key(void *user, const char *section, const char *key,
		    const char *value, struct md_err *err)
{
	if (!strcmp(key, "size"))
		*(int64_t *)user = strtoll(value, NULL, 10);
	return 0;
}

/* -s: the sizes of c's upper dir and of its image. */
static void sizes(struct store *s, const struct container *c, struct ctr_ps *v,
		  struct image_size *cache, size_t *n)
{
	char dir[128];
	struct md_err err;
	size_t i;

	snprintf(dir, sizeof(dir), "containers/%s/upper", c->id);
	v->size_rw = tree_size_at(s->fd, dir);
	if (v->size_rw < 0)
		v->size_rw = 0;
	for (i = 0; i < *n && strcmp(cache[i].id, c->image_id); i++)
		;
	if (i == *n) {
		i = *n < 16 ? (*n)++ : 15;
		strcpy(cache[i].id, c->image_id);
		cache[i].size = 0;
		store_image_read(s, c->image_id, size_key, &cache[i].size, &err);
	}
	v->size_image = cache[i].size;
}

/* The containers to show, in order, formatted into out. */
static int render(struct store *s, struct ps *o, struct entry *e, size_t n,
		  struct tmpl *tp, struct tbuf *out, struct md_err *err)
{
	struct image_cache images[16];
	struct image_size isizes[16];
	size_t nimages = 0, nisizes = 0, shown = 0, i = 0;
	struct ctr_ps view = { fields_used(o->format), NULL, !o->notrunc, -1, 0 };
	struct timespec now;
	struct tv t = { 0 };
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	if (o->before[0])	/* those made before it: after it in order */
		while (i < n && strcmp(e[i++].c->id, o->before))
			;
	for (; i < n && r == 0; i++) {
		const struct container *c = e[i].c;
		if (o->since[0] && !strcmp(c->id, o->since))
			break;
		if ((!live(c) && !o->all && o->last <= 0) || !wanted(o, c))
			continue;
		if (o->last > 0 && shown == (size_t)o->last)
			break;
		view.image = image_column(s, c, !o->notrunc, images, &nimages);
		if (o->size)
			sizes(s, c, &view, isizes, &nisizes);
		tv_reset(&t);
		ctr_ps_fields(&t, c, &view, &now);
		if ((r = tmpl_exec(tp, &t, 0, out, err)) == 0)
			tbuf_put(out, "\n", 1);
		shown++;
	}
	tv_free(&t);
	return r;
}

int ps_main(int argc, char **argv)
{
	struct ps o = { 0 };
	struct store s;
	struct md_err err, bad = { 0 };
	struct container *list = NULL, sample = { 0 };
	char none[] = "[]";
	struct entry *e = NULL;
	struct tmpl *tp;
	struct tbuf out = { 0 };
	struct tv t = { 0 };
	struct ctr_ps view = { CTR_PS_ALL, "", 1, -1, 0 };
	struct timespec now = { 0 };
	size_t n = 0;
	int rc, broken = 0;

	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	/* The template is checked before anything is listed, as Docker
	 * does: on a container of no value. */
	if (!(tp = tmpl_parse(o.format, &err))) {
		applet_failf("failed to parse template: %s", err.msg);
		return 1;
	}
	sample.command = sample.mounts = none;
	ctr_ps_fields(&t, &sample, &view, &now);
	if (tmpl_exec(tp, &t, 0, &out, &err) < 0) {
		applet_failf("failed to execute template: %s", err.msg);
		return 1;
	}
	out.len = 0;
	if (store_open(&s, STORE_READ, &err) < 0 ||
	    (rc = filters_resolve(&s, &o)) ||
	    (broken = container_list(&s, &list, &n, &bad)) < 0)
		return rc ? rc : ps_fail(broken < 0 ? &bad : &err);
	if (n && !(e = calloc(2 * n, sizeof(*e))))
		return applet_failf("out of memory");
	for (size_t i = 0; i < n; i++) {
		e[i].c = &list[i];
		if (rfc3339_parse_ns(list[i].created, &e[i].sec, &e[i].nsec) < 0)
			e[i].sec = e[i].nsec = 0;
	}
	entries_sort(e, e + n, n);
	if (o.table) {
		tv_reset(&t);
		ctr_ps_header(&t);
		if (tmpl_exec(tp, &t, TMPL_HEADER, &out, &err) == 0)
			tbuf_put(&out, "\n", 1);
	}
	rc = render(&s, &o, e, n, tp, &out, &err);
	if (rc == 0 && out.oom)
		rc = err_set(&err, ENOMEM, "output");
	if (rc == 0 && out.len && (o.table ? table_align(out.p, out.len, stdout) :
				    (fwrite(out.p, 1, out.len, stdout) != out.len ||
				     fflush(stdout))) < 0)
		rc = err_set(&err, 0, "write: output error");
	if (rc < 0)
		ps_fail(&err);
	/* One container's state unreadable: the others are listed, and that
	 * is said. */
	if (broken > 0)
		ps_fail(&bad);
	tbuf_free(&out);
	tv_free(&t);
	tmpl_free(tp);
	free(e);
	free(o.format);
	free(o.ancestors);
	container_list_free(list, n);
	store_close(&s);
	return rc < 0 || broken > 0 ? 1 : 0;
}
