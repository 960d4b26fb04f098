/* What a container runs, resolved from its image's config and the user's
 * options as Docker resolves them: the command (entrypoint and cmd), the
 * environment, working directory and user; the layers of its root, top
 * first; the contents of its /etc/hostname, /etc/hosts, resolv.conf. */
#ifndef MD_SPEC_H
#define MD_SPEC_H

#include <stddef.h>

#include "err.h"
#include "json.h"
#include "store.h"

/* A NULL-terminated list of owned strings. */
struct strv {
	char **v;
	size_t n;
};

/* Appends a copy of x; -1 (ENOMEM) on failure. */
int strv_add(struct strv *s, const char *x);
void strv_free(struct strv *s);

/* KEY's value in a KEY=VALUE list, or NULL. */
const char *env_lookup(const struct strv *env, const char *key);
/* KEY=VALUE, replacing an earlier KEY. */
int env_put(struct strv *env, const char *kv);
/* -e: KEY=VALUE, or KEY alone for md's own value of KEY (if it has
 * one). */
int env_option(struct strv *env, const char *arg);
/* --env-file: KEY=VALUE (or KEY) lines; blank and # lines skipped. */
int env_file(struct strv *env, const char *path, struct md_err *err);

/* --env-file files (in order), then -e args (in order). */
int env_options(struct strv *env, char **files, size_t nfiles, char **args,
		size_t nargs, struct md_err *err);

/* What the user asked for. */
struct spec_opts {
	const char *entrypoint;	/* NULL: the image's; "": none */
	char **args;		/* after the image name (may be empty) */
	size_t nargs;
	char **env_args;	/* -e, in order */
	size_t nenv_args;
	char **env_files;	/* --env-file, in order */
	size_t nenv_files;
	const char *workdir;	/* NULL: the image's */
	const char *user;	/* NULL: the image's */
	int tty;		/* TERM=xterm unless set */
	const char *hostname;	/* HOSTNAME unless set */
};

struct spec {
	struct strv argv, env;
	const char *workdir;	/* "/" if neither says */
	const char *user;	/* "" if neither says (root) */
	struct strv layers;	/* names under the store's l/, top first
				 * (the image's init layer, if any, on top) */
	struct json *config;	/* the image's config (workdir, user point
				 * into it) */
};

/* Resolves o against image_id's config in s. */
int spec_resolve(struct store *s, const char *image_id,
		 const struct spec_opts *o, struct spec *sp, struct md_err *err);
void spec_free(struct spec *sp);
/* Only the layers (sp->layers): md-start's, whose command is the
 * container's. */
int spec_image_layers(struct store *s, const char *image_id,
		      struct strv *out, struct md_err *err);
/* The command as a JSON array (for the state file); NULL: no memory. */
char *spec_command_json(const struct strv *argv);
/* The strings of such an array, appended to out; what names it in
 * errors. */
int spec_json_strv(const char *json, struct strv *out, const char *what,
		   struct md_err *err);

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of a container. With
 * an address (ip not ""), /etc/hosts names the host name with it, and
 * the host's resolv.conf loses its loopback name servers (a
 * 127.0.0.53 is the host's, out of reach of the container's network
 * namespace); with none left, Docker's fallback: 8.8.8.8 and 8.8.4.4.
 * Without, the host's resolv.conf as it is, as Docker's --network none
 * and host have it. */
struct etc_files {
	char hostname[80], hosts[320];
	char *resolv;		/* owned; NULL if the host has none */
};
void spec_etc_files(struct etc_files *e, const char *hostname, const char *ip);
/* Only e->hosts of those. */
void spec_hosts(struct etc_files *e, const char *hostname, const char *ip);
/* The host's resolv.conf text for a container with its own network:
 * (see above); a new string, or NULL without memory. */
char *spec_resolv_for_bridge(const char *host_resolv);

#endif
