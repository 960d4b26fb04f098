/* Unit tests for lib/json.c: every rejection rule first, then values,
 * accessors and json_quote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
	printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
	printf("\n"); } } while (0)

struct bad {
	const char *doc;
	size_t len;
	const char *why;	/* expected part of the message */
};

/* sizeof keeps embedded NULs in the document. */
#define BAD(s, why) { s, sizeof(s) - 1, why }

static const struct bad bad_docs[] = {
	/* empty and truncated */
	BAD("", "unexpected end of input"),
	BAD(" \n\t\r ", "unexpected end of input"),
	BAD("[", "unexpected end of input"),
	BAD("[1", "unterminated array"),
	BAD("{", "expected a string key"),
	BAD("{\"a\"", "expected ':'"),
	BAD("{\"a\":", "unexpected end of input"),
	BAD("{\"a\":1", "unterminated object"),
	BAD("\"abc", "unterminated string"),
	BAD("\"\\", "unterminated string"),
	BAD("\"\\u00", "bad \\u escape"),
	/* trailing commas, missing separators, comments */
	BAD("[1,]", "unexpected character ']'"),
	BAD("[,1]", "unexpected character ','"),
	BAD("{\"a\":1,}", "expected a string key"),
	BAD("[1 2]", "expected ',' or ']'"),
	BAD("{\"a\":1 \"b\":2}", "expected ',' or '}'"),
	BAD("{\"a\" 1}", "expected ':'"),
	BAD("// c\n1", "unexpected character '/'"),
	BAD("/* c */ 1", "unexpected character '/'"),
	BAD("1 // c", "unexpected data after the value"),
	BAD("# c\n1", "unexpected character '#'"),
	/* keys must be double-quoted strings */
	BAD("{1:2}", "expected a string key"),
	BAD("{a:1}", "expected a string key"),
	BAD("{'a':1}", "expected a string key"),
	BAD("'a'", "unexpected character"),
	/* numbers */
	BAD("NaN", "unexpected character 'N'"),
	BAD("nan", "unexpected character 'n'"),
	BAD("Infinity", "unexpected character 'I'"),
	BAD("-Infinity", "bad number"),
	BAD("01", "leading zero"),
	BAD("-01", "leading zero"),
	BAD("00", "leading zero"),
	BAD("[0123]", "leading zero"),
	BAD("1.", "bad fraction"),
	BAD("1.e5", "bad fraction"),
	BAD(".5", "unexpected character '.'"),
	BAD("1e", "bad exponent"),
	BAD("1e+", "bad exponent"),
	BAD("1E-x", "bad exponent"),
	BAD("-", "bad number"),
	BAD("- 1", "bad number"),
	BAD("+1", "unexpected character '+'"),
	BAD("0x10", "unexpected data after the value"),
	BAD("1.5.5", "unexpected data after the value"),
	/* literals */
	BAD("tru", "unexpected character 't'"),
	BAD("nul", "unexpected character 'n'"),
	BAD("True", "unexpected character 'T'"),
	BAD("NULL", "unexpected character 'N'"),
	BAD("truex", "unexpected data after the value"),
	BAD("[nullx]", "expected ',' or ']'"),
	/* control characters, NUL, escapes */
	BAD("\"a\x01z\"", "control character in string"),
	BAD("\"a\tz\"", "control character in string"),
	BAD("\"a\nz\"", "control character in string"),
	BAD("\"\x1f\"", "control character in string"),
	BAD("\"a\0z\"", "control character in string"),
	BAD("\"\\u0000\"", "NUL in string"),
	BAD("{\"a\\u0000b\":1}", "NUL in string"),
	BAD("\"\\x41\"", "bad escape \\x"),
	BAD("\"\\a\"", "bad escape \\a"),
	BAD("\"\\'\"", "bad escape \\'"),
	BAD("\"\\U0041\"", "bad escape \\U"),
	BAD("\"\\u12\"", "bad \\u escape"),
	BAD("\"\\u12g4\"", "bad \\u escape"),
	BAD("\"\\u-123\"", "bad \\u escape"),
	/* lone and misordered surrogates */
	BAD("\"\\ud800\"", "lone high surrogate"),
	BAD("\"\\udbff\\u0041\"", "lone high surrogate"),
	BAD("\"\\ud800\\ud800\"", "lone high surrogate"),
	BAD("\"\\ud800\\n\"", "lone high surrogate"),
	BAD("\"\\ud800x\"", "lone high surrogate"),
	BAD("\"\\udc00\"", "lone low surrogate"),
	BAD("\"\\udfff\\ud800\"", "lone low surrogate"),
	/* invalid UTF-8 inside strings */
	BAD("\"\x80\"", "invalid UTF-8"),
	BAD("\"\xbf\"", "invalid UTF-8"),
	BAD("\"\xc0\xaf\"", "invalid UTF-8"),		/* overlong '/' */
	BAD("\"\xc1\xbf\"", "invalid UTF-8"),
	BAD("\"\xe0\x80\xaf\"", "invalid UTF-8"),	/* overlong */
	BAD("\"\xe0\x9f\xbf\"", "invalid UTF-8"),
	BAD("\"\xed\xa0\x80\"", "invalid UTF-8"),	/* U+D800 */
	BAD("\"\xed\xbf\xbf\"", "invalid UTF-8"),	/* U+DFFF */
	BAD("\"\xf0\x80\x80\xaf\"", "invalid UTF-8"),	/* overlong */
	BAD("\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8"),
	BAD("\"\xf4\x90\x80\x80\"", "invalid UTF-8"),	/* > U+10FFFF */
	BAD("\"\xf5\x80\x80\x80\"", "invalid UTF-8"),
	BAD("\"\xff\"", "invalid UTF-8"),
	BAD("\"\xfe\"", "invalid UTF-8"),
	BAD("\"\xc3\"", "invalid UTF-8"),		/* cut short */
	BAD("\"\xe2\x82\"", "invalid UTF-8"),
	BAD("\"\xf0\x9f\x98\"", "invalid UTF-8"),
	BAD("\"\xc3", "invalid UTF-8"),			/* at end of input */
	BAD("\"\xe2\x82", "invalid UTF-8"),
	BAD("\"\xc3\x28\"", "invalid UTF-8"),
	/* bytes that are not JSON whitespace or tokens */
	BAD("\xef\xbb\xbf{}", "unexpected character '?'"),	/* BOM */
	BAD("\f1", "unexpected character '?'"),
	BAD("\v1", "unexpected character '?'"),
	BAD("\xc2\xa0" "1", "unexpected character '?'"),
	BAD("[1,\0 2]", "unexpected character '?'"),
	BAD("{}\0", "unexpected data after the value"),
	/* trailing data */
	BAD("1 2", "unexpected data after the value"),
	BAD("{} x", "unexpected data after the value"),
	BAD("[]]", "unexpected data after the value"),
	BAD("nullnull", "unexpected data after the value"),
	BAD("\"a\"\"b\"", "unexpected data after the value"),
	/* duplicate keys, also when only the escapes differ */
	BAD("{\"a\":1,\"a\":2}", "duplicate key \"a\""),
	BAD("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\""),
	BAD("{\"x\":{\"k\":1,\"j\":2,\"k\":3}}", "duplicate key \"k\""),
	BAD("{\"\":1,\"\":2}", "duplicate key \"\""),
	BAD("{\"\\n\":1,\"\\n\":2}", "duplicate key \"\\n\""),
};

static void test_bad_docs(void)
{
	struct md_err err;
	size_t i;

	for (i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const struct bad *b = &bad_docs[i];
		struct json *j;
		memset(&err, 0, sizeof(err));
		j = json_parse(b->doc, b->len, "doc", &err);
		CHECK(!j, "bad doc %zu accepted", i);
		CHECK(j || (strstr(err.msg, b->why) &&
			    !strncmp(err.msg, "doc: line ", 10)),
		      "bad doc %zu: got \"%s\", want \"%s\"", i, err.msg,
		      b->why);
		json_free(j);
	}
}

/* Builds '[' x n, then ']' x n. */
static char *nest(size_t n, char open, char close)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	if (!s)
		abort();
	for (i = 0; i < n; i++) {
		s[i] = open;
		s[2 * n - 1 - i] = close;
	}
	s[2 * n] = 0;
	return s;
}

static void test_depth(void)
{
	struct md_err err = { 0 };
	struct json *j;
	char *s;

	s = nest(64, '[', ']');
	j = json_parse(s, strlen(s), "deep", &err);
	CHECK(j, "depth 64 rejected: %s", err.msg);
	json_free(j);
	free(s);
	s = nest(65, '[', ']');
	j = json_parse(s, strlen(s), "deep", &err);
	CHECK(!j && strstr(err.msg, "deep: line 1 col 65: nested deeper"),
	      "depth 65: %s", j ? "accepted" : err.msg);
	json_free(j);
	free(s);
	/* An attacker's depth: must fail fast, not overflow the stack. */
	s = nest(1000000, '[', ']');
	j = json_parse(s, strlen(s), "deep", &err);
	CHECK(!j && strstr(err.msg, "nested deeper than 64"),
	      "depth 1e6: %s", j ? "accepted" : err.msg);
	free(s);
	s = strdup("{\"a\":{\"a\":{\"a\":[[{\"a\":1}]]}}}");
	j = json_parse(s, strlen(s), "mixed", &err);
	CHECK(j, "mixed nesting: %s", err.msg);
	json_free(j);
	free(s);
}

static void test_positions(void)
{
	static const char doc[] = "{\n  \"a\": 01\n}";
	static const char utf[] = "[\"\xc3\xa9\", x]";
	struct md_err err = { 0 };

	CHECK(!json_parse(doc, strlen(doc), "manifest", &err) &&
	      !strcmp(err.msg, "manifest: line 2 col 8: leading zero in number"),
	      "position: %s", err.msg);
	/* Columns count characters: the e-acute is one. */
	CHECK(!json_parse(utf, strlen(utf), "u", &err) &&
	      !strcmp(err.msg, "u: line 1 col 7: unexpected character 'x'"),
	      "utf-8 column: %s", err.msg);
	CHECK(!json_parse("\n\n\"abc", 6, "s", &err) &&
	      !strcmp(err.msg, "s: line 3 col 1: unterminated string"),
	      "string position: %s", err.msg);
}

/* A big object goes through the sorting duplicate check. */
static void test_many_keys(void)
{
	size_t n = 5000, i, len = 0, cap = n * 16 + 16;
	struct md_err err = { 0 };
	char *s = malloc(cap), key[16];
	struct json *j;

	if (!s)
		abort();
	s[len++] = '{';
	for (i = 0; i < n; i++)
		len += snprintf(s + len, cap - len, "%s\"k%zu\":%zu",
				i ? "," : "", i, i);
	s[len++] = '}';
	j = json_parse(s, len, "keys", &err);
	CHECK(j && json_len(j) == n, "many keys: %s", err.msg);
	for (i = 0; j && i < n; i += 97) {
		int64_t v = -1;
		snprintf(key, sizeof(key), "k%zu", i);
		CHECK(json_int(json_get(j, key), &v) == 0 && v == (int64_t)i,
		      "many keys: %s", key);
	}
	json_free(j);
	/* The same with the last key repeating one in the middle. */
	len--;
	len += snprintf(s + len, cap - len, ",\"k2500\":0}");
	j = json_parse(s, len, "keys", &err);
	CHECK(!j && strstr(err.msg, "duplicate key \"k2500\""),
	      "many keys dup: %s", j ? "accepted" : err.msg);
	json_free(j);
	free(s);
}

struct intcase {
	const char *doc;
	int ok;
	int64_t v;
};

static void test_numbers(void)
{
	static const struct intcase cases[] = {
		{ "0", 1, 0 }, { "-0", 1, 0 }, { "7", 1, 7 },
		{ "-12", 1, -12 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "123456789012345678901234567890", 0, 0 },
		{ "1.0", 0, 0 }, { "1e2", 0, 0 }, { "-1.5E-3", 0, 0 },
		{ "0.0", 0, 0 }, { "1E+2", 0, 0 }, { "0e0", 0, 0 },
	};
	struct md_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct intcase *c = &cases[i];
		struct json *j = json_parse(c->doc, strlen(c->doc), "n", &err);
		int64_t v = 42;
		int rc;
		CHECK(j && json_type(j) == JSON_NUMBER, "%s: %s", c->doc,
		      err.msg);
		rc = json_int(j, &v);
		CHECK(c->ok ? rc == 0 && v == c->v : rc == -1 && v == 42,
		      "%s: json_int rc %d v %lld", c->doc, rc, (long long)v);
		json_free(j);
	}
}

struct strcase {
	const char *doc, *want;
};

static void test_strings(void)
{
	static const struct strcase cases[] = {
		{ "\"\"", "" },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t" },
		{ "\"\\u0041\\u00e9\\u00E9\"", "A\xc3\xa9\xc3\xa9" },
		{ "\"\\u20AC\"", "\xe2\x82\xac" },
		{ "\"\\u0001\\u001f\\u007f\"", "\x01\x1f\x7f" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
		{ "\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e" },
		{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
		{ "\"\\uffff\\ufffe\"", "\xef\xbf\xbf\xef\xbf\xbe" },
		{ "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"",
		  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f" },
		{ "\"\xf4\x8f\xbf\xbf\xee\x80\x80\xed\x9f\xbf\"",
		  "\xf4\x8f\xbf\xbf\xee\x80\x80\xed\x9f\xbf" },
		{ " \t\r\n\"x\" \t\r\n", "x" },
	};
	struct md_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct strcase *c = &cases[i];
		struct json *j = json_parse(c->doc, strlen(c->doc), "s", &err);
		CHECK(j && json_str(j) && !strcmp(json_str(j), c->want),
		      "string %zu: %s", i, j ? "wrong value" : err.msg);
		json_free(j);
	}
}

/* The string area is sized by a bound; fill it exactly. */
static void test_string_bounds(void)
{
	static const char *docs[] = {
		"\"a\"", "[\"\",\"\",\"\"]", "{\"\":\"\"}",
		"\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"",
		"\"\\ud83d\\ude00\\ud83d\\ude00\"",
		"\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"",
		"[\"\xf0\x9f\x98\x80\",\"\xf0\x9f\x98\x80\"]",
		"[1,22,333,true,false,null,-1.5e3,\"\"]",
	};
	struct md_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct json *j = json_parse(docs[i], strlen(docs[i]), "b", &err);
		CHECK(j, "bounds %zu: %s", i, err.msg);
		json_free(j);
	}
}

static const char manifest[] =
	"{\n"
	"  \"schemaVersion\": 2,\n"
	"  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
	"  \"config\": {\n"
	"    \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n"
	"    \"digest\": \"sha256:abc\",\n"
	"    \"size\": 1469\n"
	"  },\n"
	"  \"layers\": [\n"
	"    { \"digest\": \"sha256:l1\", \"size\": 3370706 },\n"
	"    { \"digest\": \"sha256:l2\", \"size\": 32 }\n"
	"  ],\n"
	"  \"annotations\": {},\n"
	"  \"empty\": [],\n"
	"  \"flags\": [true, false, null]\n"
	"}\n";

static void test_accessors(void)
{
	struct md_err err = { 0 };
	struct json *j = json_parse(manifest, strlen(manifest), "m", &err);
	const struct json *layers, *flags;
	int64_t v = 0;

	CHECK(j, "manifest: %s", err.msg);
	if (!j)
		return;
	CHECK(json_type(j) == JSON_OBJECT && json_len(j) == 7, "root");
	CHECK(json_int(json_get(j, "schemaVersion"), &v) == 0 && v == 2,
	      "schemaVersion");
	CHECK(!strcmp(json_get_str(json_get(j, "config"), "digest"),
		      "sha256:abc"), "config digest");
	layers = json_get(j, "layers");
	CHECK(json_type(layers) == JSON_ARRAY && json_len(layers) == 2,
	      "layers");
	CHECK(!strcmp(json_get_str(json_at(layers, 1), "digest"),
		      "sha256:l2"), "layer 1");
	CHECK(json_int(json_get(json_at(layers, 0), "size"), &v) == 0 &&
	      v == 3370706, "layer 0 size");
	CHECK(!json_at(layers, 2), "past the end");
	CHECK(!json_key_at(layers, 0), "key of an array element");
	CHECK(!json_get(layers, "digest"), "get on an array");
	CHECK(!strcmp(json_key_at(j, 0), "schemaVersion") &&
	      !strcmp(json_key_at(j, 6), "flags") && !json_key_at(j, 7),
	      "key order");
	CHECK(json_at(j, 2) == json_get(j, "config"), "at on an object");
	CHECK(json_len(json_get(j, "annotations")) == 0 &&
	      json_type(json_get(j, "annotations")) == JSON_OBJECT, "{}");
	CHECK(json_len(json_get(j, "empty")) == 0 &&
	      json_type(json_get(j, "empty")) == JSON_ARRAY, "[]");
	flags = json_get(j, "flags");
	CHECK(json_type(json_at(flags, 0)) == JSON_TRUE &&
	      json_type(json_at(flags, 1)) == JSON_FALSE &&
	      json_type(json_at(flags, 2)) == JSON_NULL, "literals");
	CHECK(!json_get(j, "missing") && !json_get(j, "Config") &&
	      !json_get_str(j, "config") && !json_get(j, NULL), "misses");
	CHECK(json_int(json_get(j, "mediaType"), &v) < 0 &&
	      !json_str(json_get(j, "schemaVersion")) &&
	      json_len(json_get(j, "schemaVersion")) == 0, "wrong types");
	/* NULL in, NULL out: chains of lookups need no checks between. */
	CHECK(!json_get(NULL, "a") && !json_str(NULL) && !json_len(NULL) &&
	      !json_at(NULL, 0) && !json_key_at(NULL, 0) &&
	      json_int(NULL, &v) < 0 && !json_get_str(NULL, "a") &&
	      !json_get_str(json_get(j, "nope"), "x"), "NULL handling");
	json_free(j);
	json_free(NULL);
}

/* len bounds the document; the buffer need not end in NUL there. */
static void test_length(void)
{
	struct md_err err = { 0 };
	struct json *j;
	int64_t v = 0;

	j = json_parse("123456", 3, "l", &err);
	CHECK(j && json_int(j, &v) == 0 && v == 123, "len 3 of 123456");
	json_free(j);
	j = json_parse("[1]garbage", 3, "l", &err);
	CHECK(j && json_len(j) == 1, "len 3 of [1]garbage");
	json_free(j);
	j = json_parse("\"ab\"", 3, "l", &err);
	CHECK(!j && strstr(err.msg, "unterminated string"), "cut string");
	json_free(j);
}

static void test_big_array(void)
{
	size_t n = 100000, i, len = 0;
	struct md_err err = { 0 };
	char *s = malloc(n * 8 + 2);
	struct json *j;
	int64_t v;

	if (!s)
		abort();
	s[len++] = '[';
	for (i = 0; i < n; i++)
		len += sprintf(s + len, "%s%zu", i ? "," : "", i);
	s[len++] = ']';
	j = json_parse(s, len, "big", &err);
	CHECK(j && json_len(j) == n, "big array: %s", err.msg);
	CHECK(json_int(json_at(j, n - 1), &v) == 0 && v == (int64_t)n - 1,
	      "big array last");
	json_free(j);
	free(s);
}

static void test_quote(void)
{
	static const char in[] = "a\"b\\c\n\t\x01\x1f\r\xc3\xa9/";
	static const char want[] =
		"\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u000d\xc3\xa9/\"";
	struct md_err err = { 0 };
	char out[64], small[5];
	struct json *j;
	size_t n;

	n = json_quote(out, sizeof(out), in);
	CHECK(n == strlen(want) && !strcmp(out, want), "quote: %s", out);
	n = json_quote(small, sizeof(small), in);
	CHECK(n == strlen(want) && !strcmp(small, "\"a\\\""),
	      "quote truncated: %s", small);
	CHECK(json_quote(NULL, 0, "ab") == 4, "quote sizing");
	CHECK(json_quote(out, sizeof(out), "") == 2 && !strcmp(out, "\"\""),
	      "quote empty");
	/* What it writes parses back to the same string. */
	n = json_quote(out, sizeof(out), in);
	j = json_parse(out, n, "q", &err);
	CHECK(j && !strcmp(json_str(j), in), "quote round trip: %s",
	      err.msg);
	json_free(j);
}

int main(void)
{
	test_bad_docs();
	test_depth();
	test_positions();
	test_many_keys();
	test_numbers();
	test_strings();
	test_string_bounds();
	test_accessors();
	test_length();
	test_big_array();
	test_quote();
	if (failures)
		printf("test_json: %d failures\n", failures);
	else
		printf("test_json: all passed\n");
	return failures != 0;
}
