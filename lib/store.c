/* The store's root, its locks, refs.ini and images/HEX.ini, and garbage
 * collection (see store.h for the layout). Layer import is in layer.c. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "ini.h"
#include "lock.h"
#include "ref.h"
#include "util.h"

static char root_override[PATH_MAX];

void store_set_root(const char *dir)
{
	snprintf(root_override, sizeof(root_override), "%s", dir);
}

const char *store_root(void)
{
	const char *env = getenv("MD_ROOT");

	if (root_override[0])
		return root_override;
	return env && *env ? env : STORE_DEFAULT_ROOT;
}

/* Removes what interrupted runs left in tmp/, if no md is importing
 * (busy.lock) and no detached remover of md-run --rm is at work
 * (rm.lock). */
static void store_sweep(struct store *s)
{
	int fd = lock_at(s->fd, "busy.lock", LOCK_EX | LOCK_NB, NULL);
	int rm = fd < 0 ? -1 : lock_at(s->fd, "rm.lock", LOCK_EX | LOCK_NB, NULL);
	DIR *d;
	struct dirent *de;
	int tfd;

	if (rm < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	tfd = openat(s->fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = tfd < 0 ? NULL : fdopendir(tfd);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rm_rf_at(dirfd(d), de->d_name);
	if (d)
		closedir(d);
	close(rm);
	close(fd);
}

int store_open(struct store *s, int mode, struct md_err *err)
{
	static const char *dirs[] = { "blobs", "blobs/sha256", "layers", "l",
				      "images", "tmp" };
	const char *root = store_root();
	char cwd[PATH_MAX];

	s->fd = s->busy = -1;
	/* Absolute: the overlay options and the container's paths are
	 * used from other working directories. */
	if (root[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return err_set(err, errno, "store %s: working directory", root);
	if (snprintf(s->root, sizeof(s->root), "%s%s%s",
		     root[0] == '/' ? "" : cwd, root[0] == '/' ? "" : "/",
		     root) >= (int)sizeof(s->root))
		return err_set(err, ENAMETOOLONG, "store %s", root);
	s->fd = openat(AT_FDCWD, s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->fd < 0 && errno == ENOENT && mode == STORE_WRITE) {
		if (mkdir_p_at(AT_FDCWD, s->root, 0700) < 0)
			return err_set(err, errno, "store %s", s->root);
		s->fd = openat(AT_FDCWD, s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->fd < 0) {
		if (mode == STORE_READ && errno == ENOENT)
			return 0;	/* nothing stored yet */
		return err_set(err, errno, "store %s", s->root);
	}
	if (mode != STORE_WRITE)
		return 0;
	/* tmp/ is made last: if it is there, so are the others. */
	if (faccessat(s->fd, "tmp", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
			if (mkdirat(s->fd, dirs[i], 0700) < 0 && errno != EEXIST)
				return err_set(err, errno, "store %s/%s", s->root,
					       dirs[i]);
	store_sweep(s);
	return 0;
}

int store_import_begin(struct store *s, struct md_err *err)
{
	if (s->busy >= 0)
		return 0;
	s->busy = lock_at(s->fd, "busy.lock", LOCK_SH, err);
	return s->busy < 0 ? -1 : 0;
}

void store_close(struct store *s)
{
	if (s->busy >= 0)
		close(s->busy);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = s->busy = -1;
}

static int meta_lock(struct store *s, struct md_err *err)
{
	return lock_at(s->fd, "meta.lock", LOCK_EX, err);
}

/* refs.ini */

struct refs {
	struct image_ref *v;
	size_t n, cap;
};

static int refs_handler(void *user, const char *section, const char *key,
			const char *value, struct md_err *err)
{
	struct refs *r = user;
	struct image_ref *cur;

	if (!section[0])
		return 0;
	if (!r->n || strcmp(r->v[r->n - 1].name, section)) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct image_ref *nv = realloc(r->v, cap * sizeof(*nv));
			if (!nv)
				return err_set(err, ENOMEM, "refs.ini");
			r->v = nv;
			r->cap = cap;
		}
		memset(&r->v[r->n], 0, sizeof(r->v[0]));
		snprintf(r->v[r->n].name, sizeof(r->v[0].name), "%s", section);
		r->n++;
	}
	cur = &r->v[r->n - 1];
	if (!strcmp(key, "id"))
		snprintf(cur->id, sizeof(cur->id), "%s", value);
	else if (!strcmp(key, "digest"))
		snprintf(cur->digest, sizeof(cur->digest), "%s", value);
	return 0;
}

static int refs_load(struct store *s, struct refs *r, struct md_err *err)
{
	memset(r, 0, sizeof(*r));
	if (s->fd < 0 || faccessat(s->fd, "refs.ini", F_OK, 0) < 0)
		return 0;
	if (ini_parse_at(s->fd, "refs.ini", 0, refs_handler, r, err) < 0) {
		free(r->v);
		return -1;
	}
	return 0;
}

static int refs_save(struct store *s, const struct refs *r, struct md_err *err)
{
	struct ini_out o = { 0 };
	int ret;

	for (size_t i = 0; i < r->n; i++) {
		ini_section(&o, r->v[i].name);
		ini_kv(&o, "id", r->v[i].id);
		if (r->v[i].digest[0])
			ini_kv(&o, "digest", r->v[i].digest);
	}
	ret = ini_out_write_at(&o, s->fd, "refs.ini", 0644, err);
	ini_out_free(&o);
	return ret;
}

int store_refs(struct store *s, struct image_ref **refs, size_t *n,
	       struct md_err *err)
{
	struct refs r;

	if (refs_load(s, &r, err) < 0)
		return -1;
	*refs = r.v;
	*n = r.n;
	return 0;
}

static int image_present(struct store *s, const char *id)
{
	char path[96];

	if (strncmp(id, "sha256:", 7) || !is_hex(id + 7, 64))
		return 0;
	snprintf(path, sizeof(path), "images/%s.ini", id + 7);
	return s->fd >= 0 && faccessat(s->fd, path, F_OK, 0) == 0;
}

void store_image_ini_path(const char *id, char *out, size_t outlen)
{
	snprintf(out, outlen, "images/%s.ini", id + 7);
}

int store_images(struct store *s, char (**ids)[DIGEST_LEN + 1], size_t *n,
		 struct md_err *err)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0;
	int fd;

	*ids = NULL;
	*n = 0;
	if (s->fd < 0)
		return 0;
	fd = openat(s->fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "store images");
	d = fdopendir(fd);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len != 68 || strcmp(de->d_name + 64, ".ini"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			void *nv = realloc(*ids, cap * sizeof(**ids));
			if (!nv) {
				closedir(d);
				return err_set(err, ENOMEM, "store images");
			}
			*ids = nv;
		}
		snprintf((*ids)[*n], DIGEST_LEN + 1, "sha256:%.64s", de->d_name);
		(*n)++;
	}
	if (d)
		closedir(d);
	return 0;
}

/* A tag whose name is canonical, or, for "NAME@sha256:D", a tag of that
 * repository whose manifest digest is D (a pull by tag records it). */
static int ref_matches(const struct image_ref *t, const char *canonical)
{
	const char *at = strchr(canonical, '@');
	size_t n;

	if (!strcmp(t->name, canonical))
		return 1;
	if (!at || strcmp(t->digest, at + 1))
		return 0;
	n = at - canonical;
	return !strncmp(t->name, canonical, n) &&
	       (!t->name[n] || (t->name[n] == ':' && !strchr(t->name + n + 1, '/')));
}

/* "No such image": errnum ENOENT (not in the message) lets md-run pull. */
static int no_such_image(struct md_err *err, const char *what)
{
	err_set(err, 0, "No such image: %s", what);
	err->errnum = ENOENT;
	return -1;
}

int store_resolve(struct store *s, const char *canonical, const char *input,
		  char *id, struct md_err *err)
{
	struct refs r;
	const char *hex = input;
	char (*ids)[DIGEST_LEN + 1];
	size_t n, len, found = 0;

	if (canonical) {
		if (refs_load(s, &r, err) < 0)
			return -1;
		for (size_t i = 0; i < r.n; i++)
			if (ref_matches(&r.v[i], canonical) &&
			    image_present(s, r.v[i].id)) {
				strcpy(id, r.v[i].id);
				free(r.v);
				return 0;
			}
		free(r.v);
	}
	if (!strncmp(hex, "sha256:", 7))
		hex += 7;
	len = strlen(hex);
	if (!len || len > 64 || !is_hex(hex, len))
		return no_such_image(err, input);
	if (store_images(s, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(ids[i] + 7, hex, len)) {
			if (found++)
				break;
			strcpy(id, ids[i]);
		}
	free(ids);
	if (found > 1)
		return err_set(err, 0, "image ID prefix %s is ambiguous", input);
	if (!found)
		return no_such_image(err, input);
	return 0;
}

int store_lookup(struct store *s, const char *input, char *id,
		 struct md_err *err)
{
	struct ref r;
	char full[REF_STR_MAX];
	struct md_err bad;
	const char *hex = input + (strncmp(input, "sha256:", 7) ? 0 : 7);
	size_t len = strlen(hex);

	if (ref_parse(input, &r, &bad) == 0) {
		ref_format_full(&r, full, sizeof(full));
		return store_resolve(s, full, input, id, err);
	}
	/* Neither a reference nor an ID: say what is wrong with it, as
	 * md-pull would. */
	if (!len || len > 64 || !is_hex(hex, len)) {
		*err = bad;
		return -1;
	}
	return store_resolve(s, NULL, input, id, err);
}

int store_image_read(struct store *s, const char *id, ini_handler_fn fn,
		     void *user, struct md_err *err)
{
	char path[96];

	if (!image_present(s, id))
		return err_set(err, 0, "No such image: %s", id);
	store_image_ini_path(id, path, sizeof(path));
	return ini_parse_at(s->fd, path, 0, fn, user, err);
}

/* Registering an image */

static int layer_size(struct store *s, const char *diff_id, uint64_t *size,
		      struct md_err *err);

int store_image_commit(struct store *s, const char *config, size_t len,
		       const char *manifest_digest, const char *const *tags,
		       size_t ntags, char *id, struct md_err *err)
{
	struct image_info info;
	struct ini_out o = { 0 };
	struct refs r = { 0 };
	char path[96], link[96];
	uint64_t total = 0;
	cleanup_close int lock = -1;
	int ret = -1;

	image_id_of(config, len, id);
	if (image_info_parse(config, len, &info, err) < 0) {
		err_wrap(err, "image config %s", id);
		goto out;
	}
	lock = meta_lock(s, err);
	if (lock < 0)
		goto out;
	for (size_t i = 0; i < info.nlayers; i++) {
		uint64_t sz;
		if (layer_size(s, info.layers[i], &sz, err) < 0 ||
		    store_layer_link(s, info.layers[i], link, sizeof(link), err) < 0)
			goto out;
		total += sz;
	}
	image_info_ini(&info, id, manifest_digest, total, &o);
	if (o.len > INI_READ_MAX) {
		err_set(err, 0, "image config %s: too large for md's image INI", id);
		goto out;
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", id + 7);
	if (file_write_atomic_at(s->fd, path, config, len, 0644, err) < 0)
		goto out;
	if (refs_load(s, &r, err) < 0)
		goto out;
	for (size_t t = 0; t < ntags; t++) {
		size_t i;
		for (i = 0; i < r.n && strcmp(r.v[i].name, tags[t]); i++)
			;
		if (i == r.n) {
			struct image_ref *nv = realloc(r.v, (r.n + 1) * sizeof(*nv));
			if (!nv) {
				err_set(err, ENOMEM, "refs.ini");
				goto out;
			}
			r.v = nv;
			r.n++;
			memset(&r.v[i], 0, sizeof(r.v[i]));
			snprintf(r.v[i].name, sizeof(r.v[i].name), "%s", tags[t]);
		}
		strcpy(r.v[i].id, id);
		snprintf(r.v[i].digest, sizeof(r.v[i].digest), "%s",
			 manifest_digest ? manifest_digest : "");
	}
	if (ntags && refs_save(s, &r, err) < 0)
		goto out;
	/* The image's INI last: until it exists, md-images shows nothing of
	 * this image (a tag pointing at a missing image is ignored). */
	store_image_ini_path(id, path, sizeof(path));
	if (ini_out_write_at(&o, s->fd, path, 0644, err) < 0)
		goto out;
	ret = 0;
out:
	free(r.v);
	ini_out_free(&o);
	image_info_free(&info);
	return ret;
}

static int size_handler(void *user, const char *section, const char *key,
			const char *value, struct md_err *err)
{
	if (!strcmp(key, "size"))
		*(uint64_t *)user = strtoull(value, NULL, 10);
	return 0;
}

static int layer_size(struct store *s, const char *diff_id, uint64_t *size,
		      struct md_err *err)
{
	char path[96];

	if (!store_layer_exists(s, diff_id))
		return err_set(err, 0, "layer %s is not in the store", diff_id);
	snprintf(path, sizeof(path), "layers/%s/layer.ini", diff_id + 7);
	*size = 0;
	return ini_parse_at(s->fd, path, 0, size_handler, size, err);
}

/* Removing */

int store_untag(struct store *s, const char *name, struct md_err *err)
{
	cleanup_close int lock = meta_lock(s, err);
	struct refs r;
	size_t i;
	int ret;

	if (lock < 0 || refs_load(s, &r, err) < 0)
		return -1;
	for (i = 0; i < r.n && strcmp(r.v[i].name, name); i++)
		;
	if (i == r.n) {
		free(r.v);
		return 1;
	}
	memmove(&r.v[i], &r.v[i + 1], (r.n - i - 1) * sizeof(r.v[0]));
	r.n--;
	ret = refs_save(s, &r, err);
	free(r.v);
	return ret;
}

int store_image_delete(struct store *s, const char *id, int only_untagged,
		       struct md_err *err)
{
	cleanup_close int lock = meta_lock(s, err);
	struct refs r;
	size_t k = 0;
	char path[96];
	int ret = 0;

	if (lock < 0 || refs_load(s, &r, err) < 0)
		return -1;
	for (size_t i = 0; i < r.n; i++)
		if (strcmp(r.v[i].id, id))
			r.v[k++] = r.v[i];
	if (only_untagged && k != r.n) {
		free(r.v);
		return 1;
	}
	if (k != r.n) {
		r.n = k;
		ret = refs_save(s, &r, err);
	}
	free(r.v);
	store_image_ini_path(id, path, sizeof(path));
	if (!ret && unlinkat(s->fd, path, 0) < 0 && errno != ENOENT)
		ret = err_set(err, errno, "remove image %s", id);
	return ret;
}

/* Garbage collection */

struct names {
	char (*v)[65];
	size_t n, cap;
};

static int names_add(struct names *ns, const char *digest)
{
	if (strncmp(digest, "sha256:", 7) || !is_hex(digest + 7, 64))
		return 0;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		void *nv = realloc(ns->v, cap * sizeof(*ns->v));
		if (!nv)
			return -1;
		ns->v = nv;
		ns->cap = cap;
	}
	memcpy(ns->v[ns->n++], digest + 7, 65);
	return 0;
}

static int names_has(const struct names *ns, const char *hex)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], hex))
			return 1;
	return 0;
}

struct gc_refs {
	struct names layers, blobs;
};

static int gc_handler(void *user, const char *section, const char *key,
		      const char *value, struct md_err *err)
{
	struct gc_refs *g = user;
	int r = 0;

	if (!strcmp(key, "layer"))
		r = names_add(&g->layers, value);
	else if (!strcmp(key, "id") || !strcmp(key, "digest"))
		r = names_add(&g->blobs, value);
	return r < 0 ? err_set(err, ENOMEM, "gc") : 0;
}

/* Deletes entries of dir (relative to the root) whose name (up to the
 * first '.') is not in keep. Layers go through tmp/ so that a crash
 * never leaves half a layer under its name. */
static void gc_dir(struct store *s, const char *dir, const struct names *keep,
		   int via_tmp)
{
	int fd = openat(s->fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char tmp[128];
		/* A temp file of an interrupted write (NAME.tmpXXXXXXXX): all
		 * writers hold meta.lock, as this does. */
		if (strstr(de->d_name, ".tmp")) {
			unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (strlen(de->d_name) != 64 || names_has(keep, de->d_name))
			continue;
		if (!via_tmp) {
			unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		snprintf(tmp, sizeof(tmp), "tmp/gc-%.64s", de->d_name);
		if (renameat(dirfd(d), de->d_name, s->fd, tmp) == 0)
			rm_rf_at(s->fd, tmp);
	}
	if (d)
		closedir(d);
}

/* Removes l/ links whose layer is gone. */
static void gc_links(struct store *s)
{
	int fd = openat(s->fd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 && errno == ENOENT)
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
}

int store_gc(struct store *s, struct md_err *err)
{
	cleanup_close int busy = lock_at(s->fd, "busy.lock", LOCK_EX | LOCK_NB,
					 NULL);
	cleanup_close int lock = -1;
	struct gc_refs g = { 0 };
	char (*ids)[DIGEST_LEN + 1] = NULL;
	size_t n = 0;
	int ret = -1;

	if (busy < 0)
		return 1;	/* an import is running: its layers stay */
	lock = meta_lock(s, err);
	if (lock < 0 || store_images(s, &ids, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char path[96];
		store_image_ini_path(ids[i], path, sizeof(path));
		if (ini_parse_at(s->fd, path, 0, gc_handler, &g, err) < 0)
			goto out;
	}
	gc_dir(s, "layers", &g.layers, 1);
	gc_dir(s, "init", &g.blobs, 1);	/* init/IMAGE-HEX */
	gc_dir(s, "blobs/sha256", &g.blobs, 0);
	gc_dir(s, "images", &g.blobs, 0);	/* only its temp files */
	gc_links(s);
	ret = 0;
out:
	free(ids);
	free(g.layers.v);
	free(g.blobs.v);
	return ret;
}
