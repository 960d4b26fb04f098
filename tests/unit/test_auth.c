/* Unit tests for lib/auth.c: WWW-Authenticate parsing (odd quoting and
 * whitespace, unterminated and oversized values first), base64, the
 * credential sources and their precedence, and the token reply. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "util.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
	if (strcmp(g_, w_)) { failures++; fprintf(stderr, \
	"%s:%d: %s: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, g_, w_); } } while (0)
#define CHECK_ERR(call, part) do { struct md_err e_ = { 0 }; \
	if ((call(&e_)) != -1 || !strstr(e_.msg, part)) { failures++; \
	fprintf(stderr, "%s:%d: want error with \"%s\", got \"%s\"\n", \
		__FILE__, __LINE__, part, e_.msg); } } while (0)

static struct www_auth wa;

static int hdr(const char *s, struct md_err *err)
{
	return www_auth_parse(s, strlen(s), &wa, err);
}

static void hdr_bad(const char *s, const char *part, int line)
{
	struct md_err err = { 0 };

	if (hdr(s, &err) != -1 || !strstr(err.msg, part)) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: [%s]: want error \"%s\", got "
			"\"%s\"\n", line, s, part, err.msg);
	}
}
#define HDR_BAD(s, part) hdr_bad(s, part, __LINE__)

static void hdr_ok(const char *s, int line)
{
	struct md_err err = { 0 };

	if (hdr(s, &err) < 0) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: [%s]: %s\n", line, s, err.msg);
	}
}
#define HDR_OK(s) hdr_ok(s, __LINE__)

static void test_www_auth_bad(void)
{
	struct md_err err;
	char big[20000];

	HDR_BAD("", "no challenge");
	HDR_BAD("  , ,\t", "no challenge");
	HDR_BAD("Bearer realm=\"https://x", "unterminated quoted string");
	HDR_BAD("Bearer realm=\"x\\", "unterminated quoted string");
	HDR_BAD("Bearer realm=\"x\\\"", "unterminated quoted string");
	HDR_BAD("Bearer realm=\"a\x01" "b\"", "control character");
	HDR_BAD("Bearer realm=\"a\nb\"", "control character");
	HDR_BAD("Bearer realm=\"a\\\x7f\"", "control character");
	HDR_BAD("Bearer service=\"s\"", "Bearer challenge without realm");
	HDR_BAD("Bearer", "Bearer challenge without realm");
	HDR_BAD("Bearer realm=", "Bearer challenge without realm");
	HDR_BAD("Bearer realm=\"\"", "empty realm");
	HDR_BAD("Bearer realm=\"a\",realm=\"b\"", "duplicate realm");
	HDR_BAD("Bearer realm=\"a\",service=b,SERVICE=c", "duplicate SERVICE");
	HDR_BAD("Bearer realm=\"r\" service=\"s\"", "expected ','");
	HDR_BAD("Bearer realm=https://x", "expected ','");	/* not a token */
	HDR_BAD("Bearer\"realm\"", "expected a space after the scheme");
	HDR_BAD("Bearer=x", "expected a space after the scheme");
	HDR_BAD("=Bearer", "expected an authentication scheme");
	HDR_BAD("\"Bearer\"", "expected an authentication scheme");
	HDR_BAD("Basic Bearer realm=x", "bad character after token68");
	HDR_BAD("Basic abc==x", "bad character after token68");
	HDR_BAD("Basic @", "bad character");
	HDR_BAD("Bearer realm=\"r\", service=\"s\"x", "expected ','");
	HDR_BAD("Averyveryveryveryverylongschemename realm=x",
		"scheme name too long");

	/* A realm one byte too long, one that just fits, a huge header. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=\"", 14);
	memcpy(big + 14 + 1024, "\"", 2);
	HDR_BAD(big, "realm longer than 1023 bytes");
	memcpy(big + 14 + 1023, "\"", 2);
	HDR_OK(big);
	CHECK(strlen(wa.realm) == 1023);
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=", 13);
	big[13 + 1024] = 0;
	HDR_BAD(big, "realm longer than 1023 bytes");
	memset(big, ' ', sizeof(big));
	memcpy(big, "Bearer realm=r", 14);
	big[sizeof(big) - 1] = 0;
	HDR_BAD(big, "longer than 16384 bytes");
	/* Many scopes that together overflow. */
	strcpy(big, "Bearer realm=r");
	for (int i = 0; i < 200; i++)
		strcat(big, ",scope=\"repository:x:pull\"");
	HDR_BAD(big, "scope longer than");
	memset(big, 'e', 100);
	memcpy(big, "Bearer realm=r,error=", 21);
	big[100] = 0;
	HDR_BAD(big, "error longer than 63 bytes");

	/* A NUL inside the given length is a control character, and the
	 * parser never reads past len. */
	CHECK(www_auth_parse("Bearer realm=\"a\0b\"", 18, &wa, &err) == -1);
	CHECK(www_auth_parse("Bearer realm=\"abc\"XXXX", 17, &wa, &err) == -1);
	CHECK(strstr(err.msg, "unterminated"));
}

static void test_www_auth_good(void)
{
	HDR_OK("Bearer realm=\"https://auth.docker.io/token\","
	       "service=\"registry.docker.io\","
	       "scope=\"repository:library/busybox:pull\"");
	CHECK(wa.scheme == WWW_AUTH_BEARER);
	CHECK_STR(wa.scheme_name, "Bearer");
	CHECK_STR(wa.realm, "https://auth.docker.io/token");
	CHECK_STR(wa.service, "registry.docker.io");
	CHECK_STR(wa.scope, "repository:library/busybox:pull");
	CHECK_STR(wa.error, "");

	HDR_OK("bEARER REALM=r");
	CHECK(wa.scheme == WWW_AUTH_BEARER);
	CHECK_STR(wa.realm, "r");

	HDR_OK("BASIC realm=\"Registry Realm\"");
	CHECK(wa.scheme == WWW_AUTH_BASIC);
	CHECK_STR(wa.realm, "Registry Realm");

	HDR_OK("Basic");
	CHECK(wa.scheme == WWW_AUTH_BASIC);

	HDR_OK("Bearer  realm = \"x\" ,\t service\t=\ty ,scope=\"a b\"  ");
	CHECK_STR(wa.realm, "x");
	CHECK_STR(wa.service, "y");
	CHECK_STR(wa.scope, "a b");

	HDR_OK("Bearer realm=\"https://a/\\\"q\\\"\",service=\"a\\\\b\\c\"");
	CHECK_STR(wa.realm, "https://a/\"q\"");
	CHECK_STR(wa.service, "a\\bc");

	HDR_OK("Bearer realm=\"https://a/t?x=1,2, Basic realm=b\",service=s");
	CHECK(wa.scheme == WWW_AUTH_BEARER);
	CHECK_STR(wa.realm, "https://a/t?x=1,2, Basic realm=b");
	CHECK_STR(wa.service, "s");

	HDR_OK("Bearer realm=r,scope=\"repository:a:pull\","
	       "scope=\"repository:b:pull,push\",scope=\"\"");
	CHECK_STR(wa.scope, "repository:a:pull repository:b:pull,push");
	HDR_OK("Bearer realm=r,scope=\"\",scope=x");
	CHECK_STR(wa.scope, "x");

	/* Several challenges: Bearer wins, then Basic, then the first. */
	HDR_OK("Basic realm=\"b\", Bearer realm=\"r\",service=\"s\"");
	CHECK(wa.scheme == WWW_AUTH_BEARER);
	CHECK_STR(wa.realm, "r");
	CHECK_STR(wa.service, "s");
	HDR_OK("Negotiate, Basic realm=\"x\"");
	CHECK(wa.scheme == WWW_AUTH_BASIC);
	CHECK_STR(wa.realm, "x");
	HDR_OK("Negotiate abc==, NTLM, Basic realm=x, Digest nonce=\"n\", "
	       "Bearer realm=r,,, error=\"invalid_token\",,");
	CHECK(wa.scheme == WWW_AUTH_BEARER);
	CHECK_STR(wa.realm, "r");
	CHECK_STR(wa.error, "invalid_token");
	HDR_OK("Negotiate a/b+c~d=");
	CHECK(wa.scheme == WWW_AUTH_OTHER);
	CHECK_STR(wa.scheme_name, "Negotiate");
	HDR_OK(", ,Bearer realm=\"r\",");
	CHECK_STR(wa.realm, "r");

	/* Unknown parameters, quoted or not, are skipped. */
	HDR_OK("Bearer foo=\"bar\\\"baz,qux\",realm=r,x=y,"
	       "error=\"insufficient_scope\"");
	CHECK_STR(wa.realm, "r");
	CHECK_STR(wa.error, "insufficient_scope");
	HDR_OK("Bearer realm=\"caf\xc3\xa9\"");	/* obs-text */
	CHECK_STR(wa.realm, "caf\xc3\xa9");
}

static void test_base64(void)
{
	unsigned char all[256], back[300];
	char enc[400], small[5];
	const char *bad[] = { "Zg=", "Zg", "Z===", "====", "=Zg=", "Zg==Zg==",
			      "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zg=a", "Zm9v=",
			      "Z-8=", "Z_8=", "Zm9v====", "\xff\xff\xff\xff" };
	ssize_t n;

	CHECK(base64_encode(enc, sizeof(enc), "", 0) == 0);
	CHECK_STR(enc, "");
	base64_encode(enc, sizeof(enc), "f", 1);
	CHECK_STR(enc, "Zg==");
	base64_encode(enc, sizeof(enc), "fo", 2);
	CHECK_STR(enc, "Zm8=");
	base64_encode(enc, sizeof(enc), "foo", 3);
	CHECK_STR(enc, "Zm9v");
	CHECK(base64_encode(enc, sizeof(enc), "foobar", 6) == 8);
	CHECK_STR(enc, "Zm9vYmFy");
	CHECK(base64_encode(small, sizeof(small), "foobar", 6) == 8);
	CHECK_STR(small, "Zm9v");
	CHECK(base64_encode(NULL, 0, "foobar", 6) == 8);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		n = base64_decode(back, sizeof(back), bad[i], strlen(bad[i]));
		if (n != -1) {
			failures++;
			fprintf(stderr, "test_auth.c: base64 \"%s\" decoded\n",
				bad[i]);
		}
	}
	CHECK(base64_decode(back, sizeof(back), "", 0) == 0);
	CHECK(base64_decode(back, sizeof(back), "Zg==", 4) == 1 && back[0] == 'f');
	CHECK(base64_decode(back, sizeof(back), "Zm8=", 4) == 2 &&
	      !memcmp(back, "fo", 2));
	CHECK(base64_decode(back, sizeof(back), "Zm9vYmFy", 8) == 6 &&
	      !memcmp(back, "foobar", 6));
	CHECK(base64_decode(back, 5, "Zm9vYmFy", 8) == -1);
	CHECK(base64_decode(back, 6, "Zm9vYmFy", 8) == 6);
	CHECK(base64_decode(back, 1, "Zm8=", 4) == -1);

	for (int i = 0; i < 256; i++)
		all[i] = i;
	for (size_t len = 0; len <= 256; len += 1 + len / 4) {
		size_t e = base64_encode(enc, sizeof(enc), all, len);
		CHECK(e == strlen(enc) && e % 4 == 0);
		n = base64_decode(back, sizeof(back), enc, e);
		CHECK(n == (ssize_t)len && !memcmp(back, all, len));
	}
}

/* --- credentials --- */

static char dir[64];

static void put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0) {
		perror(path);
		exit(1);
	}
	fchmod(fd, mode);
	close(fd);
}

static char mdini[128], root[128];
static struct auth_cred cred;

static int lookup(const char *host, struct md_err *err)
{
	return auth_lookup(host, mdini, root, &cred, err);
}

#define LOOKUP_ERR(host, part) do { struct md_err e_ = { 0 }; \
	int r_ = lookup(host, &e_); \
	if (r_ != -1 || !strstr(e_.msg, part)) { failures++; fprintf(stderr, \
	"%s:%d: %s: want error \"%s\", got %d \"%s\"\n", __FILE__, __LINE__, \
	host, part, r_, e_.msg); } } while (0)

static void expect_cred(const char *host, const char *user, const char *pass,
			const char *src, int line)
{
	struct md_err err = { 0 };
	int r = lookup(host, &err);

	if (r != 0 || strcmp(cred.username, user) ||
	    strcmp(cred.password, pass) || !strstr(cred.source, src)) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: %s: got %d %s:%s from %s (%s)\n",
			line, host, r, cred.username, cred.password, cred.source,
			err.msg);
	}
}
#define CRED(host, user, pass, src) expect_cred(host, user, pass, src, __LINE__)

static void expect_none(const char *host, int line)
{
	struct md_err err = { 0 };
	int r = lookup(host, &err);

	if (r != 1 || cred.username[0] || cred.password[0]) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: %s: got %d %s (%s)\n", line,
			host, r, cred.username, err.msg);
	}
}
#define NONE(host) expect_none(host, __LINE__)

static void test_auth_ini_mode(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/auth.ini", dir);
	put("auth.ini", "[registry \"a.io\"]\nusername = ua\npassword = pa\n",
	    0644);
	LOOKUP_ERR("a.io", "mode 0644");
	LOOKUP_ERR("other.io", "chmod 600");	/* bad mode fails any lookup */
	chmod(path, 0640);
	LOOKUP_ERR("a.io", "mode 0640");
	chmod(path, 0602);
	LOOKUP_ERR("a.io", "mode 0602");
	chmod(path, 0400);
	CRED("a.io", "ua", "pa", "auth.ini");
	chmod(path, 0600);
	CRED("a.io", "ua", "pa", "auth.ini");
	CRED("A.IO", "ua", "pa", "auth.ini");
	if (geteuid() == 0) {
		CHECK(chown(path, 1, 1) == 0);
		LOOKUP_ERR("a.io", "owned by uid 1, not by uid 0");
		CHECK(chown(path, 0, 0) == 0);
	}
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	LOOKUP_ERR("a.io", "not a regular file");
	rmdir(path);
	put("auth.ini", "[registry \"a.io\"]\nusername = ua\npassword = pa\n",
	    0600);
}

static void test_lookup(void)
{
	const char *pre = "{\"auths\":{\"long.io\":{\"username\":\"u\","
			  "\"password\":\"";
	char cfg[4096], big[5000], path[128];
	struct md_err err;

	snprintf(dir, sizeof(dir), "/tmp/md-test-auth.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(mdini, sizeof(mdini), "%s/md.ini", dir);
	snprintf(root, sizeof(root), "%s", dir);
	setenv("HOME", dir, 1);
	unsetenv("DOCKER_CONFIG");

	/* Nothing anywhere. */
	NONE("docker.io");

	/* md.ini: half-given credentials and ':' in a user name fail. */
	put("md.ini", "[registry \"half.io\"]\nusername = u\n", 0644);
	LOOKUP_ERR("half.io", "username without password");
	put("md.ini", "[registry \"half.io\"]\npassword = p\n", 0644);
	LOOKUP_ERR("half.io", "password without username");
	put("md.ini", "[registry \"c.io\"]\nusername = u:x\npassword = p\n",
	    0644);
	LOOKUP_ERR("c.io", "must not contain ':'");
	put("md.ini", "[registry \"c.io\"\nusername = u\n", 0644);
	CHECK(lookup("c.io", &err) == -1);	/* inih's syntax error */

	put("md.ini",
	    "[defaults]\nusername = nobody\n\n"
	    "[registry \"example.com:5000\"]\ninsecure = true\n"
	    "username = alice\npassword = s3cr;t pass\n\n"
	    "[ registry  \"a.io\" ]\nusername = mdini\npassword = p\n\n"
	    "[registry \"only-insecure.io\"]\ninsecure = true\n\n"
	    "[registry \"docker.io\"]\nusername = hubuser\npassword = hp\n",
	    0644);
	/* Passwords in a file that group or others can read or write are
	 * refused, naming the file; a lookup that finds none there is not. */
	LOOKUP_ERR("a.io", "md.ini: mode 0644 lets others at the password "
		   "for a.io; chmod 600 it");
	NONE("only-insecure.io");
	chmod(mdini, 0640);
	LOOKUP_ERR("a.io", "md.ini: mode 0640");
	chmod(mdini, 0604);
	LOOKUP_ERR("a.io", "md.ini: mode 0604");
	chmod(mdini, 0620);
	LOOKUP_ERR("a.io", "md.ini: mode 0620");
	chmod(mdini, 0400);
	CRED("a.io", "mdini", "p", "md.ini");
	chmod(mdini, 0600);
	CRED("example.com:5000", "alice", "s3cr;t pass", "md.ini");
	CRED("a.io", "mdini", "p", "md.ini");
	CRED("registry-1.docker.io", "hubuser", "hp", "md.ini");
	NONE("example.com");
	NONE("example.com:5001");
	NONE("only-insecure.io");

	/* auth.ini comes next, then config.json. */
	put("auth.ini", "[registry \"a.io\"]\nusername = ua\npassword = pa\n",
	    0600);
	CRED("a.io", "mdini", "p", "md.ini");
	unlink(mdini);
	test_auth_ini_mode();
	CRED("a.io", "ua", "pa", "auth.ini");
	NONE("docker.io");

	snprintf(path, sizeof(path), "%s/.docker", dir);
	mkdir(path, 0700);
	snprintf(cfg, sizeof(cfg),
		 "{\"auths\": {"
		 "\"https://index.docker.io/v1/\": {\"auth\": \"aHViOnNlY3JldA==\"},"
		 "\"docker.io\": {\"auth\": \"b3RoZXI6eA==\"},"
		 "\"a.io\": {\"auth\": \"aWdub3JlZDp4\"},"
		 "\"https://ghcr.io\": {\"username\": \"gu\", \"password\": \"gp\"},"
		 "\"http://b.io:5000/v2/\": {\"auth\": \"Yjpw\"},"
		 "\"https://example.org/v1/\": {\"auth\": \"bm9ybTp4\"},"
		 "\"example.org\": {\"auth\": \"ZXhhY3Q6eA==\"},"
		 "\"empty.io\": {},"
		 "\"token.io\": {\"identitytoken\": \"xyz\"},"
		 "\"bad.io\": {\"auth\": \"!!!!\"},"
		 "\"nocolon.io\": {\"auth\": \"bm9jb2xvbg==\"},"
		 "\"nouser.io\": {\"auth\": \"OnA=\"},"
		 "\"nul.io\": {\"auth\": \"dQBAOnA=\"},"
		 "\"str.io\": \"x\""
		 "}, \"credsStore\": \"desktop\"}");
	put(".docker/config.json", cfg, 0600);
	CRED("a.io", "ua", "pa", "auth.ini");	/* auth.ini before Docker's */
	CRED("docker.io", "hub", "secret", ".docker/config.json");
	CRED("index.docker.io", "hub", "secret", "config.json");
	CRED("ghcr.io", "gu", "gp", "config.json");
	CRED("b.io:5000", "b", "p", "config.json");
	CRED("example.org", "exact", "x", "config.json");
	NONE("b.io");
	NONE("empty.io");
	NONE("token.io");
	NONE("unknown.io");
	LOOKUP_ERR("bad.io", "auth is not base64 of user:password");
	LOOKUP_ERR("nocolon.io", "auth is not base64 of user:password");
	LOOKUP_ERR("nouser.io", "auth is not base64 of user:password");
	LOOKUP_ERR("nul.io", "auth is not base64 of user:password");
	LOOKUP_ERR("str.io", "not an object");

	/* A password too long for the struct is an error, not cut. */
	memset(big, 'Q', sizeof(big));
	memcpy(big, pre, strlen(pre));
	memcpy(big + strlen(pre) + 4096, "\"}}}", 5);
	put(".docker/config.json", big, 0600);
	LOOKUP_ERR("long.io", "password longer than 4095 bytes");
	memcpy(big + strlen(pre) + 4095, "\"}}}", 5);
	put(".docker/config.json", big, 0600);
	CHECK(lookup("long.io", &err) == 0);
	CHECK(strlen(cred.password) == 4095 && cred.password[4094] == 'Q');

	/* DOCKER_CONFIG names the directory; a broken file is an error. */
	snprintf(path, sizeof(path), "%s/alt", dir);
	mkdir(path, 0700);
	setenv("DOCKER_CONFIG", path, 1);
	NONE("docker.io");
	put("alt/config.json", "{\"auths\": {\"docker.io\": {\"auth\": "
	    "\"dTpw\"}}}", 0600);
	CRED("docker.io", "u", "p", "alt/config.json");
	put("alt/config.json", "{\"auths\": {\"docker.io\": ", 0600);
	LOOKUP_ERR("docker.io", "alt/config.json");
	put("alt/config.json", "{\"auths\": []}", 0600);
	LOOKUP_ERR("docker.io", "auths is not an object");
	put("alt/config.json", "{}", 0600);
	NONE("docker.io");

	/* No sources at all. */
	CHECK(auth_lookup("a.io", NULL, NULL, &cred, &err) == 1);
}

static void test_basic_header(void)
{
	struct auth_cred c = { "u", "p", "test" };
	char out[64], tiny[10];
	struct md_err err;

	CHECK(auth_basic_header(&c, out, sizeof(out), &err) == 0);
	CHECK_STR(out, "Basic dTpw");
	strcpy(c.username, "Aladdin");
	strcpy(c.password, "open sesame");
	CHECK(auth_basic_header(&c, out, sizeof(out), &err) == 0);
	CHECK_STR(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	CHECK(auth_basic_header(&c, tiny, sizeof(tiny), &err) == -1);
	CHECK(strstr(err.msg, "credentials from test: too long"));
	CHECK(auth_basic_header(&c, tiny, 3, &err) == -1);
}

/* --- token reply --- */

static struct auth_token tok;

static void token_bad(const char *json, const char *part, int line)
{
	struct md_err err = { 0 };

	if (auth_token_parse(json, strlen(json), &tok, &err) != -1 ||
	    !strstr(err.msg, part)) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: %s: want error \"%s\", got "
			"\"%s\"\n", line, json, part, err.msg);
	}
}
#define TOKEN_BAD(j, part) token_bad(j, part, __LINE__)

static void token_ok(const char *json, const char *want, int64_t exp,
		     int line)
{
	struct md_err err = { 0 };

	if (auth_token_parse(json, strlen(json), &tok, &err) != 0 ||
	    strcmp(tok.token, want) || tok.expires_in != exp) {
		failures++;
		fprintf(stderr, "test_auth.c:%d: %s: got \"%s\" %lld (%s)\n",
			line, json, tok.token, (long long)tok.expires_in,
			err.msg);
	}
}
#define TOKEN_OK(j, want, exp) token_ok(j, want, exp, __LINE__)

static void test_token(void)
{
	static char big[10000];

	TOKEN_BAD("", "token reply");
	TOKEN_BAD("{\"token\": ", "token reply");
	TOKEN_BAD("[]", "not a JSON object");
	TOKEN_BAD("\"tok\"", "not a JSON object");
	TOKEN_BAD("{}", "no token");
	TOKEN_BAD("{\"token\": \"\"}", "no token");
	TOKEN_BAD("{\"token\": 5}", "no token");
	TOKEN_BAD("{\"token\": \"a b\"}", "not allowed in a header");
	TOKEN_BAD("{\"token\": \"a\\r\\nX-Evil: y\"}", "not allowed in a header");
	TOKEN_BAD("{\"token\": \"caf\\u00e9\"}", "not allowed in a header");
	TOKEN_BAD("{\"token\": \"t\", \"expires_in\": \"300\"}",
		  "expires_in is not an integer");
	TOKEN_BAD("{\"token\": \"t\", \"expires_in\": 1.5}",
		  "expires_in is not an integer");
	TOKEN_BAD("{\"token\": \"t\", \"token\": \"u\"}", "token reply");
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"token\": \"", 11);
	memcpy(big + 11 + 8192, "\"}", 3);
	TOKEN_BAD(big, "token longer than 8191 bytes");
	memcpy(big + 11 + 8191, "\"}", 3);
	CHECK(auth_token_parse(big, strlen(big), &tok, NULL) == 0);
	CHECK(strlen(tok.token) == 8191);

	TOKEN_OK("{\"token\": \"abc\", \"expires_in\": 300, \"issued_at\": "
		 "\"2024-01-01T00:00:00Z\"}", "abc", 300);
	TOKEN_OK("{\"access_token\": \"a\", \"token\": \"b\"}", "a", 60);
	TOKEN_OK("{\"access_token\": \"\", \"token\": \"b\"}", "b", 60);
	TOKEN_OK("{\"access_token\": null, \"token\": \"b\"}", "b", 60);
	TOKEN_OK("{\"token\": \"t\"}", "t", 60);
	TOKEN_OK("{\"token\": \"t\", \"expires_in\": 10}", "t", 60);
	TOKEN_OK("{\"token\": \"t\", \"expires_in\": -5}", "t", 60);
	TOKEN_OK("{\"token\": \"t\", \"expires_in\": null}", "t", 60);
	TOKEN_OK("{\"token\": \"eyJ.a-b_c.d+/=\", \"expires_in\": 86400}",
		 "eyJ.a-b_c.d+/=", 86400);
}

int main(void)
{
	test_www_auth_bad();
	test_www_auth_good();
	test_base64();
	test_lookup();
	test_basic_header();
	test_token();
	if (dir[0] && rm_rf_at(AT_FDCWD, dir) < 0)
		fprintf(stderr, "test_auth: could not remove %s\n", dir);
	if (failures) {
		fprintf(stderr, "test_auth: %d failures\n", failures);
		return 1;
	}
	printf("test_auth: ok\n");
	return 0;
}
