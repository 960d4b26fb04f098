/* A small, bounded JSON reader for registry manifests, image configs and
 * archive indexes: parses a whole document (the caller caps its size) into
 * a tree of values held in one allocation. Untrusted input: depth, size and
 * string contents are checked; duplicate object keys are rejected. */
#ifndef MD_JSON_H
#define MD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT,
};

struct json;	/* a value; opaque */

/* Parses len bytes (need not be NUL-terminated). Returns the root value,
 * to be released with json_free, or NULL with err set ("what: line L
 * col C: why"). "what" names the document in errors. */
struct json *json_parse(const char *buf, size_t len, const char *what,
			struct md_err *err);
void json_free(struct json *root);

enum json_type json_type(const struct json *v);
/* Object member by key, or NULL (also when v is NULL or not an object). */
const struct json *json_get(const struct json *v, const char *key);
/* String contents (decoded UTF-8, NUL-terminated; strings holding a
 * NUL byte are rejected at parse time), or NULL if v is not a string. */
const char *json_str(const struct json *v);
/* json_str(json_get(v, key)) */
const char *json_get_str(const struct json *v, const char *key);
/* Number of elements of an array or members of an object, else 0. */
size_t json_len(const struct json *v);
/* i-th element of an array (or i-th member value of an object), or NULL. */
const struct json *json_at(const struct json *v, size_t i);
/* i-th member key of an object, or NULL. */
const char *json_key_at(const struct json *v, size_t i);
/* An integral number in [INT64_MIN, INT64_MAX]: 0, or -1 if v is not
 * such a number (fractions and exponents are not integers here). */
int json_int(const struct json *v, int64_t *out);

/* Appends s as a JSON string literal (with quotes) to a buffer;
 * returns the length it needs (like snprintf). */
size_t json_quote(char *out, size_t outlen, const char *s);

#endif
