/* The content-addressed store under MD_ROOT:
 *
 *   blobs/sha256/HEX      image configs and manifests, by digest
 *   layers/HEX/root/      a layer extracted once per diff_id, usable as an
 *   layers/HEX/layer.ini  overlayfs lower dir; its diff_id, size, digest
 *   l/SHORT -> ../layers/HEX/root   short names that keep overlayfs's
 *                         lowerdir option (one page) short enough for
 *                         images of 100+ layers
 *   images/HEX.ini        one image (HEX = config digest = image ID)
 *   init/HEX/             its init layer (see initlayer.h)
 *   refs.ini              [REPO:TAG] id = sha256:HEX, digest = ...
 *   tmp/                  staging; renamed into place when complete
 *   meta.lock             held while refs/images/layers are changed
 *   busy.lock             shared while importing, exclusive to sweep tmp/
 *                         or delete layers
 */
#ifndef MD_STORE_H
#define MD_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ini.h"

#define DIGEST_LEN 71		/* "sha256:" + 64 hex */
#define STORE_DEFAULT_ROOT "/var/lib/md"

struct store {
	int fd;			/* MD_ROOT */
	int busy;		/* busy.lock, shared, while writing */
	char root[PATH_MAX];
};

enum { STORE_READ = 0, STORE_WRITE = 1 };

/* --root DIR; otherwise $MD_ROOT, otherwise /var/lib/md. */
void store_set_root(const char *dir);
const char *store_root(void);
/* STORE_WRITE creates the layout, sweeps what interrupted runs left in
 * tmp/ (when no other md is importing) and marks this process busy. */
int store_open(struct store *s, int mode, struct md_err *err);
void store_close(struct store *s);
/* Marks this process as importing (shared busy.lock) until close: tmp/
 * is not swept and no layer is collected meanwhile. */
int store_import_begin(struct store *s, struct md_err *err);

/* Importing a layer: bytes of a (gzip or plain) tar stream in, a layer
 * directory out. The blob digest and the diff_id are computed on the way
 * and checked at commit against what the caller expects (either may be
 * NULL); nothing is visible before commit succeeds. */
struct layer_sink;
struct layer_sink *layer_sink_new(struct store *s, struct md_err *err);
int layer_sink_write(struct layer_sink *ls, const void *buf, size_t len,
		     struct md_err *err);
/* Ends the stream (checks it is a complete archive) and gives its blob
 * digest and diff_id (either may be NULL); frees the stream state. */
int layer_sink_end(struct layer_sink *ls, char *digest, char *diff_id,
		   struct md_err *err);
/* Ends the stream if needed, checks the digests, makes the layer visible.
 * On success diff_id (DIGEST_LEN + 1 bytes) holds the layer's diff_id;
 * a layer already in the store is kept and the new copy dropped. */
int layer_sink_commit(struct layer_sink *ls, const char *want_digest,
		      const char *want_diff_id, char *diff_id,
		      struct md_err *err);
/* Aborts (removes the staging) unless committed; frees. */
void layer_sink_free(struct layer_sink *ls);
/* Says that up to n sinks stream at once (md-pull's workers), before
 * any of them is made: each then takes 1/n of the memory that sinks
 * keep in flight (1.5 MiB in all), to keep the process's peak RSS. */
void layer_sink_share(unsigned n);
/* Lowers the calling thread's priority below that of the inflaters of
 * the sinks it makes, for a thread that feeds sinks and does little else
 * (md-pull's workers); the unpackers inherit it. */
void layer_feeder_priority(void);
/* Fails, naming what is missing, unless this process holds the
 * capabilities unpacking needs (root's): for a clear error up front. */
int layer_check_privileges(struct md_err *err);

int store_layer_exists(struct store *s, const char *diff_id);

/* Registers an image from its config JSON: every layer in rootfs.diff_ids
 * must be in the store. Writes the config blob and images/HEX.ini, then
 * points each of tags (canonical "registry/repo:tag") at it. manifest
 * digest may be NULL. id receives "sha256:HEX". */
int store_image_commit(struct store *s, const char *config, size_t len,
		       const char *manifest_digest, const char *const *tags,
		       size_t ntags, char *id, struct md_err *err);

struct image_ref {
	char name[1024];	/* canonical reference */
	char id[DIGEST_LEN + 1];
	char digest[DIGEST_LEN + 1];
};

/* All tags, in refs.ini order. Free *refs. */
int store_refs(struct store *s, struct image_ref **refs, size_t *n,
	       struct md_err *err);
/* Image IDs present (images/HEX.ini), as "sha256:HEX". Free *ids. */
int store_images(struct store *s, char (**ids)[DIGEST_LEN + 1], size_t *n,
		 struct md_err *err);
/* store_resolve for what a user typed: parsed as a reference if it is one. */
int store_lookup(struct store *s, const char *input, char *id,
		 struct md_err *err);
/* Resolves what a user typed: a canonical reference (may be NULL if the
 * input is not a valid reference), else an ID, "sha256:ID" or a unique
 * ID prefix. */
int store_resolve(struct store *s, const char *canonical, const char *input,
		  char *id, struct md_err *err);
/* Reads images/HEX.ini for id through fn (see ini.h). */
int store_image_read(struct store *s, const char *id, ini_handler_fn fn,
		     void *user, struct md_err *err);
/* Path of the image's INI, for printing it. */
void store_image_ini_path(const char *id, char *out, size_t outlen);
/* Removes tag name; returns 0 if removed, 1 if no such tag. */
int store_untag(struct store *s, const char *name, struct md_err *err);
/* Deletes an image by id, and its tags; if only_untagged, only when no
 * tag points at it (under the lock): then 1 if kept. */
int store_image_delete(struct store *s, const char *id, int only_untagged,
		       struct md_err *err);
/* Deletes layers and blobs no image references. Skipped (returns 1) while another md is importing. */
int store_gc(struct store *s, struct md_err *err);

/* The short lowerdir name of a layer ("l/SHORT" relative to the root),
 * creating the link if missing. */
int store_layer_link(struct store *s, const char *diff_id, char *out,
		     size_t outlen, struct md_err *err);

#endif
