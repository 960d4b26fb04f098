/* libFuzzer target for the response head parser in lib/http.c, and for
 * URL resolution of whatever Location the head carries. Checks the
 * parser's promises: it only succeeds on what http_head_end delimits,
 * fields are NUL-terminated inside the buffer, values are trimmed and
 * free of CR/LF, and the framing it reports is consistent. */
#include <stdlib.h>
#include <string.h>

#include "http.h"

static struct http_head h;
static char url[HTTP_URL_MAX];

static int inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct md_err err;
	char *buf;
	size_t n;

	if (size > HTTP_HEAD_MAX + 16)
		return 0;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	n = http_head_end(buf, size);
	if (n > size)
		abort();
	if (n && http_parse_head(buf, n, &h, &err) == 0) {
		if (h.status < 100 || h.status > 599 || h.nfields > HTTP_FIELDS_MAX)
			abort();
		if (h.chunked && h.content_length != -1)
			abort();
		if (h.content_length < -1)
			abort();
		if (!inside(h.reason, buf, n) && *h.reason)
			abort();
		for (size_t i = 0; i < h.nfields; i++) {
			const char *k = h.fields[i].name, *v = h.fields[i].value;
			if (!inside(k, buf, n) || !inside(v, buf, n) || !*k)
				abort();
			if (strpbrk(v, "\r\n") || strpbrk(k, "\r\n: \t"))
				abort();
			size_t vl = strlen(v);
			if (vl && (v[0] == ' ' || v[0] == '\t' ||
				   v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				abort();
		}
		const char *loc = http_head_get(&h, "location", NULL);
		if (loc && http_url_resolve("https://registry.example:5000/v2/"
					    "a/b/blobs/sha256:00?x=1", loc, url,
					    sizeof(url), &err) == 0) {
			struct http_url u;
			if (http_url_parse(url, &u, &err) < 0)
				abort();
			if (strpbrk(url, "\r\n \t#"))
				abort();
		}
	}
	free(buf);
	return 0;
}
