/* lib/template.c: the Go-template subset of --format and -f, checked
 * against what Go's text/template (with Docker's functions) prints. */
#include <stdio.h>
#include <string.h>

#include "template.h"

static int fails;

/* A container as md-ps shows it (a strict map: a Go struct), and an
 * inspect-like document (plain maps). */
static void data(struct tv *t, int strict)
{
	tv_reset(t);
	tv_map(t, NULL, strict);
	tv_str(t, "ID", "0123456789ab");
	tv_str(t, "Names", "web");
	tv_str(t, "Command", "\"sleep 60\"");
	tv_str(t, "Empty", "");
	tv_int(t, "Pid", 42);
	tv_int(t, "Zero", 0);
	tv_bool(t, "Running", 1);
	tv_null(t, "Nothing");
	tv_map(t, "State", 0);
	tv_str(t, "Status", "running");
	tv_int(t, "Pid", 42);
	tv_end(t);
	tv_list(t, "Args");
	tv_str(t, NULL, "sleep");
	tv_str(t, NULL, "60");
	tv_end(t);
	tv_list(t, "None");
	tv_end(t);
	tv_map(t, "Networks", 0);
	tv_map(t, "zeta", 0);
	tv_str(t, "IPAddress", "10.0.0.2");
	tv_end(t);
	tv_map(t, "alpha", 0);
	tv_str(t, "IPAddress", "10.0.0.1");
	tv_end(t);
	tv_end(t);
	tv_str(t, "Html", "a<b>&c");
	tv_end(t);
}

static void check(int strict, int flags, const char *src, const char *want,
		  const char *want_err)
{
	struct tv t = { 0 };
	struct tbuf out = { 0 };
	struct md_err err = { 0 };
	struct tmpl *tp;
	int r = -1;

	data(&t, strict);
	if ((tp = tmpl_parse(src, &err)))
		r = tmpl_exec(tp, &t, flags, &out, &err);
	if (want && (r < 0 || strcmp(out.p ? out.p : "", want))) {
		fails++;
		printf("FAIL %s: got \"%s\" (%s), want \"%s\"\n", src,
		       out.p ? out.p : "", r < 0 ? err.msg : "ok", want);
	}
	if (want_err && (r == 0 || !strstr(err.msg, want_err))) {
		fails++;
		printf("FAIL %s: got \"%s\" (%s), want error \"%s\"\n", src,
		       out.p ? out.p : "", r < 0 ? err.msg : "ok", want_err);
	}
	tmpl_free(tp);
	tbuf_free(&out);
	tv_free(&t);
}

#define OK(src, want) check(0, 0, src, want, NULL)
#define BAD(src, why) check(0, 0, src, NULL, why)

static void quote(const char *s, const char *want)
{
	struct tbuf b = { 0 };

	go_quote(&b, s);
	if (strcmp(b.p, want)) {
		fails++;
		printf("FAIL go_quote: got %s, want %s\n", b.p, want);
	}
	tbuf_free(&b);
}

int main(void)
{
	char esc[] = "a\\tb\\nc\\\\d";

	/* fields, text, whitespace */
	OK("", "");
	OK("plain", "plain");
	OK("{{.ID}}", "0123456789ab");
	OK("{{ .ID }}:{{.Names}}", "0123456789ab:web");
	OK("{{.State.Status}} {{.State.Pid}}", "running 42");
	OK("{{.Running}} {{.Zero}} {{.Nothing}}", "true 0 <nil>");
	OK("{{.Missing}}|{{.State.Missing}}|{{.Missing.Deeper}}",
	   "<no value>|<no value>|<no value>");
	OK("{{.Args}} {{.None}} {{.State}}", "[sleep 60] [] map[Pid:42 Status:running]");
	OK("a {{- .Names -}} b", "awebb");
	OK("a  {{- .Names}}  b", "aweb  b");
	OK("x{{/* a comment */}}y{{- /* trimmed */ -}} z", "xyz");
	OK("{{.}}", NULL);	/* prints without failing */
	/* functions and pipelines */
	OK("{{json .Args}}", "[\"sleep\",\"60\"]");
	OK("{{json .State}}", "{\"Status\":\"running\",\"Pid\":42}");
	OK("{{json .Names}} {{json .Pid}} {{json .Missing}}", "\"web\" 42 null");
	OK("{{json .Html}}", "\"a<b>&c\"");
	OK("{{upper .Names}} {{.Names | upper}} {{lower \"AbC\"}}", "WEB WEB abc");
	OK("{{title \"hello big-world foo_bar\"}}", "Hello Big-World Foo_bar");
	OK("{{truncate .ID 4}}|{{truncate .ID 40}}", "0123|0123456789ab");
	OK("{{pad .Names 2 1}}|{{pad .Empty 2 1}}|", "  web ||");
	OK("{{join .Args \",\"}}", "sleep,60");
	OK("{{println .Names .Pid}}", "web 42\n");
	OK("{{print .Names .Pid}}{{print 1 2}}", "web421 2");
	OK("{{len .Args}} {{len .State}} {{len .Names}} {{len .None}}", "2 2 3 0");
	OK("{{index .Args 1}} {{index .Networks \"alpha\" \"IPAddress\"}}", "60 10.0.0.1");
	OK("{{index .Networks \"nope\"}}", "<no value>");
	OK("{{eq .Names \"web\"}} {{eq .Pid 42}} {{ne .Pid 42}} {{eq .Names \"a\" \"web\"}}",
	   "true true false true");
	OK("{{not .Empty}} {{and .Names .Empty}}| {{or .Empty .Names}}", "true | web");
	/* control */
	OK("{{if .Running}}up{{else}}down{{end}}", "up");
	OK("{{if .Empty}}up{{else if .Zero}}zero{{else}}none{{end}}", "none");
	OK("{{if eq .State.Status \"exited\"}}x{{else if eq .State.Status \"running\"}}r{{end}}", "r");
	OK("{{range .Args}}<{{.}}>{{end}}", "<sleep><60>");
	OK("{{range .None}}x{{else}}empty{{end}}", "empty");
	OK("{{range .Missing}}x{{end}}.", ".");
	OK("{{range .Networks}}{{.IPAddress}} {{end}}", "10.0.0.1 10.0.0.2 ");
	OK("{{with .State}}{{.Status}}{{end}}{{with .Empty}}x{{else}}y{{end}}", "runningy");
	OK("{{range .Args}}{{if eq . \"60\"}}{{.}}{{end}}{{end}}", "60");
	/* errors, as Go words them */
	BAD("{{.ID", "template: :1: unclosed action");
	BAD("{{nosuch .ID}}", "template: :1: function \"nosuch\" not defined");
	BAD("{{if .ID}}x", "unexpected EOF");
	BAD("{{end}}", "unexpected {{end}}");
	BAD("{{$x := 1}}", "variables are not supported");
	BAD("{{(.ID)}}", "parenthesized");
	BAD("{{\"abc}}", "unterminated quoted string");
	BAD("{{.ID .Names}}", "can't give argument to non-function .ID");
	BAD("{{upper}}", "wrong number of args for upper: want 1 got 0");
	BAD("{{range .Names}}x{{end}}", "range can't iterate over string");
	BAD("{{.Names.X}}", "at <.Names.X>: can't evaluate field X in type string");
	BAD("{{index .Args 5}}", "index out of range: 5");
	BAD("\n {{.Pid.X}}", "template: :2:3: executing \"\" at <.Pid.X>");
	/* a strict map (a Go struct): a missing field is an error */
	check(1, 0, "{{.ID}}", "0123456789ab", NULL);
	check(1, 0, "x {{.Nope}}", NULL, "template: :1:4: executing \"\" at <.Nope>: "
	      "can't evaluate field Nope");
	check(1, 0, "{{json .Html}}", "\"a<b>&c\"", NULL);
	/* json of the whole context: json.Marshal's HTML escaping */
	check(1, 0, "{{with .State}}{{end}}{{json .}}", NULL, NULL);
	{
		struct tv t = { 0 };
		struct tbuf b = { 0 };
		tv_map(&t, NULL, 1);
		tv_str(&t, "H", "a<b>&\"\\\n\x01\xff\xe2\x80\xa8");
		tv_end(&t);
		tv_write_json(&b, &t, 0, 1);
		if (strcmp(b.p, "{\"H\":\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001"
			   "\\ufffd\\u2028\"}")) {
			fails++;
			printf("FAIL json: %s\n", b.p);
		}
		tbuf_free(&b);
		tv_free(&t);
	}
	/* the table header pass: Docker's header functions are identities */
	check(0, TMPL_HEADER, "{{upper .Names}}|{{truncate .ID 2}}|{{pad .Names 1 1}}",
	      "web|0123456789ab| web ", NULL);
	/* values from JSON */
	{
		struct tv t = { 0 };
		struct tbuf out = { 0 };
		struct md_err err;
		struct tmpl *tp = tmpl_parse("{{index . 1}} {{len .}}", &err);
		tv_json(&t, NULL, "[\"a\",\"b c\",\"\"]");
		if (!tp || tmpl_exec(tp, &t, 0, &out, &err) < 0 ||
		    strcmp(out.p, "b c 3")) {
			fails++;
			printf("FAIL tv_json: %s\n", out.p ? out.p : err.msg);
		}
		tmpl_free(tp);
		tbuf_free(&out);
		tv_free(&t);
	}
	/* Docker's escapes in --format */
	tmpl_unescape(esc);
	if (strcmp(esc, "a\tb\nc\\\\d")) {
		fails++;
		printf("FAIL tmpl_unescape: %s\n", esc);
	}
	/* strconv.Quote */
	quote("sleep 60", "\"sleep 60\"");
	quote("sh -c 'a \"b\"'", "\"sh -c 'a \\\"b\\\"'\"");
	quote("a\tb\nc\x01\x7f", "\"a\\tb\\nc\\x01\\x7f\"");
	quote("sleep 1234567890123…", "\"sleep 1234567890123…\"");
	quote("\xff\xc2\x85", "\"\\xff\\u0085\"");
	if (!fails)
		printf("test_template: ok\n");
	return fails != 0;
}
