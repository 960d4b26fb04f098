/* A registry client for one repository (OCI distribution API v2):
 * authentication (anonymous, Basic, Bearer tokens), manifests by tag or
 * digest, blobs small (in memory) or streamed with resume and retries.
 * A registry with a mirror (md.ini) is reached through the mirror, with
 * the mirror's own settings, until a request to it fails; from then on
 * the registry itself serves the session. */
#ifndef MD_REGISTRY_H
#define MD_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "ref.h"

#define REGISTRY_MANIFEST_MAX (4 << 20)
#define REGISTRY_RETRIES 5

struct registry {
	struct http_client hc;
	struct registry_conf conf;	/* the registry's md.ini section */
	struct registry_conf mconf;	/* its mirror's own section */
	struct tls_opts tls;		/* of the one in use */
	char base[300];		/* "https://host:port" in use */
	char host[256];		/* the one in use as md.ini and credential
				 * files name it ("docker.io", the mirror's
				 * "host:port"); for messages too */
	char name[256];		/* the registry, as the user wrote it */
	char api_host[256];	/* what serves it (registry-1.docker.io) */
	char mirror[300];	/* the mirror in use, or "" */
	char repo[REF_PATH_MAX + 1];
	char authz[8300];	/* Authorization for the registry, or "" */
	struct auth_cred cred;
	int cred_state;		/* 0 not looked up, 1 none, 2 have */
	int plain_tried;	/* insecure: fell back to http:// */
	const char *md_root;
	/* Called when a failed mirror is left, with one line saying why and
	 * what serves the pull now; may be NULL. */
	void (*mirror_left)(void *user, const char *msg);
	void *user;
};

int registry_open(struct registry *r, const struct ref *ref,
		  const char *md_root, struct md_err *err);
void registry_close(struct registry *r);
/* Copies a session (settings and token) for another thread. */
int registry_clone(struct registry *dst, const struct registry *src);
/* Turns from the mirror (if any) to the registry itself, silently: another
 * session has left it already. */
void registry_drop_mirror(struct registry *r);

struct manifest_doc {
	char *body;
	size_t len;
	char type[128];		/* Content-Type */
	char digest[72];	/* sha256 of body */
};

/* GETs manifests/REFERENCE; checks it against a pinned digest (if
 * reference is one) and Docker-Content-Digest (if sent). */
int registry_manifest(struct registry *r, const char *reference,
		      struct manifest_doc *m, struct md_err *err);
/* A small blob (config), digest-checked. Free *buf. */
int registry_blob_small(struct registry *r, const char *digest, size_t max,
			char **buf, size_t *len, struct md_err *err);
/* Streams a blob of size bytes to fn; a broken transfer resumes with a
 * Range request (or skips what a server that ignores Range sends again),
 * transient failures are retried with backoff. progress(user, done) is
 * called as bytes arrive, may be NULL. */
typedef int (*registry_sink_fn)(void *user, const void *buf, size_t len,
				struct md_err *err);
int registry_blob_stream(struct registry *r, const char *digest,
			 uint64_t size, registry_sink_fn fn, void *user,
			 struct md_err *err);

#endif
