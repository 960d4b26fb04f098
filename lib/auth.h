/* Registry authentication pieces: the WWW-Authenticate challenge parser,
 * base64, credential lookup (md.ini, $MD_ROOT/auth.ini, Docker's
 * config.json) and the token service's reply. No network here. */
#ifndef MD_AUTH_H
#define MD_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum www_auth_scheme {
	WWW_AUTH_OTHER,		/* a scheme md does not speak */
	WWW_AUTH_BASIC,
	WWW_AUTH_BEARER,
};

/* One challenge from a WWW-Authenticate header. */
struct www_auth {
	enum www_auth_scheme scheme;
	char scheme_name[32];	/* as sent, for messages */
	char realm[1024];	/* Bearer: token service URL (not checked) */
	char service[256];
	char scope[1024];	/* space-separated scopes; several scope
				 * parameters are joined with spaces */
	char error[64];		/* e.g. "insufficient_scope", or "" */
};

/* Parses a WWW-Authenticate header value (len bytes, need not be NUL
 * terminated) of one or more challenges (RFC 7235: token and
 * quoted-string parameters, token68). Picks the first Bearer challenge,
 * else the first Basic, else the first one. A Bearer challenge without
 * realm, a duplicate realm or service, a value that does not fit its
 * field, or bad syntax is an error. */
int www_auth_parse(const char *hdr, size_t len, struct www_auth *out,
		   struct md_err *err);

/* Standard base64 with padding. Returns the encoded length (like
 * snprintf: output truncated, always NUL terminated if outlen > 0). */
size_t base64_encode(char *out, size_t outlen, const void *in, size_t n);
/* Strict decoding: padding required, no whitespace, unused bits zero.
 * Returns the decoded length, or -1 if the input is not base64 or the
 * result does not fit in outlen. */
ssize_t base64_decode(void *out, size_t outlen, const char *in, size_t n);

struct auth_cred {
	char username[256];
	char password[4096];	/* registry tokens used as passwords are long */
	char source[256];	/* the file the credentials came from */
};

/* Finds credentials for a registry host ("docker.io", "host:5000"), in
 * order: the [registry "HOST"] section of md_ini (NULL or a missing file
 * is skipped; credentials there are refused unless it is mode 0600 or
 * stricter), $md_root/auth.ini (NULL skips; must be owned by the
 * effective user and not readable by group or others), then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json "auths" (keys
 * "HOST", "https://HOST/...", and for docker.io also index.docker.io and
 * registry-1.docker.io). Returns 0 found, 1 none, -1 error (a file that
 * exists but cannot be read or parsed, a half-given username/password). */
int auth_lookup(const char *host, const char *md_ini, const char *md_root,
		struct auth_cred *out, struct md_err *err);

/* "Basic base64(user:pass)" for an Authorization header. Returns -1 with
 * err set if it does not fit. */
int auth_basic_header(const struct auth_cred *c, char *out, size_t outlen,
		      struct md_err *err);

struct auth_token {
	char token[8192];	/* printable ASCII only: safe in a header */
	int64_t expires_in;	/* seconds, at least 60 (Docker's minimum) */
};

/* Parses the token service's JSON reply: "access_token" (preferred, as
 * Docker does) or "token", and "expires_in". */
int auth_token_parse(const char *buf, size_t len, struct auth_token *out,
		     struct md_err *err);

#endif
