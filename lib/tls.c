/* TLS client on BearSSL. Owns the trust store (system bundle and extra CA
 * files, decoded once into BearSSL trust anchors), a trimmed engine
 * profile (TLS 1.2, ECDHE, AES-GCM / ChaCha20-Poly1305: what registries
 * and CDNs speak, and far smaller than the "full" profile), an X.509
 * wrapper that adds IP address SAN checks and the explicit insecure mode,
 * and socket I/O whose every wait is bounded by poll(). */
#include "tls.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define DN_MAX 4096		/* longest subject DN kept for an anchor */
#define EE_MAX 65536		/* longest server certificate kept for IP checks */

struct anchors {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

/* Anchors of one extra CA file, after a copy of the system anchors. */
struct ca_file {
	struct ca_file *next;
	char *path;
	struct anchors all;
};

static struct anchors sys_anchors;
static int sys_state;			/* 0 unloaded, 1 loaded, -1 failed */
static struct md_err sys_err;
static struct ca_file *ca_files;

/* Verifies the chain with BearSSL's minimal engine, then, for a host given
 * as an IP address, matches it against the iPAddress SANs of the server
 * certificate (BearSSL itself matches DNS names only). In insecure mode it
 * only decodes the server's public key. */
struct x509_check {
	const br_x509_class *vtable;
	br_x509_minimal_context min;
	br_x509_decoder_context dec;
	int insecure, depth;
	unsigned char ip[16];
	size_t iplen;			/* 0 when the host is a DNS name */
	unsigned char *ee;		/* the server certificate, for IP checks */
	size_t ee_len, ee_cap;
};

struct tls {
	br_ssl_client_context cc;
	struct x509_check xc;
	br_sslio_context io;
	int fd, timeout_ms;
	int io_err, eof;		/* what the socket callbacks hit */
	char host[256];
	unsigned char buf[BR_SSL_BUFSIZE_MONO];
	/* Read ahead: BearSSL asks for each record's 5-byte header, then for
	 * its body; served from here, a 16 KiB record costs no system call
	 * of its own while the socket has data. */
	unsigned char rx[32768];
	size_t rx_off, rx_len;
};

/* ---- trust store ---- */

/* PEM is decoded here rather than with br_pem_decoder: that one runs
 * in BearSSL's T0 interpreter at under 10 MB/s, which made loading the
 * system bundle take ~30 ms; this loop takes well under 1 ms. */
enum { PEM_OUT, PEM_IN, PEM_END };

struct pem_load {
	br_x509_decoder_context xd;
	int state, bad;
	char line[48];			/* start of a line outside objects */
	size_t llen;
	uint32_t acc;			/* base64 bits not yet output */
	int bits, pad;
	unsigned char der[768];
	size_t dlen;
	unsigned char dn[DN_MAX];
	size_t dn_len;
	int dn_over;
};

static void dn_append(void *ctx, const void *buf, size_t len)
{
	struct pem_load *l = ctx;

	if (len > DN_MAX - l->dn_len) {
		l->dn_over = 1;
		return;
	}
	memcpy(l->dn + l->dn_len, buf, len);
	l->dn_len += len;
}

static int anchors_grow(struct anchors *a, size_t more)
{
	if (a->n + more <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 64;
	while (cap < a->n + more)
		cap *= 2;
	br_x509_trust_anchor *ta = realloc(a->ta, cap * sizeof(*ta));
	if (!ta)
		return -1;
	a->ta = ta;
	a->cap = cap;
	return 0;
}

/* Turns the certificate just decoded into an anchor. Certificates BearSSL
 * cannot use (unknown key types) are skipped: a bundle may hold some. */
static int anchor_add(struct anchors *a, struct pem_load *l)
{
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&l->xd);
	br_x509_trust_anchor *ta;
	unsigned char *mem;
	size_t klen;

	if (!pk || l->dn_over)
		return 0;
	if (pk->key_type == BR_KEYTYPE_RSA)
		klen = pk->key.rsa.nlen + pk->key.rsa.elen;
	else if (pk->key_type == BR_KEYTYPE_EC)
		klen = pk->key.ec.qlen;
	else
		return 0;
	if (anchors_grow(a, 1) < 0 || !(mem = malloc(l->dn_len + klen + 1)))
		return -1;
	ta = &a->ta[a->n++];
	memcpy(mem, l->dn, l->dn_len);
	ta->dn.data = mem;
	ta->dn.len = l->dn_len;
	ta->flags = br_x509_decoder_isCA(&l->xd) ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;
	mem += l->dn_len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(mem, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(mem + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = mem;
		ta->pkey.key.rsa.e = mem + pk->key.rsa.nlen;
	} else {
		memcpy(mem, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.q = mem;
	}
	return 0;
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

static void der_flush(struct pem_load *l)
{
	br_x509_decoder_push(&l->xd, l->der, l->dlen);
	l->dlen = 0;
}

/* Feeds PEM text: certificates (BEGIN CERTIFICATE or X509 CERTIFICATE)
 * are base64-decoded straight into the X.509 decoder; everything else,
 * comments and other objects, is skipped. */
static int pem_push(struct pem_load *l, struct anchors *a,
		    const unsigned char *p, size_t n)
{
	for (; n; p++, n--) {
		int ch = *p, v;
		if (l->state == PEM_OUT) {
			if (ch != '\n') {
				if (l->llen < sizeof(l->line) - 1)
					l->line[l->llen++] = ch;
				continue;
			}
			while (l->llen && (l->line[l->llen - 1] == '\r' ||
					   l->line[l->llen - 1] == ' '))
				l->llen--;
			l->line[l->llen] = 0;
			l->llen = 0;
			if (strcmp(l->line, "-----BEGIN CERTIFICATE-----") &&
			    strcmp(l->line, "-----BEGIN X509 CERTIFICATE-----"))
				continue;
			br_x509_decoder_init(&l->xd, dn_append, l);
			l->state = PEM_IN;
			l->bad = l->dn_over = l->bits = l->pad = 0;
			l->dn_len = l->dlen = 0;
		} else if (l->state == PEM_IN) {
			if ((v = b64val(ch)) >= 0 && !l->pad) {
				l->acc = l->acc << 6 | v;
				if ((l->bits += 6) >= 8) {
					l->bits -= 8;
					l->der[l->dlen++] = l->acc >> l->bits;
					if (l->dlen == sizeof(l->der))
						der_flush(l);
				}
			} else if (ch == '=') {
				l->pad = 1;
			} else if (ch == '-') {
				l->state = PEM_END;
			} else if (ch != '\n' && ch != '\r' && ch != ' ' &&
				   ch != '\t') {
				l->bad = 1;
			}
		} else if (ch == '\n') {	/* the END line is over */
			der_flush(l);
			if (!l->bad && anchor_add(a, l) < 0)
				return -ENOMEM;
			l->state = PEM_OUT;
		}
	}
	return 0;
}

/* Appends the certificates of a PEM file to a, reading it in small pieces
 * (a bundle is ~200 KiB; the decoded anchors are about half of that). */
static int load_pem_file(const char *path, struct anchors *a,
			 struct md_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free struct pem_load *l = NULL;
	unsigned char buf[4096];
	size_t before = a->n;
	int r = 0;

	if (fd < 0)
		return err_set(err, errno, "%s", path);
	if (!(l = calloc(1, sizeof(*l))))
		return err_set(err, ENOMEM, "%s", path);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, errno, "read %s", path);
		if (n == 0)	/* a last line without its newline */
			r = pem_push(l, a, (const unsigned char *)"\n", 1);
		else
			r = pem_push(l, a, buf, n);
		if (r < 0 || n == 0)
			break;
	}
	if (r == -ENOMEM)
		return err_set(err, ENOMEM, "%s", path);
	if (a->n == before)
		return err_set(err, 0, "%s: no usable certificates", path);
	return 0;
}

static const char *system_bundle(void)
{
	const char *f = getenv("SSL_CERT_FILE");

	return f && *f ? f : TLS_SYSTEM_BUNDLE;
}

int tls_system_anchors(struct md_err *err)
{
	if (!sys_state) {
		sys_state = 1;
		if (load_pem_file(system_bundle(), &sys_anchors, &sys_err) < 0)
			sys_state = -1;
	}
	if (sys_state < 0) {
		if (err)
			*err = sys_err;
		return -1;
	}
	return sys_anchors.n;
}

static const struct anchors *trust_load(const char *ca_file,
					struct md_err *err);

/* The anchors for a connection: the system's, plus those of ca_file,
 * loaded once per process; md-pull's workers may ask at the same time. */
static const struct anchors *trust_for(const char *ca_file,
				       struct md_err *err)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	const struct anchors *a;

	pthread_mutex_lock(&mu);
	a = trust_load(ca_file, err);
	pthread_mutex_unlock(&mu);
	return a;
}

static const struct anchors *trust_load(const char *ca_file,
					struct md_err *err)
{
	struct ca_file *c;
	int have_sys = tls_system_anchors(NULL) >= 0;

	if (!ca_file) {
		if (!have_sys)
			return err_set(err, 0, "no trusted CA certificates: %s",
				       sys_err.msg), NULL;
		return &sys_anchors;
	}
	for (c = ca_files; c; c = c->next)
		if (!strcmp(c->path, ca_file))
			return &c->all;
	if (!(c = calloc(1, sizeof(*c))) || !(c->path = strdup(ca_file)) ||
	    anchors_grow(&c->all, sys_anchors.n + 1) < 0)
		goto nomem;
	if (have_sys) {
		memcpy(c->all.ta, sys_anchors.ta,
		       sys_anchors.n * sizeof(*sys_anchors.ta));
		c->all.n = sys_anchors.n;
	}
	if (load_pem_file(ca_file, &c->all, err) < 0) {
		for (size_t i = have_sys ? sys_anchors.n : 0; i < c->all.n; i++)
			free(c->all.ta[i].dn.data);
		free(c->all.ta);
		free(c->path);
		free(c);
		return err_wrap(err, "CA file"), NULL;
	}
	c->next = ca_files;
	ca_files = c;
	return &c->all;
nomem:
	if (c)
		free(c->path);
	free(c);
	return err_set(err, ENOMEM, "CA file %s", ca_file), NULL;
}

/* ---- certificate checks ---- */

/* One DER element at *p: single-byte tag, definite length. */
static int der_next(const unsigned char **p, const unsigned char *end,
		    unsigned *tag, const unsigned char **val, size_t *len)
{
	const unsigned char *q = *p;
	size_t n;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	if ((*tag & 0x1f) == 0x1f)
		return -1;
	n = *q++;
	if (n & 0x80) {
		int k = n & 0x7f;
		if (k < 1 || k > 3 || end - q < k)
			return -1;
		for (n = 0; k--;)
			n = n << 8 | *q++;
	}
	if (n > (size_t)(end - q))
		return -1;
	*val = q;
	*len = n;
	*p = q + n;
	return 0;
}

/* Enters the element at *p if it has the wanted tag: [*p, *end) becomes
 * its contents. */
static int der_enter(const unsigned char **p, const unsigned char **end,
		     unsigned want)
{
	const unsigned char *v;
	unsigned tag;
	size_t n;

	if (der_next(p, *end, &tag, &v, &n) < 0 || tag != want)
		return -1;
	*p = v;
	*end = v + n;
	return 0;
}

/* True if the certificate has a subjectAltName iPAddress equal to ip. */
static int san_has_ip(const unsigned char *der, size_t len,
		      const unsigned char *ip, size_t iplen)
{
	static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 };
	const unsigned char *p = der, *end = der + len, *v;
	unsigned tag;
	size_t n;

	if (der_enter(&p, &end, 0x30) < 0 || der_enter(&p, &end, 0x30) < 0)
		return 0;
	for (;;) {		/* tbsCertificate fields up to [3] extensions */
		const unsigned char *q = p;
		if (der_next(&q, end, &tag, &v, &n) < 0)
			return 0;
		if (tag == 0xa3)
			break;
		p = q;
	}
	if (der_enter(&p, &end, 0xa3) < 0 || der_enter(&p, &end, 0x30) < 0)
		return 0;
	while (p < end) {
		const unsigned char *e = p, *eend = end;
		if (der_next(&p, end, &tag, &v, &n) < 0 || tag != 0x30)
			return 0;
		if (der_enter(&e, &eend, 0x30) < 0 ||
		    der_next(&e, eend, &tag, &v, &n) < 0 || tag != 0x06)
			return 0;
		if (n != sizeof(san_oid) || memcmp(v, san_oid, n))
			continue;
		if (der_next(&e, eend, &tag, &v, &n) < 0)
			return 0;
		if (tag == 0x01 && der_next(&e, eend, &tag, &v, &n) < 0)
			return 0;	/* skipped "critical" */
		if (tag != 0x04)
			return 0;
		e = v;
		eend = v + n;
		if (der_enter(&e, &eend, 0x30) < 0)
			return 0;
		while (e < eend) {
			if (der_next(&e, eend, &tag, &v, &n) < 0)
				return 0;
			if (tag == 0x87 && n == iplen && !memcmp(v, ip, n))
				return 1;
		}
		return 0;
	}
	return 0;
}

#define XC(ctx) ((struct x509_check *)(void *)(ctx))

static void xc_start_chain(const br_x509_class **ctx, const char *name)
{
	struct x509_check *x = XC(ctx);

	x->depth = 0;
	x->ee_len = 0;
	if (!x->insecure)
		x->min.vtable->start_chain(&x->min.vtable, name);
}

static void xc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509_check *x = XC(ctx);

	if (x->depth == 0 && x->insecure)
		br_x509_decoder_init(&x->dec, NULL, NULL);
	if (x->depth == 0 && x->iplen) {
		free(x->ee);
		x->ee = length <= EE_MAX ? malloc(length ? length : 1) : NULL;
		x->ee_cap = x->ee ? length : 0;
		x->ee_len = 0;
	}
	if (!x->insecure)
		x->min.vtable->start_cert(&x->min.vtable, length);
}

static void xc_append(const br_x509_class **ctx, const unsigned char *buf,
		      size_t len)
{
	struct x509_check *x = XC(ctx);

	if (x->depth == 0 && x->insecure)
		br_x509_decoder_push(&x->dec, buf, len);
	if (x->depth == 0 && x->ee && len <= x->ee_cap - x->ee_len) {
		memcpy(x->ee + x->ee_len, buf, len);
		x->ee_len += len;
	}
	if (!x->insecure)
		x->min.vtable->append(&x->min.vtable, buf, len);
}

static void xc_end_cert(const br_x509_class **ctx)
{
	struct x509_check *x = XC(ctx);

	if (!x->insecure)
		x->min.vtable->end_cert(&x->min.vtable);
	x->depth++;
}

static unsigned xc_end_chain(const br_x509_class **ctx)
{
	struct x509_check *x = XC(ctx);
	unsigned r;

	if (x->insecure) {
		if (!x->depth)
			return BR_ERR_X509_EMPTY_CHAIN;
		if (br_x509_decoder_get_pkey(&x->dec))
			return 0;
		r = br_x509_decoder_last_error(&x->dec);
		return r ? r : BR_ERR_X509_UNSUPPORTED;
	}
	r = x->min.vtable->end_chain(&x->min.vtable);
	if (!r && x->iplen && !san_has_ip(x->ee, x->ee_len, x->ip, x->iplen))
		r = BR_ERR_X509_BAD_SERVER_NAME;
	return r;
}

static const br_x509_pkey *xc_get_pkey(const br_x509_class *const *ctx,
				       unsigned *usages)
{
	struct x509_check *x = XC(ctx);

	if (!x->insecure)
		return x->min.vtable->get_pkey(&x->min.vtable, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&x->dec);
}

static const br_x509_class x509_check_class = {
	sizeof(struct x509_check), xc_start_chain, xc_start_cert, xc_append,
	xc_end_cert, xc_end_chain, xc_get_pkey,
};

/* ---- engine and I/O ---- */

static void engine_setup(struct tls *t, const struct anchors *a)
{
	/* AES-GCM first where AES-NI makes it the fastest, else ChaCha. */
	static const uint16_t aes_first[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}, chacha_first[] = {
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};
	static const br_hash_class *const hashes[] = {
		&br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable,
		&br_sha384_vtable, &br_sha512_vtable,
	};
	br_ssl_engine_context *eng = &t->cc.eng;
	struct x509_check *x = &t->xc;

	br_ssl_client_zero(&t->cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	if (br_aes_x86ni_ctr_get_vtable())
		br_ssl_engine_set_suites(eng, aes_first, ARRAY_SIZE(aes_first));
	else
		br_ssl_engine_set_suites(eng, chacha_first,
					 ARRAY_SIZE(chacha_first));
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_ec(eng, &br_ec_all_m31);
	br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	if (!x->insecure) {
		br_x509_minimal_init(&x->min, &br_sha256_vtable, a->ta, a->n);
		br_x509_minimal_set_rsa(&x->min, &br_rsa_i31_pkcs1_vrfy);
		br_x509_minimal_set_ecdsa(&x->min, &br_ec_all_m31,
					  &br_ecdsa_i31_vrfy_asn1);
	}
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++) {
		int id = (hashes[i]->desc >> BR_HASHDESC_ID_OFF) &
			 BR_HASHDESC_ID_MASK;
		br_ssl_engine_set_hash(eng, id, hashes[i]);
		if (!x->insecure)
			br_x509_minimal_set_hash(&x->min, id, hashes[i]);
	}
	x->vtable = &x509_check_class;
	br_ssl_engine_set_x509(eng, &x->vtable);
	br_ssl_engine_set_buffer(eng, t->buf, sizeof(t->buf), 0);
}

static int sock_wait(struct tls *t, short events)
{
	struct pollfd p = { .fd = t->fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, t->timeout_ms > 0 ? t->timeout_ms : -1);
		if (r > 0)
			return 0;
		if (r == 0) {
			t->io_err = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR) {
			t->io_err = errno;
			return -1;
		}
	}
}

/* The socket is non-blocking: read first, and wait (bounded) only when
 * nothing is there. */
static int sock_read(void *ctx, unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	size_t n;

	while (t->rx_off == t->rx_len) {
		ssize_t r = read(t->fd, t->rx, sizeof(t->rx));
		if (r > 0) {
			t->rx_off = 0;
			t->rx_len = r;
		} else if (r == 0) {
			t->eof = 1;
			return -1;
		} else if (errno == EAGAIN) {
			if (sock_wait(t, POLLIN) < 0)
				return -1;
		} else if (errno != EINTR) {
			t->io_err = errno;
			return -1;
		}
	}
	n = t->rx_len - t->rx_off < len ? t->rx_len - t->rx_off : len;
	memcpy(buf, t->rx + t->rx_off, n);
	t->rx_off += n;
	return n;
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls *t = ctx;

	for (;;) {
		if (sock_wait(t, POLLOUT) < 0)
			return -1;
		ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN) {
			t->io_err = errno;
			return -1;
		}
	}
}

static const char *x509_reason(int e)
{
	switch (e) {
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate not trusted";
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "host name mismatch";
	case BR_ERR_X509_TIME_UNKNOWN:
		return "system time unknown";
	case BR_ERR_X509_NOT_CA:
		return "certificate chain invalid: issuer is not a CA";
	case BR_ERR_X509_BAD_SIGNATURE:
		return "bad certificate signature";
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		return "certificate key too weak";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
		return "certificate key usage forbids TLS";
	case BR_ERR_X509_CRITICAL_EXTENSION:
		return "certificate has an unsupported critical extension";
	case BR_ERR_X509_LIMIT_EXCEEDED:
		return "certificate chain too large";
	case BR_ERR_X509_EMPTY_CHAIN:
		return "server sent no certificate";
	case BR_ERR_X509_UNSUPPORTED:
	case BR_ERR_X509_WRONG_KEY_TYPE:
		return "unsupported certificate key or signature";
	}
	return NULL;
}

static const char *alert_name(int a)
{
	switch (a) {
	case 40: return "handshake failure";
	case 42: case 43: case 46: return "bad certificate";
	case 45: return "certificate expired";
	case 48: return "unknown CA";
	case 70: return "protocol version";
	case 71: return "insufficient security";
	case 80: return "internal error";
	case 112: return "unrecognized name";
	}
	return "alert";
}

/* Sets err from the engine's state: "WHAT HOST: why". */
static int tls_fail(struct tls *t, const char *what, struct md_err *err)
{
	int e = br_ssl_engine_last_error(&t->cc.eng);
	const char *why = x509_reason(e);

	if (why)
		return err_set(err, 0, "%s %s: %s", what, t->host, why);
	if (e == BR_ERR_IO || e == BR_ERR_OK) {
		if (t->io_err == ETIMEDOUT && t->timeout_ms % 1000)
			return err_set(err, 0, "%s %s: timed out after %d ms",
				       what, t->host, t->timeout_ms);
		if (t->io_err == ETIMEDOUT)
			return err_set(err, 0, "%s %s: timed out after %d s",
				       what, t->host, t->timeout_ms / 1000);
		if (t->io_err)
			return err_set(err, t->io_err, "%s %s", what, t->host);
		if (t->eof)
			return err_set(err, 0, "%s %s: connection closed by peer",
				       what, t->host);
		return err_set(err, 0, "%s %s: connection closed", what, t->host);
	}
	if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT)
		return err_set(err, 0, "%s %s: server sent alert %d (%s)", what,
			       t->host, e - BR_ERR_RECV_FATAL_ALERT,
			       alert_name(e - BR_ERR_RECV_FATAL_ALERT));
	if (e == BR_ERR_UNSUPPORTED_VERSION)
		return err_set(err, 0, "%s %s: server does not speak TLS 1.2",
			       what, t->host);
	return err_set(err, 0, "%s %s: TLS protocol error %d", what, t->host, e);
}

struct tls *tls_connect(int fd, const char *host, const struct tls_opts *o,
			int timeout_ms, struct md_err *err)
{
	const struct anchors *a = NULL;
	struct tls *t;
	unsigned char seed[32];
	int ip;

	if (strlen(host) >= sizeof(t->host))
		return err_set(err, 0, "TLS handshake with %.64s...: host name "
			       "too long", host), NULL;
	if (!(o && o->insecure) && !(a = trust_for(o ? o->ca_file : NULL, err)))
		return err_wrap(err, "TLS handshake with %s", host), NULL;
	if (!(t = calloc(1, sizeof(*t))))
		return err_set(err, ENOMEM, "TLS handshake with %s", host), NULL;
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	strcpy(t->host, host);
	t->xc.insecure = o && o->insecure;
	if (inet_pton(AF_INET, host, t->xc.ip) == 1)
		t->xc.iplen = 4;
	else if (inet_pton(AF_INET6, host, t->xc.ip) == 1)
		t->xc.iplen = 16;
	ip = t->xc.iplen != 0;
	engine_setup(t, a);
	if (random_bytes(seed, sizeof(seed)) == 0)
		br_ssl_engine_inject_entropy(&t->cc.eng, seed, sizeof(seed));
	/* An IP is neither sent as SNI (RFC 6066) nor given to BearSSL's
	 * DNS name check; xc_end_chain matches it against the SANs. */
	if (!br_ssl_client_reset(&t->cc, ip ? NULL : host, 0)) {
		tls_fail(t, "TLS handshake with", err);
		tls_free(t);
		return NULL;
	}
	br_sslio_init(&t->io, &t->cc.eng, sock_read, t, sock_write, t);
	if (br_sslio_flush(&t->io) < 0) {
		tls_fail(t, "TLS handshake with", err);
		tls_free(t);
		return NULL;
	}
	return t;
}

ssize_t tls_read(struct tls *t, void *buf, size_t len, struct md_err *err)
{
	int n;
	int e;

	if (len > 1 << 30)
		len = 1 << 30;
	n = br_sslio_read(&t->io, buf, len);
	if (n > 0 || !len)
		return n;
	e = br_ssl_engine_last_error(&t->cc.eng);
	if (e == BR_ERR_OK || (e == BR_ERR_IO && t->eof && !t->io_err))
		return 0;
	return tls_fail(t, "TLS read from", err);
}

int tls_write(struct tls *t, const void *buf, size_t len, struct md_err *err)
{
	if (br_sslio_write_all(&t->io, buf, len) < 0 ||
	    br_sslio_flush(&t->io) < 0) {
		if (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_RECVAPP)
			return err_set(err, 0, "TLS write to %s: unread data "
				       "from the server", t->host);
		return tls_fail(t, "TLS write to", err);
	}
	return 0;
}

int tls_pending(const struct tls *t)
{
	return t->rx_off != t->rx_len;
}

void tls_set_timeout(struct tls *t, int timeout_ms)
{
	t->timeout_ms = timeout_ms;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	free(t->xc.ee);
	free(t);
}
