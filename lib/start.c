/* Starting a container from its state: the run_spec rebuilt, the claim,
 * the hand-over to the monitor (see start.h for the protocol). */
#include "start.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "names.h"
#include "net.h"
#include "ports.h"
#include "run.h"
#include "spec.h"
#include "store.h"
#include "util.h"

struct start {
	struct store s;
	struct container c;	/* as loaded before the start */
	struct run_spec r;
	struct strv argv, env, layers;
	struct volume *vols;
	size_t nvols;
	struct etc_files etc;
	struct netconf net;	/* --network bridge */
	struct net_more more[ENDPOINTS_MAX];	/* md-network connect's */
	char hosts_path[PATH_MAX];
	/* md-start: its published ports, bound again (the same host ports
	 * where they were fixed, new ephemeral ones else, as Docker); a
	 * restart's stay with its monitor. */
	struct ports ports;
	char *ports_text;
	char layers_dir[PATH_MAX];
	int restart;
	int ran;		/* it had run before this start */
	pid_t mon;		/* the monitor: the starter's parent */
};

/* Its volumes, as md-run's -v wrote them: "SRC:DST[:ro]". */
static int parse_binds(struct start *st, struct md_err *err)
{
	struct strv v = { 0 };
	int rc = 0;

	if (spec_json_strv(st->c.mounts, &v, "mounts", err) < 0)
		return -1;
	if (!(st->vols = calloc(v.n ? v.n : 1, sizeof(*st->vols)))) {
		strv_free(&v);
		return err_set(err, ENOMEM, "mounts");
	}
	for (size_t i = 0; i < v.n && !rc; i++) {
		struct volume *vol = &st->vols[st->nvols++];
		const char *b = v.v[i], *c1 = strchr(b, ':'),
			   *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		vol->fd = -1;
		if (!c1) {
			rc = err_set(err, 0, "mounts: bad volume \"%s\"", b);
			break;
		}
		snprintf(vol->src, sizeof(vol->src), "%.*s", (int)(c1 - b), b);
		snprintf(vol->dst, sizeof(vol->dst), "%.*s",
			 (int)(c2 ? c2 - c1 - 1 : (long)strlen(c1 + 1)), c1 + 1);
		vol->ro = c2 && !strcmp(c2 + 1, "ro");
	}
	strv_free(&v);
	return rc;
}

/* md-network connect's networks: an address on each again, recorded in
 * st->c.connected (as its first's in c.ip). */
static int more_networks(struct start *st, struct md_err *err)
{
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n = endpoints_parse(st->c.connected, ep);
	char *str;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct net_more *m = &st->more[i];
		if (net_lookup(&st->s, ep[i].net, &m->nc, err) < 0 ||
		    ipam_alloc(&st->s, m->nc.name, &m->nc.sn, st->c.id, ip4_parse(ep[i].want),
			       &m->addr, err) < 0) {
			rc = -1;
			break;
		}
		m->idx = ep[i].idx;
		ip4_format(m->addr, ep[i].ip, sizeof(ep[i].ip));
		st->r.nmore = i + 1;
	}
	st->r.more = st->more;
	/* (Also after a failure: what was given is given back from there.) */
	if (!(str = endpoints_format(ep, n)))
		return err_set(err, ENOMEM, "networks");
	free(st->c.connected);
	st->c.connected = str;
	return rc;
}

/* The run_spec of st->c, as md-run made it. */
static int build(struct start *st, struct monitor_link *l, struct md_err *err)
{
	struct container *c = &st->c;
	struct run_spec *r = &st->r;
	struct rootfs_spec *fs = &r->rootfs;

	if (spec_json_strv(c->command, &st->argv, "command", err) < 0 ||
	    spec_json_strv(c->env, &st->env, "env", err) < 0 ||
	    parse_binds(st, err) < 0 ||
	    spec_image_layers(&st->s, c->image_id, &st->layers, err) < 0)
		return -1;
	if (!st->argv.n)
		return err_set(err, 0, "No command specified");
	r->s = &st->s;
	r->c = c;
	r->proc.argv = st->argv.v;
	r->proc.env = st->env.v;
	r->proc.user = c->user;
	r->proc.workdir = c->workdir;
	r->proc.caps = c->caps;
	r->proc.privileged = c->privileged;
	r->proc.tty = c->tty;
	r->interactive = c->open_stdin;
	r->new_net = net_bridged(c->network) || !strcmp(c->network, "none");
	if (!strncmp(c->network, "container:", 10)) {
		struct container other;
		char id[65];
		if ((r->join_netns = net_join_open(&st->s, c->network + 10, id, &other,
						   err)) < 0)
			return -1;
		container_free(&other);
	}
	r->lim = (struct cg_limits){ .memory = c->memory, .nano_cpus = c->nano_cpus,
		.cpu_shares = c->cpu_shares, .pids = c->pids_limit,
		.cpuset_cpus = c->cpuset_cpus, .all_devices = c->privileged };
	/* The monitor's pipes; it outlives the starter. */
	r->own_stdio = 1;
	r->stdio[0] = 0;
	r->stdio[1] = l->out;
	r->stdio[2] = l->err;
	/* -i without -t: a stdin pipe the monitor keeps open, as md-run -d
	 * makes it (with -t, the pty is the monitor's). */
	if (c->open_stdin && !c->tty) {
		int in[2];
		if (pipe2(in, O_CLOEXEC) < 0)
			return err_set(err, errno, "stdin pipe");
		r->stdio[0] = in[0];
		l->in = in[1];
	}
	r->keep_cgroup = 1;
	/* An address again (the same one if no other container took it
	 * meanwhile). */
	if (net_bridged(c->network)) {
		if (net_lookup(&st->s, c->network, &st->net, err) < 0 ||
		    ipam_alloc(&st->s, st->net.name, &st->net.sn, c->id,
			       ip4_parse(c->ipv4_address), &r->addr, err) < 0)
			return -1;
		ip4_format(r->addr, c->ip, sizeof(c->ip));
		r->net = &st->net;
		if (more_networks(st, err) < 0)
			return -1;
	}
	if (!st->restart && c->publish[0] && r->net &&
	    (ports_load(&st->ports, c->publish, err) < 0 ||
	     ports_bind(&st->ports, err) < 0))
		return -1;
	if (st->ports.n && !(st->ports_text = ports_text(&st->ports)))
		return err_set(err, ENOMEM, "ports");
	spec_etc_files(&st->etc, c->hostname, c->ip);
	fs->etc_data[0] = st->etc.hostname;
	fs->etc_data[1] = st->etc.hosts;
	fs->etc_data[2] = st->etc.resolv;
	if (r->net && names_start(&st->s, c, st->etc.hosts, st->hosts_path,
				  sizeof(st->hosts_path), err) < 0)
		return -1;
	fs->hosts_path = r->net ? st->hosts_path : NULL;
	snprintf(st->layers_dir, sizeof(st->layers_dir), "%s/l", st->s.root);
	fs->layers_dir = st->layers_dir;
	fs->layers = st->layers.v;
	fs->nlayers = st->layers.n;
	container_path(&st->s, c->id, "upper", fs->upper, sizeof(fs->upper));
	container_path(&st->s, c->id, "work", fs->work, sizeof(fs->work));
	container_path(&st->s, c->id, NULL, fs->target, sizeof(fs->target));
	fs->vols = st->vols;
	fs->nvols = st->nvols;
	fs->readonly = c->read_only;
	fs->privileged = c->privileged;
	return 0;
}

/* Whether c is this starter's to start: md-start's if it is not live;
 * a restart's if it still waits for this monitor to restart it. */
static int ours(const struct start *st, const struct container *c)
{
	if (st->restart)
		return c->status == CONTAINER_RESTARTING && c->monitor_pid == st->mon;
	return !container_live(c);
}

/* md-rm marks a container before it goes (container_remove). */
static int removing(const struct container *c, struct md_err *err)
{
	if (c->status != CONTAINER_REMOVING && c->status != CONTAINER_DEAD)
		return 0;
	return err_set(err, 0, "container %s is marked for removal and cannot "
		       "be started", c->name);
}

struct claim {
	struct start *st;
	const struct run_proc *p;
};

/* Under the lock: the container is now this process's, running. */
static int claim(struct container *c, void *arg, struct md_err *err)
{
	struct claim *k = arg;
	struct run_spec tmp = { .c = c };

	if (!ours(k->st, c))
		return 1;
	if (removing(c, err))
		return -1;
	/* As Docker's start: a start by hand begins a new count, and
	 * forgets the stop by hand. */
	if (!k->st->restart)
		c->restart_count = 0;
	run_started(&tmp, k->p);
	snprintf(c->ip, sizeof(c->ip), "%s", k->st->c.ip);
	if (k->st->c.connected) {
		char *s = strdup(k->st->c.connected);
		if (!s)
			return err_set(err, ENOMEM, "networks");
		free(c->connected);
		c->connected = s;
	}
	if (!k->st->restart) {
		char *p = k->st->ports_text ? strdup(k->st->ports_text) : NULL;
		if (k->st->ports_text && !p)
			return err_set(err, ENOMEM, "ports");
		free(c->ports);
		c->ports = p;
	}
	container_set_boot(c);
	c->monitor_pid = k->st->mon;
	c->monitor_start = proc_start_time(k->st->mon);
	c->exit_code = 0;
	c->error[0] = 0;
	c->oom_killed = 0;
	c->stopped_by_hand = 0;
	c->restart_canceled = 0;
	return 0;
}

struct failure {
	struct start *st;
	pid_t pid;		/* the claimed run's, or 0 (not claimed) */
	int code;
	const char *why;
	int release;		/* out: give its addresses back */
};

/* Under the lock: a start that failed, recorded, if the container is
 * still the starter's (claimed with its pid, or still to claim). */
static int record_failure(struct container *c, void *arg, struct md_err *err)
{
	struct failure *f = arg;
	struct timespec ts;

	if (f->pid ? !(c->status == CONTAINER_RUNNING && c->pid == f->pid) :
	    !(f->st->restart && ours(f->st, c))) {
		/* Its addresses are this start's to give back unless another
		 * start runs it now: that one was given the same ones (ipam
		 * gives a container those it has). */
		f->release = !container_live(c);
		return 1;
	}
	f->release = 1;
	/* (As md-run's: a container that never ran stays created.) */
	c->status = f->st->ran ? CONTAINER_EXITED : CONTAINER_CREATED;
	if (!f->st->ran)
		c->started[0] = 0;
	c->pid = 0;
	c->ip[0] = 0;
	container_net_release_more(NULL, c);
	free(c->ports);
	c->ports = NULL;
	c->exit_code = f->code;
	c->monitor_pid = 0;
	c->monitor_start = 0;
	snprintf(c->error, sizeof(c->error), "%s", f->why);
	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(c->finished, sizeof(c->finished), ts.tv_sec, ts.tv_nsec);
	return 0;
}

static void failed(struct start *st, pid_t pid, int code, const struct md_err *why)
{
	struct failure f = { st, pid, code, why->msg, 0 };
	struct container c;
	struct md_err e2;

	int rc = container_update(&st->s, st->c.id, &c, record_failure, &f, 1, &e2);

	/* (Not if another start won the race to run it: see
	 * record_failure.) */
	if (rc >= 0 && f.release)
		container_net_release(&st->s, &st->c);
	if (rc >= 0)
		container_free(&c);
}

/* A cgroup left of an earlier run (its removal failed then): nothing of
 * the container runs now, so whatever is in it goes. */
static void old_cgroup(const struct container *c)
{
	struct cgroup cg = { 0 };
	struct md_err e2;

	if (cgroup_load(&cg, c->cgroup_parent[0] ? c->cgroup_parent : NULL, c->id,
			&e2) > 0)
		cgroup_destroy(&cg, 1, &e2);
}

/* From the loaded state to the hand-over. */
static int start(struct start *st, const char *id, struct monitor_link *l,
		 struct md_err *err)
{
	struct run_proc proc;
	struct container now;
	struct claim k = { st, &proc };
	int rc, status = 0, watch, master = -1;
	pid_t pid;

	if (container_load(&st->s, id, &st->c, err) < 0)
		return -1;
	if (!ours(st, &st->c))
		return 1;
	if (removing(&st->c, err))
		return -1;
	st->ran = st->c.started[0] != 0;
	if (build(st, l, err) < 0) {
		failed(st, 0, 125, err);
		return -1;
	}
	old_cgroup(&st->c);
	/* Watched from before its state says it runs (container.h). */
	if ((watch = container_watch(&st->s, id, err)) < 0)
		return -1;
	rc = run_start(&st->r, &proc, err);
	/* (The child has its copy: a restart opens it again.) */
	if (st->r.join_netns > 0) {
		close(st->r.join_netns);
		st->r.join_netns = 0;
	}
	if (rc < 0) {
		failed(st, 0, 125, err);
		close(watch);
		return -1;
	}
	pid = proc.pid;
	rc = container_update(&st->s, id, &now, claim, &k, 0, err);
	container_free(&now);
	if (rc != 0) {
		run_abort(&proc);
		close(watch);
		/* (Removed or removing meanwhile: its addresses, which md-rm
		 * may have given back before build took them, are no one's.
		 * Another start that won keeps them: rc 1.) */
		if (rc < 0)
			container_net_release(&st->s, &st->c);
		return rc;
	}
	rc = run_detach(&st->r, &proc, &master, &status, err);
	if (rc > 0 && monitor_ports(l, &st->ports) == 0 &&
	    monitor_started(l, proc.pid, watch, master) == 0) {
		if (master >= 0)
			close(master);
		close(watch);
		return 0;
	}
	if (master >= 0)
		close(master);
	if (rc > 0) {
		err_set(err, 0, "the container's monitor is gone: the container "
			"was stopped");
		status = 137;
	}
	if (rc >= 0)
		run_remove_cgroup(&proc);
	failed(st, pid, rc < 0 ? 125 : status, err);
	close(watch);
	return rc < 0 ? -1 : status;
}

/* A start that failed because md-rm took the container meanwhile (its
 * files went under it) says that instead: 1 if it is gone. */
static int gone(struct store *s, const char *id, struct md_err *err)
{
	struct container c;
	struct md_err e2;

	if (container_load(s, id, &c, &e2) < 0) {
		if (e2.errnum != ENOENT)
			return 0;
		*err = e2;
		return 1;
	}
	removing(&c, err);
	container_free(&c);
	return 0;
}

int start_container(const char *id, struct monitor_link *l, int restart,
		    struct md_err *err)
{
	static struct start st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.restart = restart;
	st.mon = getppid();
	err->msg[0] = 0;
	if (store_open(&st.s, STORE_READ, err) < 0)
		return -1;
	rc = start(&st, id, l, err);
	if (rc < 0 && gone(&st.s, id, err))
		rc = -2;
	strv_free(&st.argv);
	strv_free(&st.env);
	strv_free(&st.layers);
	free(st.vols);
	free(st.etc.resolv);
	ports_free(&st.ports);
	free(st.ports_text);
	container_free(&st.c);
	return rc;
}

int starter_main(int argc, char **argv)
{
	struct monitor_link l = { .report = -1, .ctl = 5, .out = 3, .err = 4,
				  .in = -1 };
	struct md_err err;
	int rc;

	if (argc != 2 || strlen(argv[1]) != CONTAINER_ID_LEN)
		return 125;
	rc = start_container(argv[1], &l, 1, &err);
	if (rc != 0)
		monitor_failed(&l, 0);
	return rc < 0 ? 125 : rc;
}
