/* Regular expression search (rematch.h), by backtracking over the
 * pattern as written: names and IDs are short. */
#include "rematch.h"

#include <string.h>

/* The length of the atom at re (an escape, a class, one character), or
 * 0 if it is not one. */
static int atom_len(const char *re, const char *end)
{
	const char *p = re + 1;

	if (re >= end || strchr("*+?|(){}", *re))
		return 0;
	if (*re == '\\')
		return re + 1 < end ? 2 : 0;
	if (*re != '[')
		return 1;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')	/* a leading ] is itself */
		p++;
	for (; p < end && *p != ']'; p++)
		if (*p == '\\' && ++p == end)
			return 0;
	return p < end ? p + 1 - re : 0;
}

static int escape_class(char e, unsigned char c, int *hit)
{
	switch (e | 0x20) {
	case 'd': *hit = c >= '0' && c <= '9'; break;
	case 'w': *hit = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
		  (c | 0x20) <= 'z') || c == '_'; break;
	case 's': *hit = c == ' ' || (c >= '\t' && c <= '\r'); break;
	default: return 0;
	}
	if (e >= 'A' && e <= 'Z')
		*hit = !*hit;
	return 1;
}

static int atom_match(const char *re, int len, unsigned char c)
{
	const char *p = re + 1, *end = re + len - 1;
	int neg, hit = 0;

	if (*re == '.')
		return c != '\n';
	if (*re == '\\')
		return escape_class(re[1], c, &hit) ? hit : c == (unsigned char)re[1];
	if (*re != '[')
		return c == (unsigned char)*re;
	if ((neg = *p == '^'))
		p++;
	while (p < end) {
		unsigned char lo = *p, hi;
		if (*p == '\\' && escape_class(p[1], c, &hit) && hit)
			return !neg;
		if (*p == '\\')
			lo = *++p;
		hi = lo;
		if (p + 2 < end && p[1] == '-') {
			hi = p[2] == '\\' ? p[3] : p[2];
			p += p[2] == '\\' ? 3 : 2;
		}
		p++;
		if (c >= lo && c <= hi)
			return !neg;
	}
	return neg;
}

static int here(const char *re, const char *end, const char *s)
{
	int n, min, max, k;

	if (re == end)
		return 1;
	if (*re == '$' && re + 1 == end)
		return *s == 0;
	n = atom_len(re, end);
	if (re + n < end && strchr("*+?", re[n])) {
		min = re[n] == '+';
		max = re[n] == '?' ? 1 : -1;
		for (k = 0; s[k] && k != max && atom_match(re, n, s[k]); k++)
			;
		for (; k >= min; k--)
			if (here(re + n + 1, end, s + k))
				return 1;
		return 0;
	}
	return *s && atom_match(re, n, *s) && here(re + n, end, s + 1);
}

/* 0 if re up to end is one this understands. */
static int check(const char *re, const char *end)
{
	const char *p = re;
	int n;

	if (p < end && *p == '^')
		p++;
	while (p < end) {
		if (*p == '$' && p + 1 == end)
			return 0;
		if (!(n = atom_len(p, end)))
			return -1;
		p += n;
		if (p < end && strchr("*+?", *p))
			p++;
	}
	return 0;
}

int re_search(const char *re, const char *s)
{
	const char *alt = re, *p;
	int n;

	for (;;) {
		/* The end of this alternative: a | outside a class. */
		for (p = alt; *p && *p != '|'; p += n ? n : 1) {
			n = atom_len(p, p + strlen(p));
			if (n == 0 && strchr("*+?$^", *p))
				n = 1;
			else if (n == 0)
				return -1;
		}
		if (check(alt, p) < 0)
			return -1;
		if (*alt == '^') {
			if (here(alt + 1, p, s))
				return 1;
		} else {
			for (const char *t = s;; t++) {
				if (here(alt, p, t))
					return 1;
				if (!*t)
					break;
			}
		}
		if (!*p)
			return 0;
		alt = p + 1;
	}
}
