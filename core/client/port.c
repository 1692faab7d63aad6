/* port: a container's published ports, from NetworkSettings.Ports of inspect (as docker port). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"

/* Go's net.JoinHostPort: IPv6 hosts in brackets. */
static void print_binding(const char *prefix, const cJSON *b)
{
	const char *ip = cJSON_GetStringValue(cJSON_GetObjectItem(b, "HostIp")) ?: "";
	const char *port = cJSON_GetStringValue(cJSON_GetObjectItem(b, "HostPort")) ?: "";

	printf("%s%s%s%s:%s\n", prefix, strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "",
	       port);
}

int client_cmd_port(int argc, char **argv)
{
	_cleanup_json_ cJSON *reply = NULL;
	const cJSON *ports, *p, *b;
	char esc[260], target[400], want[64] = "";
	struct tug_err err;
	int st;

	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		bool help = argc == 2 && !strcmp(argv[1], "--help");

		fprintf(help ? stdout : stderr,
			"Usage: tug port CONTAINER [PRIVATE_PORT[/PROTO]]\n");
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (argc == 3)
		snprintf(want, sizeof(want), "%s%s", argv[2], strchr(argv[2], '/') ? "" : "/tcp");
	cli_escape(argv[1], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/json", esc);
	st = cli_request("GET", target, NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	ports = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "NetworkSettings"), "Ports");
	if (*want) {
		p = cJSON_GetObjectItemCaseSensitive(ports, want);
		if (!cJSON_IsArray(p) || !cJSON_GetArraySize(p)) {
			fprintf(stderr, "Error: No public port '%s' published for %s\n", argv[2],
				argv[1]);
			return EXIT_RUNTIME;
		}
		cJSON_ArrayForEach(b, p) print_binding("", b);
		return EXIT_OK;
	}
	cJSON_ArrayForEach(p, ports) {
		char prefix[80];

		snprintf(prefix, sizeof(prefix), "%s -> ", p->string);
		cJSON_ArrayForEach(b, p) print_binding(prefix, b);
	}
	return EXIT_OK;
}
