/* diff: a container's changes to its image (A added, C changed, D deleted), as docker diff. */
#include <stdio.h>
#include <string.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"

int client_cmd_diff(int argc, char **argv)
{
	_cleanup_json_ cJSON *reply = NULL;
	char esc[260], target[400];
	const cJSON *ch;
	struct tug_err err;
	int st;

	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && !strcmp(argv[1], "--help");

		fprintf(help ? stdout : stderr, "Usage: tug diff CONTAINER\n");
		return help ? EXIT_OK : EXIT_USAGE;
	}
	cli_escape(argv[1], esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/changes", esc);
	st = cli_request("GET", target, NULL, &reply, &err);
	if (st < 0)
		return cli_daemon_error(&err);
	if (st >= 400)
		return cli_status_error(st, reply, EXIT_RUNTIME);
	cJSON_ArrayForEach(ch, reply) {
		int kind = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(ch, "Kind"));
		const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(ch, "Path"));

		if (path)
			printf("%c %s\n", kind == 1 ? 'A' : kind == 2 ? 'D' : 'C', path);
	}
	return EXIT_OK;
}
