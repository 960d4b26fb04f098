/* TLS 1.2 client over a connected socket, on BearSSL: trust anchors from
 * the system bundle plus optional per-registry CA files (loaded lazily,
 * once), SNI, chain and host name verification (DNS names and IP address
 * SANs), ECDHE with AES-GCM or ChaCha20-Poly1305, and poll()-bounded
 * socket waits. */
#ifndef MD_TLS_H
#define MD_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define TLS_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct tls_opts {
	const char *ca_file;	/* extra trusted CA PEM file, or NULL */
	int insecure;		/* accept any certificate and name (opt-in) */
};

struct tls;	/* one connection; opaque, about 24 KiB */

/* Runs the handshake on the connected socket fd for host (a DNS name or
 * an IP literal without brackets; it is also sent as SNI unless it is an
 * IP). o may be NULL (system trust, verified). Every wait for the peer is
 * bounded by timeout_ms. The fd stays the caller's. Errors read "TLS
 * handshake with HOST: certificate not trusted" and the like. */
struct tls *tls_connect(int fd, const char *host, const struct tls_opts *o,
			int timeout_ms, struct md_err *err);
/* Reads application data: bytes read, 0 when the peer closed (close_notify
 * or end of the TCP stream), -1 with err set. */
ssize_t tls_read(struct tls *t, void *buf, size_t len, struct md_err *err);
/* Writes all of buf and flushes it to the socket. */
int tls_write(struct tls *t, const void *buf, size_t len, struct md_err *err);
/* 1 if bytes read from the socket wait in the read-ahead, not yet taken
 * by the TLS engine: an idle connection with some is not reused (they
 * are junk, or an alert), as one whose socket is readable. */
int tls_pending(const struct tls *t);
void tls_set_timeout(struct tls *t, int timeout_ms);
void tls_free(struct tls *t);

/* Loads the system bundle now (it otherwise loads at the first verified
 * handshake) and returns its number of anchors, or -1 with err set. */
int tls_system_anchors(struct md_err *err);

#endif
