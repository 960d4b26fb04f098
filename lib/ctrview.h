/* What md shows of a container as Docker shows it: md-ps's fields (its
 * STATUS words, the COMMAND column, Docker's --format names) and the
 * inspect document that md-inspect's templates read. */
#ifndef MD_CTRVIEW_H
#define MD_CTRVIEW_H

#include <time.h>

#include "container.h"
#include "template.h"

/* Docker's State.String() as of now: "Up 5 seconds", "Up Less than a
 * second", "Exited (137) 2 minutes ago", "Created", "Restarting (1) 2
 * seconds ago", "Dead"... */
void ctr_status(const struct container *c, const struct timespec *now,
		char *out, size_t outlen);

/* The command as Docker's list has it: the path and its arguments, an
 * argument holding a space in single quotes. NULL: out of memory. */
char *ctr_command(const struct container *c);

/* The fields that cost something to make: only those a format uses are
 * (the others are ""). */
enum {
	CTR_PS_COMMAND = 1, CTR_PS_CREATED_AT = 2, CTR_PS_MOUNTS = 4,
	CTR_PS_RUNNING_FOR = 8, CTR_PS_STATUS = 16, CTR_PS_ALL = 31,
};

struct ctr_ps {
	unsigned fields;	/* CTR_PS_... to make */
	const char *image;	/* the IMAGE column (md-ps decides) */
	int trunc;		/* not --no-trunc */
	int64_t size_rw;	/* -s: bytes of its upper dir; -1: not asked */
	int64_t size_image;	/* and of its image's files */
};

/* md-ps's fields of c: Docker's ContainerContext (a strict map: an
 * unknown field is an error), keys in the order of its JSON. */
void ctr_ps_fields(struct tv *t, const struct container *c,
		   const struct ctr_ps *o, const struct timespec *now);
/* The table header's: each field's column name (a plain map). */
void ctr_ps_header(struct tv *t);
/* Docker's inspect document of c, with what md knows (log_path: its
 * log file, or ""). */
void ctr_inspect_doc(struct tv *t, const struct container *c,
		     const char *log_path);

#endif
