/* The limit for unpacking a layer: zlib's inflate alone, on one core, over
 * gzip files one after the other (CRC-32 and length checked, as zlib's
 * gzip wrapper does), the output thrown away. Reads each file whole into
 * memory first, untimed, so only inflate is measured. Prints the seconds
 * on stdout.
 *
 * usage: inflate FILE.gz...     (built with the system's zlib, -O2) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (!(buf = realloc(buf, cap)))
				return NULL;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	*len = n;
	return buf;
}

/* Inflates every gzip member in buf; 0 if all of them check out. */
static int inflate_all(const unsigned char *buf, size_t len)
{
	static unsigned char out[1 << 17];
	z_stream zs = { 0 };
	int rc = Z_STREAM_END;

	if (inflateInit2(&zs, 16 + 15) != Z_OK)
		return -1;
	zs.next_in = (unsigned char *)buf;
	zs.avail_in = len;
	while (zs.avail_in && *zs.next_in) {	/* zero padding ends it */
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			rc = inflate(&zs, Z_NO_FLUSH);
		} while (rc == Z_OK);
		if (rc != Z_STREAM_END)
			break;
		inflateReset(&zs);
	}
	inflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned char *buf[64];
	size_t len[64];
	struct timespec a, b;

	if (argc < 2 || argc > 65)
		return 2;
	for (int i = 1; i < argc; i++)
		if (!(buf[i - 1] = slurp(argv[i], &len[i - 1]))) {
			perror(argv[i]);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 1; i < argc; i++)
		if (inflate_all(buf[i - 1], len[i - 1]) < 0) {
			fprintf(stderr, "inflate: %s: bad gzip data\n", argv[i]);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
