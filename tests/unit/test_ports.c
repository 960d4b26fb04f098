/* A "ports" text as md-ps shows it (ports_display): runs joined as
 * Docker's PORTS column joins them; ports_next on bad text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, \
	__LINE__, #c); fails++; } } while (0)

/* display(text) is want */
static void shows(const char *text, const char *want)
{
	char *got = ports_display(text);

	CHECK(got && !strcmp(got, want));
	if (got && strcmp(got, want))
		fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", text, got, want);
	free(got);
}

int main(void)
{
	shows("", "");
	shows("127.0.0.1:8080->80/tcp", "127.0.0.1:8080->80/tcp");
	/* a range, then one that breaks it (another protocol, address,
	 * or a port that does not follow) */
	shows("0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp, 0.0.0.0:8002->82/tcp, "
	      "0.0.0.0:8003->83/udp, 127.0.0.1:8004->84/udp, 127.0.0.1:8006->85/udp",
	      "0.0.0.0:8000-8002->80-82/tcp, 0.0.0.0:8003->83/udp, "
	      "127.0.0.1:8004->84/udp, 127.0.0.1:8006->85/udp");
	/* host ports in a row, container ports not: each alone */
	shows("0.0.0.0:9000->80/tcp, 0.0.0.0:9001->80/tcp",
	      "0.0.0.0:9000->80/tcp, 0.0.0.0:9001->80/tcp");
	shows("0.0.0.0:65534->1/tcp, 0.0.0.0:65535->2/tcp",
	      "0.0.0.0:65534-65535->1-2/tcp");
	/* malformed: none */
	CHECK(!ports_display("0.0.0.0:80/tcp"));
	CHECK(!ports_display("1.2.3.4:80->80/tcp, x:81->81/tcp"));
	if (fails)
		fprintf(stderr, "%d check(s) failed\n", fails);
	return fails != 0;
}
