/* parse_int: the strict integer parser behind every numeric flag;
 * signal_parse: signals as docker kill -s and StopSignal name them;
 * kernel_compat: MD_KERNEL_COMPAT's words. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int fails;

static void ok(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = 12345;
	const char *why = parse_int(s, min, max, &v);

	if (why || v != want) {
		fails++;
		printf("FAIL parse_int(\"%s\"): %s, %lld\n", s, why ? why : "ok",
		       (long long)v);
	}
}

static void bad(const char *s, int64_t min, int64_t max, const char *want)
{
	int64_t v = 12345;
	const char *why = parse_int(s, min, max, &v);

	if (!why || strcmp(why, want)) {
		fails++;
		printf("FAIL parse_int(\"%s\"): %s, want %s\n", s,
		       why ? why : "accepted", want);
	}
}

static void sig(const char *s, int want)
{
	int got = signal_parse(s);

	if (got != want) {
		fails++;
		printf("FAIL signal_parse(\"%s\"): %d, want %d\n", s, got, want);
	}
}

/* MD_KERNEL_COMPAT=env: want the bits (or -1 and the bad word). */
static void compat(const char *env, int want, const char *want_bad)
{
	const char *bad = NULL;
	int n = 0, got;

	setenv("MD_KERNEL_COMPAT", env, 1);
	got = kernel_compat(&bad, &n);
	if (got != want || (want < 0 && (!bad || (int)strlen(want_bad) != n ||
					 strncmp(bad, want_bad, n)))) {
		fails++;
		printf("FAIL kernel_compat(\"%s\"): %d\n", env, got);
	}
}

static void t3339(const char *s, int ok, int64_t sec, long ns)
{
	int64_t gs = -1;
	long gn = -1;
	int r = rfc3339_parse_ns(s, &gs, &gn);

	if ((r == 0) != ok || (ok && (gs != sec || gn != ns))) {
		fails++;
		printf("FAIL rfc3339_parse_ns(\"%s\"): %d %lld %ld\n", s, r,
		       (long long)gs, gn);
	}
}

static void dur(int64_t s, const char *want)
{
	char out[64];

	human_duration(out, sizeof(out), s);
	if (strcmp(out, want)) {
		fails++;
		printf("FAIL human_duration(%lld): %s, want %s\n", (long long)s,
		       out, want);
	}
}

int main(void)
{
	sig("KILL", SIGKILL);
	sig("SIGKILL", SIGKILL);
	sig("sigterm", SIGTERM);
	sig("usr1", SIGUSR1);
	sig("SIGQUIT", SIGQUIT);
	sig("9", 9);
	sig("64", 64);
	sig("RTMIN", 34);
	sig("SIGRTMIN+3", 37);
	sig("RTMAX-1", 63);
	sig("RTMAX", 64);
	sig("CLD", SIGCHLD);
	sig("0", -1);
	sig("65", -1);
	sig("-9", -1);
	sig("", -1);
	sig("SIG", -1);
	sig("FOO", -1);
	sig("SIGSIGKILL", -1);
	sig("RTMIN+16", -1);
	sig("RTMIN++1", -1);
	sig("RTMAX-15", -1);
	sig("KILL ", -1);
	sig("SIGVERYLONGNAMEINDEED", -1);
	t3339("2026-12-02T16:04:21.392230595Z", 1, 1796227461, 392230595);
	t3339("2026-12-02T16:04:21Z", 1, 1796227461, 0);
	t3339("2026-12-02T16:04:21.5+01:00", 1, 1796227461 - 3600, 500000000);
	t3339("1970-01-01T00:00:00Z", 1, 0, 0);
	t3339("2026-12-02 16:04:21Z", 0, 0, 0);
	t3339("2026-12-02T16:04:21", 0, 0, 0);
	t3339("2026-13-02T16:04:21Z", 0, 0, 0);
	t3339("2026-12-02T16:04:2", 0, 0, 0);
	t3339("", 0, 0, 0);
	t3339("2026-12-02T16:04:21Zx", 0, 0, 0);
	/* Docker's HumanDuration, as md-ps prints it */
	dur(0, "Less than a second");
	dur(-3, "Less than a second");
	dur(1, "1 second");
	dur(59, "59 seconds");
	dur(60, "About a minute");
	dur(119, "About a minute");
	dur(120, "2 minutes");
	dur(3599, "59 minutes");
	dur(3600, "About an hour");
	dur(2 * 3600, "2 hours");
	dur(47 * 3600, "47 hours");
	dur(48 * 3600, "2 days");
	dur(14 * 86400, "2 weeks");
	dur(60 * 86400, "2 months");
	dur(3 * 365 * 86400, "3 years");
	ok("0", INT64_MIN, INT64_MAX, 0);
	ok("512", INT64_MIN, INT64_MAX, 512);
	ok("+7", INT64_MIN, INT64_MAX, 7);
	ok("-1", INT64_MIN, INT64_MAX, -1);
	ok("007", 0, 10, 7);
	ok("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	ok("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	bad("", INT64_MIN, INT64_MAX, "not an integer");
	bad("-", INT64_MIN, INT64_MAX, "not an integer");
	bad("abc", INT64_MIN, INT64_MAX, "not an integer");
	bad("12x", INT64_MIN, INT64_MAX, "not an integer");
	bad(" 1", INT64_MIN, INT64_MAX, "not an integer");
	bad("1 ", INT64_MIN, INT64_MAX, "not an integer");
	bad("1.5", INT64_MIN, INT64_MAX, "not an integer");
	bad("0x10", INT64_MIN, INT64_MAX, "not an integer");
	bad("--1", INT64_MIN, INT64_MAX, "not an integer");
	bad("9223372036854775808", INT64_MIN, INT64_MAX, "value out of range");
	bad("-9223372036854775809", INT64_MIN, INT64_MAX, "value out of range");
	bad("99999999999999999999999", INT64_MIN, INT64_MAX, "value out of range");
	bad("9", 1, 8, "value out of range");
	bad("0", 1, 8, "value out of range");
	compat("", 0, NULL);
	compat("no-pidfd-setns", COMPAT_NO_PIDFD_SETNS, NULL);
	compat("no-mount-setattr,no-pidfd-setns,", COMPAT_NO_MOUNT_SETATTR |
	       COMPAT_NO_PIDFD_SETNS, NULL);
	compat("no-lowerdir-plus,no-pidfd", -1, "no-pidfd");
	compat("no-pidfd-setnsx", -1, "no-pidfd-setnsx");
	if (!fails)
		printf("test_util: ok\n");
	return fails != 0;
}
