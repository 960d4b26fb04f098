/* md-inspect: a container's or an image's state, as INI, one key's value,
 * or a Go template over Docker's inspect document. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "container.h"
#include "ctrview.h"
#include "ini.h"
#include "ref.h"
#include "store.h"
#include "template.h"

const char inspect_usage[] =
"Usage: md-inspect [OPTIONS] NAME|ID [NAME|ID...]\n"
"\n"
"Print what md knows of a container or an image as INI (key = value\n"
"lines). A container is named by its name, its ID or a unique ID prefix;\n"
"an image by name[:tag], its ID or a unique ID prefix. A name of both is\n"
"the container's, as in Docker.\n"
"\n"
"Options:\n"
"  -f, --format KEY|TEMPLATE  Print only the value of KEY (one line per\n"
"                             value), or a Go template over Docker's\n"
"                             inspect document ({{.State.Pid}}, {{json .}})\n"
"      --type container|image Only look for that kind of object\n"
"      --root DIR             State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help                 Print this help\n";

enum { O_TYPE = 0x100 };
enum { ANY, CONTAINER, IMAGE };

struct inspect {
	const char *key;	/* -f KEY, or NULL */
	struct tmpl *tp;	/* -f TEMPLATE, or NULL */
	struct ini_out out;	/* the object's INI */
	int found;
};

static int failed(const struct md_err *err)
{
	/* Docker's CLI exits 1 for what is not a usage error */
	applet_fail(err);
	return 1;
}

/* -f KEY: its values, from the object's INI. */
static int key_value(void *user, const char *section, const char *key,
		     const char *value, struct md_err *err)
{
	struct inspect *in = user;

	if (!strcmp(in->key, key)) {
		fputs(value, stdout);
		fputc('\n', stdout);
		in->found = 1;
	}
	return 0;
}

static int image_key(void *user, const char *section, const char *key,
		     const char *value, struct md_err *err)
{
	ini_kv(user, key, value);
	return 0;
}

/* An image's INI: its tags, then images/HEX.ini. */
static int image_ini(struct store *s, const char *id, struct ini_out *o,
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
		ini_kv(o, "repo_tag", name);
	}
	free(refs);
	return store_image_read(s, id, image_key, o, err);
}

/* containers/ID/container.log, if it has one (md-run -d's). */
static void log_path(struct store *s, const struct container *c, char *out,
		     size_t outlen)
{
	container_path(s, c->id, "container.log", out, outlen);
	if (access(out, F_OK) < 0)
		out[0] = 0;
}

/* A container's INI: its state, and what md has no state for yet. */
static void container_ini(struct store *s, const struct container *c,
			  struct ini_out *o)
{
	char path[PATH_MAX];

	container_state_ini(c, o);
	log_path(s, c, path, sizeof(path));
	ini_kv(o, "log_path", path);
}

/* ---- Docker's document of an image, for templates ---- */

struct kv {
	char **k, **v;
	size_t n, cap;
	int oom;
};

static int kv_add(void *user, const char *section, const char *key,
		  const char *value, struct md_err *err)
{
	struct kv *l = user;

	if (l->n == l->cap) {
		size_t cap = l->cap * 2 + 16;
		char **k = realloc(l->k, cap * sizeof(*k)), **v;
		if (k)
			l->k = k;
		if (!k || !(v = realloc(l->v, cap * sizeof(*v))))
			return l->oom = 1, 0;
		l->v = v;
		l->cap = cap;
	}
	l->k[l->n] = strdup(key);
	l->v[l->n] = strdup(value);
	if (!l->k[l->n] || !l->v[l->n]) {
		free(l->k[l->n]);
		free(l->v[l->n]);
		return l->oom = 1, 0;
	}
	l->n++;
	return 0;
}

static const char *kv_get(const struct kv *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->k[i], key))
			return l->v[i];
	return "";
}

/* Every value of key, as strings of a list. */
static void kv_list(struct tv *t, const char *name, const struct kv *l,
		    const char *key)
{
	tv_list(t, name);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->k[i], key))
			tv_str(t, NULL, l->v[i]);
	tv_end(t);
}

static void image_doc(struct tv *t, const struct kv *l)
{
	const char *digest = kv_get(l, "digest");

	tv_map(t, NULL, 0);
	tv_str(t, "Id", kv_get(l, "id"));
	kv_list(t, "RepoTags", l, "repo_tag");
	tv_list(t, "RepoDigests");
	for (size_t i = 0; digest[0] && i < l->n; i++)
		if (!strcmp(l->k[i], "repo_tag")) {
			char rd[REF_STR_MAX + 80];
			snprintf(rd, sizeof(rd), "%.*s@%s",
				 (int)strcspn(l->v[i], ":"), l->v[i], digest);
			tv_str(t, NULL, rd);
		}
	tv_end(t);
	tv_str(t, "Created", kv_get(l, "created"));
	tv_str(t, "Author", kv_get(l, "author"));
	tv_map(t, "Config", 0);
	tv_str(t, "User", kv_get(l, "user"));
	kv_list(t, "Env", l, "env");
	tv_json(t, "Cmd", kv_get(l, "cmd")[0] ? kv_get(l, "cmd") : "null");
	tv_json(t, "Entrypoint", kv_get(l, "entrypoint")[0] ?
		kv_get(l, "entrypoint") : "null");
	tv_str(t, "WorkingDir", kv_get(l, "workdir"));
	if (kv_get(l, "stop_signal")[0])
		tv_str(t, "StopSignal", kv_get(l, "stop_signal"));
	tv_end(t);
	tv_str(t, "Architecture", kv_get(l, "architecture"));
	if (kv_get(l, "variant")[0])
		tv_str(t, "Variant", kv_get(l, "variant"));
	tv_str(t, "Os", kv_get(l, "os"));
	tv_int(t, "Size", strtoll(kv_get(l, "size"), NULL, 10));
	tv_map(t, "RootFS", 0);
	tv_str(t, "Type", "layers");
	kv_list(t, "Layers", l, "layer");
	tv_end(t);
	tv_end(t);
}

/* -f TEMPLATE over the object's document; its INI (o) for an image. */
static int print_template(struct inspect *in, struct store *s,
			  const struct container *c, struct ini_out *o,
			  struct md_err *err)
{
	char path[PATH_MAX];
	struct tv t = { 0 };
	struct tbuf out = { 0 };
	struct kv l = { 0 };
	int r;

	if (c) {
		log_path(s, c, path, sizeof(path));
		ctr_inspect_doc(&t, c, path);
	} else {
		ini_parse_buf(o->buf, o->len, "image", 0, kv_add, &l, err);
		image_doc(&t, &l);
		for (size_t i = 0; i < l.n; i++) {
			free(l.k[i]);
			free(l.v[i]);
		}
		free(l.k);
		free(l.v);
	}
	if ((r = l.oom ? err_set(err, ENOMEM, "inspect") :
		 tmpl_exec(in->tp, &t, 0, &out, err)) == 0) {
		tbuf_put(&out, "\n", 1);
		fwrite(out.p, 1, out.len, stdout);
	}
	tbuf_free(&out);
	tv_free(&t);
	return r;
}

/* One object: 0, or the exit code (said). */
static int inspect_one(struct store *s, struct inspect *in, int type,
		       const char *arg, int first)
{
	struct container c = { 0 };
	char id[DIGEST_LEN + 1];
	struct md_err err;
	int is_ctr = 0, r;

	ini_out_free(&in->out);
	if (type != IMAGE) {
		if (container_lookup(s, arg, &c, &err) == 0)
			is_ctr = 1;
		else if (err.errnum != ENOENT)
			return failed(&err);
	}
	if (!is_ctr && (type == CONTAINER || store_lookup(s, arg, id, &err) < 0)) {
		/* (an ambiguous ID prefix is said as it is) */
		if (type != CONTAINER && err.errnum != ENOENT &&
		    strncmp(err.msg, "invalid reference", 17))
			return failed(&err);
		err_set(&err, 0, "No such %s: %s", type == CONTAINER ? "container" :
			type == IMAGE ? "image" : "object", arg);
		return failed(&err);
	}
	if (is_ctr)
		container_ini(s, &c, &in->out);
	else if (image_ini(s, id, &in->out, &err) < 0)
		return failed(&err);
	if (in->out.oom) {
		container_free(&c);
		return applet_failf("out of memory");
	}
	if (in->tp) {
		r = print_template(in, s, is_ctr ? &c : NULL, &in->out, &err);
	} else if (in->key) {
		in->found = 0;
		r = ini_parse_buf(in->out.buf, in->out.len, arg, 0, key_value, in,
				  &err);
		if (r == 0 && !in->found)
			r = err_set(&err, 0, "%s: no key %s", arg, in->key);
	} else {
		if (!first)
			fputc('\n', stdout);
		fwrite(in->out.buf, 1, in->out.len, stdout);
		r = 0;
	}
	container_free(&c);
	return r < 0 ? failed(&err) : 0;
}

int inspect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, 0, 'f' },
		{ "type", required_argument, 0, O_TYPE },
		APPLET_LONGOPTS, { 0 } };
	struct inspect in = { 0 };
	struct store s;
	struct md_err err;
	int c, ret = 0, type = ANY;

	while ((c = applet_getopt(argc, argv, "f:h", opts)) != -1) {
		if (c == 'f')
			in.key = optarg;
		else if (c == O_TYPE && !strcmp(optarg, "container"))
			type = CONTAINER;
		else if (c == O_TYPE && !strcmp(optarg, "image"))
			type = IMAGE;
		else if (c == O_TYPE)
			return applet_usage_error("\"%s\" is not a valid value for "
						  "--type", optarg);
	}
	if (optind == argc)
		return applet_usage_error("requires at least 1 argument");
	/* A template where Docker's users write one (as is: docker inspect
	 * leaves "\t" alone); else a key. */
	if (in.key && strstr(in.key, "{{")) {
		if (!(in.tp = tmpl_parse(in.key, &err))) {
			applet_failf("template parsing error: %s", err.msg);
			return 1;
		}
		in.key = NULL;
	}
	if (store_open(&s, STORE_READ, &err) < 0)
		return failed(&err);
	for (int i = optind; i < argc; i++) {
		fflush(stdout);
		if ((c = inspect_one(&s, &in, type, argv[i], i == optind)))
			ret = c;
	}
	fflush(stdout);
	ini_out_free(&in.out);
	tmpl_free(in.tp);
	store_close(&s);
	return ret;
}
