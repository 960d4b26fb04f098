/* Starting a container again from its saved state: md-start, md-restart,
 * md-start --boot, and a restart by its monitor. The container keeps its
 * ID, name and upper layer; what it runs (command, environment, user,
 * workdir, volumes, capabilities, limits, network, host name) is what
 * md-run resolved and state.ini keeps; its image's layers come again
 * from its image ID.
 *
 * Who starts it: a starter, the monitor's child, as md-run -d's (see
 * monitor.h). md-start forks the monitor (monitor_spawn), whose starter
 * is md-start's copy; a monitor restarting its container forks and
 * execs "md starter ID" (it cannot run md-run's code in its lean self),
 * with the log pipes on fds 3, 4 and the socket on 5. Either starter
 * ends in start_container, which hands the new pid and its watch lock to
 * the monitor (MSG_STARTED), as md-run -d's starter does.
 *
 * The protocol of a restart (the state's directory lock orders every
 * read-modify-write, container_update):
 * 1. The container ends. Its monitor, under the lock, records the end
 *    (exit code, time, OOM) and reads stopped_by_hand, restart_canceled
 *    and the policy (restart.h): no restart, it is exited and the
 *    monitor exits; else it is "restarting", restart_count + 1, and the
 *    monitor waits the back-off, holding the container's watch lock (so
 *    no md takes it for one that ended unwatched).
 * 2. md-stop, md-kill or md-rm -f meanwhile: under the lock, the flags
 *    set and, if still restarting, the container recorded exited; the
 *    monitor woken with SIGUSR1 (its pid and start time are in the
 *    state: monitor_pid), which loads the state, finds it no longer its
 *    restarting container, and exits. md-stop waits for that exit.
 * 3. The back-off over, the monitor starts "md starter ID". The starter
 *    starts the process (its namespaces), then claims the container
 *    under the lock: only if it is still restarting and its monitor is
 *    the starter's parent does it write "running" with the new pid
 *    (else it ends the process, says nothing and exits: a stop won).
 *    Then the process execs and the monitor gets it. A stop after the
 *    claim finds it running and signals the new pid (1.).
 * 4. A monitor killed during the back-off leaves the container
 *    "restarting" with no watch lock held: the next md that loads it
 *    records it exited (state.c), its last exit code kept.
 * md-start claims the same way, only if the container is not live (two
 * md-start at once: one starts it, the other finds it running). */
#ifndef MD_START_H
#define MD_START_H

#include "err.h"
#include "monitor.h"

/* The starter's work for container id. restart: a restart by the
 * starter's parent, its monitor; else md-start's. 0 started (the
 * monitor has it); 1 nothing to do (running already; for a restart, no
 * longer the monitor's to restart); -2 it is gone (removed meanwhile);
 * -1 md could not start it, or 2..255
 * the exit code of a command that could not be run: err says why, and,
 * once claimed, the state (Docker's State.Error). */
int start_container(const char *id, struct monitor_link *l, int restart,
		    struct md_err *err);

/* The hidden applet "md starter ID" (fds 3, 4, 5 as above). */
int starter_main(int argc, char **argv);

#endif
