/* md.ini reading (see config.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ini.h"
#include "util.h"

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

/* true/1/yes or false/0/no: 1 or 0; -1 neither. */
static int boolean(const char *value)
{
	if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes"))
		return 1;
	if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no"))
		return 0;
	return -1;
}

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
		int on = boolean(value);
		if (on < 0)
			return err_set(err, 0, "%s: [%s] insecure: not a boolean: %s",
				       config_path(), section, value);
		c->out->insecure = on;
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
	if (!strcmp(section, "defaults") && !strcmp(key, "bridge_subnet"))
		snprintf(d->bridge_subnet, sizeof(d->bridge_subnet), "%s", value);
	if (!strcmp(section, "defaults") && !strcmp(key, "port_nat")) {
		int on = boolean(value);
		if (on < 0)
			return err_set(err, 0, "%s: [defaults] port_nat: not a "
				       "boolean: %s", config_path(), value);
		d->no_port_nat = !on;
	}
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

/* What md reads from md.ini; anything else is likely a typo. */
static const char *const registry_keys[] = {
	"ca", "insecure", "username", "password", "mirror", NULL };
static const char *const defaults_keys[] = {
	"cgroup_parent", "bridge_subnet", "port_nat", NULL };

/* The keys of a section md knows (`defaults`, `registry "HOST"`), or NULL. */
static const char *const *section_keys(const char *s)
{
	const char *q;

	s += strspn(s, " \t");
	if (!strncmp(s, "defaults", 8) && !s[8 + strspn(s + 8, " \t")])
		return defaults_keys;
	if (strncasecmp(s, "registry", 8) || !strchr(" \t", s[8]) || !s[8])
		return NULL;
	s += 8 + strspn(s + 8, " \t");
	if (*s != '"' || !(q = strchr(s + 1, '"')) || q == s + 1)
		return NULL;
	return q[1 + strspn(q + 1, " \t")] ? NULL : registry_keys;
}

struct check_ctx {
	const char *path;
	config_warn_fn warn;
	void *user;
};

static void check_line(void *user, int line, const char *section,
		       const char *key)
{
	struct check_ctx *c = user;
	const char *const *keys = section_keys(section);
	char msg[300];

	if (!key && !keys)
		snprintf(msg, sizeof(msg), "%s: line %d: unknown section [%s]",
			 c->path, line, section);
	else if (key && !section[0])
		snprintf(msg, sizeof(msg), "%s: line %d: key %s outside a "
			 "section", c->path, line, key);
	else if (!key || !keys)
		return;		/* a known section, or one warned about */
	else {
		while (*keys && strcmp(*keys, key))
			keys++;
		if (*keys)
			return;
		snprintf(msg, sizeof(msg), "%s: line %d: unknown key %s in [%s]",
			 c->path, line, key, section);
	}
	c->warn(c->user, msg);
}

int config_check(config_warn_fn warn, void *user, struct md_err *err)
{
	struct check_ctx c = { config_path(), warn, user };
	cleanup_free char *buf = NULL;
	size_t len;

	if (!c.path)
		return 0;
	if (!(buf = file_read_at(AT_FDCWD, c.path, INI_READ_MAX, &len, err)))
		return -1;
	return ini_scan_buf(buf, len, c.path, check_line, &c, err);
}
