/* A detached container's monitor (md-run -d): one small process per
 * container, no daemon. md-run forks it; it leaves md-run's session,
 * becomes a child subreaper, forks the starter, and execs md's lean
 * monitor applet (a fresh address space: nothing md-run touched counts
 * against its memory). The starter is md-run's copy that starts the
 * container as md-run would in the foreground, with the container's
 * stdout and stderr on the monitor's pipes, then exits: the container,
 * orphaned, becomes the monitor's child.
 *
 *   md-run ---fork---> monitor ---fork---> starter ---clone---> container
 *     |  <--- "ok" / "fail CODE" ------------ |
 *     |                  <--- STARTED pid + watch lock (socket) ---|
 *   prints the ID        execs "md monitor": reaps the container,
 *   and exits            writes its log, records its end
 *
 * The monitor writes stdout and stderr to containers/ID/container.log
 * (log.h), records exit code, finish time and OOM kill durably when the
 * container ends, removes its cgroup (and the container, with --rm),
 * and exits.
 *
 * With -t the container's stdio is a pty whose master the monitor holds
 * and reads (all of it logged as stdout, as Docker does); with -i and no
 * -t its stdin is a pipe whose write end the monitor holds: either way
 * the container's input stays open (md-run -dit IMAGE sh keeps a shell
 * as pid 1) with nothing written to it yet. That input is what a later
 * attach applet connects to: the monitor will listen on a unix socket
 * in containers/ID/, one more fd in its poll loop, and relay a client's
 * bytes to it (and copy output to the client beside the log). Nothing
 * else in the monitor needs to change for it. It holds the container's watch lock meanwhile; killed, it
 * leaves the container running, and whoever next finds it ended records
 * that (container.h).
 *
 * Published ports: the starter binds them and sends the sockets
 * (monitor_ports); the monitor's loop watches its forwarder's one fd
 * (fwd.h). The container's address is read from its state at each
 * start. The sockets are closed when the container ends for good (before
 * the state says so), and kept during a restart's back-off. */
#ifndef MD_MONITOR_H
#define MD_MONITOR_H

#include <sys/types.h>

#include "err.h"

/* The starter's links: to md-run, to the monitor, and the pipes that
 * are to be the container's stdout and stderr (run_spec's stdio). */
struct monitor_link {
	int report;		/* write end, to md-run */
	int ctl;		/* socket, to the monitor */
	int out, err;		/* write ends of the log pipes */
	int in;			/* -i without -t: the write end of the
				 * container's stdin pipe, for the monitor;
				 * else -1 */
};

/* Forks the monitor (which forks the starter). Returns 0 in md-run with
 * *report the read end to wait on (monitor_wait), or 1 in the starter
 * (l filled; its own stdio is md-run's, so what it says reaches the
 * user). -1 in md-run on failure. */
int monitor_spawn(const char *id, int *report, struct monitor_link *l,
		  struct md_err *err);
/* md-run: the starter's word. 0 when the container runs; else the exit
 * code (the starter said why on stderr; if it said nothing, err does). */
int monitor_wait(int report, struct md_err *err);
/* The starter: the container runs as pid, watched through watch_fd
 * (handed to the monitor, with its pty's master if it has one (-t), or
 * l->in (-i)); md-run is told. -1 if the monitor is gone: the container
 * is then killed and reaped (md-run is not told yet). */
int monitor_started(struct monitor_link *l, pid_t pid, int watch_fd,
		    int master);
/* The starter, before monitor_started: hands the published ports'
 * sockets to the monitor, whose forwarder (fwd.h) keeps them across
 * restarts. -1 if the monitor is gone. */
struct ports;
int monitor_ports(struct monitor_link *l, const struct ports *p);
/* The starter: it could not start (exit code code, said already); code
 * 0: there was nothing to start (md-start of a running container). */
void monitor_failed(struct monitor_link *l, int code);

/* The monitor applet's body: md monitor ID, with fds 3 (stdout pipe), 4
 * (stderr pipe), 5 (the starter's socket). Returns its exit code. */
int monitor_main(int argc, char **argv);

#endif
