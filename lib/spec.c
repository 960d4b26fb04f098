/* A container's command, environment and layers (see spec.h). */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "initlayer.h"
#include "util.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int strv_add(struct strv *s, const char *x)
{
	char **nv = realloc(s->v, (s->n + 2) * sizeof(char *));
	char *copy = x ? strdup(x) : NULL;

	if (nv)
		s->v = nv;
	if (!nv || !copy) {
		free(copy);
		errno = ENOMEM;
		return -1;
	}
	s->v[s->n++] = copy;
	s->v[s->n] = NULL;
	return 0;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static char **env_slot(const struct strv *env, const char *key, size_t k)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], key, k) && env->v[i][k] == '=')
			return &env->v[i];
	return NULL;
}

const char *env_lookup(const struct strv *env, const char *key)
{
	size_t k = strlen(key);
	char **slot = env_slot(env, key, k);

	return slot ? *slot + k + 1 : NULL;
}

int env_put(struct strv *env, const char *kv)
{
	char **slot = env_slot(env, kv, strcspn(kv, "=")), *copy;

	if (!slot)
		return strv_add(env, kv);
	if (!(copy = strdup(kv)))
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

int env_option(struct strv *env, const char *arg)
{
	const char *v;
	char *kv;
	int rc;

	if (strchr(arg, '='))
		return env_put(env, arg);
	if (!(v = getenv(arg)))
		return 0;
	if (asprintf(&kv, "%s=%s", arg, v) < 0)
		return -1;
	rc = env_put(env, kv);
	free(kv);
	return rc;
}

int env_file(struct strv *env, const char *path, struct md_err *err)
{
	FILE *f = fopen(path, "re");
	char line[8192];

	if (!f)
		return err_set(err, errno, "open env file %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (env_option(env, line) < 0) {
			fclose(f);
			return err_set(err, ENOMEM, "env file %s", path);
		}
	}
	fclose(f);
	return 0;
}

int env_options(struct strv *env, char **files, size_t nfiles, char **args,
		size_t nargs, struct md_err *err)
{
	for (size_t i = 0; i < nfiles; i++)
		if (env_file(env, files[i], err) < 0)
			return -1;
	for (size_t i = 0; i < nargs; i++)
		if (env_option(env, args[i]) < 0)
			return err_set(err, ENOMEM, "environment");
	return 0;
}

static int strv_from_json(struct strv *s, const struct json *arr)
{
	for (size_t i = 0; i < json_len(arr); i++) {
		const char *x = json_str(json_at(arr, i));
		if (x && strv_add(s, x) < 0)
			return -1;
	}
	return 0;
}

/* Docker: --entrypoint replaces the entrypoint and drops the image's
 * CMD; arguments replace the CMD. */
static int command(const struct json *cfg, const struct spec_opts *o,
		   struct strv *argv)
{
	if (o->entrypoint) {
		if (o->entrypoint[0] && strv_add(argv, o->entrypoint) < 0)
			return -1;
	} else if (strv_from_json(argv, json_get(cfg, "Entrypoint")) < 0) {
		return -1;
	}
	for (size_t i = 0; i < o->nargs; i++)
		if (strv_add(argv, o->args[i]) < 0)
			return -1;
	if (!o->nargs && !o->entrypoint)
		return strv_from_json(argv, json_get(cfg, "Cmd"));
	return 0;
}

/* The image's, then --env-file, then -e; PATH, TERM and HOSTNAME where
 * none of them says. */
static int environment(const struct json *cfg, const struct spec_opts *o,
		       struct strv *env, struct md_err *err)
{
	char host[128];

	if (strv_from_json(env, json_get(cfg, "Env")) < 0 ||
	    (!env_lookup(env, "PATH") && env_put(env, DEFAULT_PATH) < 0))
		return err_set(err, ENOMEM, "environment");
	if (env_options(env, o->env_files, o->nenv_files, o->env_args,
			o->nenv_args, err) < 0)
		return -1;
	if (o->tty && !env_lookup(env, "TERM") && env_put(env, "TERM=xterm") < 0)
		return err_set(err, ENOMEM, "environment");
	snprintf(host, sizeof(host), "HOSTNAME=%s", o->hostname ? o->hostname : "");
	if (o->hostname && !env_lookup(env, "HOSTNAME") && env_put(env, host) < 0)
		return err_set(err, ENOMEM, "environment");
	return 0;
}

/* The image's layers as lowerdir names, top first, under its init
 * layer if it needs one. */
static int layers(struct store *s, const char *image_id,
		  const struct image_info *info, struct strv *out,
		  struct md_err *err)
{
	char link[96];
	int k;

	if ((k = init_layer(s, image_id, info->layers, info->nlayers, link,
			    sizeof(link), err)) < 0)
		return -1;
	if (k && strv_add(out, link) < 0)
		return err_set(err, ENOMEM, "layers");
	for (size_t i = info->nlayers; i-- > 0; ) {
		if (store_layer_link(s, info->layers[i], link, sizeof(link), err) < 0)
			return -1;
		/* (store_layer_link's name is "l/SHORT".) */
		if (strv_add(out, link + 2) < 0)
			return err_set(err, ENOMEM, "layers");
	}
	return 0;
}

int spec_image_layers(struct store *s, const char *image_id,
		      struct strv *out, struct md_err *err)
{
	struct image_info info = { 0 };
	int r;

	if (image_info_load(s, image_id, &info, err) < 0)
		return -1;
	r = layers(s, image_id, &info, out, err);
	image_info_free(&info);
	return r;
}

int spec_resolve(struct store *s, const char *image_id,
		 const struct spec_opts *o, struct spec *sp, struct md_err *err)
{
	struct image_info info = { 0 };
	const struct json *cfg;
	int rc = -1;

	memset(sp, 0, sizeof(*sp));
	if (image_info_load(s, image_id, &info, err) < 0)
		return -1;
	cfg = json_get(info.doc, "config");
	if (command(cfg, o, &sp->argv) < 0) {
		err_set(err, ENOMEM, "command");
		goto out;
	}
	if (!sp->argv.n) {
		err_set(err, 0, "No command specified");
		goto out;
	}
	if (environment(cfg, o, &sp->env, err) < 0)
		goto out;
	sp->workdir = o->workdir ? o->workdir : json_get_str(cfg, "WorkingDir");
	if (!sp->workdir || !sp->workdir[0])
		sp->workdir = "/";
	sp->user = o->user ? o->user : json_get_str(cfg, "User");
	if (!sp->user)
		sp->user = "";
	if (layers(s, image_id, &info, &sp->layers, err) < 0)
		goto out;
	sp->config = info.doc;
	info.doc = NULL;
	rc = 0;
out:
	image_info_free(&info);
	if (rc < 0)
		spec_free(sp);
	return rc;
}

void spec_free(struct spec *sp)
{
	strv_free(&sp->argv);
	strv_free(&sp->env);
	strv_free(&sp->layers);
	json_free(sp->config);
	sp->config = NULL;
}

char *spec_command_json(const struct strv *argv)
{
	size_t cap = 3, len = 1;
	char *out;

	for (size_t i = 0; i < argv->n; i++)
		cap += json_quote(NULL, 0, argv->v[i]) + 1;
	if (!(out = malloc(cap)))
		return NULL;
	out[0] = '[';
	for (size_t i = 0; i < argv->n; i++) {
		if (i)
			out[len++] = ',';
		len += json_quote(out + len, cap - len, argv->v[i]);
	}
	strcpy(out + len, "]");
	return out;
}

int spec_json_strv(const char *json, struct strv *out, const char *what,
		   struct md_err *err)
{
	struct json *j = json_parse(json, strlen(json), what, err);
	int rc = 0;

	if (!j)
		return -1;
	if (json_type(j) != JSON_ARRAY)
		rc = err_set(err, EINVAL, "%s: not a JSON array", what);
	else if (strv_from_json(out, j) < 0)
		rc = err_set(err, ENOMEM, "%s", what);
	json_free(j);
	return rc;
}

char *spec_resolv_for_bridge(const char *host)
{
	size_t len = host ? strlen(host) : 0;
	char *out = malloc(len + 64), *o = out;
	const char *p = host, *nl;
	int servers = 0;

	if (!out)
		return NULL;
	for (; p && *p; p = nl ? nl + 1 : p + strlen(p)) {
		size_t n;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (!strncmp(p, "nameserver", 10) && (p[10] == ' ' || p[10] == '\t')) {
			const char *a = p + 11;
			while (*a == ' ' || *a == '\t')
				a++;
			if (!strncmp(a, "127.", 4) || !strncmp(a, "::1", 3))
				continue;
			servers++;
		}
		memcpy(o, p, n);
		o += n;
		*o++ = '\n';
	}
	if (!servers)
		o += sprintf(o, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	*o = 0;
	return out;
}

void spec_hosts(struct etc_files *e, const char *hostname, const char *ip)
{
	int n;

	n = snprintf(e->hosts, sizeof(e->hosts), "127.0.0.1\tlocalhost%s%s\n::1\t"
		     "localhost ip6-localhost ip6-loopback\n", *ip ? "" : " ",
		     *ip ? "" : hostname);
	if (*ip && n > 0 && (size_t)n < sizeof(e->hosts))
		snprintf(e->hosts + n, sizeof(e->hosts) - n, "%s\t%s\n", ip, hostname);
}

void spec_etc_files(struct etc_files *e, const char *hostname, const char *ip)
{
	struct md_err err;
	size_t len;

	snprintf(e->hostname, sizeof(e->hostname), "%s\n", hostname);
	spec_hosts(e, hostname, ip);
	e->resolv = file_read_at(AT_FDCWD, "/etc/resolv.conf", 1 << 16, &len, &err);
	if (*ip) {
		char *r = spec_resolv_for_bridge(e->resolv);
		free(e->resolv);
		e->resolv = r;
	}
}
