/* md-network: user networks (create, ls, inspect, rm, prune), and
 * containers connected to more of them (connect, disconnect); see net.h,
 * names.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "container.h"
#include "ini.h"
#include "names.h"
#include "net.h"
#include "sha256.h"
#include "table.h"
#include "store.h"
#include "util.h"

const char network_usage[] =
"Usage: md-network COMMAND [OPTIONS]\n"
"\n"
"Manage networks: bridges that containers join with md-run --network NAME.\n"
"\n"
"Commands:\n"
"  create [--subnet CIDR] [--gateway IP] [-d bridge] NAME\n"
"                      Create a network (its bridge too); print its ID\n"
"  ls [-q] [--no-trunc] List networks (alias: list)\n"
"  inspect NAME...     Print networks' settings, as INI\n"
"  rm NAME...          Remove networks no running container uses\n"
"                      (alias: remove)\n"
"  prune [-f]          Remove every network no running container uses,\n"
"                      and md0, the default network's bridge, if unused\n"
"  connect [--alias NAME]... [--ip ADDR] NETWORK CONTAINER\n"
"                      Connect a container to a network (eth1...)\n"
"  disconnect [-f] NETWORK CONTAINER\n"
"                      Undo a connect\n"
"\n"
"Options:\n"
"      --root DIR      State directory (default $MD_ROOT or /var/lib/md)\n"
"  -h, --help          Print this help\n";

enum { O_SUBNET = 0x100, O_GATEWAY, O_NOTRUNC, O_ALIAS, O_IP };

/* A predefined network's ID: stable, from its name. */
static void predefined_id(const char *name, char out[65])
{
	unsigned char d[32];
	char in[64];
	int n = snprintf(in, sizeof(in), "md network %s", name);

	sha256_buf(in, (size_t)n, d);
	hex_encode(out, d, sizeof(d));
}

static int create(int argc, char **argv, struct store *s)
{
	static const struct option lo[] = {
		{ "subnet", required_argument, 0, O_SUBNET },
		{ "gateway", required_argument, 0, O_GATEWAY },
		{ "driver", required_argument, 0, 'd' },
		APPLET_LONGOPTS, { 0 } };
	const char *subnet = NULL, *gateway = NULL;
	struct netconf nc;
	struct md_err err;
	int c;

	while ((c = applet_getopt(argc, argv, "d:h", lo)) != -1) {
		switch (c) {
		case O_SUBNET: subnet = optarg; break;
		case O_GATEWAY: gateway = optarg; break;
		case 'd':
			if (strcmp(optarg, "bridge"))
				return applet_failf("plugin \"%s\" not found: only the "
						    "bridge driver is there", optarg);
			break;
		default: return 125;
		}
	}
	if (optind != argc - 1)
		return applet_usage_error("\"create\" requires exactly 1 argument");
	if (gateway && !subnet)
		return applet_failf("a gateway needs a subnet (--subnet)");
	if (store_open(s, STORE_WRITE, &err) < 0)
		return applet_fail(&err);
	/* (As Docker's: what the engine refuses is exit 1.) */
	if ((c = net_create(s, argv[optind], subnet, gateway, &nc, &err)) < 0) {
		applet_fail(&err);
		return 1;
	}
	if (c > 0)	/* made, without outbound NAT */
		applet_fail(&err);
	printf("%s\n", nc.id);
	return 0;
}

static int list(int argc, char **argv, struct store *s)
{
	static const struct option lo[] = {
		{ "quiet", no_argument, 0, 'q' },
		{ "no-trunc", no_argument, 0, O_NOTRUNC },
		APPLET_LONGOPTS, { 0 } };
	static const char *const pre[][2] = { { "bridge", "bridge" },
					      { "host", "host" }, { "none", "null" } };
	struct netconf *nets;
	struct md_err err;
	int c, quiet = 0, w = 12;
	size_t n;

	while ((c = applet_getopt(argc, argv, "qh", lo)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case O_NOTRUNC: w = 64; break;
		default: return 125;
		}
	}
	if (optind != argc)
		return applet_usage_error("\"ls\" accepts no arguments");
	if (store_open(s, STORE_READ, &err) < 0 || net_list(s, &nets, &n, &err) < 0)
		return applet_fail(&err);
	struct table t;
	table_init(&t, 4);
	if (!quiet)
		table_row(&t, (const char *const[]){ "NETWORK ID", "NAME", "DRIVER", "SCOPE" });
	/* As Docker: by name, the predefined ones among the others. */
	size_t i = 0, k = 0;
	while (i < n || k < ARRAY_SIZE(pre)) {
		char id[65];
		const char *name, *driver;
		if (k < ARRAY_SIZE(pre) && (i == n || strcmp(pre[k][0], nets[i].name) < 0)) {
			name = pre[k][0];
			driver = pre[k++][1];
			predefined_id(name, id);
		} else {
			name = nets[i].name;
			driver = "bridge";
			snprintf(id, sizeof(id), "%s", nets[i++].id);
		}
		id[w] = 0;
		if (quiet)
			printf("%s\n", id);
		else
			table_row(&t, (const char *const[]){ id, name, driver, "local" });
	}
	free(nets);
	c = quiet ? 0 : table_print(&t, stdout);
	table_free(&t);
	return c < 0 || t.oom ? applet_failf("out of memory") : 0;
}

/* The names of the containers on network name that run, ", "-joined. */
static void members(struct store *s, const char *name, char *out, size_t len)
{
	struct container *list;
	struct md_err err;
	size_t n, at = 0;

	out[0] = 0;
	if (container_list(s, &list, &n, &err) < 0)
		return;
	for (size_t i = 0; i < n && at < len; i++)
		if (names_on(&list[i], name) && container_live(&list[i]))
			at += snprintf(out + at, len - at, "%s%s", at ? " " : "",
				       list[i].name);
	container_list_free(list, n);
}

static int inspect(int argc, char **argv, struct store *s)
{
	static const struct option lo[] = { APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	int c, rc = 0;

	while ((c = applet_getopt(argc, argv, "h", lo)) != -1)
		return 125;
	if (optind == argc)
		return applet_usage_error("\"inspect\" requires at least 1 argument");
	if (store_open(s, STORE_READ, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++) {
		char sub[32], gw[INET_ADDRSTRLEN], who[4096];
		struct ini_out o = { 0 };
		struct netconf nc;
		if (!strcmp(argv[i], "host") || !strcmp(argv[i], "none")) {
			memset(&nc, 0, sizeof(nc));
			snprintf(nc.name, sizeof(nc.name), "%s", argv[i]);
			predefined_id(argv[i], nc.id);
		} else if (net_lookup(s, argv[i], &nc, &err) < 0) {
			applet_fail(&err);
			rc = 1;
			continue;
		} else if (!strcmp(argv[i], "bridge")) {
			predefined_id(argv[i], nc.id);
		}
		ini_kv(&o, "name", nc.name);
		ini_kv(&o, "id", nc.id);
		ini_kv(&o, "driver", !strcmp(nc.name, "none") ? "null" :
			   !strcmp(nc.name, "host") ? "host" : "bridge");
		sub[0] = gw[0] = 0;
		if (nc.bridge[0]) {
			subnet_format(&nc.sn, sub, sizeof(sub));
			ip4_format(nc.sn.gw, gw, sizeof(gw));
		}
		ini_kv(&o, "subnet", sub);
		ini_kv(&o, "gateway", gw);
		ini_kv(&o, "bridge", nc.bridge);
		ini_kv(&o, "created", nc.created);
		members(s, nc.name, who, sizeof(who));
		ini_kv(&o, "containers", who);
		if (o.oom) {
			ini_out_free(&o);
			return applet_failf("out of memory");
		}
		if (i > optind)
			putchar('\n');
		fwrite(o.buf, 1, o.len, stdout);
		ini_out_free(&o);
	}
	return rc;
}

static int remove_(int argc, char **argv, struct store *s)
{
	static const struct option lo[] = { { "force", no_argument, 0, 'f' },
					    APPLET_LONGOPTS, { 0 } };
	struct md_err err;
	int c, rc = 0;

	while ((c = applet_getopt(argc, argv, "fh", lo)) != -1)
		if (c != 'f')
			return 125;
	if (optind == argc)
		return applet_usage_error("\"rm\" requires at least 1 argument");
	if (store_open(s, STORE_WRITE, &err) < 0)
		return applet_fail(&err);
	for (int i = optind; i < argc; i++) {
		if (net_remove(s, argv[i], &err) < 0) {
			applet_fail(&err);
			rc = 1;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return rc;
}

static int prune(int argc, char **argv, struct store *s)
{
	static const struct option lo[] = { { "force", no_argument, 0, 'f' },
					    APPLET_LONGOPTS, { 0 } };
	struct netconf *nets;
	struct md_err err;
	int c, force = 0, said = 0;
	size_t n;

	while ((c = applet_getopt(argc, argv, "fh", lo)) != -1) {
		if (c != 'f')
			return 125;
		force = 1;
	}
	if (optind != argc)
		return applet_usage_error("\"prune\" accepts no arguments");
	if (!force) {
		char line[16] = "";
		fputs("WARNING! This will remove all custom networks not used by at "
		      "least one container.\nAre you sure you want to continue? [y/N] ",
		      stdout);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return 0;
	}
	if (store_open(s, STORE_WRITE, &err) < 0 || net_list(s, &nets, &n, &err) < 0)
		return applet_fail(&err);
	for (size_t i = 0; i < n; i++) {
		/* (One in use is refused: it stays.) */
		if (net_remove(s, nets[i].name, &err) < 0)
			continue;
		if (!said++)
			printf("Deleted Networks:\n");
		printf("%s\n", nets[i].name);
	}
	free(nets);
	/* md0 too, unused: "bridge" stays (its bridge is made again on
	 * demand), but nothing of it is left on the host meanwhile. */
	if (net_default_down(s, &err) < 0)
		return applet_fail(&err);
	return 0;
}

/* ---- connect, disconnect ---- */

static int conn(int argc, char **argv, struct store *s, int disconnect)
{
	static const struct option lo[] = {
		{ "alias", required_argument, 0, O_ALIAS },
		{ "ip", required_argument, 0, O_IP },
		{ "force", no_argument, 0, 'f' },
		APPLET_LONGOPTS, { 0 } };
	char aliases[256] = "", id[CONTAINER_ID_LEN + 1];
	const char *ip = NULL;
	struct netconf nc;
	struct md_err err;
	int opt, force = 0;

	while ((opt = applet_getopt(argc, argv, disconnect ? "fh" : "h", lo)) != -1) {
		if (opt == 'f' && disconnect) {
			force = 1;
		} else if (opt == O_ALIAS && !disconnect) {
			if (names_add_alias(aliases, optarg, &err) < 0)
				return applet_fail(&err);
		} else if (opt == O_IP && !disconnect) {
			if (!ip4_parse(optarg))
				return applet_failf("invalid IPv4 address: %s", optarg), 1;
			ip = optarg;
		} else if (opt == O_ALIAS || opt == O_IP) {
			return applet_usage_error("unknown flag: --%s",
						  opt == O_IP ? "ip" : "alias");
		} else {
			return 125;
		}
	}
	if (argc - optind != 2)
		return applet_usage_error("\"%s\" requires exactly 2 arguments",
					  disconnect ? "disconnect" : "connect");
	if (store_open(s, STORE_WRITE, &err) < 0)
		return applet_fail(&err);
	if (!strcmp(argv[optind], "host") || !strcmp(argv[optind], "none"))
		return applet_failf("container cannot be disconnected from host "
				    "network or connected to host network"), 1;
	/* (disconnect -f: from a network removed meanwhile too) */
	if (net_lookup(s, argv[optind], &nc, &err) < 0) {
		if (!force || strlen(argv[optind]) >= sizeof(nc.name))
			return applet_fail(&err), 1;
		memset(&nc, 0, sizeof(nc));
		strcpy(nc.name, argv[optind]);
	}
	if (container_resolve(s, argv[optind + 1], id, &err) < 0)
		return applet_fail(&err), 1;
	/* (Docker's daemon refuses these: exit 1, as the others here) */
	if (aliases[0] && net_predefined(nc.name))
		return applet_failf("network-scoped alias is supported only for "
				    "containers in user defined networks"), 1;
	if (ip && net_predefined(nc.name))
		return applet_failf("user specified IP address is supported on user "
				    "defined networks only"), 1;
	if (ip && ipam_check(&nc.sn, ip4_parse(ip), &err) < 0)
		return applet_fail(&err), 1;
	if (names_connect(s, &nc, id, disconnect ? NULL : aliases, ip, force, &err) < 0)
		return applet_fail(&err), 1;
	return 0;
}

static int connect_(int argc, char **argv, struct store *s)
{
	return conn(argc, argv, s, 0);
}

static int disconnect(int argc, char **argv, struct store *s)
{
	return conn(argc, argv, s, 1);
}

int network_main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **, struct store *); }
	cmds[] = { { "create", create }, { "ls", list }, { "list", list },
		   { "inspect", inspect }, { "rm", remove_ }, { "remove", remove_ },
		   { "prune", prune }, { "connect", connect_ },
		   { "disconnect", disconnect } };
	struct store s = { .fd = -1 };

	if (argc < 2 || argv[1][0] == '-') {
		static const struct option lo[] = { APPLET_LONGOPTS, { 0 } };
		while (applet_getopt(argc, argv, "h", lo) != -1)
			return 125;
		return applet_usage_error("requires a command: create, ls, inspect, rm, "
					  "prune, connect or disconnect");
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1, &s);
	return applet_usage_error("unknown command \"%s\"", argv[1]);
}
