/* Unit tests for lib/ref.c: the references Docker rejects first, then
 * the normalization and formatting of good ones. */
#include <stdio.h>
#include <string.h>

#include "ref.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
	if (strcmp(g_, w_)) { failures++; fprintf(stderr, \
	"%s:%d: %s: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, g_, w_); } } while (0)

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect_bad(const char *s, const char *msg_part, int line)
{
	struct ref r;
	struct md_err err = { 0 };

	if (ref_parse(s, &r, &err) == 0) {
		failures++;
		fprintf(stderr, "test_ref.c:%d: \"%s\" parsed, want error\n",
			line, s);
		return;
	}
	if (msg_part && !strstr(err.msg, msg_part)) {
		failures++;
		fprintf(stderr, "test_ref.c:%d: \"%s\": error \"%s\" lacks \"%s\"\n",
			line, s, err.msg, msg_part);
	}
}
#define BAD(s, part) expect_bad(s, part, __LINE__)

static void expect_ok(const char *s, const char *registry, const char *api,
		      const char *repo, const char *tag, const char *digest,
		      int line)
{
	struct ref r;
	struct md_err err = { 0 };

	if (ref_parse(s, &r, &err) < 0) {
		failures++;
		fprintf(stderr, "test_ref.c:%d: \"%s\": %s\n", line, s, err.msg);
		return;
	}
	if (strcmp(r.registry, registry) || strcmp(r.api_host, api) ||
	    strcmp(r.repository, repo) || strcmp(r.tag, tag) ||
	    strcmp(r.digest, digest)) {
		failures++;
		fprintf(stderr, "test_ref.c:%d: \"%s\": got %s|%s|%s|%s|%s\n",
			line, s, r.registry, r.api_host, r.repository, r.tag,
			r.digest);
	}
}
#define OK(s, reg, api, repo, tag, dig) \
	expect_ok(s, reg, api, repo, tag, dig, __LINE__)

static void test_bad_names(void)
{
	char big[2048];

	BAD("", "empty reference");
	BAD("Busybox", "repository name (library/Busybox) must be lowercase");
	BAD("user/Img", "must be lowercase");
	BAD("quay.io/Org/x", "must be lowercase");
	BAD(HEX64, "cannot specify 64-byte hexadecimal strings");
	BAD("a..b", "bad separator");
	BAD("a___b", "bad separator");
	BAD("a._b", "bad separator");
	BAD("a_-b", "bad separator");
	BAD("-a", "must start with");
	BAD("_a", "must start with");
	BAD(".a", "must start with");
	BAD("a-", "must end with");
	BAD("a_", "must end with");
	BAD("a.", "must end with");
	BAD("a__", "must end with");
	BAD("a//b", "empty path component");
	BAD("a/", "empty path component");
	BAD("/a", "empty path component");
	BAD("quay.io/", "empty path component");
	BAD("a b", "bad character");
	BAD("a\tb", "bad character");
	BAD("a\nb", "bad character");
	BAD("a\x01" "b", "\"a?b\"");	/* control bytes not echoed raw */
	BAD("ab\xc3\xa9", "bad character");
	BAD("user/img/", "empty path component");
	BAD("a+b", "bad character");
	BAD("a~b", "bad character");

	/* 255 characters of path at most, library/ counting. */
	memset(big, 'a', 300);
	big[REF_PATH_MAX - 7] = 0;
	BAD(big, "must not be more than 255 characters");
	memset(big, 'a', 300);
	memcpy(big, "example.com/", 12);
	big[12 + REF_PATH_MAX + 1] = 0;
	BAD(big, "must not be more than 255 characters");
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = 0;
	BAD(big, "longer than 1024 bytes");
	CHECK(strlen(big) == sizeof(big) - 1);
}

static void test_bad_hosts(void)
{
	BAD("host:port/x", "bad port");
	BAD("host:/x", "bad host name");
	BAD("host:99999/x", "port out of range");
	BAD("host:0/x", "port out of range");
	BAD("host:5000:5000/x", "bad port");
	BAD("-host.com/x", "bad host name");
	BAD("host-.com/x", "bad host name");
	BAD("a..com/x", "bad host name");
	BAD(".com/x", "bad host name");
	BAD("com./x", "bad host name");
	BAD("ho_st.com/x", "bad host name");
	BAD("[]:5/x", "bad IPv6 address");
	BAD("[]/x", "must start with");	/* not a host: no '.' or ':' */
	BAD("[::1/x", "bad IPv6 address");
	BAD("[g::1]:5/x", "bad IPv6 address");
	BAD("[::1]x/x", "bad host name");
	BAD("[::1]:/x", "bad host name");
	BAD(":5000/x", "bad host name");
	BAD("localhost:5000/", "empty path component");
}

static void test_bad_tags_digests(void)
{
	char big[300];

	BAD("busybox:", "empty tag");
	BAD(":tag", "empty path component");
	BAD("busybox:-x", "tag must start with");
	BAD("busybox:.x", "tag must start with");
	BAD("busybox:a+b", "bad character in tag");
	BAD("busybox:a:b", "bad character in repository name");
	BAD("busybox:1.0/x", "bad port");	/* registry "busybox:1.0" */
	snprintf(big, sizeof(big), "busybox:%0129d", 0);
	BAD(big, "tag longer than 128");
	BAD("busybox@", "ALGORITHM:HEX");
	BAD("busybox@sha256:", "64 hex digits");
	BAD("@sha256:" HEX64, "empty");
	BAD("busybox@sha256:" HEX64 "0", "64 hex digits");
	BAD("busybox@sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcde", "64 hex digits");
	BAD("busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
	    "0123456789abcdef", "lowercase hex");
	BAD("busybox@sha256:g123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef", "lowercase hex");
	BAD("busybox@md5:0123456789abcdef0123456789abcdef", "unsupported");
	BAD("busybox@SHA256:" HEX64, "unsupported");
	BAD("busybox@sha256:" HEX64 "@sha256:" HEX64, "64 hex digits");
	BAD("busybox@sha256:" HEX64 ":tag", "64 hex digits");
	BAD("busybox:tag@", "ALGORITHM:HEX");
	BAD("busybox:@sha256:" HEX64, "empty tag");
}

static void test_good(void)
{
	const char *hub = "docker.io", *api = "registry-1.docker.io";
	char tag[200], big[300], want[310];

	OK("busybox", hub, api, "library/busybox", "latest", "");
	OK("busybox:1.36", hub, api, "library/busybox", "1.36", "");
	OK("user/img", hub, api, "user/img", "latest", "");
	OK("docker.io/busybox", hub, api, "library/busybox", "latest", "");
	OK("index.docker.io/user/x:1", hub, api, "user/x", "1", "");
	OK("docker.io/library/a/b", hub, api, "library/a/b", "latest", "");
	OK("registry-1.docker.io/x", "registry-1.docker.io",
	   "registry-1.docker.io", "x", "latest", "");
	OK("localhost/x", "localhost", "localhost", "x", "latest", "");
	OK("localhost:5000/ns/name:tag", "localhost:5000", "localhost:5000",
	   "ns/name", "tag", "");
	OK("127.0.0.1:5000/x", "127.0.0.1:5000", "127.0.0.1:5000", "x",
	   "latest", "");
	OK("[::1]:5000/x", "[::1]:5000", "[::1]:5000", "x", "latest", "");
	OK("[fe80::1]/x:v", "[fe80::1]", "[fe80::1]", "x", "v", "");
	OK("Foo/bar", "Foo", "Foo", "bar", "latest", "");	/* as Docker */
	OK("quay.io/a/b/c/d:v1.2.3", "quay.io", "quay.io", "a/b/c/d",
	   "v1.2.3", "");
	OK("my-reg.example.com:443/x", "my-reg.example.com:443",
	   "my-reg.example.com:443", "x", "latest", "");
	OK("localhost:5000", hub, api, "library/localhost", "5000", "");
	OK("localhost", hub, api, "library/localhost", "latest", "");
	OK("a__b/c-d/e---f/g.h/i_j", hub, api, "a__b/c-d/e---f/g.h/i_j",
	   "latest", "");
	OK("0", hub, api, "library/0", "latest", "");
	OK("busybox:_x", hub, api, "library/busybox", "_x", "");
	OK("busybox:A.b-C_d", hub, api, "library/busybox", "A.b-C_d", "");
	OK("busybox@sha256:" HEX64, hub, api, "library/busybox", "",
	   "sha256:" HEX64);
	OK("busybox:1@sha256:" HEX64, hub, api, "library/busybox", "1",
	   "sha256:" HEX64);
	OK("h:1/x:2@sha256:" HEX64, "h:1", "h:1", "x", "2", "sha256:" HEX64);
	OK("a" HEX64, hub, api, "library/a" HEX64, "latest", "");
	OK("x/" HEX64, hub, api, "x/" HEX64, "latest", "");
	snprintf(tag, sizeof(tag), "busybox:%0128d", 7);
	OK(tag, hub, api, "library/busybox", tag + 8, "");
	OK("quay.io", hub, api, "library/quay.io", "latest", "");

	/* Exactly 255 characters of path, with and without library/. */
	memset(big, 'a', sizeof(big));
	big[REF_PATH_MAX - 8] = 0;
	snprintf(want, sizeof(want), "library/%s", big);
	OK(big, hub, api, want, "latest", "");
	memcpy(big, "example.com/", 12);
	memset(big + 12, 'b', sizeof(big) - 12);
	big[12 + REF_PATH_MAX] = 0;
	OK(big, "example.com", "example.com", big + 12, "latest", "");
}

static void test_format(void)
{
	struct ref r;
	struct md_err err;
	char buf[REF_STR_MAX];
	size_t n;

	CHECK(ref_parse("busybox", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "busybox");
	ref_format_familiar(&r, buf, sizeof(buf));
	CHECK_STR(buf, "busybox:latest");
	n = ref_format_full(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/library/busybox:latest");
	CHECK(n == strlen(buf));
	CHECK_STR(ref_manifest_ref(&r), "latest");

	CHECK(ref_parse("user/x:v1", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "user/x");
	ref_format_full(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/user/x:v1");

	CHECK(ref_parse("docker.io/library/a/b", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "library/a/b");

	/* Without docker.io/ these would name another registry. */
	CHECK(ref_parse("docker.io/er.io/x", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/er.io/x");
	CHECK(ref_parse("docker.io/localhost/x:1", &r, &err) == 0);
	ref_format_familiar(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/localhost/x:1");
	CHECK(ref_parse("docker.io/library/localhost", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "localhost");

	CHECK(ref_parse("127.0.0.1:5000/ns/n:t", &r, &err) == 0);
	ref_format_name(&r, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1:5000/ns/n");
	ref_format_familiar(&r, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1:5000/ns/n:t");
	ref_format_full(&r, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1:5000/ns/n:t");

	CHECK(ref_parse("busybox@sha256:" HEX64, &r, &err) == 0);
	ref_format_familiar(&r, buf, sizeof(buf));
	CHECK_STR(buf, "busybox@sha256:" HEX64);
	ref_format_full(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/library/busybox@sha256:" HEX64);
	CHECK_STR(ref_manifest_ref(&r), "sha256:" HEX64);

	CHECK(ref_parse("busybox:1@sha256:" HEX64, &r, &err) == 0);
	ref_format_full(&r, buf, sizeof(buf));
	CHECK_STR(buf, "docker.io/library/busybox:1@sha256:" HEX64);
	CHECK_STR(ref_manifest_ref(&r), "sha256:" HEX64);

	/* Truncation: the needed length comes back, the output ends. */
	CHECK(ref_parse("busybox", &r, &err) == 0);
	n = ref_format_full(&r, buf, 10);
	CHECK(n == strlen("docker.io/library/busybox:latest"));
	CHECK_STR(buf, "docker.io");
	n = ref_format_familiar(&r, buf, 9);
	CHECK(n == 14);
	CHECK_STR(buf, "busybox:");
	CHECK(ref_format_full(&r, NULL, 0) == n + 18);
}

int main(void)
{
	test_bad_names();
	test_bad_hosts();
	test_bad_tags_digests();
	test_good();
	test_format();
	if (failures) {
		fprintf(stderr, "test_ref: %d failures\n", failures);
		return 1;
	}
	printf("test_ref: ok\n");
	return 0;
}
