/* The port forwarder: relays connections to a published host port
 * (ports.h) to the container's address, in the process that watches the
 * container (its monitor, or foreground md-run). With fwd_nat the
 * kernel carries most of them instead (DNAT, nft_ports_set), and the
 * forwarder only what its rules leave to the host's sockets: connections
 * from the container's own bridge, and all of them where the kernel
 * cannot (then silently: the sockets serve either way). One epoll fd
 * holds all of it; the caller's poll loop watches that one fd (fwd_fd) and calls
 * fwd_handle when it is readable. No threads, no allocation until a
 * connection comes.
 *
 * TCP: each accepted connection gets a nonblocking connect to the
 * container's address and port, and two pipes: bytes go socket -> pipe
 * -> socket by splice(2), never through user space. One side's EOF,
 * once all it sent is relayed, is shutdown(SHUT_WR) on the other (a
 * half-close passes through). UDP: a flow per client address (a socket
 * connected to the container, its replies sent back from the published
 * socket), ended once FWD_UDP_IDLE seconds without traffic have
 * passed and a new client comes (no timer).
 *
 * Against a hostile container (root inside; it can also connect to the
 * published ports itself, through the host): connections and flows are
 * capped (FWD_CONN_MAX, FWD_FLOW_MAX, and by the fds the process may
 * open); at the cap a new connection is accepted and closed at once (the
 * client sees EOF); a datagram from a new client address ends a flow
 * the container never answered (as conntrack's early drop), else the
 * one idle longest (UDP has no close: clients that left must not keep
 * new ones out for FWD_UDP_IDLE seconds). A
 * busy connection yields after a budget of bytes, so one stream cannot
 * starve the others nor the caller's loop. What goes to the container is
 * the client's bytes, untouched; nothing it sends is parsed. Every fd is
 * close-on-exec: none reaches a container started by this process. */
#ifndef MD_FWD_H
#define MD_FWD_H

#include <stdint.h>

#define FWD_CONN_MAX 1024
#define FWD_FLOW_MAX 256
#define FWD_UDP_IDLE 90		/* s, as Docker's userland proxy */

struct fwd;

/* A forwarder with no ports (NULL: no memory or no epoll fd). Raises the
 * process's soft fd limit to its hard one (each connection holds six). */
struct fwd *fwd_new(void);
/* Takes the bound socket fd (TCP listening, or UDP) of container port
 * ctr. -1 (fd closed) on failure. */
int fwd_listen(struct fwd *f, int fd, int udp, uint16_t ctr);
/* The kernel carries the connections to the ports (those from the
 * container's own bridge excepted) from the next fwd_target on, through
 * table ip md-ID (nft_ports_set), ID the container's. If it cannot,
 * the forwarder does, as without fwd_nat. */
void fwd_nat(struct fwd *f, const char *id, const char *bridge);
/* The container's address (network order): 0 while it does not run,
 * when every connection and flow is ended and new ones refused. */
void fwd_target(struct fwd *f, uint32_t addr);
int fwd_fd(const struct fwd *f);
/* Works through the ready events (never waits). */
void fwd_handle(struct fwd *f);
/* Closes everything: the published ports are free again. */
void fwd_free(struct fwd *f);

#endif
