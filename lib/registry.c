/* Registry client (see registry.h). The registry's Authorization goes
 * only to the registry's own origin: http_request_follow drops it on a
 * redirect elsewhere (blob storage), and token requests get credentials
 * only over https or to the registry itself. */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"

static const char manifest_accept[] =
	"application/vnd.oci.image.index.v1+json, "
	"application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json, "
	"application/vnd.docker.distribution.manifest.v2+json";

/* MD_HTTP_TIMEOUT (seconds) bounds connects and stalled reads. */
static void client_timeouts(struct http_client *hc)
{
	const char *t = getenv("MD_HTTP_TIMEOUT");
	int s = t ? atoi(t) : 0;

	if (s > 0)
		hc->connect_timeout_ms = hc->read_timeout_ms = s * 1000;
}

/* Requests go to the registry itself, with its own settings. */
static void use_registry(struct registry *r)
{
	r->mirror[0] = 0;
	snprintf(r->host, sizeof(r->host), "%s", r->name);
	snprintf(r->base, sizeof(r->base), "https://%.290s", r->api_host);
	r->tls.ca_file = r->conf.ca[0] ? r->conf.ca : NULL;
	r->tls.insecure = r->conf.insecure;
	/* Nothing of the mirror's session goes to the registry. */
	explicit_bzero(r->authz, sizeof(r->authz));
	explicit_bzero(&r->cred, sizeof(r->cred));
	r->cred_state = 0;
	r->plain_tried = 0;
}

/* Requests go to the mirror, a registry of its own: as Docker's certs.d,
 * the md.ini section of the URL's host[:port] gives its ca and insecure,
 * and credentials are looked up under that name. */
static int use_mirror(struct registry *r, struct md_err *err)
{
	const char *m = r->conf.mirror, *auth;
	struct http_url u;
	size_t n = strlen(m);

	while (n > 0 && m[n - 1] == '/')
		n--;
	if (http_url_parse(m, &u, NULL) < 0 || u.userinfo ||
	    strpbrk(m, "?#") || n >= sizeof(r->mirror))
		return err_set(err, 0, "%s: [registry \"%s\"] mirror %s: want "
			       "https://HOST[:PORT] (credentials go in the "
			       "mirror's own section)", config_path(), r->name, m);
	auth = strstr(m, "://") + 3;
	snprintf(r->host, sizeof(r->host), "%.*s", (int)strcspn(auth, "/"), auth);
	if (config_registry(r->host, &r->mconf, err) < 0)
		return -1;
	snprintf(r->mirror, sizeof(r->mirror), "%.*s", (int)n, m);
	strcpy(r->base, r->mirror);
	r->tls.ca_file = r->mconf.ca[0] ? r->mconf.ca : NULL;
	r->tls.insecure = r->mconf.insecure;
	return 0;
}

/* A failed mirror is left for the registry itself, for the rest of the
 * session; the caller tries again. 0 if there is no mirror to leave. */
static int mirror_leave(struct registry *r, const struct md_err *why)
{
	char msg[sizeof(why->msg) + 600];

	if (!r->mirror[0])
		return 0;
	snprintf(msg, sizeof(msg), "mirror %s: %s; pulling from %s", r->mirror,
		 why->msg, r->name);
	use_registry(r);
	if (r->mirror_left)
		r->mirror_left(r->user, msg);
	return 1;
}

int registry_open(struct registry *r, const struct ref *ref,
		  const char *md_root, struct md_err *err)
{
	memset(r, 0, sizeof(*r));
	r->md_root = md_root;
	snprintf(r->name, sizeof(r->name), "%s", ref->registry);
	snprintf(r->api_host, sizeof(r->api_host), "%s", ref->api_host);
	snprintf(r->repo, sizeof(r->repo), "%s", ref->repository);
	if (config_registry(ref->registry, &r->conf, err) < 0)
		return -1;
	use_registry(r);
	if (r->conf.mirror[0] && use_mirror(r, err) < 0)
		return -1;
	http_client_init(&r->hc);
	client_timeouts(&r->hc);
	return 0;
}

void registry_close(struct registry *r)
{
	http_client_free(&r->hc);
}

int registry_clone(struct registry *dst, const struct registry *src)
{
	const struct registry_conf *c;

	*dst = *src;
	c = dst->mirror[0] ? &dst->mconf : &dst->conf;
	dst->tls.ca_file = c->ca[0] ? c->ca : NULL;
	http_client_init(&dst->hc);
	client_timeouts(&dst->hc);
	return 0;
}

void registry_drop_mirror(struct registry *r)
{
	if (r->mirror[0])
		use_registry(r);
}

/* A mirror gets one try per request: the registry itself is the retry. */
static int tries(const struct registry *r)
{
	return r->mirror[0] ? 1 : REGISTRY_RETRIES;
}

/* Failures worth another try: the network, not the data or the peer's
 * identity. */
static int transient(const struct md_err *e)
{
	switch (e->errnum) {
	case ECONNRESET: case EPIPE: case ETIMEDOUT: case ECONNREFUSED:
	case ECONNABORTED: case ENETUNREACH: case EHOSTUNREACH: case EAGAIN:
		return 1;
	}
	return strstr(e->msg, "timed out") || strstr(e->msg, "connection closed");
}

static void backoff(int attempt, int retry_after)
{
	struct timespec ts;
	long ms = retry_after > 0 ? retry_after * 1000L : 250L << attempt;

	if (ms > 10000)
		ms = 10000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static size_t url_escape(char *out, size_t outlen, const char *s)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			if (o + 1 < outlen)
				out[o] = c;
			o++;
		} else {
			if (o + 3 < outlen) {
				out[o] = '%';
				out[o + 1] = hx[c >> 4];
				out[o + 2] = hx[c & 15];
			}
			o += 3;
		}
	}
	if (outlen)
		out[o < outlen ? o : outlen - 1] = 0;
	return o;
}

static int load_cred(struct registry *r, struct md_err *err)
{
	int found;

	if (r->cred_state)
		return 0;
	found = auth_lookup(r->host, config_path(), r->md_root, &r->cred, err);
	if (found < 0)
		return -1;
	r->cred_state = found == 0 ? 2 : 1;
	return 0;
}

/* Gets a Bearer token from the challenge's realm. */
static int fetch_token(struct registry *r, const struct www_auth *wa,
		       struct md_err *err)
{
	char url[HTTP_URL_MAX], scope[1200], esc[3 * 1200], basic[8300];
	struct http_request req = { .url = url };
	struct http_response resp = { 0 };
	struct auth_token tok;
	size_t len;
	char *body;
	int n, ret = -1;

	if (wa->scope[0])
		snprintf(scope, sizeof(scope), "%s", wa->scope);
	else
		snprintf(scope, sizeof(scope), "repository:%s:pull", r->repo);
	n = snprintf(url, sizeof(url), "%s%s", wa->realm,
		     strchr(wa->realm, '?') ? "&" : "?");
	if (wa->service[0]) {
		url_escape(esc, sizeof(esc), wa->service);
		n += snprintf(url + n, sizeof(url) - n, "service=%s&", esc);
	}
	/* Space-separated scopes each become a scope parameter. */
	for (char *s = strtok(scope, " "); s; s = strtok(NULL, " ")) {
		url_escape(esc, sizeof(esc), s);
		n += snprintf(url + n, sizeof(url) - n, "scope=%s&", esc);
	}
	if (n >= (int)sizeof(url))
		return err_set(err, 0, "token realm %s: URL too long", wa->realm);
	url[n - 1] = 0;
	if (load_cred(r, err) < 0)
		return -1;
	if (r->cred_state == 2) {
		/* Credentials only over TLS, or to the registry itself. */
		if (strncmp(url, "https://", 8) && !http_same_origin(url, r->base))
			return err_set(err, 0, "token realm %s: refusing to send "
				       "credentials over plain HTTP", wa->realm);
		if (auth_basic_header(&r->cred, basic, sizeof(basic), err) < 0)
			return -1;
		req.authorization = basic;
	}
	/* The token service may be a registry of md.ini of its own (its
	 * CA); the registry's settings apply when it is the same origin. */
	struct registry_conf rc;
	struct tls_opts rtls = { 0 };
	struct http_url u;
	if (http_same_origin(url, r->base)) {
		req.tls = &r->tls;
	} else if (http_url_parse(url, &u, err) == 0) {
		char hp[300];
		snprintf(hp, sizeof(hp), strchr(u.host, ':') ? "[%s]:%s" : "%s:%s",
			 u.host, u.port);
		if (config_registry(hp, &rc, err) < 0)
			return -1;
		if (!rc.ca[0] && !rc.insecure &&
		    config_registry(u.host, &rc, err) < 0)
			return -1;
		rtls.ca_file = rc.ca[0] ? rc.ca : NULL;
		rtls.insecure = rc.insecure;
		req.tls = &rtls;
	}
	if (http_request_follow(&r->hc, &req, 5, &resp, NULL, 0, err) < 0)
		return err_wrap(err, "token for %s/%s", r->host, r->repo);
	if (resp.status == 401 || resp.status == 403) {
		err_set(err, 0, "unauthorized: %s/%s: the token service refused "
			"the %s", r->host, r->repo,
			r->cred_state == 2 ? "credentials" : "anonymous request");
		goto out;
	}
	if (resp.status != 200) {
		err_set(err, 0, "token for %s/%s: %s answered %d", r->host,
			r->repo, wa->realm, resp.status);
		goto out;
	}
	body = http_read_all(&resp, 64 << 10, &len, err);
	if (!body)
		goto out;
	ret = auth_token_parse(body, len, &tok, err);
	free(body);
	if (ret == 0)
		snprintf(r->authz, sizeof(r->authz), "Bearer %s", tok.token);
out:
	http_response_end(&resp);
	return ret;
}

/* Answers a 401 challenge; the request is then tried again. */
static int authenticate(struct registry *r, const struct http_response *resp,
			struct md_err *err)
{
	const char *hdr = http_header(resp, "WWW-Authenticate");
	struct www_auth wa;

	if (!hdr)
		return err_set(err, 0, "unauthorized: %s/%s (no challenge)",
			       r->host, r->repo);
	if (www_auth_parse(hdr, strlen(hdr), &wa, err) < 0)
		return err_wrap(err, "%s: WWW-Authenticate", r->host);
	if (wa.scheme == WWW_AUTH_BEARER)
		return fetch_token(r, &wa, err);
	if (wa.scheme != WWW_AUTH_BASIC)
		return err_set(err, 0, "%s: unsupported authentication scheme %s",
			       r->host, wa.scheme_name);
	if (load_cred(r, err) < 0)
		return -1;
	if (r->cred_state != 2)
		return err_set(err, 0, "unauthorized: %s/%s: authentication "
			       "required (no credentials for %s)", r->host,
			       r->repo, r->host);
	return auth_basic_header(&r->cred, r->authz, sizeof(r->authz), err);
}

/* GET BASE/v2/REPO/PATH with auth, redirects and, for an insecure
 * registry, a fall back to plain HTTP. */
static int reg_get(struct registry *r, const char *path, const char *accept,
		   const char *range, struct http_response *resp,
		   struct md_err *err)
{
	char url[HTTP_URL_MAX];
	int authed = 0;

	for (;;) {
		struct http_request req = { .url = url, .accept = accept,
					    .range = range, .tls = &r->tls };
		snprintf(url, sizeof(url), "%s/v2/%s/%s", r->base, r->repo, path);
		req.authorization = r->authz[0] ? r->authz : NULL;
		memset(resp, 0, sizeof(*resp));
		if (http_request_follow(&r->hc, &req, 5, resp, NULL, 0, err) < 0) {
			if (r->tls.insecure && !r->plain_tried &&
			    !strncmp(r->base, "https://", 8)) {
				char plain[300];
				snprintf(plain, sizeof(plain), "http://%s", r->base + 8);
				strcpy(r->base, plain);
				r->plain_tried = 1;
				continue;
			}
			return -1;
		}
		r->plain_tried = 1;	/* the scheme works: keep it */
		if (resp->status != 401 || authed)
			break;
		authed = 1;
		if (authenticate(r, resp, err) < 0) {
			http_response_end(resp);
			return -1;
		}
		http_response_end(resp);
	}
	switch (resp->status) {
	case 401:
		err_set(err, 0, "unauthorized: %s/%s: the registry refused the "
			"credentials", r->host, r->repo);
		break;
	case 403:
		err_set(err, 0, "denied: %s/%s: access denied", r->host, r->repo);
		break;
	default:
		return 0;
	}
	http_response_end(resp);
	return -1;
}

static int retry_after(const struct http_response *resp)
{
	const char *v = http_header(resp, "Retry-After");

	return v ? atoi(v) : 0;
}

static int retryable_status(int status)
{
	return status == 429 || (status >= 500 && status <= 599);
}

/* GETs manifests/REFERENCE until it answers 200, retrying what may pass. */
static int manifest_open(struct registry *r, const char *reference,
			 struct http_response *resp, struct md_err *err)
{
	char path[300];
	/* name@sha256:... or name:tag, as the user wrote it */
	const char *sep = strncmp(reference, "sha256:", 7) ? ":" : "@";
	int attempt = 0;

	snprintf(path, sizeof(path), "manifests/%s", reference);
	for (;;) {
		int ra;
		if (reg_get(r, path, manifest_accept, NULL, resp, err) < 0) {
			if (transient(err) && ++attempt < tries(r)) {
				backoff(attempt, 0);
				continue;
			}
			return -1;
		}
		if (!retryable_status(resp->status) || ++attempt >= tries(r))
			break;
		ra = retry_after(resp);
		http_response_end(resp);
		backoff(attempt, ra);
	}
	if (resp->status == 200)
		return 0;
	if (resp->status == 404)
		err_set(err, 0, "manifest unknown: %s/%s%s%s not found",
			r->host, r->repo, sep, reference);
	else
		err_set(err, 0, "manifest %s/%s%s%s: the registry answered %d",
			r->host, r->repo, sep, reference, resp->status);
	http_response_end(resp);
	return -1;
}

int registry_manifest(struct registry *r, const char *reference,
		      struct manifest_doc *m, struct md_err *err)
{
	struct http_response resp;
	unsigned char d[SHA256_LEN];
	const char *ct, *dcd;
	const char *sep = strncmp(reference, "sha256:", 7) ? ":" : "@";

	memset(m, 0, sizeof(*m));
	if (manifest_open(r, reference, &resp, err) < 0 &&
	    (!mirror_leave(r, err) || manifest_open(r, reference, &resp, err) < 0))
		return -1;
	ct = http_header(&resp, "Content-Type");
	snprintf(m->type, sizeof(m->type), "%s", ct ? ct : "");
	if (strchr(m->type, ';'))
		*strchr(m->type, ';') = 0;
	dcd = http_header(&resp, "Docker-Content-Digest");
	char dcd_copy[80];
	snprintf(dcd_copy, sizeof(dcd_copy), "%s", dcd ? dcd : "");
	m->body = http_read_all(&resp, REGISTRY_MANIFEST_MAX, &m->len, err);
	http_response_end(&resp);
	if (!m->body)
		return err_wrap(err, "manifest %s/%s%s%s", r->host, r->repo,
				sep, reference);
	sha256_buf(m->body, m->len, d);
	sha256_str(m->digest, d);
	if (!strncmp(reference, "sha256:", 7) && strcmp(reference, m->digest))
		return err_set(err, 0, "manifest %s/%s@%s: digest mismatch: got %s",
			       r->host, r->repo, reference, m->digest);
	if (!strncmp(dcd_copy, "sha256:", 7) && strcmp(dcd_copy, m->digest))
		return err_set(err, 0, "manifest %s/%s%s%s: digest mismatch: the "
			       "registry says %s, the body is %s", r->host,
			       r->repo, sep, reference, dcd_copy, m->digest);
	return 0;
}

/* Opens blobs/DIGEST (from offset), retrying transient failures. */
static int blob_try(struct registry *r, const char *digest, uint64_t offset,
		    struct http_response *resp, struct md_err *err)
{
	char path[100], range[48];
	int attempt = 0;

	snprintf(path, sizeof(path), "blobs/%s", digest);
	snprintf(range, sizeof(range), "bytes=%llu-", (unsigned long long)offset);
	for (;;) {
		int ra;
		if (reg_get(r, path, NULL, offset ? range : NULL, resp, err) < 0) {
			if (transient(err) && ++attempt < tries(r)) {
				backoff(attempt, 0);
				continue;
			}
			return err_wrap(err, "blob %s", digest);
		}
		if (resp->status == 200 || resp->status == 206)
			return 0;
		if (!retryable_status(resp->status) || ++attempt >= tries(r))
			break;
		ra = retry_after(resp);
		http_response_end(resp);
		backoff(attempt, ra);
	}
	if (resp->status == 404)
		err_set(err, 0, "blob unknown: %s/%s@%s", r->host, r->repo, digest);
	else
		err_set(err, 0, "blob %s/%s@%s: the registry answered %d",
			r->host, r->repo, digest, resp->status);
	http_response_end(resp);
	return -1;
}

static int blob_open(struct registry *r, const char *digest, uint64_t offset,
		     struct http_response *resp, struct md_err *err)
{
	if (blob_try(r, digest, offset, resp, err) == 0)
		return 0;
	if (!mirror_leave(r, err))
		return -1;
	return blob_try(r, digest, offset, resp, err);
}

int registry_blob_small(struct registry *r, const char *digest, size_t max,
			char **buf, size_t *len, struct md_err *err)
{
	struct http_response resp;
	unsigned char d[SHA256_LEN];
	char got[SHA256_STR_LEN];

	if (blob_open(r, digest, 0, &resp, err) < 0)
		return -1;
	*buf = http_read_all(&resp, max, len, err);
	http_response_end(&resp);
	if (!*buf)
		return err_wrap(err, "blob %s", digest);
	sha256_buf(*buf, *len, d);
	sha256_str(got, d);
	if (strcmp(got, digest)) {
		free(*buf);
		*buf = NULL;
		return err_set(err, 0, "blob %s/%s@%s: digest mismatch: got %s",
			       r->host, r->repo, digest, got);
	}
	return 0;
}

/* Where a 206 answer starts ("bytes START-END/TOTAL"), or -1. */
static int64_t range_start(const struct http_response *resp)
{
	const char *v = http_header(resp, "Content-Range");
	unsigned long long start;

	if (!v || sscanf(v, "bytes %llu-", &start) != 1)
		return -1;
	return start;
}

int registry_blob_stream(struct registry *r, const char *digest,
			 uint64_t size, registry_sink_fn fn, void *user,
			 struct md_err *err)
{
	static __thread char buf[1 << 16];
	uint64_t done = 0;
	int attempt = 0, total = 0;

	for (;;) {
		struct http_response resp;
		uint64_t skip = 0;
		ssize_t n;

		if (blob_open(r, digest, done, &resp, err) < 0)
			return -1;
		if (resp.status == 200)
			skip = done;	/* Range ignored: the start again */
		else if (range_start(&resp) != (int64_t)done) {
			http_response_end(&resp);
			return err_set(err, 0, "blob %s: bad Content-Range", digest);
		}
		while ((n = http_read(&resp, buf, sizeof(buf), err)) > 0) {
			size_t off = 0;
			if (skip) {
				off = skip < (uint64_t)n ? skip : (uint64_t)n;
				skip -= off;
				if (off == (size_t)n)
					continue;
			}
			if (done + (n - off) > size) {
				http_response_end(&resp);
				return err_set(err, 0, "blob %s: larger than the %llu "
					       "bytes the manifest says", digest,
					       (unsigned long long)size);
			}
			if (fn(user, buf + off, n - off, err) < 0) {
				http_response_end(&resp);
				return -1;
			}
			done += n - off;
			attempt = 0;
		}
		http_response_end(&resp);
		if (n == 0 && !skip) {
			if (done != size)
				return err_set(err, 0, "blob %s: %llu bytes, the "
					       "manifest says %llu", digest,
					       (unsigned long long)done,
					       (unsigned long long)size);
			return 0;
		}
		if (n == 0)
			err_set(err, 0, "blob %s: body shorter than before", digest);
		/* Progress resets the count, but a server that always cuts
		 * early does not get retried for ever; a mirror that does is
		 * left, and the registry sends the rest. */
		if (!transient(err) || ++attempt >= REGISTRY_RETRIES ||
		    ++total >= 4 * REGISTRY_RETRIES) {
			err_wrap(err, "blob %s/%s", r->host, r->repo);
			if (!mirror_leave(r, err))
				return -1;
			attempt = total = 0;
			continue;
		}
		backoff(attempt, 0);
	}
}
