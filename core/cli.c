/* The multi-call CLI: a table of commands, each under its Kconfig symbol. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "platform/err.h"

#define CMD(name, fn, sym, text) { name, IS_ENABLED(sym) ? fn : NULL, #sym, text }

const struct tug_command tug_commands[] = {
	{ "version", cmd_version, NULL, "Show version, arch, libc and features" },
	CMD("daemon", daemon_main, CONFIG_DAEMON, "Run the engine (same as tugd)"),
	CMD("oci", oci_main, CONFIG_OCI_RUNTIME, "OCI runtime with runc's command line"),
	CMD("load", image_cmd_load, CONFIG_IMAGE_ARCHIVE, "Load images from a docker or OCI archive"),
	CMD("save", image_cmd_save, CONFIG_IMAGE_ARCHIVE, "Save images to a docker archive"),
	{ "images", image_cmd_images, NULL, "List images" },
	{ "tag", image_cmd_tag, NULL, "Give an image another name" },
	{ "rmi", image_cmd_rmi, NULL, "Remove images" },
	{ "image", image_cmd_image, NULL, "Manage images (ls, inspect, rm, prune, tag)" },
	{ "system", image_cmd_system, NULL, "Check or prune the store" },
	CMD("pull", registry_cmd_pull, CONFIG_REGISTRY, "Pull an image from a registry"),
	CMD("push", registry_cmd_push, CONFIG_REGISTRY, "Push an image to a registry"),
	CMD("login", registry_cmd_login, CONFIG_REGISTRY, "Log in to a registry"),
	CMD("logout", registry_cmd_logout, CONFIG_REGISTRY, "Log out from a registry"),
	CMD("network", net_cmd_network, CONFIG_NET_BRIDGE, "Manage networks"),
	{ "volume", volume_cmd_volume, NULL, "Manage volumes" },
	CMD("update", update_cmd_update, CONFIG_DAEMON, "Update a container to another image, roll back if unhealthy"),
	CMD("rollback", update_cmd_rollback, CONFIG_DAEMON, "Go back to a container's previous image"),
	CMD("apply", update_cmd_apply, CONFIG_DAEMON, "Apply a target state as one revision"),
	CMD("revisions", update_cmd_revisions, CONFIG_DAEMON, "List the applied revisions"),
	{ "slot", update_cmd_slot, NULL, "A/B slots for the tug binary (install, boot, commit)" },
	CMD("run", client_cmd_run, CONFIG_CLI, "Create and start a container"),
	CMD("create", client_cmd_create, CONFIG_CLI, "Create a container"),
	CMD("start", client_cmd_start, CONFIG_CLI, "Start containers"),
	CMD("stop", client_cmd_stop, CONFIG_CLI, "Stop containers"),
	CMD("restart", client_cmd_restart, CONFIG_CLI, "Restart containers"),
	CMD("kill", client_cmd_kill, CONFIG_CLI, "Send a signal to containers"),
	CMD("rm", client_cmd_rm, CONFIG_CLI, "Remove containers"),
	CMD("ps", client_cmd_ps, CONFIG_CLI, "List containers"),
	CMD("logs", client_cmd_logs, CONFIG_CLI, "Show a container's output"),
	CMD("exec", client_cmd_exec, CONFIG_CLI, "Run a command in a running container"),
	CMD("wait", client_cmd_wait, CONFIG_CLI, "Wait for containers to stop, print exit codes"),
	CMD("inspect", client_cmd_inspect, CONFIG_CLI, "Show containers or images as JSON"),
	CMD("events", client_cmd_events, CONFIG_CLI, "Follow the engine's events"),
	CMD("info", client_cmd_info, CONFIG_CLI, "Show the engine's information"),
	CMD("pause", client_cmd_pause, CONFIG_CLI, "Freeze containers"),
	CMD("unpause", client_cmd_unpause, CONFIG_CLI, "Thaw containers"),
	CMD("rename", client_cmd_rename, CONFIG_CLI, "Rename a container"),
	CMD("top", client_cmd_top, CONFIG_CLI, "List a container's processes"),
	CMD("stats", client_cmd_stats, CONFIG_CLI, "Show containers' resource use"),
	CMD("attach", client_cmd_attach, CONFIG_CLI, "Attach to a running container"),
	CMD("cp", client_cmd_cp, CONFIG_CLI, "Copy files between a container and the host"),
	CMD("port", client_cmd_port, CONFIG_CLI, "List a container's published ports"),
	CMD("diff", client_cmd_diff, CONFIG_CLI, "List a container's changes to its image"),
	CMD("commit", client_cmd_commit, CONFIG_CLI, "Make an image of a container's changes"),
	CMD("export", client_cmd_export, CONFIG_CLI, "Write a container's file system as a tar"),
	{ NULL, NULL, NULL, NULL },
};

const struct tug_command *tug_command_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct tug_command *c = tug_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: tug COMMAND [ARGS...]\n\n"
		     "A container engine for embedded Linux.\n\nCommands:\n");
	for (const struct tug_command *c = tug_commands; c->name; c++)
		fprintf(out, "  %-10s %s%s\n", c->name, c->summary,
			c->run ? "" : " (not in this build)");
	fprintf(out, "\nRun 'tug COMMAND --help' for more on a command.\n");
}

int cli_main(int argc, char **argv)
{
	const struct tug_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	/* tug -H unix:///path CMD ...: the daemon's socket for client commands. */
	while (argc > 2 && (!strcmp(argv[1], "-H") || !strcmp(argv[1], "--host") ||
			    !strncmp(argv[1], "--host=", 7))) {
		bool eq = !strncmp(argv[1], "--host=", 7);

		setenv("TUG_HOST", eq ? argv[1] + 7 : argv[2], 1);
		argv[eq ? 1 : 2] = argv[0];
		argv += eq ? 1 : 2;
		argc -= eq ? 1 : 2;
	}
	if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	cmd = tug_command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "tug: unknown %s '%s'\n", argv[1][0] == '-' ? "flag" : "command",
			argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cmd->run) {
		struct tug_err err;

		tug_err_set(&err, ENOTSUP, "%s: not supported by this build (%s)", cmd->name,
			    cmd->symbol);
		tug_err_print(&err);
		return EXIT_RUNTIME;
	}
	return cmd->run(argc - 1, argv + 1);
}
