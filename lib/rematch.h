/* A small regular expression search for filters that Docker matches
 * with Go's regexp (md-ps --filter name=): literals, ., [classes] and
 * [^negated] ones with ranges, \d \w \s (and \D \W \S), the quantifiers
 * * + ? on one atom, ^ and $ anchors, and | between alternatives. No
 * groups or counted repetitions (musl's regex would cost some 57 KiB). */
#ifndef MD_REMATCH_H
#define MD_REMATCH_H

/* 1 if re matches somewhere in s, 0 if not, -1 if re is not one this
 * understands. */
int re_search(const char *re, const char *s);

#endif
