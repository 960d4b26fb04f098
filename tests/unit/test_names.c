/* The endpoints string of a container's state (names.h): round trip,
 * damaged words skipped, bounds; aliases checked and joined; names_on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

static void test_endpoints(void)
{
	struct endpoint ep[ENDPOINTS_MAX];
	char *s;
	size_t n;

	n = endpoints_parse("back:10.89.1.3:1:a,b front::2:", ep);
	CHECK(n == 2);
	CHECK(!strcmp(ep[0].net, "back") && !strcmp(ep[0].ip, "10.89.1.3") &&
	      ep[0].idx == 1 && !strcmp(ep[0].aliases, "a,b"));
	CHECK(!strcmp(ep[1].net, "front") && !ep[1].ip[0] && ep[1].idx == 2 &&
	      !ep[1].aliases[0]);
	s = endpoints_format(ep, n);
	CHECK(s && !strcmp(s, "back:10.89.1.3:1:a,b front::2:"));
	free(s);
	/* connect --ip's address: a fifth field, only when asked */
	n = endpoints_parse("back::1:a:10.89.1.77 front::2:", ep);
	CHECK(n == 2 && !strcmp(ep[0].want, "10.89.1.77") && !ep[0].ip[0] &&
	      !strcmp(ep[0].aliases, "a") && !ep[1].want[0]);
	s = endpoints_format(ep, n);
	CHECK(s && !strcmp(s, "back::1:a:10.89.1.77 front::2:"));
	free(s);
	CHECK(endpoints_parse("back::1:a:10.89.1.777777777777777", ep) == 0);
	CHECK(endpoints_parse("", ep) == 0 && endpoints_parse(NULL, ep) == 0);
	/* damaged: too few fields, no name, a bad index, an address too long */
	CHECK(endpoints_parse("x:1.2.3.4:1 :1.2.3.4:1: y::0: y::9: "
			      "z:1111.2222.3333.4444:1: ok::3:", ep) == 1 &&
	      !strcmp(ep[0].net, "ok"));
	/* at most ENDPOINTS_MAX */
	CHECK(endpoints_parse("a::1: b::2: c::3: d::4: e::5: f::6: g::7: h::8: i::1:",
			      ep) == ENDPOINTS_MAX);
	s = endpoints_format(ep, 0);
	CHECK(s && !*s);
	free(s);
}

static void test_aliases(void)
{
	char list[256] = "";
	struct md_err err;
	struct container c = { 0 };

	CHECK(names_add_alias(list, "www", &err) == 0);
	CHECK(names_add_alias(list, "api.v2", &err) == 0 && !strcmp(list, "www,api.v2"));
	CHECK(names_add_alias(list, "a b", &err) < 0 && strstr(err.msg, "invalid network alias"));
	CHECK(names_add_alias(list, "-x", &err) < 0);
	CHECK(names_add_alias(list, "x:y", &err) < 0);
	CHECK(names_add_alias(list, "", &err) < 0);
	for (int i = 0; i < 100; i++)
		names_add_alias(list, "abcdefghij", &err);
	CHECK(strlen(list) < sizeof(list) && strstr(err.msg, "too many"));
	strcpy(c.network, "front");
	c.connected = "back::1:";
	CHECK(names_on(&c, "front") && names_on(&c, "back") && !names_on(&c, "bac"));
}

int main(void)
{
	test_endpoints();
	test_aliases();
	if (fails)
		fprintf(stderr, "%d failed\n", fails);
	return fails != 0;
}
