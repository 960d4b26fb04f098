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
#include "ref.h"
#include "monitor.h"
#include "names.h"
#include "fwd.h"
#include "json.h"
#include "net.h"
#include "ports.h"
#include "restart.h"
#include "run.h"
#include "spec.h"
#include "store.h"
#include "util.h"

const char run_usage[] =
"Usage: md-run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
"\n"
"Run a command in a new container and wait for it; md-run exits with\n"
"the command's status (128+N if signal N ended it; 125 if md failed,\n"
"126 if the command could not be run, 127 if it was not found). With -d,\n"
"print the container's ID once it runs and leave it to its monitor.\n"
"\n"
"Options:\n"
"      --name NAME          Name the container\n"
"      --rm                 Remove the container when it exits\n"
"      --restart POLICY     Restart it when it exits (with -d; else from its\n"
"                           next md-start): no (default), on-failure[:N],\n"
"                           always or unless-stopped\n"
"  -d, --detach             Run in the background and print the ID\n"
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
"      --network NETWORK    bridge (default: md0), none (loopback only),\n"
"                           host, container:NAME (its network), or a\n"
"                           network made with md-network\n"
"      --network-alias NAME Another name on a user network (repeatable)\n"
"      --ip ADDR            Its IPv4 address on a user network\n"
"  -p, --publish [IP:][HOSTPORT:]CTRPORT[/udp]\n"
"                           Publish a container's port(s) to the host\n"
"  -P, --publish-all        Publish all exposed ports to random ports\n"
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
	O_NAME = 0x100, O_RM, O_ENVFILE, O_READONLY, O_ENTRYPOINT, O_NETWORK, O_ALIAS, O_IP,
	O_CAPADD, O_CAPDROP, O_PRIV, O_CPUS, O_CPUSET, O_PIDS, O_PULL, O_RESTART,
};

enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };
/* resolve_image: the image is not in the store (nothing said yet) */
#define IMAGE_MISSING (-1)

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

struct opts {
	struct strv env_args, env_files;	/* (not copies: argv's) */
	struct volume vols[64];
	size_t nvols;
	const char *entrypoint, *workdir, *user, *network;
	int rm, readonly, detach;
	enum pull_policy pull;
	struct caps_change caps;
	struct cg_limits lim;
	struct netconf net;	/* --network bridge */
	struct ports ports;	/* -p (and -P's, once the image is known) */
	int publish_all;	/* -P */
	struct fwd *fwd;	/* in the foreground: the forwarder */
	struct run_spec r;
};

static int parse_opts(int argc, char **argv, struct opts *o, struct container *c)
{
	static const struct option lo[] = {
		{ "name", required_argument, 0, O_NAME },
		{ "detach", no_argument, 0, 'd' },
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
		{ "network-alias", required_argument, 0, O_ALIAS },
		{ "ip", required_argument, 0, O_IP },
		{ "cap-add", required_argument, 0, O_CAPADD },
		{ "cap-drop", required_argument, 0, O_CAPDROP },
		{ "privileged", no_argument, 0, O_PRIV },
		{ "memory", required_argument, 0, 'm' },
		{ "cpus", required_argument, 0, O_CPUS },
		{ "cpu-shares", required_argument, 0, 'c' },
		{ "cpuset-cpus", required_argument, 0, O_CPUSET },
		{ "pids-limit", required_argument, 0, O_PIDS },
		{ "pull", required_argument, 0, O_PULL },
		{ "restart", required_argument, 0, O_RESTART },
		{ "publish", required_argument, 0, 'p' },
		{ "publish-all", no_argument, 0, 'P' },
		APPLET_LONGOPTS, { 0 } };
	struct restart_policy rp = { 0 };
	struct md_err err;
	int ch;

	while ((ch = applet_getopt(argc, argv, "+dite:w:u:h:v:m:c:p:P", lo)) != -1) {
		switch (ch) {
		case O_NAME: snprintf(c->name, sizeof(c->name), "%s", optarg); break;
		case 'd': o->detach = 1; break;
		case O_RM: o->rm = 1; break;
		case 'i': o->r.interactive = 1; break;
		case 't': o->r.proc.tty = 1; break;
		case 'e':
			if (strv_add(&o->env_args, optarg) < 0)
				return applet_failf("out of memory");
			break;
		case O_ENVFILE:
			if (strv_add(&o->env_files, optarg) < 0)
				return applet_failf("out of memory");
			break;
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
		case O_ALIAS:
			if (names_add_alias(c->aliases, optarg, &err) < 0)
				return applet_fail(&err);
			break;
		case O_IP:
			if (!ip4_parse(optarg) || strlen(optarg) >= sizeof(c->ipv4_address))
				return applet_failf("invalid IPv4 address: %s", optarg);
			snprintf(c->ipv4_address, sizeof(c->ipv4_address), "%s", optarg);
			break;
		case 'p':
			if (ports_parse(&o->ports, optarg, &err) < 0)
				return applet_flag_error("-p, --publish", optarg, err.msg);
			break;
		case 'P': o->publish_all = 1; break;
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
		case O_RESTART:
			if (restart_parse(optarg, &rp, c->restart, sizeof(c->restart),
					  &err) < 0)
				return applet_fail(&err);
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
	if (o->rm && rp.mode != RESTART_NO)
		return applet_failf("conflicting options: cannot specify both "
				    "--restart and --rm");
	/* (Detached, the terminal is the monitor's: md's stdin is not
	 * read.) */
	if (o->r.proc.tty && o->r.interactive && !o->detach && !isatty(0))
		return applet_failf("the input device is not a TTY");
	if (o->workdir && o->workdir[0] != '/')
		return applet_failf("the working directory '%s' is invalid, it "
				    "needs to be an absolute path", o->workdir);
	if (!o->network)
		o->network = "bridge";
	if (strlen(o->network) >= sizeof(((struct container *)0)->network))
		return applet_failf("network %s not found", o->network);
	if (!strncmp(o->network, "container:", 10)) {
		if (o->ports.n || o->publish_all)
			return applet_failf("conflicting options: port publishing "
					    "and the container type network mode");
		if (c->hostname[0])
			return applet_failf("conflicting options: hostname and "
					    "the network mode");
	}
	if (c->aliases[0] && (net_predefined(o->network) || !net_bridged(o->network)))
		return applet_failf("network-scoped alias is supported only for "
				    "containers in user defined networks");
	if (c->ipv4_address[0] && (net_predefined(o->network) || !net_bridged(o->network)))
		return applet_failf("user specified IP address is supported on user "
				    "defined networks only");
	/* (As Docker: no address of its own, nothing to forward to.) */
	if ((o->ports.n || o->publish_all) &&
	    (!strcmp(o->network, "none") || !strcmp(o->network, "host"))) {
		fprintf(stderr, "WARNING: Published ports are discarded when using "
			"%s network mode\n", o->network);
		ports_free(&o->ports);
		o->publish_all = 0;
	}
	if (cgroup_check_limits(&o->lim, &err) < 0)
		return applet_fail(&err);
	return 0;
}

/* The image (IMAGE_MISSING if it is not in the store and may be pulled),
 * and what the container runs, from its config and the options. */
static int resolve_image(struct store *s, struct opts *o, struct container *c,
			 int argc, char **argv, struct spec *sp)
{
	struct spec_opts so = {
		.entrypoint = o->entrypoint, .args = argv + optind + 1,
		.nargs = argc - optind - 1, .env_args = o->env_args.v,
		.nenv_args = o->env_args.n, .env_files = o->env_files.v,
		.nenv_files = o->env_files.n, .workdir = o->workdir,
		.user = o->user, .tty = o->r.proc.tty, .hostname = c->hostname };
	struct md_err err;

	snprintf(c->image, sizeof(c->image), "%s", argv[optind]);
	if (store_lookup(s, argv[optind], c->image_id, &err) < 0)
		return err.errnum == ENOENT && o->pull != PULL_NEVER ?
		       IMAGE_MISSING : applet_fail(&err);
	if (spec_resolve(s, c->image_id, &so, sp, &err) < 0)
		return applet_fail(&err);
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

/* The -v volumes as Docker's HostConfig.Binds, a JSON array (NULL: out
 * of memory). */
static char *binds_json(const struct opts *o)
{
	struct strv v = { 0 };
	char bind[2 * 4096 + 8], *json = NULL;
	size_t i;

	for (i = 0; i < o->nvols; i++) {
		snprintf(bind, sizeof(bind), "%s:%s%s", o->vols[i].src,
			 o->vols[i].dst, o->vols[i].ro ? ":ro" : "");
		if (strv_add(&v, bind) < 0)
			break;
	}
	if (i == o->nvols)
		json = spec_command_json(&v);
	strv_free(&v);
	return json;
}

/* The published ports (with -P, the image's ExposedPorts too), bound,
 * and in c's state. -1 err says why, 1 no memory. */
static int publish(struct opts *o, struct container *c, const struct spec *sp,
		   struct md_err *err)
{
	const struct json *ex = json_get(json_get(sp->config, "config"),
					 "ExposedPorts");

	for (size_t i = 0; o->publish_all && i < json_len(ex); i++)
		if (ports_expose(&o->ports, json_key_at(ex, i), err) < 0)
			return -1;
	if (!o->ports.n)
		return 0;
	if (!(c->publish = ports_publish_text(&o->ports)))
		return 1;
	if (ports_bind(&o->ports, err) < 0)
		return -1;
	return (c->ports = ports_text(&o->ports)) ? 0 : 1;
}

/* Foreground md-run forwards the ports itself, while it waits. */
static int forward(struct opts *o, struct store *s, const struct container *c,
		   uint32_t addr)
{
	char bridge[16];

	if (!(o->fwd = fwd_new()))
		return -1;
	if (net_ports_bridge(s, c->network, bridge))
		fwd_nat(o->fwd, c->id, bridge);
	for (size_t i = 0; i < o->ports.n; i++) {
		struct port_map *m = &o->ports.v[i];
		int fd = m->fd;
		m->fd = -1;
		if (fwd_listen(o->fwd, fd, m->udp, m->ctr) < 0)
			return -1;
	}
	fwd_target(o->fwd, addr);
	fg_forwarder(o->fwd);
	return 0;
}

/* md could not start the container: err says why. Ctrl-C (or TERM,
 * HUP, QUIT) before the command ran ends md as a shell reports a command
 * that signal ended. */
static int stopped(const struct run_proc *p, struct md_err *err)
{
	applet_fail(err);
	return p->stop_signal ? 128 + p->stop_signal : 125;
}

/* md-run -d: the image is pulled here, where its progress can be seen;
 * then the monitor is forked, which forks the starter. In md-run: waits
 * for the starter's word, prints the ID; returns the exit code. In the
 * starter: returns -1 and md-run's work goes on there. */
static int detach(struct opts *o, struct container *c, const char *image,
		  struct monitor_link *l)
{
	char id[DIGEST_LEN + 1];
	struct md_err err;
	struct store s;
	int report, rc;

	if (o->pull != PULL_NEVER) {
		int have = store_open(&s, STORE_READ, &err) == 0 &&
			   store_lookup(&s, image, id, &err) == 0;
		store_close(&s);
		if ((o->pull == PULL_ALWAYS || !have) &&
		    (rc = pull_image_for_run(image, !have && o->pull == PULL_MISSING)))
			return rc;
		o->pull = PULL_NEVER;
	}
	if ((rc = monitor_spawn(c->id, &report, l, &err)) < 0)
		return applet_fail(&err);
	if (rc == 1)
		return -1;
	if ((rc = monitor_wait(report, &err))) {
		if (err.msg[0])
			applet_fail(&err);
		return rc;
	}
	printf("%s\n", c->id);
	return 0;
}

static int run(int argc, char **argv, struct monitor_link *link)
{
	static struct opts o;
	struct container c = { 0 };
	struct spec sp = { 0 };
	struct etc_files etc;
	char layers[PATH_MAX], hosts_path[PATH_MAX], join_ip[16] = "";
	struct store s;
	struct md_err err = { 0 };
	struct run_spec *r = &o.r;
	struct run_proc proc;
	struct md_defaults defs;
	int rc = 0, status = 0;

	if ((rc = parse_opts(argc, argv, &o, &c)))
		return rc;
	if (config_defaults(&defs, &err) < 0)
		return applet_fail(&err);
	snprintf(c.cgroup_parent, sizeof(c.cgroup_parent), "%s", defs.cgroup_parent);
	snprintf(c.network, sizeof(c.network), "%s", o.network);
	if (!strcmp(o.network, "host") && !c.hostname[0])
		gethostname(c.hostname, sizeof(c.hostname) - 1);
	/* container:NAME: its namespace, its host name and address in the
	 * /etc files (as Docker's), its ID in the state. */
	if (!strncmp(o.network, "container:", 10)) {
		struct container other;
		char id[65];
		if (store_open(&s, STORE_READ, &err) < 0 ||
		    (r->join_netns = net_join_open(&s, o.network + 10, id, &other,
						   &err)) < 0)
			return applet_fail(&err);
		store_close(&s);
		snprintf(c.network, sizeof(c.network), "container:%s", id);
		snprintf(c.hostname, sizeof(c.hostname), "%s", other.hostname);
		snprintf(join_ip, sizeof(join_ip), "%s", other.ip);
		container_free(&other);
	}
	container_new(&c);
	r->s = &s;
	r->c = &c;
	r->new_net = net_bridged(o.network) || !strcmp(o.network, "none");

	/* Nothing watches it but this md: it dies with md. */
	r->proc.die_with_parent = 1;
	r->lim = o.lim;
	if (o.detach) {
		if ((rc = detach(&o, &c, argv[optind], link)) >= 0)
			return rc;
		/* The starter: the container's stdout and stderr are the
		 * monitor's, and it outlives this process. */
		r->own_stdio = 1;
		r->stdio[0] = 0;
		r->stdio[1] = link->out;
		r->stdio[2] = link->err;
		r->proc.die_with_parent = 0;
		/* -i without -t: stdin is a pipe the monitor keeps open
		 * (with -t, the pty is). */
		if (o.r.interactive && !r->proc.tty) {
			int in[2];
			if (pipe2(in, O_CLOEXEC) < 0)
				return applet_failf("stdin pipe: %s", strerror(errno));
			r->stdio[0] = in[0];
			link->in = in[1];
		}
	}
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
	/* bridge, or a user network (md-network) */
	if (net_bridged(o.network)) {
		if (net_lookup(&s, o.network, &o.net, &err) < 0 ||
		    (rc = net_bridge_up(&s, &o.net, &err)) < 0) {
			run_abort(&proc);
			store_close(&s);
			return stopped(&proc, &err);
		}
		if (rc > 0)	/* (the bridge made, without NAT: said once) */
			applet_fail(&err);
		r->net = &o.net;
		if (c.ipv4_address[0] &&
		    ipam_check(&o.net.sn, ip4_parse(c.ipv4_address), &err) < 0) {
			run_abort(&proc);
			store_close(&s);
			return stopped(&proc, &err);
		}
	}
	if ((rc = resolve_image(&s, &o, &c, argc, argv, &sp))) {
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
		return proc.stop_signal ? 128 + proc.stop_signal : rc;
	}
	if (!(c.command = spec_command_json(&sp.argv))) {
		run_abort(&proc);
		return applet_failf("out of memory");
	}
	run_started(r, &proc);
	/* Kept in its state for md-exec and md-inspect. */
	c.env = spec_command_json(&sp.env);
	c.user = strdup(sp.user);
	c.workdir = strdup(sp.workdir);
	c.caps = caps_resolve(&o.caps, r->proc.privileged);
	c.privileged = r->proc.privileged;
	c.seccomp = !r->proc.privileged;
	c.auto_remove = o.rm;
	c.tty = r->proc.tty;
	c.open_stdin = r->interactive;
	c.mounts = binds_json(&o);
	c.read_only = o.readonly;
	c.memory = o.lim.memory;
	c.nano_cpus = o.lim.nano_cpus;
	c.cpu_shares = o.lim.cpu_shares;
	c.pids_limit = o.lim.pids;
	snprintf(c.cpuset_cpus, sizeof(c.cpuset_cpus), "%s",
		 o.lim.cpuset_cpus ? o.lim.cpuset_cpus : "");
	if (!c.env || !c.user || !c.workdir || !c.mounts) {
		run_abort(&proc);
		return applet_failf("out of memory");
	}
	/* Its published ports, bound before it runs: one taken fails the
	 * run with nothing left (no state, no address yet). */
	if ((rc = publish(&o, &c, &sp, &err))) {
		run_abort(&proc);
		return rc < 0 ? stopped(&proc, &err) : applet_failf("out of memory");
	}
	/* Its address, kept in its state (and so in its /etc/hosts). */
	if (r->net) {
		if (ipam_alloc(&s, r->net->name, &r->net->sn, c.id, ip4_parse(c.ipv4_address),
			       &r->addr, &err) < 0) {
			run_abort(&proc);
			return stopped(&proc, &err);
		}
		ip4_format(r->addr, c.ip, sizeof(c.ip));
	}
	if (o.detach) {
		/* The starter's parent, which md-stop wakes (start.h). */
		c.monitor_pid = getppid();
		c.monitor_start = proc_start_time(c.monitor_pid);
	}
	if (container_create(&s, &c, &err) < 0) {
		struct md_err e2;
		run_abort(&proc);
		container_net_release(&s, &c);
		/* (no container: not even --ip's address kept) */
		if (r->net)
			ipam_release(&s, r->net->name, c.id, 1, &e2);
		return stopped(&proc, &err);
	}
	spec_etc_files(&etc, c.hostname, c.ip[0] ? c.ip : join_ip);
	r->rootfs.etc_data[0] = etc.hostname;
	r->rootfs.etc_data[1] = etc.hosts;
	r->rootfs.etc_data[2] = etc.resolv;
	/* Its /etc/hosts on the host, where md keeps its network's names. */
	if (r->net) {
		/* (Without, the names of others are missing: it still runs.) */
		if (names_start(&s, &c, etc.hosts, hosts_path, sizeof(hosts_path), &err) < 0)
			fprintf(stderr, "md-run: warning: /etc/hosts: %s\n", err.msg);
		else
			r->rootfs.hosts_path = hosts_path;
		err.msg[0] = 0;
	}
	r->proc.argv = sp.argv.v;
	r->proc.env = sp.env.v;
	r->proc.user = sp.user;
	r->proc.workdir = sp.workdir;
	r->proc.caps = caps_resolve(&o.caps, r->proc.privileged);
	snprintf(layers, sizeof(layers), "%s/l", s.root);
	r->rootfs.layers_dir = layers;
	r->rootfs.layers = sp.layers.v;
	r->rootfs.nlayers = sp.layers.n;
	container_path(&s, c.id, "upper", r->rootfs.upper, sizeof(r->rootfs.upper));
	container_path(&s, c.id, "work", r->rootfs.work, sizeof(r->rootfs.work));
	container_path(&s, c.id, NULL, r->rootfs.target, sizeof(r->rootfs.target));
	r->rootfs.vols = o.vols;
	r->rootfs.nvols = o.nvols;
	r->rootfs.readonly = o.readonly;
	r->rootfs.privileged = r->proc.privileged;
	r->keep_cgroup = o.rm;
	if (o.detach) {
		/* The monitor keeps the cgroup until the end, and the state
		 * is its to finish. */
		int master;
		r->keep_cgroup = 1;
		if ((rc = run_detach(r, &proc, &master, &status, &err)) > 0 &&
		    monitor_ports(link, &o.ports) == 0 &&
		    monitor_started(link, proc.pid, c.watch_fd, master) == 0) {
			free(etc.resolv);
			spec_free(&sp);
			container_free(&c);
			return 0;
		}
		if (rc > 0) {
			/* Its monitor was gone: killed, not left unwatched. */
			rc = 0;
			status = 125;
			err_set(&err, 0, "the container's monitor is gone: the "
				"container was stopped");
			c.status = CONTAINER_EXITED;
			c.exit_code = 137;
			c.pid = 0;
			snprintf(c.error, sizeof(c.error), "%s", err.msg);
		}
		if (rc == 0)
			run_remove_cgroup(&proc);
	}
	if (!o.detach && o.ports.n && forward(&o, &s, &c, r->addr) < 0) {
		rc = -1;
		err_set(&err, 0, "port forwarder: out of memory");
	}
	if (rc < 0 || (!o.detach && run_finish(r, &proc, &status, &err) < 0)) {
		struct md_err e2;
		/* It never started: as Docker, a container left "created". */
		container_net_release(&s, &c);
		c.status = CONTAINER_CREATED;
		c.pid = 0;
		c.pid_start = 0;
		c.started[0] = 0;
		if (o.rm)
			container_remove(&s, &c, RM_ENDED, -1, NULL, &e2);
		else
			container_save(&s, &c, 1, &e2);
		return stopped(&proc, &err);
	}
	fg_forwarder(NULL);
	fwd_free(o.fwd);
	if (err.msg[0])
		fprintf(stderr, "md-run: %s\n", err.msg);
	if (o.rm) {
		fflush(NULL);	/* (the remover is a fork: nothing printed twice) */
		container_remove(&s, &c, RM_DETACH | RM_ENDED, r->mntns_fd,
				 &proc.cg, &err);
	} else {
		if (r->mntns_fd >= 0)
			close(r->mntns_fd);
		container_save(&s, &c, 1, &err);
	}
	free(etc.resolv);
	spec_free(&sp);
	container_free(&c);
	return status;
}

int run_main(int argc, char **argv)
{
	struct monitor_link link = { -1, -1, -1, -1, -1 };
	int rc = run(argc, argv, &link);

	/* md-run -d's starter that did not start its container (it said
	 * why): md-run waits for its word. */
	if (link.report >= 0)
		monitor_failed(&link, rc ? rc : 125);
	return rc;
}
