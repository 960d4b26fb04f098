/* lib/ctrview.c: Docker's STATUS words and COMMAND column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrview.h"
#include "util.h"

static int fails;
static struct timespec now = { 1800000000, 500000000 };

/* An RFC 3339 time d seconds (and ns nanoseconds) before now. */
static void ago(char *out, int64_t d, long ns)
{
	int64_t s = now.tv_sec - d;
	long n = now.tv_nsec - ns;

	if (n < 0) {
		n += 1000000000;
		s--;
	}
	rfc3339_format(out, 40, s, n);
}

static void status(enum container_status st, int64_t started, int64_t finished,
		   int code, const char *want)
{
	struct container c = { 0 };
	char out[128];

	c.status = st;
	c.exit_code = code;
	if (started >= 0)
		ago(c.started, started, 0);
	if (finished >= 0)
		ago(c.finished, finished, 0);
	ctr_status(&c, &now, out, sizeof(out));
	if (strcmp(out, want)) {
		fails++;
		printf("FAIL status: got \"%s\", want \"%s\"\n", out, want);
	}
}

static void command(const char *json, const char *want)
{
	struct container c = { 0 };
	char *got;

	c.command = (char *)json;
	got = ctr_command(&c);
	if (!got || strcmp(got, want)) {
		fails++;
		printf("FAIL command %s: got \"%s\", want \"%s\"\n", json,
		       got ? got : "(null)", want);
	}
	free(got);
}

int main(void)
{
	struct container c = { 0 };
	char out[128];

	status(CONTAINER_RUNNING, 0, -1, 0, "Up Less than a second");
	status(CONTAINER_RUNNING, 5, -1, 0, "Up 5 seconds");
	status(CONTAINER_RUNNING, 90, -1, 0, "Up About a minute");
	status(CONTAINER_RUNNING, 3 * 3600, -1, 0, "Up 3 hours");
	status(CONTAINER_PAUSED, 7, -1, 0, "Up 7 seconds (Paused)");
	status(CONTAINER_EXITED, 300, 120, 137, "Exited (137) 2 minutes ago");
	status(CONTAINER_EXITED, 2, 1, 0, "Exited (0) 1 second ago");
	status(CONTAINER_EXITED, 1, 0, 255, "Exited (255) Less than a second ago");
	status(CONTAINER_CREATED, -1, -1, 0, "Created");
	status(CONTAINER_EXITED, -1, -1, 0, "Created");	/* never started */
	status(CONTAINER_RESTARTING, 10, 2, 1, "Restarting (1) 2 seconds ago");
	status(CONTAINER_DEAD, 10, 2, 1, "Dead");
	status(CONTAINER_REMOVING, 10, 2, 1, "Removal In Progress");
	/* to the nanosecond: 0.9 s is less than a second, 1.1 s is one */
	c.status = CONTAINER_RUNNING;
	ago(c.started, 0, 900000000);
	ctr_status(&c, &now, out, sizeof(out));
	if (strcmp(out, "Up Less than a second")) {
		fails++;
		printf("FAIL 0.9 s: %s\n", out);
	}
	ago(c.started, 1, 100000000);
	ctr_status(&c, &now, out, sizeof(out));
	if (strcmp(out, "Up 1 second")) {
		fails++;
		printf("FAIL 1.1 s: %s\n", out);
	}
	command("[\"sleep\",\"60\"]", "sleep 60");
	command("[\"sh\",\"-c\",\"exit 3\"]", "sh -c 'exit 3'");
	command("[\"/my prog\",\"a b\",\"c\"]", "/my prog 'a b' c");
	command("[]", "");
	command("not json", "");
	if (!fails)
		printf("test_ctrview: ok\n");
	return fails != 0;
}
