/* Image archives: `docker save` tarballs (manifest.json) and OCI image
 * layouts in a tarball (index.json), streamed from a file descriptor. */
#ifndef MD_ARCHIVE_H
#define MD_ARCHIVE_H

#include "err.h"
#include "store.h"

/* Called per loaded image: what is "" with a tag as name, or " ID" with
 * the image ID when the archive names no tag. */
typedef void (*archive_report_fn)(void *user, const char *what,
				  const char *name);

int archive_load(struct store *s, int fd, const char *what,
		 archive_report_fn fn, void *user, struct md_err *err);

#endif
