/* Image references as Docker writes them (distribution/reference):
 * "busybox", "user/img:tag", "host:5000/ns/name@sha256:...". Parsing
 * normalizes to registry + repository + tag/digest in fixed buffers. */
#ifndef MD_REF_H
#define MD_REF_H

#include <stddef.h>

#include "err.h"

#define REF_DOCKER_HUB "docker.io"
#define REF_DOCKER_API "registry-1.docker.io"
#define REF_PATH_MAX 255	/* repository path, as Docker caps it */
#define REF_TAG_MAX 128
/* Enough for any formatted reference: registry/repository:tag@digest. */
#define REF_STR_MAX (255 + 1 + REF_PATH_MAX + 1 + REF_TAG_MAX + 1 + 71 + 1)

struct ref {
	char registry[256];	/* as written: "docker.io", "127.0.0.1:5000",
				 * "[::1]:5000"; index.docker.io is docker.io */
	char api_host[256];	/* host[:port] to talk to: registry-1.docker.io
				 * for docker.io, else the registry */
	char repository[REF_PATH_MAX + 1];	/* "library/busybox" */
	char tag[REF_TAG_MAX + 1];	/* "latest" when neither tag nor digest
					 * is given; "" with a digest alone */
	char digest[72];	/* "sha256:<64 lowercase hex>" or "" */
};

/* Parses s. On error returns -1 with err "invalid reference format: ..."
 * (Docker's wording) naming the bad part. */
int ref_parse(const char *s, struct ref *r, struct md_err *err);

/* The following return the length of the full string (like snprintf);
 * output is truncated if outlen is too small (REF_STR_MAX always fits). */

/* The name as `docker images` shows it: "busybox", "user/x",
 * "host:5000/ns/name"; "docker.io/a.b/c" keeps its prefix, as "a.b/c"
 * would name registry a.b. Always parses back to the same name. */
size_t ref_format_name(const struct ref *r, char *out, size_t outlen);
/* The familiar name with tag and/or digest: "busybox:latest". */
size_t ref_format_familiar(const struct ref *r, char *out, size_t outlen);
/* Canonical: "docker.io/library/busybox:latest", "...@sha256:...",
 * or both tag and digest when both were given. */
size_t ref_format_full(const struct ref *r, char *out, size_t outlen);

/* What to ask the registry's manifests endpoint for: the digest when
 * there is one (it wins over a tag), else the tag. */
const char *ref_manifest_ref(const struct ref *r);

#endif
