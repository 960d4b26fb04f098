/* Loading image archives.
 *
 * The archive is read once, as a stream (it may be a pipe): each regular
 * file is either kept in memory, if it is small and looks like JSON, or
 * unpacked on the fly into a staging layer. Nothing is known to be a
 * layer until the manifests, which may come last, are read; staged
 * layers the manifests do not use are dropped at the end, and a small
 * member that turns out to be a layer is unpacked from memory then. */
#include "archive.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "json.h"
#include "ref.h"
#include "sha256.h"
#include "tar.h"
#include "unpack.h"
#include "util.h"

#define MEMBER_JSON_MAX (4 << 20)
#define BUFFERED_MAX (64 << 20)
#define MEMBERS_MAX 100000

struct member {
	char *path;		/* cleaned */
	char *alias;		/* a link: the cleaned path it points to */
	char *data;		/* buffered contents */
	size_t len;
	struct layer_sink *sink;
	char *error;		/* why it is not a usable layer */
	int committed;
	char digest[SHA256_STR_LEN], diff_id[SHA256_STR_LEN];
};

struct loader {
	struct store *s;
	const char *what;
	struct tar tar;
	struct member *m;
	size_t n, cap, buffered;
	struct member *cur;	/* receiving data */
	uint64_t cur_size;
	int decided;
	struct sha256 hash;	/* of a buffered member */
	archive_report_fn report;
	void *user;
};

static int on_entry(void *user, const struct tar_entry *e, struct md_err *err)
{
	struct loader *l = user;
	struct member *m;
	char path[PATH_MAX];

	l->cur = NULL;
	if (e->type != TAR_REG && e->type != TAR_SYMLINK && e->type != TAR_LINK)
		return 0;	/* directories and the like carry nothing */
	if (unpack_clean_path(e->path, path, sizeof(path)) < 0)
		return err_set(err, 0, "%s: bad member name %.200s", l->what,
			       e->path);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct member *nm;
		if (cap > MEMBERS_MAX)
			return err_set(err, 0, "%s: too many members", l->what);
		nm = realloc(l->m, cap * sizeof(*nm));
		if (!nm)
			return err_set(err, ENOMEM, "%s", l->what);
		l->m = nm;
		l->cap = cap;
	}
	m = &l->m[l->n++];
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return err_set(err, ENOMEM, "%s", l->what);
	if (e->type != TAR_REG) {
		char target[PATH_MAX * 2];
		const char *slash = strrchr(path, '/');
		/* A symlink is relative to its directory, a hardlink to the
		 * archive's root. */
		if (e->type == TAR_SYMLINK && slash && e->linkname[0] != '/')
			snprintf(target, sizeof(target), "%.*s/%s",
				 (int)(slash - path), path, e->linkname);
		else
			snprintf(target, sizeof(target), "%s", e->linkname);
		m->alias = malloc(PATH_MAX);
		if (!m->alias)
			return err_set(err, ENOMEM, "%s", l->what);
		if (unpack_clean_path(target, m->alias, PATH_MAX) < 0)
			m->alias[0] = 0;	/* dangles: unusable */
		return 0;
	}
	l->cur = m;
	l->cur_size = e->size;
	l->decided = 0;
	return 0;
}

static void member_fail(struct member *m, const struct md_err *why)
{
	layer_sink_free(m->sink);
	m->sink = NULL;
	free(m->error);
	m->error = strdup(why->msg);
}

/* The first bytes of a member decide where the rest goes. */
static int member_decide(struct loader *l, struct member *m, int first,
			 struct md_err *err)
{
	l->decided = 1;
	if (l->cur_size <= MEMBER_JSON_MAX && (first == '{' || first == '[')) {
		if (l->buffered + l->cur_size > BUFFERED_MAX)
			return err_set(err, 0, "%s: too much metadata", l->what);
		m->data = malloc(l->cur_size + 1);
		if (!m->data)
			return err_set(err, ENOMEM, "%s", l->what);
		l->buffered += l->cur_size;
		sha256_init(&l->hash);
		return 0;
	}
	m->sink = layer_sink_new(l->s, err);
	return m->sink ? 0 : -1;
}

static int on_data(void *user, const void *buf, size_t len, struct md_err *err)
{
	struct loader *l = user;
	struct member *m = l->cur;
	struct md_err why;

	if (!m || m->error)
		return 0;
	if (!l->decided && member_decide(l, m, *(const char *)buf, err) < 0)
		return -1;
	if (m->data) {
		memcpy(m->data + m->len, buf, len);
		m->len += len;
		sha256_update(&l->hash, buf, len);
	} else if (layer_sink_write(m->sink, buf, len, &why) < 0) {
		member_fail(m, &why);
	}
	return 0;
}

static int on_entry_end(void *user, struct md_err *err)
{
	struct loader *l = user;
	struct member *m = l->cur;
	struct md_err why;

	l->cur = NULL;
	if (!m || m->error)
		return 0;
	if (!l->decided) {	/* an empty member */
		m->data = malloc(1);
		if (!m->data)
			return err_set(err, ENOMEM, "%s", l->what);
		sha256_init(&l->hash);
	}
	if (m->data) {
		m->data[m->len] = 0;
		sha256_final_str(&l->hash, m->digest);
	} else if (layer_sink_end(m->sink, m->digest, m->diff_id, &why) < 0) {
		member_fail(m, &why);
	}
	return 0;
}

static const struct tar_ops loader_ops = { on_entry, on_data, on_entry_end };

static struct member *member_find(struct loader *l, const char *path)
{
	char clean[PATH_MAX];

	if (unpack_clean_path(path, clean, sizeof(clean)) < 0)
		return NULL;
	for (int hops = 0; hops < 8; hops++) {
		struct member *m = NULL;
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->m[i].path, clean))
				m = &l->m[i];	/* the last one wins, as in tar */
		if (!m || !m->alias)
			return m;
		snprintf(clean, sizeof(clean), "%s", m->alias);
	}
	return NULL;
}

static struct json *member_json(struct loader *l, const char *path,
				struct md_err *err)
{
	struct member *m = member_find(l, path);

	if (!m || !m->data) {
		err_set(err, 0, "%s: %s is missing", l->what, path);
		return NULL;
	}
	return json_parse(m->data, m->len, path, err);
}

/* Makes member m the layer diff_id (checking the blob digest too if
 * want_digest). */
static int member_commit(struct loader *l, struct member *m,
			 const char *want_digest, const char *diff_id,
			 struct md_err *err)
{
	char got[SHA256_STR_LEN];

	if (m->error)
		return err_set(err, 0, "%s: layer %s: %s", l->what, m->path,
			       m->error);
	if (want_digest && strcmp(m->digest, want_digest))
		return err_set(err, 0, "%s: blob %s: digest mismatch: got %s",
			       l->what, want_digest, m->digest);
	if (m->committed) {
		if (strcmp(m->diff_id, diff_id))
			return err_set(err, 0, "%s: layer %s: diff_id mismatch: "
				       "got %s, want %s", l->what, m->path,
				       m->diff_id, diff_id);
		return 0;
	}
	if (m->data) {	/* small enough to have been kept in memory */
		m->sink = layer_sink_new(l->s, err);
		if (!m->sink || layer_sink_write(m->sink, m->data, m->len, err) < 0)
			return err_wrap(err, "%s: layer %s", l->what, m->path);
	}
	if (layer_sink_commit(m->sink, NULL, diff_id, got, err) < 0)
		return err_wrap(err, "%s: layer %s", l->what, m->path);
	strcpy(m->diff_id, got);
	m->committed = 1;
	return 0;
}

static int commit_image(struct loader *l, struct member *config,
			const char *const *layer_paths,
			const char *const *layer_digests, size_t nlayers,
			const char *manifest_digest, const char **tags,
			size_t ntags, struct md_err *err)
{
	struct image_info info;
	char id[SHA256_STR_LEN];
	int ret = -1;

	if (!config || !config->data)
		return err_set(err, 0, "%s: image config is missing", l->what);
	if (image_info_parse(config->data, config->len, &info, err) < 0) {
		err_wrap(err, "%s: %s", l->what, config->path);
		goto out;
	}
	if (info.nlayers != nlayers) {
		err_set(err, 0, "%s: %s: %zu layers in the manifest, %zu in the "
			"config", l->what, config->path, nlayers, info.nlayers);
		goto out;
	}
	for (size_t i = 0; i < nlayers; i++) {
		struct member *m = member_find(l, layer_paths[i]);
		if (!m) {
			err_set(err, 0, "%s: layer %s is missing", l->what,
				layer_paths[i]);
			goto out;
		}
		if (member_commit(l, m, layer_digests ? layer_digests[i] : NULL,
				  info.layers[i], err) < 0)
			goto out;
	}
	if (store_image_commit(l->s, config->data, config->len, manifest_digest,
			       tags, ntags, id, err) < 0)
		goto out;
	for (size_t i = 0; i < ntags; i++) {
		struct ref r;
		char name[REF_STR_MAX];
		if (ref_parse(tags[i], &r, err) == 0) {
			ref_format_familiar(&r, name, sizeof(name));
			l->report(l->user, "", name);
		}
	}
	if (!ntags)
		l->report(l->user, " ID", id);
	ret = 0;
out:
	image_info_free(&info);
	return ret;
}

/* Canonical forms of tags; fails on one that is not a reference. */
static int canonical_tags(struct loader *l, const char **in, size_t n,
			  char (*out)[REF_STR_MAX], struct md_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct ref r;
		if (!in[i] || ref_parse(in[i], &r, err) < 0)
			return err_wrap(err, "%s: tag", l->what);
		ref_format_full(&r, out[i], REF_STR_MAX);
		in[i] = out[i];
	}
	return 0;
}

/* manifest.json: [{"Config": PATH, "RepoTags": [...], "Layers": [PATH]}] */
static int load_docker(struct loader *l, struct md_err *err)
{
	struct json *doc = member_json(l, "manifest.json", err);
	int ret = -1;

	if (!doc)
		return -1;
	if (json_type(doc) != JSON_ARRAY || !json_len(doc)) {
		err_set(err, 0, "%s: manifest.json: not a list of images", l->what);
		goto out;
	}
	for (size_t i = 0; i < json_len(doc); i++) {
		const struct json *img = json_at(doc, i);
		const struct json *tags = json_get(img, "RepoTags");
		const struct json *layers = json_get(img, "Layers");
		const char *cfg = json_get_str(img, "Config");
		size_t nl = json_len(layers), nt = json_len(tags);
		const char **paths = calloc(nl + 1, sizeof(char *));
		const char **tagv = calloc(nt + 1, sizeof(char *));
		char (*canon)[REF_STR_MAX] = calloc(nt + 1, REF_STR_MAX);
		int r = -1;

		if (!paths || !tagv || !canon)
			err_set(err, ENOMEM, "%s", l->what);
		else if (!cfg || json_type(layers) != JSON_ARRAY)
			err_set(err, 0, "%s: manifest.json: image %zu has no "
				"Config or Layers", l->what, i);
		else {
			r = 0;
			for (size_t k = 0; k < nl; k++)
				if (!(paths[k] = json_str(json_at(layers, k))))
					r = err_set(err, 0, "%s: manifest.json: "
						    "bad layer", l->what);
			for (size_t k = 0; k < nt; k++)
				tagv[k] = json_str(json_at(tags, k));
			if (!r)
				r = canonical_tags(l, tagv, nt, canon, err);
			if (!r)
				r = commit_image(l, member_find(l, cfg), paths,
						 NULL, nl, NULL, tagv, nt, err);
		}
		free(paths);
		free(tagv);
		free(canon);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	json_free(doc);
	return ret;
}

static struct member *blob_member(struct loader *l, const char *digest,
				  struct md_err *err)
{
	char path[96];
	struct member *m;

	if (!digest || strncmp(digest, "sha256:", 7) || !is_hex(digest + 7, 64)) {
		err_set(err, 0, "%s: bad digest %s", l->what,
			digest ? digest : "(none)");
		return NULL;
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	m = member_find(l, path);
	if (!m)
		err_set(err, 0, "%s: blob %s is missing", l->what, digest);
	return m;
}

static int load_oci_manifest(struct loader *l, const char *digest,
			     const char *name, struct md_err *err)
{
	struct member *mm = blob_member(l, digest, err), *cfg;
	struct json *doc = NULL;
	const struct json *layers;
	const char **paths = NULL, **digests = NULL, *tagv[1] = { name };
	char (*pathbuf)[96] = NULL, canon[1][REF_STR_MAX];
	size_t nl;
	int ret = -1;

	if (!mm)
		return -1;
	if (!mm->data || strcmp(mm->digest, digest))
		return err_set(err, 0, "%s: manifest %s: digest mismatch",
			       l->what, digest);
	doc = json_parse(mm->data, mm->len, digest, err);
	if (!doc)
		return err_wrap(err, "%s: manifest", l->what);
	layers = json_get(doc, "layers");
	cfg = blob_member(l, json_get_str(json_get(doc, "config"), "digest"), err);
	if (!cfg || json_type(layers) != JSON_ARRAY)
		goto out;
	if (strcmp(cfg->digest, json_get_str(json_get(doc, "config"), "digest"))) {
		err_set(err, 0, "%s: config of %s: digest mismatch", l->what,
			digest);
		goto out;
	}
	nl = json_len(layers);
	paths = calloc(nl + 1, sizeof(*paths));
	digests = calloc(nl + 1, sizeof(*digests));
	pathbuf = calloc(nl + 1, sizeof(*pathbuf));
	if (!paths || !digests || !pathbuf) {
		err_set(err, ENOMEM, "%s", l->what);
		goto out;
	}
	for (size_t i = 0; i < nl; i++) {
		const struct json *d = json_at(layers, i);
		const char *mt = json_get_str(d, "mediaType");
		digests[i] = json_get_str(d, "digest");
		if (mt && strstr(mt, "zstd")) {
			err_set(err, 0, "%s: layer %s: zstd-compressed layers "
				"are not supported", l->what, digests[i]);
			goto out;
		}
		if (!blob_member(l, digests[i], err))
			goto out;
		snprintf(pathbuf[i], sizeof(pathbuf[i]), "blobs/sha256/%s",
			 digests[i] + 7);
		paths[i] = pathbuf[i];
	}
	if (name && canonical_tags(l, tagv, 1, canon, err) < 0)
		goto out;
	ret = commit_image(l, cfg, paths, digests, nl, digest, tagv,
			   name ? 1 : 0, err);
out:
	free(paths);
	free(digests);
	free(pathbuf);
	json_free(doc);
	return ret;
}

static int is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution."
				  "manifest.list.v2+json"));
}

static int platform_ok(const struct json *desc)
{
	const struct json *p = json_get(desc, "platform");
	const char *os = json_get_str(p, "os"), *arch = json_get_str(p, "architecture");

	return !p || ((!os || !strcmp(os, "linux")) &&
		      (!arch || !strcmp(arch, image_host_arch())));
}

/* The tag an OCI layout gives a manifest: a full reference, or nothing
 * when the annotation holds a bare tag (no repository to put it on). */
static const char *oci_name(const struct json *desc)
{
	const struct json *a = json_get(desc, "annotations");
	const char *n = json_get_str(a, "io.containerd.image.name");

	if (n)
		return n;
	n = json_get_str(a, "org.opencontainers.image.ref.name");
	return n && (strchr(n, ':') || strchr(n, '/')) ? n : NULL;
}

static int load_oci_index(struct loader *l, const struct json *idx,
			  const char *name, int depth, struct md_err *err)
{
	const struct json *ms = json_get(idx, "manifests");
	size_t loaded = 0;

	if (depth > 4 || json_type(ms) != JSON_ARRAY)
		return err_set(err, 0, "%s: bad image index", l->what);
	for (size_t i = 0; i < json_len(ms); i++) {
		const struct json *d = json_at(ms, i);
		const char *digest = json_get_str(d, "digest");
		const char *n = oci_name(d) ? oci_name(d) : name;
		int r;

		if (!platform_ok(d))
			continue;
		if (is_index_type(json_get_str(d, "mediaType"))) {
			struct member *m = blob_member(l, digest, err);
			struct json *sub;
			if (!m || !m->data || strcmp(m->digest, digest))
				return m ? err_set(err, 0, "%s: index %s: digest "
						   "mismatch", l->what, digest) : -1;
			sub = json_parse(m->data, m->len, digest, err);
			if (!sub)
				return -1;
			r = load_oci_index(l, sub, n, depth + 1, err);
			json_free(sub);
		} else {
			r = load_oci_manifest(l, digest, n, err);
		}
		if (r < 0)
			return -1;
		loaded++;
	}
	if (!loaded)
		return err_set(err, 0, "%s: no image for linux/%s", l->what,
			       image_host_arch());
	return 0;
}

static int load_oci(struct loader *l, struct md_err *err)
{
	struct json *idx = member_json(l, "index.json", err);
	int ret;

	if (!idx)
		return -1;
	ret = load_oci_index(l, idx, NULL, 0, err);
	json_free(idx);
	return ret;
}

static int tar_bytes(void *user, const void *buf, size_t len,
		     struct md_err *err)
{
	return tar_feed(user, buf, len, err);
}

static int read_archive(struct loader *l, int fd, struct md_err *err)
{
	if (fd_stream(fd, tar_bytes, &l->tar, l->what, err) < 0)
		return -1;
	if (tar_finish(&l->tar, err) < 0)
		return err_wrap(err, "%s", l->what);
	return 0;
}

int archive_load(struct store *s, int fd, const char *what,
		 archive_report_fn fn, void *user, struct md_err *err)
{
	struct loader l = { .s = s, .what = what, .report = fn, .user = user };
	int ret;

	tar_init(&l.tar, &loader_ops, &l);
	ret = read_archive(&l, fd, err);
	if (!ret) {
		if (member_find(&l, "manifest.json"))
			ret = load_docker(&l, err);
		else if (member_find(&l, "index.json"))
			ret = load_oci(&l, err);
		else
			ret = err_set(err, 0, "%s: neither a docker save archive "
				      "nor an OCI layout (no manifest.json or "
				      "index.json)", what);
	}
	tar_free(&l.tar);
	for (size_t i = 0; i < l.n; i++) {
		layer_sink_free(l.m[i].sink);
		free(l.m[i].path);
		free(l.m[i].alias);
		free(l.m[i].data);
		free(l.m[i].error);
	}
	free(l.m);
	return ret;
}
