/*
 * tug volume create|ls|inspect|rm|prune, on the local store, and
 * `tug volume mounts` (tug's own): the OCI mount entries that -v and
 * --tmpfs specs become, as the daemon puts them in config.json.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/volume/mounts.h"
#include "core/volume/volume.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static const char usage_text[] =
	"Usage: tug volume COMMAND\n\n"
	"Commands:\n"
	"  create [NAME]\n"
	"  ls [-q]\n"
	"  inspect VOLUME...\n"
	"  rm [-f] VOLUME...\n"
	"  prune [-f]            remove every volume no container uses\n"
	"  mounts [--container ID] [-v SPEC]... [--tmpfs SPEC]...\n"
	"                        print the OCI mount entries for these specs\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

static int fail(struct volume_store *vs, struct tug_err *err)
{
	volume_store_close(vs);
	tug_err_print(err);
	return EXIT_RUNTIME;
}

static void print_pruned(const char *name, void *ctx)
{
	if (!*(int *)ctx)
		printf("Deleted Volumes:\n");
	*(int *)ctx += 1;
	printf("%s\n", name);
}

static int cmd_mounts(struct volume_store *vs, int argc, char **argv)
{
	static const struct option opts[] = { { "volume", 1, 0, 'v' }, { "tmpfs", 1, 0, 't' },
					      { "container", 1, 0, 'c' }, { 0 } };
	_cleanup_free_ const char **v = calloc(argc, sizeof(*v));
	_cleanup_free_ const char **t = calloc(argc, sizeof(*t));
	_cleanup_json_ cJSON *out = cJSON_CreateArray();
	_cleanup_free_ char *text = NULL;
	const char *container = NULL;
	size_t nv = 0, nt = 0;
	struct tug_err err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "v:", opts, NULL)) != -1) {
		if (c == 'v')
			v[nv++] = optarg;
		else if (c == 't')
			t[nt++] = optarg;
		else if (c == 'c')
			container = optarg;
		else
			return usage(stderr, EXIT_USAGE);
	}
	if (vol_resolve_mounts(vs, container, v, nv, t, nt, out, &err) < 0)
		return fail(vs, &err);
	volume_store_close(vs);
	text = cJSON_Print(out);
	printf("%s\n", text);
	return EXIT_OK;
}

int volume_cmd_volume(int argc, char **argv)
{
	struct volume_store vs;
	struct tug_err err;
	const char *sub;
	int ret = EXIT_OK;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help"))
		return usage(stdout, EXIT_OK);
	if (strcmp(sub, "create") && strcmp(sub, "ls") && strcmp(sub, "list") &&
	    strcmp(sub, "inspect") && strcmp(sub, "rm") && strcmp(sub, "remove") &&
	    strcmp(sub, "prune") && strcmp(sub, "mounts")) {
		fprintf(stderr, "tug: volume: unknown command '%s'\n", sub);
		return usage(stderr, EXIT_USAGE);
	}
	if (volume_store_open(&vs, NULL, &err) < 0)
		return fail(&vs, &err);
	if (!strcmp(sub, "create")) {
		char name[65];

		if (argc > 3)
			return volume_store_close(&vs), usage(stderr, EXIT_USAGE);
		if (volume_create(&vs, argc == 3 ? argv[2] : NULL, name, &err) < 0)
			return fail(&vs, &err);
		printf("%s\n", name);
	} else if (!strcmp(sub, "ls") || !strcmp(sub, "list")) {
		bool quiet = argc > 2 && (!strcmp(argv[2], "-q") || !strcmp(argv[2], "--quiet"));
		char **names;

		if (volume_list(&vs, &names, &err) < 0)
			return fail(&vs, &err);
		if (!quiet)
			printf("%-8s  %s\n", "DRIVER", "VOLUME NAME");
		for (char **p = names; *p; p++) {
			if (quiet)
				printf("%s\n", *p);
			else
				printf("%-8s  %s\n", "local", *p);
			free(*p);
		}
		free(names);
	} else if (!strcmp(sub, "inspect")) {
		_cleanup_json_ cJSON *arr = cJSON_CreateArray();
		_cleanup_free_ char *text = NULL;

		if (argc < 3)
			return volume_store_close(&vs), usage(stderr, EXIT_USAGE);
		for (int i = 2; i < argc; i++) {
			cJSON *j = volume_inspect(&vs, argv[i], &err);

			if (!j) {
				tug_err_print(&err);
				ret = EXIT_RUNTIME;
				continue;
			}
			cJSON_AddItemToArray(arr, j);
		}
		text = cJSON_Print(arr);
		printf("%s\n", text);
	} else if (!strcmp(sub, "rm") || !strcmp(sub, "remove")) {
		bool force = false;

		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
				force = true;
				continue;
			}
			if (volume_remove(&vs, argv[i], force, &err) < 0) {
				tug_err_print(&err);
				ret = EXIT_RUNTIME;
			} else {
				printf("%s\n", argv[i]);
			}
		}
	} else if (!strcmp(sub, "prune")) {
		int n = 0;

		if (volume_prune(&vs, print_pruned, &n, &err) < 0)
			return fail(&vs, &err);
	} else {
		return cmd_mounts(&vs, argc - 1, argv + 1);
	}
	volume_store_close(&vs);
	return ret;
}
