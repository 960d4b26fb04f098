/* HTTP/1.1 client for registry traffic: plain TCP or TLS, one kept-alive
 * connection per origin, proxies from the environment (CONNECT for TLS),
 * bounded response parsing, streamed bodies (Content-Length, chunked,
 * until close), redirects with the Authorization kept to its origin, and
 * poll()-bounded connects and reads. The head parser and the chunked
 * decoder are pure functions, fuzzed without sockets. */
#ifndef MD_HTTP_H
#define MD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "tls.h"

#define HTTP_HEAD_MAX 65536	/* longest response head */
#define HTTP_FIELDS_MAX 100	/* most header fields in a head */
#define HTTP_URL_MAX 8192	/* longest URL (presigned blob URLs are long) */
#define HTTP_CONNS 4		/* idle connections kept */
#define HTTP_TIMEOUT_MS 30000

/* ---- pure parsers ---- */

struct http_field {
	const char *name, *value;	/* NUL-terminated, value trimmed */
};

struct http_head {
	int minor;			/* HTTP/1.<minor> */
	int status;			/* 100..599 */
	const char *reason;
	size_t nfields;
	struct http_field fields[HTTP_FIELDS_MAX];
	/* Message framing from the fields (RFC 9112 section 6): */
	int64_t content_length;		/* -1 if absent */
	int chunked;			/* Transfer-Encoding: chunked */
	int close;			/* the connection ends after this */
};

/* Length of the head at the start of buf, through its empty line; 0 if
 * the empty line is not there yet. Lines end in CRLF or a bare LF. */
size_t http_head_end(const char *buf, size_t len);
/* Parses a complete head of len bytes (as found by http_head_end, at most
 * HTTP_HEAD_MAX) in place: field names and values are NUL-terminated
 * inside buf and h points into it. Rejects folded lines, bare CRs, control
 * characters, bad or conflicting Content-Length and any transfer coding
 * other than chunked. */
int http_parse_head(char *buf, size_t len, struct http_head *h,
		    struct md_err *err);
/* First value of a field (case-insensitive name) at or after index *i, or
 * NULL; *i is left at the match, so "(*i)++" continues. i may be NULL. */
const char *http_head_get(const struct http_head *h, const char *name,
			  size_t *i);

/* Chunked transfer coding decoder (push style). */
struct http_chunked {
	int state;
	uint64_t left;			/* data bytes left in this chunk */
	size_t line;			/* length of the current framing line */
	size_t trailer;			/* bytes of trailer fields so far */
};

void http_chunked_init(struct http_chunked *c);
/* Decodes in[0..inlen): up to outcap body bytes go to out (which may be
 * in itself: output never overtakes input) and their count to *outlen.
 * Returns the input bytes consumed: fewer than inlen only when out is full
 * or the body ended (http_chunked_done); -1 with err set on bad framing. */
ssize_t http_chunked_decode(struct http_chunked *c, const char *in,
			    size_t inlen, char *out, size_t outcap,
			    size_t *outlen, struct md_err *err);
int http_chunked_done(const struct http_chunked *c);

/* ---- URLs ---- */

struct http_url {
	int https;
	char host[256];			/* IPv6 without brackets */
	char port[6];			/* explicit or the scheme's default */
	const char *userinfo;		/* inside the parsed string, or NULL */
	size_t userinfo_len;
	const char *target;		/* path and query inside the string */
	size_t target_len;		/* 0: the path is empty ("/") */
};

/* Parses an absolute http:// or https:// URL (a fragment is dropped).
 * The struct points into url. */
int http_url_parse(const char *url, struct http_url *u, struct md_err *err);
/* Resolves a reference (a Location value: absolute, "//host/...",
 * "/path", "rel/path", "?query") against base (RFC 3986 section 5). */
int http_url_resolve(const char *base, const char *ref, char *out,
		     size_t outlen, struct md_err *err);
/* True if both URLs parse and have the same scheme, host and port. */
int http_same_origin(const char *a, const char *b);
/* True if the NO_PROXY-style list (comma-separated names, ".suffix",
 * "name:port", "*") exempts host:port from the proxy. */
int http_no_proxy(const char *list, const char *host, const char *port);

/* ---- client ---- */

struct http_conn;

struct http_client {
	int connect_timeout_ms;		/* each address; HTTP_TIMEOUT_MS */
	int read_timeout_ms;		/* longest stall of a read or write */
	const char *user_agent;		/* "md/0.1" */
	/* private: proxy settings captured at init, idle connections */
	char *http_proxy, *https_proxy, *no_proxy;
	struct http_conn *idle[HTTP_CONNS];
};

struct http_request {
	const char *method;		/* NULL: GET */
	const char *url;		/* absolute http:// or https:// URL */
	const char *authorization;	/* Authorization value, or NULL */
	const char *accept;		/* Accept value, or NULL */
	const char *range;		/* Range value ("bytes=N-"), or NULL */
	const char *const *headers;	/* more "Name: value" lines, NULL-ended */
	const void *body;		/* sent with a Content-Length */
	size_t body_len;
	const struct tls_opts *tls;	/* https: NULL = system CAs, verified */
};

struct http_response {
	int status;
	struct http_head head;		/* fields: see http_header */
	/* private: */
	char *buf;			/* the head, owned */
	struct http_client *client;
	struct http_conn *conn;
	int mode;			/* how the body ends */
	uint64_t left;			/* Content-Length bytes still to come */
	uint64_t got;			/* body bytes delivered */
	struct http_chunked ch;
	int done;
	char what[256];			/* "GET https://host/path" for errors */
};

/* Receives body bytes; returns 0, or -1 with err set to stop. */
typedef int (*http_body_fn)(void *user, const void *buf, size_t len,
			    struct md_err *err);

/* Defaults, and the proxy settings from HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY (lowercase names win, as in curl). */
void http_client_init(struct http_client *c);
/* Closes idle connections and frees the settings. */
void http_client_free(struct http_client *c);
/* Moves src's idle connections to dst (to free slots; the rest stay):
 * for another thread's client, never while src is in use. */
void http_client_take_idle(struct http_client *dst, struct http_client *src);

/* Sends one request and reads the response head into r; redirects are
 * returned as they are. On success the body must be read (or not) and
 * http_response_end called. Errors name the method and URL without its
 * query (presigned URLs carry credentials there). */
int http_request(struct http_client *c, const struct http_request *req,
		 struct http_response *r, struct md_err *err);
/* Like http_request, but follows up to max_redirects 301/302/303/307/308
 * redirects. The Authorization goes only to the origin (scheme, host,
 * port) of req->url, and so does tls->insecure: a request redirected
 * elsewhere goes without Authorization and is verified (against the
 * system CAs plus tls->ca_file). 303 (and 301/302 after a POST) continue
 * as GET without a body. Other headers (Accept, Range, headers[]) follow.
 * If final_url is not NULL it receives the URL of the final response. */
int http_request_follow(struct http_client *c, const struct http_request *req,
			int max_redirects, struct http_response *r,
			char *final_url, size_t final_len, struct md_err *err);

/* Value of the first header field named name (case-insensitive), or NULL. */
const char *http_header(const struct http_response *r, const char *name);
/* Body length announced by Content-Length, or -1 (chunked, until close). */
int64_t http_content_length(const struct http_response *r);
/* Pull-style body read: bytes read, 0 at the end of the body, -1 on error
 * (including a body cut short). */
ssize_t http_read(struct http_response *r, void *buf, size_t len,
		  struct md_err *err);
/* Pushes the whole body to fn in pieces of up to 32 KiB. */
int http_read_body(struct http_response *r, http_body_fn fn, void *user,
		   struct md_err *err);
/* Reads the whole body, at most max bytes, into a NUL-terminated buffer
 * for the caller to free; a longer body is an error. */
char *http_read_all(struct http_response *r, size_t max, size_t *len,
		    struct md_err *err);
/* Finishes with a response: a fully read body (or a short unread one)
 * leaves the connection open for reuse, anything else closes it. Safe on
 * a zeroed or already ended response. */
void http_response_end(struct http_response *r);

#endif
