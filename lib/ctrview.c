/* Containers as Docker shows them (ctrview.h). */
#include "ctrview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "json.h"
#include "names.h"
#include "ports.h"
#include "util.h"

/* "2 minutes" since the RFC 3339 time t, as of now (Go's HumanDuration
 * of the difference, to the nanosecond). */
static void since(const char *t, const struct timespec *now, char *out,
		  size_t outlen)
{
	int64_t sec, d;
	long ns;

	if (rfc3339_parse_ns(t, &sec, &ns) < 0)
		sec = now->tv_sec, ns = now->tv_nsec;
	d = now->tv_sec - sec - (now->tv_nsec < ns);
	human_duration(out, outlen, d);
}

void ctr_status(const struct container *c, const struct timespec *now,
		char *out, size_t outlen)
{
	char d[64];

	switch (c->status) {
	case CONTAINER_RUNNING:
	case CONTAINER_PAUSED:
		since(c->started, now, d, sizeof(d));
		snprintf(out, outlen, "Up %s%s", d,
			 c->status == CONTAINER_PAUSED ? " (Paused)" : "");
		return;
	case CONTAINER_RESTARTING:
		since(c->finished, now, d, sizeof(d));
		snprintf(out, outlen, "Restarting (%d) %s ago", c->exit_code, d);
		return;
	case CONTAINER_REMOVING:
		snprintf(out, outlen, "Removal In Progress");
		return;
	case CONTAINER_DEAD:
		snprintf(out, outlen, "Dead");
		return;
	default:
		break;
	}
	if (!c->started[0]) {
		snprintf(out, outlen, "Created");
	} else if (!c->finished[0]) {
		snprintf(out, outlen, "%s", "");
	} else {
		since(c->finished, now, d, sizeof(d));
		snprintf(out, outlen, "Exited (%d) %s ago", c->exit_code, d);
	}
}

char *ctr_command(const struct container *c)
{
	struct md_err err;
	struct json *j = json_parse(c->command, strlen(c->command), "command", &err);
	struct tbuf b = { 0 };

	tbuf_put(&b, "", 0);
	for (size_t i = 0; i < json_len(j); i++) {
		const char *a = json_str(json_at(j, i));
		int q = i > 0 && a && strchr(a, ' ');
		if (!a)
			continue;
		if (i)
			tbuf_put(&b, " ", 1);
		if (q)
			tbuf_put(&b, "'", 1);
		tbuf_puts(&b, a);
		if (q)
			tbuf_put(&b, "'", 1);
	}
	json_free(j);
	if (b.oom)
		tbuf_free(&b);
	return b.p;
}

/* Docker's Ellipsis: at most max characters, the last one "…" if cut. */
static void ellipsis(struct tbuf *b, const char *s, size_t max)
{
	size_t n = 0, cut = 0;

	for (const char *p = s; *p; p++)
		if ((*p & 0xc0) != 0x80 && ++n == max)
			cut = p - s;
	if (n <= max) {
		tbuf_puts(b, s);
		return;
	}
	tbuf_put(b, s, cut);
	tbuf_puts(b, "\xe2\x80\xa6");
}

/* Each -v volume's source and destination, and whether it is :ro. */
static void each_mount(const struct container *c,
		       void (*fn)(void *user, const char *src, size_t srclen,
				  const char *dst, size_t dstlen, int ro),
		       void *user)
{
	struct md_err err;
	struct json *j = json_parse(c->mounts, strlen(c->mounts), "mounts", &err);

	for (size_t i = 0; i < json_len(j); i++) {
		const char *m = json_str(json_at(j, i)), *d, *e;
		if (!m || !(d = strchr(m, ':')))
			continue;
		e = strchr(d + 1, ':');
		fn(user, m, d - m, d + 1, e ? (size_t)(e - d - 1) : strlen(d + 1),
		   e && !strcmp(e, ":ro"));
	}
	json_free(j);
}

struct mounts_col {
	struct tbuf b;
	int trunc;
};

static void mount_col(void *user, const char *src, size_t srclen,
		      const char *dst, size_t dstlen, int ro)
{
	struct mounts_col *m = user;
	char *s = strndup(src, srclen);

	if (m->b.len)
		tbuf_put(&m->b, ",", 1);
	if (s)
		ellipsis(&m->b, s, m->trunc ? 15 : (size_t)-1);
	free(s);
}

static void ps_command(struct tv *t, const struct container *c, int trunc)
{
	struct tbuf b = { 0 };
	char *cmd = ctr_command(c);

	if (trunc && cmd)
		ellipsis(&b, cmd, 20);
	else if (cmd)
		tbuf_puts(&b, cmd);
	free(cmd);
	cmd = b.p;
	memset(&b, 0, sizeof(b));
	go_quote(&b, cmd ? cmd : "");
	free(cmd);
	tv_str(t, "Command", b.p ? b.p : "\"\"");
	tbuf_free(&b);
}

/* Go's Time.String() of a Unix time, in the local zone (not strftime:
 * 8 KiB). */
static void go_time_string(int64_t sec, char *buf, size_t len)
{
	time_t ct = sec;
	struct tm tm;

	localtime_r(&ct, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld%02ld %s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+',
		 labs(tm.tm_gmtoff) / 3600, labs(tm.tm_gmtoff) / 60 % 60,
		 tm.tm_zone ? tm.tm_zone : "");
}

void ctr_ps_fields(struct tv *t, const struct container *c,
		   const struct ctr_ps *o, const struct timespec *now)
{
	struct mounts_col mc = { { 0 }, o->trunc };
	char buf[128], rw[32], virt[32], nets[64 * (ENDPOINTS_MAX + 1)];
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n = endpoints_parse(c->connected, ep);
	int64_t created = 0;
	long ns;

	tv_map(t, NULL, 1);
	if (o->fields & CTR_PS_COMMAND)
		ps_command(t, c, o->trunc);
	else
		tv_str(t, "Command", "");
	if (rfc3339_parse_ns(c->created, &created, &ns) < 0)
		created = 0;
	buf[0] = 0;
	if (o->fields & CTR_PS_CREATED_AT)
		go_time_string(created, buf, sizeof(buf));
	tv_str(t, "CreatedAt", buf);
	snprintf(buf, sizeof(buf), "%.*s", o->trunc ? 12 : CONTAINER_ID_LEN, c->id);
	tv_str(t, "ID", buf);
	tv_str(t, "Image", o->image);
	tv_str(t, "Labels", "");
	tv_str(t, "LocalVolumes", "0");
	if (o->fields & CTR_PS_MOUNTS)
		each_mount(c, mount_col, &mc);
	tv_str(t, "Mounts", mc.b.p ? mc.b.p : "");
	tbuf_free(&mc.b);
	tv_str(t, "Names", c->name);
	/* (Docker's: its networks, ","-joined) */
	strcpy(nets, c->network);
	for (size_t i = 0; i < n; i++)
		strcat(strcat(nets, ","), ep[i].net);
	tv_str(t, "Networks", nets);
	/* (Docker's PORTS: only while it runs) */
	if (container_live(c) && c->ports) {
		char *shown = ports_display(c->ports);
		tv_str(t, "Ports", shown ? shown : c->ports);
		free(shown);
	} else {
		tv_str(t, "Ports", "");
	}
	buf[0] = 0;
	if (o->fields & CTR_PS_RUNNING_FOR) {
		/* (Docker: the creation time in whole seconds) */
		human_duration(buf, sizeof(buf) - 4, now->tv_sec - created);
		strcat(buf, " ago");
	}
	tv_str(t, "RunningFor", buf);
	human_size(rw, sizeof(rw), o->size_rw > 0 ? o->size_rw : 0);
	human_size(virt, sizeof(virt), o->size_rw + o->size_image);
	if (o->size_rw >= 0 && o->size_image > 0)
		snprintf(buf, sizeof(buf), "%s (virtual %s)", rw, virt);
	else
		snprintf(buf, sizeof(buf), "%s", rw);
	tv_str(t, "Size", buf);
	tv_str(t, "State", container_status_name(c->status));
	buf[0] = 0;
	if (o->fields & CTR_PS_STATUS)
		ctr_status(c, now, buf, sizeof(buf));
	tv_str(t, "Status", buf);
	tv_end(t);
}

void ctr_ps_header(struct tv *t)
{
	static const char *const h[][2] = {
		{ "Command", "COMMAND" }, { "CreatedAt", "CREATED AT" },
		{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" },
		{ "Labels", "LABELS" }, { "LocalVolumes", "LOCAL VOLUMES" },
		{ "Mounts", "MOUNTS" }, { "Names", "NAMES" },
		{ "Networks", "NETWORKS" }, { "Ports", "PORTS" },
		{ "RunningFor", "CREATED" }, { "Size", "SIZE" },
		{ "State", "STATE" }, { "Status", "STATUS" },
	};

	tv_map(t, NULL, 0);
	for (size_t i = 0; i < ARRAY_SIZE(h); i++)
		tv_str(t, h[i][0], h[i][1]);
	tv_end(t);
}

/* ---- inspect ---- */

static void mount_doc(void *user, const char *src, size_t srclen,
		      const char *dst, size_t dstlen, int ro)
{
	struct tv *t = user;
	char *s = strndup(src, srclen), *d = strndup(dst, dstlen);

	tv_map(t, NULL, 0);
	tv_str(t, "Type", "bind");
	tv_str(t, "Source", s ? s : "");
	tv_str(t, "Destination", d ? d : "");
	tv_str(t, "Mode", ro ? "ro" : "");
	tv_bool(t, "RW", !ro);
	tv_str(t, "Propagation", "rprivate");
	tv_end(t);
	free(s);
	free(d);
}

/* Go's zero time where md has none. */
static const char *go_time(const char *t)
{
	return t[0] ? t : "0001-01-01T00:00:00Z";
}

/* One of NetworkSettings.Networks: its address, and the one --ip asked
 * for (IPAMConfig.IPv4Address, "" if none). */
static void net_doc(struct tv *t, const char *net, const char *ip, const char *want)
{
	tv_map(t, net, 0);
	tv_str(t, "IPAddress", ip);
	tv_map(t, "IPAMConfig", 0);
	tv_str(t, "IPv4Address", want);
	tv_end(t);
	tv_end(t);
}

/* NetworkSettings.Ports as Docker's: "80/tcp": [{HostIp, HostPort}]
 * (a port published twice shows twice, not in one list). */
static void ports_doc(struct tv *t, const struct container *c)
{
	const char *p = container_live(c) && c->ports ? c->ports : "";
	struct port_map m;
	char key[16], ip[16], port[8];

	while (ports_next(&p, &m) > 0) {
		snprintf(key, sizeof(key), "%u/%s", m.ctr, m.udp ? "udp" : "tcp");
		ip4_format(m.ip, ip, sizeof(ip));
		snprintf(port, sizeof(port), "%u", m.host);
		tv_list(t, key);
		tv_map(t, NULL, 0);
		tv_str(t, "HostIp", ip);
		tv_str(t, "HostPort", port);
		tv_end(t);
		tv_end(t);
	}
}

void ctr_inspect_doc(struct tv *t, const struct container *c,
		     const char *log_path)
{
	struct md_err err;
	struct json *cmd = json_parse(c->command, strlen(c->command), "command", &err);
	int live = c->status == CONTAINER_RUNNING || c->status == CONTAINER_PAUSED ||
		   c->status == CONTAINER_RESTARTING;
	char name[sizeof(c->name) + 1];
	struct endpoint ep[ENDPOINTS_MAX];
	size_t n;

	tv_map(t, NULL, 0);
	tv_str(t, "Id", c->id);
	tv_str(t, "Created", c->created);
	tv_str(t, "Path", json_str(json_at(cmd, 0)) ? json_str(json_at(cmd, 0)) : "");
	tv_list(t, "Args");
	for (size_t i = 1; i < json_len(cmd); i++)
		if (json_str(json_at(cmd, i)))
			tv_str(t, NULL, json_str(json_at(cmd, i)));
	tv_end(t);
	json_free(cmd);
	tv_map(t, "State", 0);
	tv_str(t, "Status", container_status_name(c->status));
	tv_bool(t, "Running", live);
	tv_bool(t, "Paused", c->status == CONTAINER_PAUSED);
	tv_bool(t, "Restarting", c->status == CONTAINER_RESTARTING);
	tv_bool(t, "OOMKilled", c->oom_killed);
	tv_bool(t, "Dead", c->status == CONTAINER_DEAD);
	tv_int(t, "Pid", live ? c->pid : 0);
	tv_int(t, "ExitCode", c->exit_code);
	tv_str(t, "Error", c->error);
	tv_str(t, "StartedAt", go_time(c->started));
	tv_str(t, "FinishedAt", go_time(c->finished));
	tv_end(t);
	tv_str(t, "Image", c->image_id);
	tv_str(t, "LogPath", log_path);
	snprintf(name, sizeof(name), "/%s", c->name);
	tv_str(t, "Name", name);
	tv_int(t, "RestartCount", c->restart_count);
	tv_str(t, "Driver", "overlay");
	tv_str(t, "Platform", "linux");
	tv_map(t, "HostConfig", 0);
	tv_json(t, "Binds", c->mounts);
	tv_str(t, "NetworkMode", c->network);
	tv_map(t, "RestartPolicy", 0);
	/* ("on-failure:N": Docker's Name and MaximumRetryCount) */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(c->restart, ":"), c->restart);
	tv_str(t, "Name", name);
	tv_int(t, "MaximumRetryCount", strchr(c->restart, ':') ?
	       atoi(strchr(c->restart, ':') + 1) : 0);
	tv_end(t);
	tv_bool(t, "AutoRemove", c->auto_remove);
	tv_bool(t, "Privileged", c->privileged);
	tv_bool(t, "ReadonlyRootfs", c->read_only);
	tv_str(t, "CgroupParent", c->cgroup_parent);
	tv_int(t, "Memory", c->memory);
	tv_int(t, "NanoCpus", c->nano_cpus);
	tv_int(t, "CpuShares", c->cpu_shares);
	tv_str(t, "CpusetCpus", c->cpuset_cpus);
	tv_int(t, "PidsLimit", c->pids_limit);
	tv_end(t);
	tv_list(t, "Mounts");
	each_mount(c, mount_doc, t);
	tv_end(t);
	tv_map(t, "Config", 0);
	tv_str(t, "Hostname", c->hostname);
	tv_str(t, "User", c->user);
	tv_json(t, "Env", c->env);
	tv_json(t, "Cmd", c->command);
	tv_str(t, "Image", c->image);
	tv_str(t, "WorkingDir", c->workdir);
	tv_end(t);
	tv_map(t, "NetworkSettings", 0);
	tv_str(t, "IPAddress", c->ip);
	tv_map(t, "Ports", 0);
	ports_doc(t, c);
	tv_end(t);
	tv_map(t, "Networks", 0);
	net_doc(t, c->network, c->ip, c->ipv4_address);
	/* (md-network connect's) */
	n = endpoints_parse(c->connected, ep);
	for (size_t i = 0; i < n; i++)
		net_doc(t, ep[i].net, ep[i].ip, ep[i].want);
	tv_end(t);
	tv_end(t);
	tv_end(t);
}
