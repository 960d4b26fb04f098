/* Restart policies (see restart.h). */
#include "restart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const modes[] = {
	[RESTART_NO] = "no", [RESTART_ALWAYS] = "always",
	[RESTART_UNLESS_STOPPED] = "unless-stopped",
	[RESTART_ON_FAILURE] = "on-failure",
};

/* Go's strconv.Atoi, as Docker's parser takes the count. */
static int atoi_go(const char *s, int *out)
{
	int64_t n;

	if (parse_int(s, INT32_MIN, INT32_MAX, &n))
		return -1;
	*out = n;
	return 0;
}

int restart_parse(const char *arg, struct restart_policy *p, char *out,
		  size_t outlen, struct md_err *err)
{
	const char *colon = strchr(arg, ':');
	size_t klen = colon ? (size_t)(colon - arg) : strlen(arg);
	size_t i;

	memset(p, 0, sizeof(*p));
	if (colon && klen == 0)
		return err_set(err, 0, "invalid restart policy format: no policy "
			       "provided before colon");
	if (colon && colon[1] && atoi_go(colon + 1, &p->max) < 0)
		return err_set(err, 0, "invalid restart policy format: maximum "
			       "retry count must be an integer");
	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (strlen(modes[i]) == klen && !strncmp(arg, modes[i], klen))
			break;
	/* (Docker takes "" for "no", from before it had a name.) */
	if (klen == 0)
		i = RESTART_NO;
	if (i == ARRAY_SIZE(modes))
		return err_set(err, 0, "invalid restart policy: unknown policy "
			       "'%.*s'; use one of 'no', 'always', 'on-failure', "
			       "or 'unless-stopped'", (int)klen, arg);
	p->mode = i;
	if (p->mode != RESTART_ON_FAILURE && p->max)
		return err_set(err, 0, "invalid restart policy: maximum retry "
			       "count can only be used with 'on-failure'%s",
			       p->max < 0 ? " and cannot be negative" : "");
	if (p->max < 0)
		return err_set(err, 0, "invalid restart policy: maximum retry "
			       "count cannot be negative");
	if (p->max)
		snprintf(out, outlen, "%s:%d", modes[i], p->max);
	else
		snprintf(out, outlen, "%s", modes[i]);
	return 0;
}

/* c's policy; a state md cannot read restarts nothing. */
static struct restart_policy policy_of(const struct container *c)
{
	struct restart_policy p;
	struct md_err err;
	char buf[32];

	if (restart_parse(c->restart, &p, buf, sizeof(buf), &err) < 0)
		p.mode = RESTART_NO;
	return p;
}

/* Docker's rules, given whether it counts as stopped by hand. */
static int wanted(const struct container *c, int by_hand)
{
	struct restart_policy p = policy_of(c);

	switch (p.mode) {
	case RESTART_ALWAYS:
		return 1;
	case RESTART_UNLESS_STOPPED:
		return !by_hand;
	case RESTART_ON_FAILURE:
		return c->exit_code != 0 && (!p.max || c->restart_count < p.max);
	default:
		return 0;
	}
}

int restart_wanted(const struct container *c)
{
	return !c->auto_remove && !c->restart_canceled &&
	       wanted(c, c->stopped_by_hand);
}

int restart_at_boot(const struct container *c)
{
	/* (A new restart manager: a cancel is forgotten, not the hand.) */
	return !c->auto_remove && c->status == CONTAINER_EXITED &&
	       c->started[0] && wanted(c, c->stopped_by_hand);
}

long restart_backoff(long *ms, long ran_ms)
{
	if (ran_ms >= 10000)
		*ms = 0;
	*ms = *ms ? *ms * 2 : 100;
	if (*ms > 60000)
		*ms = 60000;
	return *ms;
}
