/* libFuzzer target for the chunked decoder in lib/http.c. The first two
 * bytes pick input piece and output buffer sizes; the rest is decoded in
 * those pieces, and again in one go, in place. Both runs must agree on
 * the body, on where it ended and on failing; output never exceeds the
 * space given or the input consumed. */
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct http_chunked c1, c2;
	struct md_err err;
	size_t step, cap, i = 0, o = 0, o2 = 0, got;
	char *out, *inplace;
	int fail1 = 0, fail2 = 0;
	ssize_t r;

	if (size < 2 || size > 1 << 20)
		return 0;
	step = data[0] + 1;
	cap = data[1] + 1;
	data += 2;
	size -= 2;
	out = malloc(size + 1);
	inplace = malloc(size + 1);
	memcpy(inplace, data, size);

	http_chunked_init(&c1);
	while (i < size && !http_chunked_done(&c1)) {
		size_t n = size - i < step ? size - i : step;
		size_t room = cap < size + 1 - o ? cap : size + 1 - o;
		r = http_chunked_decode(&c1, (const char *)data + i, n, out + o,
					room, &got, &err);
		if (r < 0) {
			fail1 = 1;
			break;
		}
		if ((size_t)r > n || got > room || got > (size_t)r)
			abort();
		if (!r && !got && !http_chunked_done(&c1))
			abort();	/* no progress with input and room */
		i += r;
		o += got;
	}

	http_chunked_init(&c2);
	r = http_chunked_decode(&c2, inplace, size, inplace, size, &o2, &err);
	if (r < 0)
		fail2 = 1;
	if (fail1 != fail2)
		abort();
	if (!fail1) {
		if (http_chunked_done(&c1) != http_chunked_done(&c2))
			abort();
		if (o != o2 || memcmp(out, inplace, o))
			abort();
		if (http_chunked_done(&c2) && (size_t)r != i)
			abort();
		if (!http_chunked_done(&c2) && (size_t)r != size)
			abort();
	}
	free(out);
	free(inplace);
	return 0;
}
