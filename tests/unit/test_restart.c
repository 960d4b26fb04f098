/* lib/restart.c: --restart parsed as Docker parses and validates it,
 * the policies' rules, the back-off. */
#include <stdio.h>
#include <string.h>

#include "restart.h"

static int fails;

static void parse(const char *arg, const char *want, const char *want_err)
{
	struct restart_policy p;
	struct md_err err = { 0 };
	char out[32] = "";
	int r = restart_parse(arg, &p, out, sizeof(out), &err);

	if (want && (r < 0 || strcmp(out, want))) {
		fails++;
		printf("FAIL %s: got %d '%s' (%s), want '%s'\n", arg, r, out, err.msg, want);
	}
	if (want_err && (r == 0 || strcmp(err.msg, want_err))) {
		fails++;
		printf("FAIL %s: got %d '%s', want error '%s'\n", arg, r, err.msg, want_err);
	}
}

static void rule(const char *policy, int code, int count, int by_hand,
		 int canceled, int want, int want_boot)
{
	struct container c = { 0 };

	strcpy(c.restart, policy);
	c.exit_code = code;
	c.restart_count = count;
	c.stopped_by_hand = by_hand;
	c.restart_canceled = canceled;
	c.status = CONTAINER_EXITED;
	strcpy(c.started, "2026-01-01T00:00:00Z");
	if (restart_wanted(&c) != want || restart_at_boot(&c) != want_boot) {
		fails++;
		printf("FAIL %s code %d count %d hand %d cancel %d: %d %d\n", policy,
		       code, count, by_hand, canceled, restart_wanted(&c),
		       restart_at_boot(&c));
	}
}

int main(void)
{
	long ms = 0, seq[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800,
			       25600, 51200, 60000, 60000 };

	parse("no", "no", NULL);
	parse("", "no", NULL);
	parse("always", "always", NULL);
	parse("unless-stopped", "unless-stopped", NULL);
	parse("on-failure", "on-failure", NULL);
	parse("on-failure:", "on-failure", NULL);
	parse("on-failure:0", "on-failure", NULL);
	parse("on-failure:+3", "on-failure:3", NULL);
	parse("on-failure:-1", NULL, "invalid restart policy: maximum retry count "
	      "cannot be negative");
	parse("always:2", NULL, "invalid restart policy: maximum retry count can "
	      "only be used with 'on-failure'");
	parse("no:-2", NULL, "invalid restart policy: maximum retry count can "
	      "only be used with 'on-failure' and cannot be negative");
	parse("on-failure:x", NULL, "invalid restart policy format: maximum retry "
	      "count must be an integer");
	parse(":1", NULL, "invalid restart policy format: no policy provided "
	      "before colon");
	parse("Always", NULL, "invalid restart policy: unknown policy 'Always'; "
	      "use one of 'no', 'always', 'on-failure', or 'unless-stopped'");

	/* policy code count hand cancel: restart, at boot */
	rule("no", 1, 0, 0, 0, 0, 0);
	rule("always", 0, 0, 0, 0, 1, 1);
	rule("always", 0, 9, 1, 0, 1, 1);
	rule("always", 143, 0, 1, 1, 0, 1);
	rule("unless-stopped", 0, 0, 0, 0, 1, 1);
	rule("unless-stopped", 137, 0, 1, 0, 0, 0);
	rule("unless-stopped", 137, 0, 1, 1, 0, 0);
	rule("on-failure", 0, 0, 0, 0, 0, 0);
	rule("on-failure", 1, 50, 0, 0, 1, 1);
	rule("on-failure:2", 3, 1, 0, 0, 1, 1);
	rule("on-failure:2", 3, 2, 0, 0, 0, 0);
	rule("on-failure", 143, 0, 1, 1, 0, 1);
	rule("garbage", 1, 0, 0, 0, 0, 0);

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		if (restart_backoff(&ms, 50) != seq[i]) {
			fails++;
			printf("FAIL back-off %zu: %ld\n", i, ms);
		}
	if (restart_backoff(&ms, 10000) != 100 || restart_backoff(&ms, 9999) != 200) {
		fails++;
		printf("FAIL back-off reset: %ld\n", ms);
	}
	if (!fails)
		printf("test_restart: ok\n");
	return fails != 0;
}
