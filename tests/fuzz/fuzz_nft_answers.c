/* Fuzzes nft_answers, the reader of what the kernel answers to an
 * nf_tables batch: no crash or read past the end, whatever the lengths
 * claim; an error once noted stays the first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t last = 0, seq = 0, seq2;
	int e = 0, e2, rc;
	/* (an exact copy: ASan sees any read past its end) */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (size >= 4)
		memcpy(&last, data, 4);
	rc = nft_answers(buf, size, last, &e, &seq);
	if (rc < -1 || rc > 1)
		abort();
	e2 = e;
	seq2 = seq;
	nft_answers(buf, size, last, &e, &seq);
	if (e != e2 || seq != seq2)
		abort();
	free(buf);
	return 0;
}
