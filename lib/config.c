/* md.ini reading (see config.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ini.h"

const char *config_path(void)
{
	const char *p = getenv("MD_CONFIG");

	if (p && *p)
		return p;
	return access(CONFIG_DEFAULT, F_OK) == 0 ? CONFIG_DEFAULT : NULL;
}

struct reg_ctx {
	char section[300];
	struct registry_conf *out;
};

static int reg_handler(void *user, const char *section, const char *key,
		       const char *value, struct md_err *err)
{
	struct reg_ctx *c = user;

	if (strcasecmp(section, c->section))
		return 0;
	if (!strcmp(key, "ca"))
		snprintf(c->out->ca, sizeof(c->out->ca), "%s", value);
	else if (!strcmp(key, "mirror"))
		snprintf(c->out->mirror, sizeof(c->out->mirror), "%s", value);
	else if (!strcmp(key, "insecure")) {
		if (!strcmp(value, "true") || !strcmp(value, "1") ||
		    !strcmp(value, "yes"))
			c->out->insecure = 1;
		else if (strcmp(value, "false") && strcmp(value, "0") &&
			 strcmp(value, "no"))
			return err_set(err, 0, "%s: [%s] insecure: not a boolean: %s",
				       config_path(), section, value);
	}
	return 0;
}

int config_registry(const char *host, struct registry_conf *out,
		    struct md_err *err)
{
	struct reg_ctx c = { .out = out };
	const char *path = config_path();

	memset(out, 0, sizeof(*out));
	if (!path)
		return 0;
	snprintf(c.section, sizeof(c.section), "registry \"%s\"", host);
	return ini_parse_at(AT_FDCWD, path, INI_RAW, reg_handler, &c, err);
}

static int defaults_handler(void *user, const char *section, const char *key,
			    const char *value, struct md_err *err)
{
	struct md_defaults *d = user;

	if (!strcmp(section, "defaults") && !strcmp(key, "cgroup_parent"))
		snprintf(d->cgroup_parent, sizeof(d->cgroup_parent), "%s", value);
	return 0;
}

int config_defaults(struct md_defaults *out, struct md_err *err)
{
	const char *path = config_path();

	memset(out, 0, sizeof(*out));
	if (!path)
		return 0;
	return ini_parse_at(AT_FDCWD, path, INI_RAW, defaults_handler, out, err);
}
