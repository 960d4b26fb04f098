/* md-pull's engine (see pull.h). */
#include "pull.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "json.h"
#include "lock.h"
#include "ref.h"
#include "registry.h"


struct platform {
	char os[32], arch[32], variant[32];
};

static int platform_parse(const char *s, struct platform *p, struct md_err *err)
{
	memset(p, 0, sizeof(*p));
	if (!s) {
		strcpy(p->os, "linux");
		strcpy(p->arch, image_host_arch());
		return 0;
	}
	if (sscanf(s, "%31[^/]/%31[^/]/%31s", p->os, p->arch, p->variant) < 2)
		return err_set(err, 0, "invalid platform %s: want OS/ARCH[/VARIANT]",
			       s);
	return 0;
}

static int is_type(const char *t, const char *a, const char *b)
{
	return !strcmp(t, a) || !strcmp(t, b);
}

#define T_INDEX "application/vnd.oci.image.index.v1+json"
#define T_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define T_OCI "application/vnd.oci.image.manifest.v1+json"
#define T_V2 "application/vnd.docker.distribution.manifest.v2+json"

/* What a manifest document is: 'i' index, 'm' image manifest. The
 * Content-Type and the document must agree; schema 1 is refused. */
static int doc_kind(const struct manifest_doc *m, const struct json *doc,
		    const char *what, struct md_err *err)
{
	const struct json *ms = json_get(doc, "manifests");
	const struct json *ls = json_get(doc, "layers");
	const char *mt = json_get_str(doc, "mediaType");
	int64_t sv = 0;
	int kind;

	json_int(json_get(doc, "schemaVersion"), &sv);
	if (sv == 1 || strstr(m->type, "docker.distribution.manifest.v1"))
		return err_set(err, 0, "%s: unsupported manifest format: Docker "
			       "image manifest schema 1", what);
	if (json_type(doc) != JSON_OBJECT || sv != 2)
		return err_set(err, 0, "%s: not an image manifest", what);
	if (ms && ls)
		return err_set(err, 0, "%s: ambiguous manifest: both manifests "
			       "and layers", what);
	if (!ms && !ls)
		return err_set(err, 0, "%s: neither an index nor a manifest", what);
	kind = ms ? 'i' : 'm';
	/* A type that is stated must match what the document is. */
	for (int i = 0; i < 2; i++) {
		const char *t = i ? mt : m->type;
		if (!t || !*t || !strncmp(t, "application/json", 16) ||
		    !strcmp(t, "text/plain"))
			continue;
		if (kind == 'i' ? !is_type(t, T_INDEX, T_LIST) : !is_type(t, T_OCI, T_V2))
			return err_set(err, 0, "%s: media type %s does not match "
				       "the document", what, t);
	}
	return kind;
}

/* Picks the platform's manifest digest from an index. */
static int pick_platform(const struct json *doc, const struct platform *want,
			 char *digest, const char *what, struct md_err *err)
{
	const struct json *ms = json_get(doc, "manifests");
	char avail[400] = "";
	size_t al = 0;

	for (size_t i = 0; i < json_len(ms); i++) {
		const struct json *d = json_at(ms, i), *p = json_get(d, "platform");
		const char *os = json_get_str(p, "os"), *arch = json_get_str(p, "architecture");
		const char *var = json_get_str(p, "variant"), *dg = json_get_str(d, "digest");
		if (!os || !arch || !dg)
			continue;
		if (!strcmp(os, want->os) && !strcmp(arch, want->arch) &&
		    (!want->variant[0] || (var && !strcmp(var, want->variant)))) {
			snprintf(digest, 72, "%s", dg);
			return 0;
		}
		if (al < sizeof(avail))
			al += snprintf(avail + al, sizeof(avail) - al, "%s%s/%s%s%s",
				       al ? ", " : "", os, arch, var ? "/" : "",
				       var ? var : "");
	}
	return err_set(err, 0, "%s: no matching manifest for %s/%s%s%s in the "
		       "manifest list entries (available: %s)", what, want->os,
		       want->arch, want->variant[0] ? "/" : "", want->variant,
		       avail[0] ? avail : "none");
}

struct job {
	struct pull_layer *layer;
	const char *diff_id;
};

struct puller {
	struct store *s;
	struct registry *reg;
	const struct pull_opts *o;
	struct pull_layer *layers;
	size_t nlayers;
	struct job *jobs;
	size_t njobs, next;
	pthread_mutex_t mu;
	int failed;
	int mirror_left;	/* said so already */
	struct md_err err;	/* the first failure */
};

static void report(struct puller *p)
{
	if (p->o->progress)
		p->o->progress(p->o->user, p->layers, p->nlayers);
}

/* Each worker's session may leave a failing mirror: one line says so. */
static void mirror_left(void *user, const char *msg)
{
	struct puller *p = user;

	pthread_mutex_lock(&p->mu);
	if (!p->mirror_left++ && p->o->notice)
		p->o->notice(p->o->user, msg);
	pthread_mutex_unlock(&p->mu);
}

struct feed {
	struct puller *p;
	struct pull_layer *layer;
	struct layer_sink *sink;
};

static int feed_layer(void *user, const void *buf, size_t len,
		      struct md_err *err)
{
	struct feed *f = user;
	int failed;

	if (layer_sink_write(f->sink, buf, len, err) < 0)
		return -1;
	pthread_mutex_lock(&f->p->mu);
	f->layer->done += len;
	failed = f->p->failed;
	report(f->p);
	pthread_mutex_unlock(&f->p->mu);
	if (failed)
		return err_set(err, ECANCELED, "pull");
	return 0;
}

static int pull_layer(struct puller *p, struct registry *reg,
		      const struct job *j, struct md_err *err)
{
	struct feed f = { p, j->layer, NULL };
	char lockname[100], got[72];
	cleanup_close int lock = -1;
	int ret = -1;

	/* One process downloads a layer; another waits and reuses it. */
	snprintf(lockname, sizeof(lockname), "tmp/pull-%.64s.lock", j->diff_id + 7);
	lock = lock_at(p->s->fd, lockname, LOCK_EX, err);
	if (lock < 0)
		return -1;
	pthread_mutex_lock(&p->mu);
	j->layer->state = store_layer_exists(p->s, j->diff_id) ? PULL_EXISTS :
		PULL_DOWNLOADING;
	report(p);
	pthread_mutex_unlock(&p->mu);
	if (j->layer->state == PULL_EXISTS)
		return 0;
	f.sink = layer_sink_new(p->s, err);
	if (!f.sink)
		return -1;
	if (registry_blob_stream(reg, j->layer->digest, j->layer->size,
				 feed_layer, &f, err) < 0 ||
	    layer_sink_commit(f.sink, j->layer->digest, j->diff_id, got, err) < 0)
		goto out;
	pthread_mutex_lock(&p->mu);
	j->layer->state = PULL_DONE;
	report(p);
	pthread_mutex_unlock(&p->mu);
	ret = 0;
out:
	layer_sink_free(f.sink);
	unlinkat(p->s->fd, lockname, 0);
	return ret;
}

static void *worker(void *arg)
{
	struct puller *p = arg;
	struct registry reg;
	struct md_err err;

	registry_clone(&reg, p->reg);
	pthread_setname_np(pthread_self(), "md-fetch");
	layer_feeder_priority();
	/* The first worker takes the connection the manifest came over:
	 * one TLS handshake fewer before the first layer. p->reg is the
	 * workers' alone while pull_layers waits for them. */
	pthread_mutex_lock(&p->mu);
	http_client_take_idle(&reg.hc, &p->reg->hc);
	pthread_mutex_unlock(&p->mu);
	for (;;) {
		struct job *j = NULL;
		int left;
		pthread_mutex_lock(&p->mu);
		if (!p->failed && p->next < p->njobs)
			j = &p->jobs[p->next++];
		left = p->mirror_left;
		pthread_mutex_unlock(&p->mu);
		if (left)	/* another worker found the mirror failing */
			registry_drop_mirror(&reg);
		if (!j)
			break;
		if (pull_layer(p, &reg, j, &err) < 0) {
			pthread_mutex_lock(&p->mu);
			/* The first real failure is the one to report, not
			 * another worker's cancellation. */
			if (!p->failed || (p->err.errnum == ECANCELED &&
					   err.errnum != ECANCELED))
				p->err = err;
			p->failed = 1;
			pthread_mutex_unlock(&p->mu);
		}
	}
	registry_close(&reg);
	return NULL;
}

static int pull_layers(struct puller *p, struct md_err *err)
{
	pthread_t th[PULL_WORKERS_MAX];
	size_t n = p->o->workers < 1 ? 1 : p->o->workers;

	if (n > PULL_WORKERS_MAX)
		n = PULL_WORKERS_MAX;
	if (n > p->njobs)
		n = p->njobs;
	layer_sink_share(n);
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, p)) {
			n = i;
			p->failed = 1;
			err_set(&p->err, EAGAIN, "pull: thread");
		}
	for (size_t i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (p->failed) {
		*err = p->err;
		return -1;
	}
	return 0;
}

/* Fetches the image manifest (through an index if need be). */
static int get_manifest(struct registry *reg, const struct ref *r,
			const struct platform *plat, struct manifest_doc *m,
			struct json **doc, char *top_digest, struct md_err *err)
{
	char what[REF_STR_MAX + 16], digest[72];
	int kind;

	ref_format_full(r, what, sizeof(what));
	if (registry_manifest(reg, ref_manifest_ref(r), m, err) < 0)
		return -1;
	strcpy(top_digest, m->digest);
	for (int depth = 0; ; depth++) {
		*doc = json_parse(m->body, m->len, "manifest", err);
		if (!*doc)
			return err_wrap(err, "%s", what);
		kind = doc_kind(m, *doc, what, err);
		if (kind < 0)
			return -1;
		if (kind == 'm')
			return 0;
		if (depth > 0)
			return err_set(err, 0, "%s: nested image index", what);
		if (pick_platform(*doc, plat, digest, what, err) < 0)
			return -1;
		json_free(*doc);
		*doc = NULL;
		free(m->body);
		if (registry_manifest(reg, digest, m, err) < 0)
			return -1;
	}
}

int pull_image(struct store *s, const char *refstr, const struct pull_opts *o,
	       char *id, char *digest, struct md_err *err)
{
	struct ref r;
	struct platform plat;
	struct registry reg;
	struct manifest_doc m = { 0 };
	struct json *doc = NULL;
	struct image_info info = { 0 };
	struct puller p = { .s = s, .reg = &reg, .o = o };
	char *config = NULL, full[REF_STR_MAX];
	const struct json *cfg, *ls;
	const char *tag = full;
	size_t cfglen;
	int ret = -1;

	if (ref_parse(refstr, &r, err) < 0 || platform_parse(o->platform, &plat, err) < 0)
		return -1;
	ref_format_full(&r, full, sizeof(full));
	if (registry_open(&reg, &r, s->root, err) < 0)
		return -1;
	pthread_mutex_init(&p.mu, NULL);
	reg.mirror_left = mirror_left;
	reg.user = &p;
	if (get_manifest(&reg, &r, &plat, &m, &doc, digest, err) < 0)
		goto out;
	cfg = json_get(doc, "config");
	ls = json_get(doc, "layers");
	if (!json_get_str(cfg, "digest") || json_type(ls) != JSON_ARRAY) {
		err_set(err, 0, "%s: manifest without config or layers", full);
		goto out;
	}
	if (registry_blob_small(&reg, json_get_str(cfg, "digest"), IMAGE_CONFIG_MAX,
				&config, &cfglen, err) < 0 ||
	    image_info_parse(config, cfglen, &info, err) < 0) {
		err_wrap(err, "%s: config", full);
		goto out;
	}
	p.nlayers = json_len(ls);
	if (p.nlayers != info.nlayers) {
		err_set(err, 0, "%s: %zu layers in the manifest, %zu in the config",
			full, p.nlayers, info.nlayers);
		goto out;
	}
	/* Busy before looking at which layers exist: no md-rmi may collect
	 * one of them between the look and the commit. */
	if (store_import_begin(s, err) < 0)
		goto out;
	p.layers = calloc(p.nlayers + 1, sizeof(*p.layers));
	p.jobs = calloc(p.nlayers + 1, sizeof(*p.jobs));
	if (!p.layers || !p.jobs) {
		err_set(err, ENOMEM, "pull");
		goto out;
	}
	for (size_t i = 0; i < p.nlayers; i++) {
		const struct json *d = json_at(ls, i);
		const char *dg = json_get_str(d, "digest");
		const char *mt = json_get_str(d, "mediaType");
		int64_t size;
		if (!dg || strncmp(dg, "sha256:", 7) || json_int(json_get(d, "size"),
								 &size) < 0 || size < 0) {
			err_set(err, 0, "%s: bad layer descriptor #%zu", full, i);
			goto out;
		}
		if (mt && strstr(mt, "zstd")) {
			err_set(err, 0, "%s: layer %s: zstd-compressed layers are "
				"not supported", full, dg);
			goto out;
		}
		snprintf(p.layers[i].digest, sizeof(p.layers[i].digest), "%s", dg);
		p.layers[i].size = size;
		if (store_layer_exists(s, info.layers[i])) {
			p.layers[i].state = PULL_EXISTS;
			continue;
		}
		p.jobs[p.njobs].layer = &p.layers[i];
		p.jobs[p.njobs++].diff_id = info.layers[i];
	}
	report(&p);
	if (pull_layers(&p, err) < 0)
		goto out;
	if (!r.tag[0])
		tag = full;	/* by digest alone: recorded as repo@digest */
	ret = store_image_commit(s, config, cfglen, digest, &tag, 1, id, err);
out:
	free(p.layers);
	free(p.jobs);
	image_info_free(&info);
	json_free(doc);
	free(m.body);
	free(config);
	registry_close(&reg);
	return ret;
}
