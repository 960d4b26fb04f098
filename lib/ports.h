/* Published ports (-p, -P): what the user asked for, the host sockets
 * md binds for it before the container starts, and the text the state
 * keeps. The sockets go to the forwarder (fwd.h) of whoever watches the
 * container: md-run in the foreground, else its monitor.
 *
 * Two texts are kept in state.ini, both lists joined by ", ":
 *   publish  what was asked, one entry a port: "IP:HOST:CTR/PROTO",
 *            HOST empty for an ephemeral port, or "A-B" for a host range
 *            offered to one container port (Docker takes the first free
 *            one). md-start binds from it again.
 *   ports    what is bound while the container runs, as Docker's PORTS
 *            column spells one port: "IP:HOST->CTR/PROTO"; "" else.
 * IPv4 only (as md's networks). */
#ifndef MD_PORTS_H
#define MD_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* At most this many ports a container: the sockets travel to the
 * monitor in spawn messages, and each is a forwarder's fd. */
#define PORTS_MAX 128

struct port_map {
	uint32_t ip;		/* host address, network order (0: all) */
	uint16_t host, host_end;/* host port or range; 0: ephemeral */
	uint16_t ctr;		/* container port */
	uint8_t udp;
	int fd;			/* bound socket, or -1 */
};

struct ports {
	struct port_map *v;
	size_t n;
};

/* Adds -p SPEC's ports ("[IP:][HOST[-HOST]:]CTR[-CTR][/tcp|/udp]"). */
int ports_parse(struct ports *p, const char *spec, struct md_err *err);
/* -P: each of an image's ExposedPorts key ("80/tcp"), on an ephemeral
 * port of all addresses. */
int ports_expose(struct ports *p, const char *key, struct md_err *err);
/* The "publish" text (malloc'd; "" for none; NULL: no memory), and back:
 * ports_load adds what text names. */
char *ports_publish_text(const struct ports *p);
int ports_load(struct ports *p, const char *text, struct md_err *err);
/* Binds every port (close-on-exec, nonblocking; TCP listening), each
 * map's host set to the port it got. On failure none stays bound: err
 * says which port was not available. */
int ports_bind(struct ports *p, struct md_err *err);
/* The "ports" text of bound maps (malloc'd; NULL: no memory). */
char *ports_text(const struct ports *p);
/* Closes the sockets (fds become -1) and frees. */
void ports_free(struct ports *p);

/* A "ports" text as Docker's PORTS column shows it: sorted by
 * container port; maps whose host port is the container's joined into
 * runs per address and protocol ("0.0.0.0:80-82->80-82/tcp"), the
 * others one by one after them. malloc'd; NULL: no memory, or the text
 * is malformed. */
char *ports_display(const char *text);
/* One entry of a "ports" text, from *s on (which is moved past it):
 * 1 got one, 0 at the end, -1 malformed. */
int ports_next(const char **s, struct port_map *m);

#endif
