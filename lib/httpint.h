/* Helpers shared by http.c and httpparse.c; not an interface. */
#ifndef MD_HTTPINT_H
#define MD_HTTPINT_H

#include <stddef.h>

int http_is_tchar(unsigned char ch);
/* True if s[0..n) holds a control character (other than tab). */
int http_bad_text(const char *s, size_t n);
/* Value of a hex digit, or -1. */
int http_hexval(int ch);
/* url without its query and userinfo, for messages. */
const char *http_url_show(char *out, size_t len, const char *url);

#endif
