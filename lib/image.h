/* Image configs (OCI image config / Docker image JSON): what md keeps of
 * one in images/HEX.ini, and the image ID (the config's digest). */
#ifndef MD_IMAGE_H
#define MD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ini.h"
#include "json.h"

#define IMAGE_CONFIG_MAX (4 << 20)

struct image_info {
	struct json *doc;
	char (*layers)[72];	/* rootfs.diff_ids, bottom first */
	size_t nlayers;
};

/* "sha256:HEX" of the bytes. */
void image_id_of(const void *config, size_t len, char *id);
int image_info_parse(const char *config, size_t len, struct image_info *info,
		     struct md_err *err);
/* The INI that md-inspect prints. */
void image_info_ini(const struct image_info *info, const char *id,
		    const char *manifest_digest, uint64_t size,
		    struct ini_out *o);
void image_info_free(struct image_info *info);

struct store;
/* The config of image_id ("sha256:HEX") in s, parsed. */
int image_info_load(struct store *s, const char *image_id,
		    struct image_info *info, struct md_err *err);
/* The OCI name of the architecture md was built for ("amd64"). */
const char *image_host_arch(void);
/* A config for a one-layer image made now (md-import); comment_json is a
 * JSON string literal. Free the result. */
char *image_config_new(const char *diff_id, const char *comment_json);
/* Reads a tar stream (plain or gzip) from fd into a layer. */
int image_import_layer(struct store *s, int fd, const char *what,
		       char *diff_id, struct md_err *err);

#endif
