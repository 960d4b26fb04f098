/* A "ports" text as md-ps shows it (ports_display): sorted and joined
 * as Docker's PORTS column (its cli's DisplayablePorts); bad text. */
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
	/* host port not the container's: one by one, by container port */
	shows("0.0.0.0:8001->81/tcp, 0.0.0.0:8000->80/tcp, 127.0.0.1:8004->84/udp",
	      "0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp, 127.0.0.1:8004->84/udp");
	/* the same: runs per address and protocol, before the others; a
	 * run broken (53, then 80) shown at once, each group's last in
	 * the order the groups began */
	shows("0.0.0.0:8080->90/tcp, 0.0.0.0:82->82/tcp, 0.0.0.0:80->80/tcp, "
	      "0.0.0.0:81->81/tcp, 127.0.0.1:53->53/udp, 0.0.0.0:53->53/tcp",
	      "0.0.0.0:53->53/tcp, 0.0.0.0:80-82->80-82/tcp, 127.0.0.1:53->53/udp, "
	      "0.0.0.0:8080->90/tcp");
	/* a run broken: its first part at once */
	shows("0.0.0.0:80->80/tcp, 0.0.0.0:82->82/tcp, 0.0.0.0:83->83/tcp",
	      "0.0.0.0:80->80/tcp, 0.0.0.0:82-83->82-83/tcp");
	shows("0.0.0.0:65534->65534/udp, 0.0.0.0:65535->65535/udp",
	      "0.0.0.0:65534-65535->65534-65535/udp");
	/* malformed: none */
	CHECK(!ports_display("0.0.0.0:80/tcp"));
	CHECK(!ports_display("1.2.3.4:80->80/tcp, x:81->81/tcp"));
	if (fails)
		fprintf(stderr, "%d check(s) failed\n", fails);
	return fails != 0;
}
