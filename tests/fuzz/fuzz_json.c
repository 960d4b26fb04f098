/* libFuzzer target for lib/json.c. Beyond "no crash": every accepted
 * document is walked through all accessors, written back out with
 * json_quote and parsed again, and the two trees must agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		if (!(o->buf = realloc(o->buf, o->cap)))
			abort();
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void put_quoted(struct out *o, const char *s)
{
	size_t n = json_quote(NULL, 0, s);
	char *q = malloc(n + 1);

	if (!q || json_quote(q, n + 1, s) != n || strlen(q) != n)
		abort();
	put(o, q, n);
	free(q);
}

/* Writes v as JSON; numbers that are not integers become 0.5. */
static void emit(struct out *o, const struct json *v)
{
	char num[32];
	int64_t i;
	size_t k;

	switch (json_type(v)) {
	case JSON_NULL: put(o, "null", 4); break;
	case JSON_TRUE: put(o, "true", 4); break;
	case JSON_FALSE: put(o, "false", 5); break;
	case JSON_NUMBER:
		if (json_int(v, &i) == 0)
			snprintf(num, sizeof(num), "%lld", (long long)i);
		else
			strcpy(num, "0.5");
		put(o, num, strlen(num));
		break;
	case JSON_STRING:
		put_quoted(o, json_str(v));
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		put(o, json_type(v) == JSON_ARRAY ? "[" : "{", 1);
		for (k = 0; k < json_len(v); k++) {
			if (k)
				put(o, ",", 1);
			if (json_type(v) == JSON_OBJECT) {
				/* keys are unique, so lookup finds this one */
				if (json_get(v, json_key_at(v, k)) !=
				    json_at(v, k))
					abort();
				put_quoted(o, json_key_at(v, k));
				put(o, ":", 1);
			}
			emit(o, json_at(v, k));
		}
		put(o, json_type(v) == JSON_ARRAY ? "]" : "}", 1);
		if (json_at(v, k) || json_key_at(v, k))
			abort();
		break;
	}
}

static void same(const struct json *a, const struct json *b)
{
	int64_t x, y;
	int rx, ry;
	size_t k;

	if (json_type(a) != json_type(b) || json_len(a) != json_len(b))
		abort();
	switch (json_type(a)) {
	case JSON_NUMBER:
		rx = json_int(a, &x);
		ry = json_int(b, &y);
		if (rx != ry || (rx == 0 && x != y))
			abort();
		break;
	case JSON_STRING:
		if (strcmp(json_str(a), json_str(b)))
			abort();
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		for (k = 0; k < json_len(a); k++) {
			const char *ka = json_key_at(a, k);
			const char *kb = json_key_at(b, k);
			if ((ka || kb) && (!ka || !kb || strcmp(ka, kb)))
				abort();
			same(json_at(a, k), json_at(b, k));
		}
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct md_err err = { 0 };
	struct json *j, *j2;
	struct out o = { 0 };

	j = json_parse((const char *)data, size, "fuzz", &err);
	if (!j) {
		/* "internal:" right after the position is our bug; the
		 * rest of a message may quote the input */
		const char *why = strstr(err.msg, " col ");

		if (strncmp(err.msg, "fuzz: ", 6) ||
		    (why && (why = strstr(why, ": ")) &&
		     !strncmp(why + 2, "internal:", 9)))
			abort();
		return 0;
	}
	emit(&o, j);
	j2 = json_parse(o.buf, o.len, "again", &err);
	if (!j2) {
		fprintf(stderr, "reparse failed: %s\n%s\n", err.msg, o.buf);
		abort();
	}
	same(j, j2);
	json_free(j2);
	json_free(j);
	free(o.buf);
	return 0;
}
