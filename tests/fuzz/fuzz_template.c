/* libFuzzer target for lib/template.c (the Go-template subset of md-ps
 * --format and md-inspect -f, typed by users): no crash, no leak, errors
 * on one line; the input is parsed and run over a strict (md-ps) and a
 * plain (md-inspect) tree, in the header pass too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static void tree(struct tv *t, int strict)
{
	tv_reset(t);
	tv_map(t, NULL, strict);
	tv_str(t, "ID", "0123456789ab");
	tv_str(t, "Names", "web");
	tv_int(t, "Pid", 42);
	tv_bool(t, "Running", 1);
	tv_null(t, "Nothing");
	tv_map(t, "State", 0);
	tv_str(t, "Status", "running");
	tv_json(t, "Env", "[\"A=1\",\"B=2\"]");
	tv_end(t);
	tv_list(t, "Args");
	tv_str(t, NULL, "sleep");
	tv_int(t, NULL, 60);
	tv_end(t);
	tv_end(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = malloc(size + 1);
	struct md_err err = { 0 };
	struct tmpl *tp;
	struct tv t = { 0 };

	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = 0;
	tmpl_unescape(src);
	if (!(tp = tmpl_parse(src, &err))) {
		if (strncmp(err.msg, "template: :", 11) || strchr(err.msg, '\n'))
			abort();
	}
	for (int k = 0; tp && k < 3; k++) {
		struct tbuf out = { 0 };
		tree(&t, k == 1);
		err.msg[0] = 0;
		if (tmpl_exec(tp, &t, k == 2 ? TMPL_HEADER : 0, &out, &err) < 0 &&
		    (!err.msg[0] || strchr(err.msg, '\n')))
			abort();
		tbuf_free(&out);
	}
	tv_free(&t);
	tmpl_free(tp);
	free(src);
	return 0;
}
