/* Fuzzes the untrusted inputs of lib/auth.c: WWW-Authenticate headers
 * (as given, not NUL terminated), base64 (strict decoding must round-trip
 * exactly) and token replies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

#define TERMINATED(a) (strnlen((a), sizeof(a)) < sizeof(a))

static void check_header(const uint8_t *data, size_t size)
{
	struct www_auth wa;
	struct md_err err = { 0 };

	if (www_auth_parse((const char *)data, size, &wa, &err) < 0) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort();
		return;
	}
	if (!TERMINATED(wa.scheme_name) || !TERMINATED(wa.realm) ||
	    !TERMINATED(wa.service) || !TERMINATED(wa.scope) ||
	    !TERMINATED(wa.error) || !wa.scheme_name[0])
		abort();
	if (wa.scheme > WWW_AUTH_BEARER)
		abort();
	if (wa.scheme == WWW_AUTH_BEARER && !wa.realm[0])
		abort();
}

static void check_base64(const uint8_t *data, size_t size)
{
	static char enc[4 * 4096 / 3 + 8];
	static unsigned char dec[4096];
	ssize_t n;
	size_t e;

	if (size > 3000)
		return;
	n = base64_decode(dec, sizeof(dec), (const char *)data, size);
	if (n >= 0) {
		e = base64_encode(enc, sizeof(enc), dec, n);
		if (e != size || memcmp(enc, data, size))
			abort();
	}
	e = base64_encode(enc, sizeof(enc), data, size);
	if (e != strlen(enc))
		abort();
	n = base64_decode(dec, sizeof(dec), enc, e);
	if (n != (ssize_t)size || memcmp(dec, data, size))
		abort();
}

static void check_token(const uint8_t *data, size_t size)
{
	static struct auth_token tok;
	struct md_err err = { 0 };

	if (auth_token_parse((const char *)data, size, &tok, &err) < 0)
		return;
	if (!TERMINATED(tok.token) || !tok.token[0] || tok.expires_in < 60)
		abort();
	for (const char *p = tok.token; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_header(data, size);
	check_base64(data, size);
	check_token(data, size);
	return 0;
}
