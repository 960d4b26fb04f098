/* md-run: run a command in a new container, in the foreground. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "caps.h"
#include "config.h"
#include "cgroup.h"
#include "image.h"
#include "initlayer.h"
#include "json.h"
#include "ref.h"
#include "run.h"
#include "store.h"
#include "util.h"

const char run_usage[] =
"Usage: md-run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
"\n"
"Run a command in a new container and wait for it; md-run exits with\n"
"the command's status (128+N if signal N ended it; 125 if md failed,\n"
"126 if the command could not be run, 127 if it was not found).\n"
"\n"
"Options:\n"
"      --name NAME          Name the container\n"
"      --rm                 Remove the container when it exits\n"
"  -i, --interactive        Keep standard input open\n"
"  -t, --tty                Allocate a pseudo-terminal\n"
"  -e, --env KEY[=VALUE]    Set an environment variable\n"
"      --env-file FILE      Read KEY=VALUE lines from FILE\n"
"  -w, --workdir DIR        Working directory inside the container\n"
"  -u, --user USER[:GROUP]  User name or UID (and group name or GID)\n"
"  -h, --hostname NAME      Container host name (default: the short ID)\n"
"  -v, --volume SRC:DST[:ro] Bind mount a host path\n"
"      --read-only          Mount the container's root read-only\n"
"      --entrypoint CMD     Override the image's entrypoint\n"
"      --network none|host  Network (default none: loopback only)\n"
"      --cap-add CAP        Add a capability (or ALL)\n"
"      --cap-drop CAP       Drop a capability (or ALL)\n"
"      --privileged         All capabilities and devices, no seccomp or masks\n"
"  -m, --memory BYTES       Memory limit (e.g. 64m; no swap beyond it)\n"
"      --cpus N             Number of CPUs (e.g. 0.5)\n"
"  -c, --cpu-shares N       CPU shares (relative weight)\n"
"      --cpuset-cpus LIST   CPUs allowed (e.g. 0-1)\n"
"      --pids-limit N       Maximum number of processes\n"
"      --pull POLICY        Pull the image first: missing (default), always\n"
"                           or never\n"
"      --root DIR           State directory (default $MD_ROOT or /var/lib/md)\n"
"      --help               Print this help\n";

enum {
	O_NAME = 0x100, O_RM, O_ENVFILE, O_READONLY, O_ENTRYPOINT, O_NETWORK,
	O_CAPADD, O_CAPDROP, O_PRIV, O_CPUS, O_CPUSET, O_PIDS, O_PULL,
};

enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };
/* resolve_image: the image is not in the store (nothing said yet) */
#define IMAGE_MISSING (-1)

struct strv {
	char **v;
	size_t n;
};

static void strv_add(struct strv *s, char *x)
{
	char **nv = realloc(s->v, (s->n + 2) * sizeof(char *));

	if (!nv || !x) {
		fputs("md-run: out of memory\n", stderr);
		exit(125);
	}
	s->v = nv;
	s->v[s->n++] = x;
	s->v[s->n] = NULL;
}

static const char *env_get_any(const struct strv *env, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], key, k) && env->v[i][k] == '=')
			return env->v[i] + k + 1;
	return NULL;
}

/* KEY=VALUE replaces an earlier KEY. */
static void env_set(struct strv *env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, k) && env->v[i][k] == '=') {
			free(env->v[i]);
			env->v[i] = strdup(kv);
			return;
		}
	strv_add(env, strdup(kv));
}

/* -e KEY takes KEY from md's own environment, if it is set there. */
static void env_flag(struct strv *env, const char *arg)
{
	const char *v;
	char *kv;

	if (strchr(arg, '=')) {
		env_set(env, arg);
		return;
	}
	if (!(v = getenv(arg)))
		return;
	if (asprintf(&kv, "%s=%s", arg, v) < 0)
		exit(125);
	env_set(env, kv);
	free(kv);
}

static int env_file(struct strv *env, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[8192];

	if (!f)
		return applet_failf("open env file %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		env_flag(env, line);
	}
	fclose(f);
	return 0;
}

static void strv_from_json(struct strv *s, const struct json *arr)
{
	for (size_t i = 0; i < json_len(arr); i++) {
		const char *x = json_str(json_at(arr, i));
		if (x)
			strv_add(s, strdup(x));
	}
}

static int parse_volume(const char *arg, struct volume *v)
{
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	memset(v, 0, sizeof(*v));
	v->fd = -1;
	if (!c1 || arg[0] != '/' || c1[1] != '/')
		return applet_usage_error("invalid volume %s: want /SRC:/DST[:ro]", arg);
	snprintf(v->src, sizeof(v->src), "%.*s", (int)(c1 - arg), arg);
	snprintf(v->dst, sizeof(v->dst), "%.*s",
		 (int)(c2 ? c2 - c1 - 1 : (long)strlen(c1 + 1)), c1 + 1);
	if (c2 && strcmp(c2 + 1, "ro") && strcmp(c2 + 1, "rw"))
		return applet_usage_error("invalid volume mode %s", c2 + 1);
	v->ro = c2 && !strcmp(c2 + 1, "ro");
	if (access(v->src, F_OK) < 0)
		return applet_failf("volume %s: %s", v->src, strerror(errno));
	return 0;
}

/* The contents of /etc/hostname, /etc/hosts and /etc/resolv.conf (the
 * host's, as Docker's --network none and host have it). */
static void etc_files(struct rootfs_spec *fs, const struct container *c)
{
	static char hostname[80], hosts[256];
	struct md_err err;
	size_t len;

	snprintf(hostname, sizeof(hostname), "%s\n", c->hostname);
	snprintf(hosts, sizeof(hosts), "127.0.0.1\tlocalhost %s\n::1\tlocalhost "
		 "ip6-localhost ip6-loopback\n", c->hostname);
	fs->etc_data[0] = hostname;
	fs->etc_data[1] = hosts;
	fs->etc_data[2] = file_read_at(AT_FDCWD, "/etc/resolv.conf", 1 << 16,
				       &len, &err);
}

struct opts {
	struct strv env_args, env_files;
	struct volume vols[64];
	size_t nvols;
	const char *entrypoint, *workdir, *user, *network;
	int rm, readonly;
	enum pull_policy pull;
	struct caps_change caps;
	struct cg_limits lim;
	struct run_spec r;
};

static int parse_opts(int argc, char **argv, struct opts *o, struct container *c)
{
	static const struct option lo[] = {
		{ "name", required_argument, 0, O_NAME },
		{ "rm", no_argument, 0, O_RM },
		{ "interactive", no_argument, 0, 'i' },
		{ "tty", no_argument, 0, 't' },
		{ "env", required_argument, 0, 'e' },
		{ "env-file", required_argument, 0, O_ENVFILE },
		{ "workdir", required_argument, 0, 'w' },
		{ "user", required_argument, 0, 'u' },
		{ "hostname", required_argument, 0, 'h' },
		{ "volume", required_argument, 0, 'v' },
		{ "read-only", no_argument, 0, O_READONLY },
		{ "entrypoint", required_argument, 0, O_ENTRYPOINT },
		{ "network", required_argument, 0, O_NETWORK },
		{ "net", required_argument, 0, O_NETWORK },
		{ "cap-add", required_argument, 0, O_CAPADD },
		{ "cap-drop", required_argument, 0, O_CAPDROP },
		{ "privileged", no_argument, 0, O_PRIV },
		{ "memory", required_argument, 0, 'm' },
		{ "cpus", required_argument, 0, O_CPUS },
		{ "cpu-shares", required_argument, 0, 'c' },
		{ "cpuset-cpus", required_argument, 0, O_CPUSET },
		{ "pids-limit", required_argument, 0, O_PIDS },
		{ "pull", required_argument, 0, O_PULL },
		APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	int ch;

	while ((ch = applet_getopt(argc, argv, "+ite:w:u:h:v:m:c:", lo)) != -1) {
		switch (ch) {
		case O_NAME: snprintf(c->name, sizeof(c->name), "%s", optarg); break;
		case O_RM: o->rm = 1; break;
		case 'i': o->r.interactive = 1; break;
		case 't': o->r.proc.tty = 1; break;
		case 'e': strv_add(&o->env_args, optarg); break;
		case O_ENVFILE: strv_add(&o->env_files, optarg); break;
		case 'w': o->workdir = optarg; break;
		case 'u': o->user = optarg; break;
		case 'h': snprintf(c->hostname, sizeof(c->hostname), "%s", optarg); break;
		case 'v':
			if (o->nvols == ARRAY_SIZE(o->vols))
				return applet_usage_error("too many volumes");
			if (parse_volume(optarg, &o->vols[o->nvols++]))
				return 125;
			break;
		case O_READONLY: o->readonly = 1; break;
		case O_ENTRYPOINT: o->entrypoint = optarg; break;
		case O_NETWORK: o->network = optarg; break;
		case O_CAPADD:
			if (caps_change_add(&o->caps, optarg, &err) < 0)
				return applet_fail(&err);
			break;
		case O_CAPDROP:
			if (caps_change_drop(&o->caps, optarg, &err) < 0)
				return applet_fail(&err);
			break;
		case O_PRIV: o->r.proc.privileged = o->lim.all_devices = 1; break;
		case 'm':
			if (cg_parse_memory(optarg, &o->lim.memory, &err) < 0)
				return applet_flag_error("-m, --memory", optarg, err.msg);
			break;
		case O_CPUS:
			if (cg_parse_cpus(optarg, &o->lim.nano_cpus, &err) < 0)
				return applet_flag_error("--cpus", optarg, err.msg);
			break;
		case 'c':
			if (applet_flag_int("-c, --cpu-shares", optarg, INT64_MIN,
					    INT64_MAX, &o->lim.cpu_shares))
				return 125;
			break;
		case O_CPUSET:
			if (cg_parse_cpuset(optarg, &err) < 0)
				return applet_fail(&err);
			o->lim.cpuset_cpus = optarg;
			break;
		case O_PULL:
			if (!strcmp(optarg, "missing"))
				o->pull = PULL_MISSING;
			else if (!strcmp(optarg, "always"))
				o->pull = PULL_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->pull = PULL_NEVER;
			else
				return applet_failf("invalid pull option: '%s': must be "
						    "one of \"always\", \"missing\" or "
						    "\"never\"", optarg);
			break;
		case O_PIDS:
			if (applet_flag_int("--pids-limit", optarg, INT64_MIN,
					    INT64_MAX, &o->lim.pids))
				return 125;
			break;
		}
	}
	if (optind == argc)
		return applet_usage_error("requires at least 1 argument");
	if (o->r.proc.tty && o->r.interactive && !isatty(0))
		return applet_failf("the input device is not a TTY");
	if (o->workdir && o->workdir[0] != '/')
		return applet_failf("the working directory '%s' is invalid, it "
				    "needs to be an absolute path", o->workdir);
	if (!o->network)
		o->network = "none";
	if (strcmp(o->network, "none") && strcmp(o->network, "host"))
		return applet_failf("network %s: only none and host are available "
				    "(bridge networking is not built yet)", o->network);
	if (cgroup_check_limits(&o->lim, &err) < 0)
		return applet_fail(&err);
	return 0;
}

/* Image config, command, environment and working directory. */
static int resolve_image(struct store *s, struct opts *o, struct container *c,
			 int argc, char **argv, struct strv *args, struct strv *env,
			 struct json **cfgdoc, char **lower)
{
	struct md_err err;
	char path[128], link[96];
	size_t len, lcap, llen;
	int k;
	cleanup_free char *config = NULL;
	const struct json *cfg;
	struct image_info info;

	snprintf(c->image, sizeof(c->image), "%s", argv[optind]);
	if (store_lookup(s, argv[optind], c->image_id, &err) < 0)
		return err.errnum == ENOENT && o->pull != PULL_NEVER ?
		       IMAGE_MISSING : applet_fail(&err);
	snprintf(path, sizeof(path), "blobs/sha256/%s", c->image_id + 7);
	config = file_read_at(s->fd, path, IMAGE_CONFIG_MAX, &len, &err);
	if (!config || image_info_parse(config, len, &info, &err) < 0)
		return applet_fail(&err);
	*cfgdoc = info.doc;
	info.doc = NULL;
	cfg = json_get(*cfgdoc, "config");
	/* Docker: --entrypoint replaces the entrypoint and drops the CMD. */
	if (o->entrypoint) {
		if (o->entrypoint[0])
			strv_add(args, strdup(o->entrypoint));
	} else {
		strv_from_json(args, json_get(cfg, "Entrypoint"));
	}
	if (optind + 1 < argc)
		for (int i = optind + 1; i < argc; i++)
			strv_add(args, strdup(argv[i]));
	else if (!o->entrypoint)
		strv_from_json(args, json_get(cfg, "Cmd"));
	if (!args->n)
		return applet_failf("No command specified");
	strv_from_json(env, json_get(cfg, "Env"));
	if (!env_get_any(env, "PATH"))
		env_set(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (size_t i = 0; i < o->env_files.n; i++)
		if (env_file(env, o->env_files.v[i]))
			return 125;
	for (size_t i = 0; i < o->env_args.n; i++)
		env_flag(env, o->env_args.v[i]);
	if (o->r.proc.tty && !env_get_any(env, "TERM"))
		env_set(env, "TERM=xterm");
	if (!o->workdir)
		o->workdir = json_get_str(cfg, "WorkingDir");
	if (!o->workdir || !o->workdir[0])
		o->workdir = "/";
	if (!o->user)
		o->user = json_get_str(cfg, "User");
	/* lowerdir: top layer first, as short names under l/; above them
	 * the image's init layer, if it needs one. */
	if ((k = init_layer(s, c->image_id, info.layers, info.nlayers, link,
			    sizeof(link), &err)) < 0)
		return applet_fail(&err);
	*lower = strdup(k ? link : "");
	llen = strlen(*lower);
	lcap = llen + 1;
	for (size_t i = info.nlayers; i-- > 0; ) {
		char *nl;
		if (store_layer_link(s, info.layers[i], link, sizeof(link), &err) < 0)
			return applet_fail(&err);
		lcap += strlen(link) + 1;
		if (!(nl = realloc(*lower, lcap)))
			return applet_failf("out of memory");
		*lower = nl;
		llen += sprintf(*lower + llen, "%s%s", llen ? ":" : "", link + 2);
	}
	image_info_free(&info);
	return 0;
}

/* As docker run: what is pulled, on stderr (stdout is the container's). */
static int pull_image_for_run(const char *input, int missing)
{
	char name[REF_STR_MAX], id[DIGEST_LEN + 1], digest[DIGEST_LEN + 1];
	struct ref ref;
	struct md_err err;
	int rc;

	if (ref_parse(input, &ref, &err) < 0)
		return applet_fail(&err);
	ref_format_familiar(&ref, name, sizeof(name));
	if (missing)
		fprintf(stderr, "Unable to find image '%s' locally\n", name);
	if ((rc = pull_show(input, stderr, NULL, id, digest)))
		return rc;
	if (missing)
		fprintf(stderr, "Status: Downloaded newer image for %s\n", name);
	return 0;
}

/* The command as a JSON array, for the state file. */
static char *command_json(const struct strv *args)
{
	size_t cap = 3, len = 1;
	char *out;

	for (size_t i = 0; i < args->n; i++)
		cap += json_quote(NULL, 0, args->v[i]) + 1;
	if (!(out = malloc(cap)))
		return NULL;
	out[0] = '[';
	for (size_t i = 0; i < args->n; i++) {
		if (i)
			out[len++] = ',';
		len += json_quote(out + len, cap - len, args->v[i]);
	}
	strcpy(out + len, "]");
	return out;
}

/* md could not start the container: err says why. Ctrl-C (or TERM,
 * HUP, QUIT) before the command ran ends md as a shell reports a command
 * that signal ended. */
static int stopped(const struct run_proc *p, struct md_err *err)
{
	applet_fail(err);
	return p->stop_signal ? 128 + p->stop_signal : 125;
}

int run_main(int argc, char **argv)
{
	static struct opts o;
	struct container c = { 0 };
	struct strv args = { 0 }, env = { 0 };
	struct json *cfgdoc = NULL;
	char *lower = NULL, hostenv[80], layers[PATH_MAX];
	struct store s;
	struct md_err err = { 0 };
	struct run_spec *r = &o.r;
	struct run_proc proc;
	int rc, status = 0;

	struct md_defaults defs;

	if ((rc = parse_opts(argc, argv, &o, &c)))
		return rc;
	if (config_defaults(&defs, &err) < 0)
		return applet_fail(&err);
	snprintf(c.cgroup_parent, sizeof(c.cgroup_parent), "%s", defs.cgroup_parent);
	snprintf(c.network, sizeof(c.network), "%s", o.network);
	if (!strcmp(o.network, "host") && !c.hostname[0])
		gethostname(c.hostname, sizeof(c.hostname) - 1);
	container_new(&c);
	r->s = &s;
	r->c = &c;
	r->new_net = strcmp(o.network, "host") != 0;
	/* Nothing watches it but this md: it dies with md. */
	r->proc.die_with_parent = 1;
	r->lim = o.lim;
	if (o.pull == PULL_ALWAYS && (rc = pull_image_for_run(argv[optind], 0)))
		return rc;
again:
	/* The container's first process makes its namespaces meanwhile. */
	if (run_start(r, &proc, &err) < 0)
		return applet_fail(&err);
	if (store_open(&s, STORE_WRITE, &err) < 0) {
		run_abort(&proc);
		return stopped(&proc, &err);
	}
	if ((rc = resolve_image(&s, &o, &c, argc, argv, &args, &env, &cfgdoc,
				&lower))) {
		run_abort(&proc);
		store_close(&s);
		/* Not in the store: pulled once, then the start again (the
		 * lookup is not made ahead, to keep it off every start). */
		if (rc == IMAGE_MISSING && o.pull == PULL_MISSING) {
			o.pull = PULL_NEVER;
			if ((rc = pull_image_for_run(argv[optind], 1)))
				return rc;
			goto again;
		}
		return rc;
	}
	c.command = command_json(&args);
	run_started(r, &proc);
	if (container_create(&s, &c, &err) < 0) {
		run_abort(&proc);
		return stopped(&proc, &err);
	}
	snprintf(hostenv, sizeof(hostenv), "HOSTNAME=%s", c.hostname);
	if (!env_get_any(&env, "HOSTNAME"))
		env_set(&env, hostenv);
	etc_files(&r->rootfs, &c);
	r->proc.argv = args.v;
	r->proc.env = env.v;
	r->proc.user = o.user;
	r->proc.workdir = o.workdir;
	r->proc.caps = caps_resolve(&o.caps, r->proc.privileged);
	snprintf(layers, sizeof(layers), "%s/l", s.root);
	r->rootfs.layers_dir = layers;
	r->rootfs.lowerdir = lower;
	container_path(&s, c.id, "upper", r->rootfs.upper, sizeof(r->rootfs.upper));
	container_path(&s, c.id, "work", r->rootfs.work, sizeof(r->rootfs.work));
	container_path(&s, c.id, NULL, r->rootfs.target, sizeof(r->rootfs.target));
	r->rootfs.vols = o.vols;
	r->rootfs.nvols = o.nvols;
	r->rootfs.readonly = o.readonly;
	r->rootfs.privileged = r->proc.privileged;
	r->keep_cgroup = o.rm;
	if (run_finish(r, &proc, &status, &err) < 0) {
		struct md_err e2;
		/* It never started: as Docker, a container left "created". */
		strcpy(c.status, "created");
		c.pid = 0;
		c.pid_start = 0;
		c.started[0] = 0;
		if (o.rm)
			container_remove(&s, &c, 0, -1, NULL, &e2);
		else
			container_save(&s, &c, 1, &e2);
		return stopped(&proc, &err);
	}
	if (err.msg[0])
		fprintf(stderr, "md-run: %s\n", err.msg);
	if (o.rm) {
		fflush(NULL);	/* (the remover is a fork: nothing printed twice) */
		container_remove(&s, &c, 1, r->mntns_fd, &proc.cg, &err);
	} else {
		if (r->mntns_fd >= 0)
			close(r->mntns_fd);
		container_save(&s, &c, 1, &err);
	}
	json_free(cfgdoc);
	return status;
}
