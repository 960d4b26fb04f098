/* lib/rematch.c: what Go's regexp.MatchString says for the patterns
 * people give md-ps --filter name=. */
#include <stdio.h>

#include "rematch.h"

static int fails;

static void t(const char *re, const char *s, int want)
{
	int got = re_search(re, s);

	if (got != want) {
		fails++;
		printf("FAIL re_search(\"%s\", \"%s\"): %d, want %d\n", re, s, got, want);
	}
}

int main(void)
{
	t("web", "my-web-1", 1);
	t("web", "db", 0);
	t("", "anything", 1);
	t("^web", "web-1", 1);
	t("^web", "my-web", 0);
	t("web$", "my-web", 1);
	t("web$", "web-1", 0);
	t("^web$", "web", 1);
	t("^/web$", "/web", 1);
	t("^web$", "webs", 0);
	t("w.b", "wxb", 1);
	t("we*b", "wb", 1);
	t("we*b", "weeeb", 1);
	t("we+b", "wb", 0);
	t("we?b", "web", 1);
	t("we?b", "weeb", 0);
	t("app[0-9]+$", "app12", 1);
	t("app[0-9]+$", "app1x", 0);
	t("[^a-z]", "abc", 0);
	t("[^a-z]", "ab1", 1);
	t("[]x]", "]", 1);
	t("a\\.b", "a.b", 1);
	t("a\\.b", "axb", 0);
	t("\\d\\d", "x12", 1);
	t("^\\w+$", "a_b9", 1);
	t("^\\w+$", "a-b", 0);
	t("[\\d-]+", "1-2", 1);
	t("web|db", "db-1", 1);
	t("^web$|^db$", "dbx", 0);
	t("^web$|^db$", "db", 1);
	t(".*", "", 1);
	t("a.*b.*c", "axxbyyc", 1);
	t("a.*b.*c", "axxbyy", 0);
	/* not understood: the caller compares exactly */
	t("(web)", "web", -1);
	t("a{2}", "aa", -1);
	t("[abc", "a", -1);
	t("*a", "a", -1);
	t("a\\", "a", -1);
	if (!fails)
		printf("test_rematch: ok\n");
	return fails != 0;
}
