/* Containers' persistent state: containers/ID/ holds state.ini (and
 * state.ini.old, the spare it is exchanged with), the id file that
 * names/NAME links to, and the overlay upper/ and work/ dirs; the
 * directory is the root's mount point in the container's namespace.
 * Removed containers' directories are kept in spare/ for new ones. */
#ifndef MD_CONTAINER_H
#define MD_CONTAINER_H

#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"
#include "store.h"

#define CONTAINER_ID_LEN 64

struct container {
	char id[CONTAINER_ID_LEN + 1];
	char name[128];
	char image[512];	/* as the user named it */
	char image_id[DIGEST_LEN + 1];
	char *command;		/* JSON array of the argv, owned */
	char hostname[64];
	char created[40], started[40], finished[40];	/* RFC 3339 */
	char status[16];	/* created, running, exited */
	pid_t pid;
	uint64_t pid_start;	/* start time of pid (/proc/PID/stat) */
	int exit_code;
	int oom_killed;
	char cgroup_parent[256];
	char network[16];
};

/* A new ID, and the host name (the short ID) unless one is set. */
void container_new(struct container *c);
/* For c's ID (container_new) and, unless name is set, a generated name:
 * creates the directory (or takes a spare), claims the name (names/NAME,
 * a link to its id file), refusing one in use, and writes the state,
 * status "created" unless c has one. */
int container_create(struct store *s, struct container *c, struct md_err *err);
/* durable: synced to disk. A container's "created" and "running" states
 * are not (after a power loss nothing runs, and the next md reports the
 * container exited); its final state is. */
int container_save(struct store *s, const struct container *c, int durable,
		   struct md_err *err);
/* Removes the container's directory, everything in it, and its name.
 * detach: md need not wait; the name is free and the directory out of
 * sight on return, a forked remover (in a session of its own, deaf to
 * signals) deletes the files. hold_fd (or -1) is closed first, then cg
 * (or NULL), the ended container's cgroup, is removed, by that remover
 * if there is one (see run_spec's mntns_fd and keep_cgroup). */
int container_remove(struct store *s, const struct container *c, int detach,
		     int hold_fd, const struct cgroup *cg, struct md_err *err);
void container_free(struct container *c);
/* A container (any state) made from image_id: 1 and its short ID in
 * who, or 0. md-rmi refuses such an image unless forced. */
int container_using_image(struct store *s, const char *image_id, char *who,
			  size_t wholen);
/* "containers/ID/NAME" under the store root. */
void container_path(const struct store *s, const char *id, const char *name,
		    char *out, size_t outlen);

#endif
