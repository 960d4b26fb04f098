/* Restart policies, as Docker's (--restart no|on-failure[:N]|always|
 * unless-stopped): parsing them, and the rules a container's monitor
 * and md-start --boot follow. The protocol between the monitor, its
 * starter, md-stop and md-start is in start.h. */
#ifndef MD_RESTART_H
#define MD_RESTART_H

#include "container.h"
#include "err.h"

enum restart_mode { RESTART_NO, RESTART_ALWAYS, RESTART_UNLESS_STOPPED,
		    RESTART_ON_FAILURE };

struct restart_policy {
	enum restart_mode mode;
	int max;		/* on-failure's retries; 0: no limit */
};

/* --restart's argument, with Docker's messages; the policy as state.ini
 * keeps it (c->restart) in out. */
int restart_parse(const char *arg, struct restart_policy *p, char *out,
		  size_t outlen, struct md_err *err);
/* Docker's ShouldRestart for c as its run ended (exit_code set): the
 * policy, by hand (md-stop, md-kill) or not, the retries left. */
int restart_wanted(const struct container *c);
/* For md-start --boot: c ended (the host went down, or before) and its
 * policy starts it as Docker's daemon does when it starts: always;
 * unless-stopped not stopped by hand; on-failure after a non-zero exit
 * with retries left. */
int restart_at_boot(const struct container *c);
/* Docker's back-off: the wait before the next restart, in ms, from the
 * last one (*ms, 0 at first) and how long the run that ended lasted:
 * 100 ms, doubled each time up to a minute, 100 ms again after a run
 * of 10 s or more. */
long restart_backoff(long *ms, long ran_ms);

#endif
