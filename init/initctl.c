/*
 * initctl: a console helper for boards booted into tug. `initctl zombies`
 * prints the zombie count (the QEMU tests use it); `initctl ps` and
 * `initctl inspect NAME` (raw JSON) predate the CLI's `tug ps` and `tug
 * inspect` and remain for builds without CONFIG_CLI.
 */
#include <stdio.h>
#include <string.h>

#include "core/commands.h"
#include "core/http/client.h"
#include "init/api.h"
#include "core/paths.h"
#include "init/init.h"
#include "init/shutdown.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static int get(const char *target, struct buf *out)
{
	char sock[300];
	struct http_client c;
	struct tug_err err;
	int status;

	snprintf(sock, sizeof(sock), "%s/tug.sock", tug_run_dir());
	if (client_open(&c, sock, &err) < 0) {
		tug_err_print(&err);
		return -1;
	}
	status = http_client_do(&c, "GET", target, NULL, out, &err);
	http_client_close(&c);
	if (status < 0)
		tug_err_print(&err);
	return status;
}

static int ps(void)
{
	struct buf out = { 0 };
	_cleanup_json_ cJSON *list = NULL;
	const cJSON *c;

	if (get("/containers/json?all=1", &out) != 200) {
		buf_free(&out);
		return EXIT_RUNTIME;
	}
	list = cJSON_Parse(buf_head(&out));
	buf_free(&out);
	printf("%-12s  %-16s  %-18s  %-24s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
	       "NAMES");
	cJSON_ArrayForEach(c, list) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "Id"));
		const char *names = cJSON_GetStringValue(
			cJSON_GetArrayItem(cJSON_GetObjectItem(c, "Names"), 0));

		printf("%-12.12s  %-16.16s  %-18.18s  %-24.24s  %s\n", id ? id : "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(c, "Image")) ?: "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(c, "Command")) ?: "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(c, "Status")) ?: "",
		       names ? names + (names[0] == '/') : "");
	}
	return EXIT_OK;
}

static int inspect(const char *name)
{
	struct buf out = { 0 };
	char target[300];
	int status;

	snprintf(target, sizeof(target), "/containers/%s/json", name);
	status = get(target, &out);
	if (status > 0)
		printf("%s\n", buf_size(&out) ? buf_head(&out) : "");
	buf_free(&out);
	return status == 200 ? EXIT_OK : EXIT_RUNTIME;
}

int initctl_main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "ps"))
		return ps();
	if (argc == 3 && !strcmp(argv[1], "inspect"))
		return inspect(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "zombies")) {
		printf("%d\n", count_zombies());
		return EXIT_OK;
	}
	fprintf(stderr, "Usage: initctl ps | inspect NAME | zombies\n");
	return EXIT_USAGE;
}
