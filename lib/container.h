/* Containers' persistent state: containers/ID/ holds state.ini (and
 * state.ini.old, the spare it is exchanged with), the id file that
 * names/NAME links to (and whose lock says someone watches the
 * container), and the overlay upper/ and work/ dirs; the directory is
 * the root's mount point in the container's namespace. Removed
 * containers' directories are kept in spare/ for new ones. container.c:
 * IDs, names, creating, finding and removing; state.c: the state file,
 * the truth of a status, listing, watching. */
#ifndef MD_CONTAINER_H
#define MD_CONTAINER_H

#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"
#include "store.h"

#define CONTAINER_ID_LEN 64

/* Docker's State.Status words, as state.ini spells them. md writes
 * created, running and exited today; the others are for restarts,
 * pauses and removal. */
enum container_status {
	CONTAINER_CREATED,	/* never started (or failed to start) */
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_RESTARTING,
	CONTAINER_REMOVING,
	CONTAINER_EXITED,
	CONTAINER_DEAD,
};

struct container {
	char id[CONTAINER_ID_LEN + 1];
	char name[128];
	char image[512];	/* as the user named it */
	char image_id[DIGEST_LEN + 1];
	char *command;		/* JSON array of the argv, owned */
	/* The process as md-run resolved it, for md-exec: */
	char *env;		/* JSON array of KEY=VALUE, as the command
				 * got it; owned */
	char *user;		/* "" (root), "USER[:GROUP]", owned */
	char *workdir;		/* absolute; owned */
	char *mounts;		/* JSON array of its -v volumes as Docker's
				 * HostConfig.Binds: "SRC:DST[:ro]"; owned */
	/* (Loaded, none of these strings is NULL; saved, NULL is [], [],
	 * "", "/" and [].) */
	uint64_t caps;		/* capability set (caps.h) */
	int privileged;		/* --privileged */
	int seccomp;		/* seccomp filter on (off when privileged) */
	char hostname[64];
	char created[40], started[40], finished[40];	/* RFC 3339 */
	enum container_status status;
	pid_t pid;
	uint64_t pid_start;	/* start time of pid (proc_start_time) */
	char boot_id[40];	/* the boot pid is of (container_set_boot) */
	int exit_code;
	int oom_killed;
	char error[512];	/* why it ended as it did, as Docker's
				 * State.Error ("" if it ran its course) */
	int auto_remove;	/* --rm */
	int read_only;		/* --read-only */
	/* Its limits, as md-run took them (cgroup.h's cg_limits; 0: none) */
	int64_t memory, nano_cpus, cpu_shares, pids_limit;
	char cpuset_cpus[64];
	/* Its cgroup is cgroup_load(cg, cgroup_parent, id). */
	char cgroup_parent[256];
	char network[64];	/* none, host, bridge or a user network */
	char ip[16];		/* its address on network while it runs, or "" */
	char ipv4_address[16];	/* --ip: the address it always gets there,
				 * or "" (Docker's IPAMConfig.IPv4Address) */
	char aliases[256];	/* --network-alias on network, ","-joined */
	char *connected;	/* md-network connect's other networks
				 * (names.h's endpoints); owned, "" if none */
	/* Published ports (ports.h): asked ("publish") and bound while it
	 * runs ("ports"); owned, "" for none. */
	char *publish, *ports;
	/* Restarts (restart.h): the policy as Docker's --restart spells it
	 * ("no", "always", "unless-stopped", "on-failure[:N]"), how many
	 * times the monitor restarted it since md-run or md-start, and
	 * Docker's HasBeenManuallyStopped (md-stop, md-kill: unless-stopped
	 * stays down, at boot too) and restart manager's cancel (no policy
	 * restarts it when it ends; both reset as it starts). */
	char restart[32];
	int restart_count;
	int stopped_by_hand, restart_canceled;
	int tty, open_stdin;	/* -t, -i */
	/* Its monitor (md-run -d, md-start), which md-stop wakes while it
	 * waits to restart the container; 0 if none. */
	pid_t monitor_pid;
	uint64_t monitor_start;
	/* This process watches the container (container_watch): the fd
	 * of that lock, >= 3; 0 if not. */
	int watch_fd;
};

/* This boot's ID (/proc/sys/kernel/random/boot_id), or "" if unknown. */
const char *host_boot_id(void);
/* Records this boot as the one c's pid belongs to: for whoever sets pid
 * (container_create does, for a container created running). */
void container_set_boot(struct container *c);
/* "created", "running"... */
const char *container_status_name(enum container_status st);
/* The status a word names, or -1. */
int container_status_parse(const char *word);

/* A new ID, and the host name (the short ID) unless one is set. */
void container_new(struct container *c);
/* For c's ID (container_new) and, unless name is set, a generated name:
 * creates the directory (or takes a spare), claims the name (names/NAME,
 * a link to its id file), refusing one in use, and writes the state
 * (its status as c has it: created unless set). A container created
 * running (run_started) is watched by the caller from before its state
 * says so: c->watch_fd (see container_watch). */
int container_create(struct store *s, struct container *c, struct md_err *err);
/* durable: synced to disk. A container's "created" and "running" states
 * are not (after a power loss nothing runs, and the next md reports the
 * container exited); its final state is. */
int container_save(struct store *s, const struct container *c, int durable,
		   struct md_err *err);
/* Reads id's state into c under its directory's lock, calls fn on it,
 * and writes c back if fn returned 0; returns that, or fn's result (> 0:
 * nothing to write; < 0: it failed, saying why in err). No such
 * container: ENOENT. The lock orders read-modify-writes of one
 * container's state (md-stop's flags, a monitor's record, a start's
 * claim: start.h); fn must not take it again (no load or save). */
int container_update(struct store *s, const char *id, struct container *c,
		     int (*fn)(struct container *c, void *arg, struct md_err *err),
		     void *arg, int durable, struct md_err *err);
/* container_remove's flags. */
#define RM_DETACH	1	/* md need not wait: see below */
#define RM_NO_WAITERS	2	/* the caller holds the directory's lock,
				 * and may be md-wait itself (a load that
				 * settles an unwatched end): md-wait's
				 * waiters are not given c's end */
#define RM_ENDED	4	/* c is the caller's own run, ended, though
				 * its state may still say it runs */
/* Removes the container's directory, everything in it, and its name.
 * First, under the directory's lock, its state says "removing" (a start
 * refuses it from then on; without RM_ENDED, one that runs now is
 * refused: EBUSY, in Docker's words; a state that cannot be read or
 * written is removed unmarked), and if md-wait waits on it
 * (container_wait_end), the removal waits (at most 5 s) until the
 * waiters have read its end and let go. RM_DETACH:
 * the name is free and the directory out of sight on return, a forked
 * remover (in a session of its own, deaf to signals) deletes the files.
 * hold_fd (or -1) is closed first, then cg (or NULL), the ended
 * container's cgroup, is removed, by that remover if there is one (see
 * run_spec's mntns_fd and keep_cgroup). Already gone: 0. */
int container_remove(struct store *s, const struct container *c, int flags,
		     int hold_fd, const struct cgroup *cg, struct md_err *err);
/* Gives c's address back to its network's ipam (if it has one) and
 * clears c->ip: for whoever records its end or removes it. */
void container_net_release(struct store *s, struct container *c);
/* Only those of its md-network connect networks (container.connected);
 * s NULL: only cleared from c. */
void container_net_release_more(struct store *s, struct container *c);
/* Frees c's strings and ends its watch, if this process holds it
 * (container_remove leaves the watch to the caller). */
void container_free(struct container *c);

/* All of c's state as state.ini has it (key = value lines), into o:
 * for md-inspect. */
struct ini_out;
void container_state_ini(const struct container *c, struct ini_out *o);

/* Reading state. A container recorded running whose process has ended
 * (gone, or a zombie), or whose pid now names another process (start
 * time, boot ID), and that no one watches (md-run or its monitor was
 * killed, the host restarted), ended unwatched: the first md to read its
 * state records it exited (exit code 255, the reason in error, durably),
 * removes its cgroup, and removes the container if it was --rm; so does
 * a --rm container left exited and unwatched. What fails of that is
 * tried again by the next md (the loaded c tells the truth meanwhile). */

/* Loads containers/ID/state.ini into c (all fields; c->watch_fd 0).
 * errnum ENOENT ("No such container: ID") if there is none: no such
 * directory, one still being made (no state of its own ID yet), or one
 * just removed as above. Any other error names the state file. */
int container_load(struct store *s, const char *id, struct container *c,
		   struct md_err *err);
/* A name (or "/NAME"), a full ID, or a unique ID prefix, as Docker
 * resolves them (in that order): the container's ID in id. Not found:
 * errnum ENOENT, "No such container: ARG"; a prefix of several IDs:
 * "multiple IDs found with provided prefix: ARG". */
int container_resolve(struct store *s, const char *arg,
		      char id[CONTAINER_ID_LEN + 1], struct md_err *err);
/* container_resolve and container_load in one; errors name arg. */
int container_lookup(struct store *s, const char *arg, struct container *c,
		     struct md_err *err);
/* The IDs of containers/ (directories still being made included: load
 * each to know). Free *ids. */
int container_ids(struct store *s, char (**ids)[CONTAINER_ID_LEN + 1],
		  size_t *n, struct md_err *err);
/* Every container, loaded (container_load), in no order; those still
 * being made or gone meanwhile are left out. 1 if some container's state
 * could not be read (err names the first; the others are listed), 0 if
 * all could, -1 on failure. Free with container_list_free. */
int container_list(struct store *s, struct container **list, size_t *n,
		   struct md_err *err);
void container_list_free(struct container *list, size_t n);
/* A container (any state) made from image_id: 1 and its short ID in
 * who, or 0. md-rmi refuses such an image unless forced. */
int container_using_image(struct store *s, const char *image_id, char *who,
			  size_t wholen);
/* Makes the calling process the container's watcher: the one that will
 * record how it ends (md-run in the foreground; a monitor). A shared
 * lock on its id file, held while the returned fd (>= 3, close-on-exec,
 * inherited by forks) is open: while any process holds it, no other md
 * takes a running container whose process is gone for one that ended
 * unwatched (its watcher has reaped it and is about to record that). */
int container_watch(struct store *s, const char *id, struct md_err *err);
/* c's status says it has a process: running, paused or restarting. */
int container_live(const struct container *c);
/* c's process is still the one it started and has not ended: same boot,
 * same start time (its pid may name another process by now), not a
 * zombie. */
int container_alive(const struct container *c);

/* ---- stopping (stop.c): md-stop, md-kill, md-rm -f, md-wait ---- */

/* Sends sig to c's first process if it is still the one c started
 * (container_alive, then a pidfd checked again: a recycled pid is never
 * signalled). 0 sent; 1 if it is not running; -1 on failure. pidfd (or
 * NULL) keeps the process's pidfd, to wait on, or -1. */
int container_signal(const struct container *c, int sig, int *pidfd,
		     struct md_err *err);
/* SIGKILL to every process of c: its first one, and all in its cgroup
 * (cgroup.kill where the kernel has it), until none is left there. */
int container_kill(const struct container *c, struct md_err *err);
/* The signal c's image asks to be stopped with (its config's
 * StopSignal), else SIGTERM. */
int container_stop_signal(struct store *s, const struct container *c);
/* Whether md-kill's sig ends c's restarts, as Docker's kill: SIGKILL,
 * its image's StopSignal, or any signal if the image has none. */
int container_kill_cancels(struct store *s, const struct container *c, int sig);
/* md-stop, md-kill, md-rm -f of a live c: records that it was stopped
 * by hand and, with cancel, that its policy is not to restart it; one
 * waiting to restart is recorded exited and its monitor ended (see
 * stop.c). c is loaded again (no longer live if so). 1 if it was
 * restarting (no process to signal), 0 if not; -1: c's state could not
 * be written (ENOENT: removed meanwhile). */
int container_stop_restarts(struct store *s, struct container *c, int cancel,
			    struct md_err *err);
/* Waits until c (as loaded) has ended and its end is recorded (by its
 * watcher; with none left, by container_load), and loads it again: 0
 * (c is its final state), 1 if it was removed meanwhile, -1 on failure.
 * With created, a container that has not run yet is waited for too,
 * until it has run and ended. Blocks on the process's pidfd; only the
 * moments its watcher takes to record the end are looked at again and
 * again (at most every 100 ms). */
int container_wait_end(struct store *s, struct container *c, int created,
		       struct md_err *err);

/* One container for container_stop. */
struct container_stop {
	struct container c;	/* loaded; on return, its final state */
	int rc;			/* 0 stopped (or was not running), 1 removed
				 * meanwhile, -1 failed (err) */
	struct md_err err;
	int pidfd;
};
/* md-stop of n containers at once: each running one gets sig (0: its
 * container_stop_signal); those still running timeout seconds later (<
 * 0: no limit) are killed (container_kill); returns once the end of
 * each is recorded. */
void container_stop(struct store *s, struct container_stop *st, size_t n,
		    int sig, int timeout);

/* "containers/ID/NAME" under the store root. */
void container_path(const struct store *s, const char *id, const char *name,
		    char *out, size_t outlen);

#endif
