/* md.ini: the user's configuration (MD_CONFIG, else /etc/md/md.ini),
 * optional. Only what md reads from it lives here. */
#ifndef MD_CONFIG_H
#define MD_CONFIG_H

#include "err.h"

#define CONFIG_DEFAULT "/etc/md/md.ini"

struct registry_conf {
	char ca[4096];		/* extra CA PEM file, or "" */
	int insecure;		/* plain HTTP / unverified TLS allowed */
	char mirror[1024];	/* URL to pull from instead, or "" */
};

struct md_defaults {
	char cgroup_parent[256];	/* [defaults] cgroup_parent, or "" */
	char bridge_subnet[64];		/* [defaults] bridge_subnet: md0's
					 * address/prefix, or "" */
	int no_port_nat;		/* [defaults] port_nat = false: the
					 * forwarder carries every connection
					 * to a published port (fwd.h) */
};

/* The [defaults] section (zeroed when absent). */
int config_defaults(struct md_defaults *out, struct md_err *err);
/* The configuration file's path, or NULL if there is none. */
const char *config_path(void);
/* Settings of [registry "HOST"] (zeroed when absent). */
int config_registry(const char *host, struct registry_conf *out,
		    struct md_err *err);

/* Reads md.ini for what md does not know: calls warn with "PATH: line N:
 * unknown key K in [SECTION]" (or section, or a key outside any). Errors
 * are those reading the file (the readers above would meet them too). */
typedef void (*config_warn_fn)(void *user, const char *msg);
int config_check(config_warn_fn warn, void *user, struct md_err *err);

#endif
