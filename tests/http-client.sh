#!/bin/sh
# Manual check of lib/http.c and lib/tls.c against real servers (not run by
# `make check`: it needs the network). Builds a tiny client from the library
# objects, fetches each URL (following redirects) and prints the status,
# a few headers, the body size, its digest and the time taken.
#   usage: tests/http-client.sh [-k] [-c CAFILE] [-a AUTHORIZATION] URL...
#   e.g.   tests/http-client.sh https://registry-1.docker.io/v2/
# -k: insecure (no certificate checks). Proxies come from the environment.
set -eu
cd "$(dirname "$0")/.."
make -s $(ls lib/*.c | sed 's|^|build/|; s|\.c$|.o|')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/client.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "http.h"
#include "sha256.h"

int main(int argc, char **argv)
{
	struct tls_opts tls = { 0 };
	struct http_client c;
	const char *auth = NULL;
	static char buf[65536];
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "kc:a:")) != -1) {
		if (opt == 'k')
			tls.insecure = 1;
		else if (opt == 'c')
			tls.ca_file = optarg;
		else if (opt == 'a')
			auth = optarg;
		else
			return 2;
	}
	http_client_init(&c);
	for (; optind < argc; optind++) {
		struct http_request rq = { .url = argv[optind], .tls = &tls,
			.authorization = auth,
			.accept = "application/vnd.oci.image.index.v1+json, "
				  "application/vnd.docker.distribution.manifest.v2+json, */*" };
		static const char *show[] = { "Content-Type", "Content-Length",
			"Transfer-Encoding", "Docker-Content-Digest",
			"WWW-Authenticate", "Location", NULL };
		struct http_response r;
		struct md_err e;
		struct sha256 s;
		char final[HTTP_URL_MAX], digest[SHA256_STR_LEN];
		struct timespec t0, t1;
		unsigned long long n = 0;
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (http_request_follow(&c, &rq, 5, &r, final, sizeof(final), &e) < 0) {
			printf("%s\n", e.msg);
			rc = 1;
			continue;
		}
		printf("%d %s  (%s)\n", r.status, r.head.reason, final);
		for (const char **h = show; *h; h++)
			if (http_header(&r, *h))
				printf("  %s: %s\n", *h, http_header(&r, *h));
		sha256_init(&s);
		while ((got = http_read(&r, buf, sizeof(buf), &e)) > 0) {
			sha256_update(&s, buf, got);
			n += got;
		}
		if (got < 0) {
			printf("%s\n", e.msg);
			rc = 1;
		}
		http_response_end(&r);
		sha256_final_str(&s, digest);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("  body: %llu bytes, %s, %.3f s\n", n, digest,
		       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	http_client_free(&c);
	return rc;
}
EOF
musl-gcc -D_GNU_SOURCE -Ilib -Ibuild/deps/include -Os -static \
	-o "$tmp/client" "$tmp/client.c" build/lib/*.o \
	build/deps/lib/libbearssl.a build/deps/lib/libz.a build/deps/lib/libinih.a
"$tmp/client" "$@"
