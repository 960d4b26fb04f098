/* Fuzzes ref_parse: no crash, one-line errors, and every accepted
 * reference formats to strings that parse back to the same reference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

static void roundtrip(const struct ref *r, size_t (*fmt)(const struct ref *,
							  char *, size_t))
{
	char buf[REF_STR_MAX];
	struct ref back;
	struct md_err err;
	size_t n = fmt(r, buf, sizeof(buf));

	if (n >= sizeof(buf) || n != strlen(buf))
		abort();
	if (ref_parse(buf, &back, &err) < 0) {
		/* "<64 hex>:tag" is a good reference, yet the name alone
		 * reads as an image ID, which Docker refuses too. */
		if (fmt == ref_format_name && n == 64 &&
		    strspn(buf, "0123456789abcdef") == 64)
			return;
		abort();
	}
	/* The familiar name drops tag and digest; compare the rest. */
	if (fmt == ref_format_name) {
		if (strcmp(back.registry, r->registry) ||
		    strcmp(back.api_host, r->api_host) ||
		    strcmp(back.repository, r->repository))
			abort();
	} else if (memcmp(&back, r, sizeof(back))) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct md_err err = { 0 };
	struct ref r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (ref_parse(s, &r, &err) == 0) {
		if (!r.registry[0] || !r.api_host[0] || !r.repository[0] ||
		    (!r.tag[0] && !r.digest[0]))
			abort();
		if (strcmp(ref_manifest_ref(&r), r.digest[0] ? r.digest : r.tag))
			abort();
		roundtrip(&r, ref_format_full);
		roundtrip(&r, ref_format_familiar);
		roundtrip(&r, ref_format_name);
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}
	free(s);
	return 0;
}
