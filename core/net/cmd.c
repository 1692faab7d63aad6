/*
 * tug network create|ls|inspect|rm|prune|connect|disconnect|sweep, on the
 * local records. Until the daemon serves /networks these run in-process;
 * connect takes --pid (a process in the container's network namespace)
 * because there is no container store to ask yet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/net/net.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static int fail(struct tug_err *err)
{
	tug_err_print(err);
	return EXIT_RUNTIME;
}

static const char usage_text[] =
	"Usage: tug network COMMAND\n\n"
	"Commands:\n"
	"  create [--subnet CIDR]... [--gateway IP] [--internal] [--ipv6] NAME\n"
	"  ls [-q] [--format json]\n"
	"  inspect NETWORK...\n"
	"  rm NETWORK...\n"
	"  prune                 remove user networks without containers\n"
	"  connect [--ip IP] [--alias NAME]... [--hostname H] [-p [IP:]HOST:CTR[/udp]]...\n"
	"          --pid PID [--etc-dir DIR] NETWORK CONTAINER\n"
	"  disconnect NETWORK CONTAINER\n"
	"  sweep                 drop leases of dead containers, stale veths, rebuild NAT\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = { { "subnet", 1, 0, 's' }, { "gateway", 1, 0, 'g' },
					      { "internal", 0, 0, 'i' }, { "driver", 1, 0, 'd' },
					      { "ipv6", 0, 0, '6' },	 { "help", 0, 0, 'h' },
					      { 0 } };
	const char *subnet = NULL, *gateway = NULL, *subnet6 = NULL;
	struct network *n;
	struct net_store s;
	struct tug_err err;
	bool internal = false, ipv6 = false;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		if (c == 's' && strchr(optarg, ':'))
			subnet6 = optarg;	/* --subnet twice: an IPv4 and an IPv6 one */
		else if (c == 's')
			subnet = optarg;
		else if (c == '6')
			ipv6 = true;
		else if (c == 'g')
			gateway = optarg;
		else if (c == 'i')
			internal = true;
		else if (c == 'd' && strcmp(optarg, "bridge")) {
			fprintf(stderr, "tug: network create: only the bridge driver exists\n");
			return EXIT_USAGE;
		} else if (c != 'd')
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? EXIT_OK : EXIT_USAGE);
	}
	if (optind != argc - 1)
		return usage(stderr, EXIT_USAGE);
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	if (subnet6 && !ipv6) {
		net_store_close(&s);
		fprintf(stderr, "tug: network create: an IPv6 --subnet needs --ipv6\n");
		return EXIT_USAGE;
	}
	ret = net_create_checked(&s, argv[optind], subnet, gateway, internal, &n, &err);
	if (ret == 0 && ipv6 && net_enable_ipv6(&s, n, subnet6, &err) < 0) {
		struct tug_err e2;

		net_remove(&s, n, &e2);	/* all or nothing */
		ret = -1;
	}
	if (ret == 0)
		printf("%s\n", n->id);
	net_store_close(&s);
	return ret < 0 ? fail(&err) : EXIT_OK;
}

static int cmd_ls(int argc, char **argv)
{
	bool quiet = false, json = false;
	struct net_store s;
	struct tug_err err;
	char sn[20];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "json"))
			json = true, i++;
		else
			return usage(stderr, EXIT_USAGE);
	}
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	if (!quiet && !json)
		printf("%-12s  %-20s  %-7s  %-18s  %s\n", "NETWORK ID", "NAME", "DRIVER", "SUBNET",
		       "CONTAINERS");
	for (size_t i = 0; i < s.n; i++) {
		const struct network *n = &s.nets[i];

		if (json) {
			_cleanup_json_ cJSON *j = net_inspect_json(n);
			_cleanup_free_ char *t = cJSON_PrintUnformatted(j);

			printf("%s\n", t ? t : "{}");
		} else if (quiet) {
			printf("%.12s\n", n->id);
		} else {
			printf("%.12s  %-20.20s  %-7s  %-18s  %zu\n", n->id, n->name,
			       net_driver_name(n->driver),
			       n->driver == NET_DRIVER_BRIDGE ? subnet_format(&n->subnet, sn) : "-",
			       n->n_eps);
		}
	}
	net_store_close(&s);
	return EXIT_OK;
}

static int cmd_inspect(int argc, char **argv)
{
	_cleanup_json_ cJSON *arr = cJSON_CreateArray();
	_cleanup_free_ char *text = NULL;
	struct net_store s;
	struct tug_err err;
	int ret = EXIT_OK;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	for (int i = 1; i < argc; i++) {
		struct network *n = net_find(&s, argv[i]);

		if (!n) {
			fprintf(stderr, "tug: network %s not found\n", argv[i]);
			ret = EXIT_RUNTIME;
			continue;
		}
		cJSON_AddItemToArray(arr, net_inspect_json(n));
	}
	net_store_close(&s);
	text = cJSON_Print(arr);
	printf("%s\n", text ? text : "[]");
	return ret;
}

static int cmd_rm(int argc, char **argv)
{
	struct net_store s;
	struct tug_err err;
	int ret = EXIT_OK;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	for (int i = 1; i < argc; i++) {
		struct network *n = net_find(&s, argv[i]);

		if (!n) {
			fprintf(stderr, "tug: network %s not found\n", argv[i]);
			ret = EXIT_RUNTIME;
		} else if (net_remove_with_bridge(&s, n, &err) < 0) {
			tug_err_print(&err);
			ret = EXIT_RUNTIME;
		} else {
			printf("%s\n", argv[i]);
		}
	}
	net_store_close(&s);
	return ret;
}

static int cmd_prune(int argc, char **argv)
{
	struct net_store s;
	struct tug_err err;

	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	for (size_t i = 0; i < s.n;) {
		char name[128];

		snprintf(name, sizeof(name), "%s", s.nets[i].name);
		if (s.nets[i].builtin || s.nets[i].n_eps) {
			i++;
			continue;
		}
		if (net_remove_with_bridge(&s, &s.nets[i], &err) < 0) {
			net_store_close(&s);
			return fail(&err);
		}
		printf("Deleted Network: %s\n", name);
	}
	net_store_close(&s);
	return EXIT_OK;
}

static int cmd_connect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", 1, 0, 'i' },	   { "alias", 1, 0, 'a' },   { "hostname", 1, 0, 'H' },
		{ "publish", 1, 0, 'p' }, { "pid", 1, 0, 'P' },     { "etc-dir", 1, 0, 'e' },
		{ "help", 0, 0, 'h' },	   { 0 }
	};
	struct net_port ports[NET_MAX_PORTS];
	struct net_attach a = { .ports = ports };
	char aliases[256] = "", etc_dir[4096];
	struct net_store s;
	struct tug_err err;
	struct network *n;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a.ip = optarg;
			break;
		case 'a':
			snprintf(aliases + strlen(aliases), sizeof(aliases) - strlen(aliases), "%s%s",
				 aliases[0] ? " " : "", optarg);
			break;
		case 'H':
			a.hostname = optarg;
			break;
		case 'p':
			if (a.n_ports == NET_MAX_PORTS) {
				fprintf(stderr, "tug: at most %d published ports\n", NET_MAX_PORTS);
				return EXIT_USAGE;
			}
			if (net_port_parse(optarg, &ports[a.n_ports++], &err) < 0) {
				tug_err_print(&err);
				return EXIT_USAGE;
			}
			break;
		case 'P':
			a.pid = atoi(optarg);
			break;
		case 'e':
			a.etc_dir = optarg;
			break;
		default:
			return usage(c == 'h' ? stdout : stderr, c == 'h' ? EXIT_OK : EXIT_USAGE);
		}
	}
	if (optind != argc - 2)
		return usage(stderr, EXIT_USAGE);
	a.container = a.name = argv[optind + 1];
	a.aliases = aliases;
	if (!a.etc_dir) {
		snprintf(etc_dir, sizeof(etc_dir), "%s/net/%s", tug_run_dir(), a.container);
		a.etc_dir = etc_dir;
	}
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	n = net_find(&s, argv[optind]);
	if (!n) {
		tug_err_set(&err, ENOENT, "network %s not found", argv[optind]);
		net_store_close(&s);
		return fail(&err);
	}
	ret = net_connect(&s, n, &a, &err);
	net_store_close(&s);
	return ret < 0 ? fail(&err) : EXIT_OK;
}

static int cmd_disconnect(int argc, char **argv)
{
	struct net_store s;
	struct tug_err err;
	struct network *n;
	int ret;

	if (argc != 3)
		return usage(stderr, EXIT_USAGE);
	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	n = net_find(&s, argv[1]);
	if (!n) {
		tug_err_set(&err, ENOENT, "network %s not found", argv[1]);
		ret = -1;
	} else {
		ret = net_disconnect(&s, n, argv[2], &err);
	}
	net_store_close(&s);
	return ret < 0 ? fail(&err) : EXIT_OK;
}

static int cmd_sweep(int argc, char **argv)
{
	struct net_store s;
	struct tug_err err;
	int ret;

	if (net_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	ret = net_sweep(&s, NULL, NULL, &err);
	net_store_close(&s);
	return ret < 0 ? fail(&err) : EXIT_OK;
}

int net_cmd_network(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = { { "create", cmd_create }, { "ls", cmd_ls },
		     { "list", cmd_ls },       { "inspect", cmd_inspect },
		     { "rm", cmd_rm },	       { "remove", cmd_rm },
		     { "prune", cmd_prune },   { "connect", cmd_connect },
		     { "disconnect", cmd_disconnect }, { "sweep", cmd_sweep } };

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout, EXIT_OK);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tug: network: unknown command '%s'\n", argv[1]);
	return usage(stderr, EXIT_USAGE);
}
