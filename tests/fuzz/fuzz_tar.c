/* libFuzzer target: the tar header parser (PAX, GNU long names, sparse
 * maps of every format), fed in chunks whose sizes come from the input
 * itself. */
#include <stdint.h>
#include <string.h>

#include "tar.h"

static int f_entry(void *u, const struct tar_entry *e, struct md_err *err)
{
	/* Touch every string the parser hands out. */
	volatile size_t n = strlen(e->path) + strlen(e->linkname);
	for (size_t i = 0; i < e->nxattrs; i++)
		n += strlen(e->xattrs[i].name) + e->xattrs[i].len;
	(void)n;
	return 0;
}

static int f_data(void *u, const void *b, size_t n, struct md_err *err)
{
	return 0;
}

static int f_end(void *u, struct md_err *err)
{
	return 0;
}

static int f_hole(void *u, uint64_t len, struct md_err *err)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tar_ops ops = { f_entry, f_data, f_end, f_hole };
	struct tar t;
	struct md_err err;
	size_t chunk = size ? (data[0] % 64) * 37 + 1 : 1;

	tar_init(&t, &ops, NULL);
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (tar_feed(&t, data + off, n, &err) < 0)
			break;
	}
	tar_finish(&t, &err);
	tar_free(&t);
	return 0;
}
