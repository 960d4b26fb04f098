/* An image's init layer: the mount points md needs and the image lacks
 * (/etc/hostname, /etc/hosts, /etc/resolv.conf; /dev, /proc, /sys), as
 * Docker's "-init" layer. It sits above the image's layers, so a
 * container start copies nothing up and creates no file on disk for
 * them. Made once per image, shared by its containers, under
 *
 *   init/HEX/             HEX = image ID; /etc as the image has it
 *                         (mode, owner, mtime, xattrs), plus what lacks
 *   init/HEX -> -         a symlink: the image needs none
 *
 * and removed by the store's GC with the image. */
#ifndef MD_INITLAYER_H
#define MD_INITLAYER_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/* layers: the image's diff_ids, bottom first. Returns 1 and the layer's
 * lowerdir name relative to l/ in out, 0 if the image needs none. */
int init_layer(struct store *s, const char *image_id, char (*layers)[72],
	       size_t nlayers, char *out, size_t outlen, struct md_err *err);

#endif
