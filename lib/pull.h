/* Pulling an image into the store: manifest (or index, then the
 * platform's manifest), config, and the missing layers downloaded and
 * unpacked concurrently, each streamed body -> sha256 -> inflate -> tar ->
 * disk, verified before it becomes visible. */
#ifndef MD_PULL_H
#define MD_PULL_H

#include <stdint.h>

#include "err.h"
#include "store.h"

#define PULL_WORKERS_MAX 8	/* concurrent layer downloads, at most */

enum pull_state { PULL_WAITING, PULL_EXISTS, PULL_DOWNLOADING, PULL_DONE };

struct pull_layer {
	char digest[72];
	uint64_t size, done;
	enum pull_state state;
};

struct pull_opts {
	const char *platform;	/* "os/arch[/variant]", NULL: linux/host */
	int workers;		/* concurrent layer downloads, 1 to
				 * PULL_WORKERS_MAX (no more than the layers
				 * to fetch run) */
	/* Called (serialized) when a layer's state or byte count changes. */
	void (*progress)(void *user, const struct pull_layer *layers, size_t n);
	/* Called (serialized, once) when a failed mirror is left for the
	 * registry itself, with one line saying why; may be NULL. */
	void (*notice)(void *user, const char *msg);
	void *user;
};

/* Pulls ref; id receives the image ID, digest the manifest digest. */
int pull_image(struct store *s, const char *ref, const struct pull_opts *o,
	       char *id, char *digest, struct md_err *err);

#endif
