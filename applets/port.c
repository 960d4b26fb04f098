/* md-port: a container's published ports, as docker port prints them,
 * from the "ports" its state keeps while it runs (ports.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "container.h"
#include "ipam.h"
#include "ports.h"
#include "store.h"

const char port_usage[] =
"Usage: md-port CONTAINER [PRIVATE_PORT[/PROTO]]\n"
"\n"
"List port mappings or a specific mapping for the container.\n"
"\n"
"Options:\n"
"      --root DIR       State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help           Print this help\n";

int port_main(int argc, char **argv)
{
	static const struct option lo[] = { APPLET_LONGOPTS, { 0 } };
	struct container c;
	struct port_map m;
	struct md_err err;
	struct store s;
	const char *p, *want = NULL;
	char key[32];
	int found = 0, r;

	while (applet_getopt(argc, argv, "h", lo) != -1)
		;
	if (optind >= argc || argc - optind > 2)
		return applet_usage_error("requires at least 1 and at most 2 arguments");
	if (optind + 1 < argc) {
		want = argv[optind + 1];
		snprintf(key, sizeof(key), "%s%s", want, strchr(want, '/') ? "" : "/tcp");
	}
	if (store_open(&s, STORE_READ, &err) < 0 ||
	    container_lookup(&s, argv[optind], &c, &err) < 0)
		return applet_fail(&err);
	p = container_live(&c) ? c.ports : "";
	while ((r = ports_next(&p, &m)) > 0) {
		char one[32], ip[16];
		snprintf(one, sizeof(one), "%u/%s", m.ctr, m.udp ? "udp" : "tcp");
		ip4_format(m.ip, ip, sizeof(ip));
		if (!want)
			printf("%s -> %s:%u\n", one, ip, m.host);
		else if (!strcmp(one, key) && ++found)
			printf("%s:%u\n", ip, m.host);
	}
	container_free(&c);
	if (want && !found) {
		applet_failf("No public port '%s' published for %s", key, argv[optind]);
		return 1;
	}
	return 0;
}
