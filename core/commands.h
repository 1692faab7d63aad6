/*
 * Entry points of tug's commands. Each area provides its own; a command
 * whose feature is compiled out stays in the table with a NULL function and
 * answers "not supported by this build (CONFIG_X)".
 */
#ifndef TUG_COMMANDS_H
#define TUG_COMMANDS_H

#include <stdbool.h>

typedef int (*tug_command_fn)(int argc, char **argv);

struct tug_command {
	const char *name;
	tug_command_fn run;	/* NULL when compiled out */
	const char *symbol;	/* Kconfig symbol that provides it */
	const char *summary;
};

/* NULL-terminated. */
extern const struct tug_command tug_commands[];
const struct tug_command *tug_command_find(const char *name);

int cli_main(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* core/oci: runc-compatible runtime CLI. */
int oci_main(int argc, char **argv);
/* core/daemon: the engine. */
int daemon_main(int argc, char **argv);
/* core/image: local image store commands. */
int image_cmd_load(int argc, char **argv);
int image_cmd_save(int argc, char **argv);
int image_cmd_images(int argc, char **argv);
int image_cmd_tag(int argc, char **argv);
int image_cmd_rmi(int argc, char **argv);
int image_cmd_image(int argc, char **argv);
int image_cmd_system(int argc, char **argv);
/* core/registry: pull and push over the OCI distribution API. */
int registry_cmd_pull(int argc, char **argv);
int registry_cmd_push(int argc, char **argv);
int registry_cmd_login(int argc, char **argv);
int registry_cmd_logout(int argc, char **argv);
/* core/net: networks. core/volume: volumes. */
int net_cmd_network(int argc, char **argv);
int volume_cmd_volume(int argc, char **argv);
/* core/update: atomic updates through tugd. */
int update_cmd_update(int argc, char **argv);
int update_cmd_rollback(int argc, char **argv);
int update_cmd_apply(int argc, char **argv);
int update_cmd_revisions(int argc, char **argv);
int update_cmd_slot(int argc, char **argv);
/* core/client: the CLI as a client of tugd's API. */
int client_cmd_run(int argc, char **argv);
int client_cmd_create(int argc, char **argv);
int client_cmd_start(int argc, char **argv);
int client_cmd_stop(int argc, char **argv);
int client_cmd_restart(int argc, char **argv);
int client_cmd_kill(int argc, char **argv);
int client_cmd_rm(int argc, char **argv);
int client_cmd_ps(int argc, char **argv);
int client_cmd_logs(int argc, char **argv);
int client_cmd_exec(int argc, char **argv);
int client_cmd_wait(int argc, char **argv);
int client_cmd_inspect(int argc, char **argv);
int client_cmd_events(int argc, char **argv);
int client_cmd_info(int argc, char **argv);
int client_cmd_pause(int argc, char **argv);
int client_cmd_unpause(int argc, char **argv);
int client_cmd_rename(int argc, char **argv);
int client_cmd_top(int argc, char **argv);
int client_cmd_stats(int argc, char **argv);
int client_cmd_attach(int argc, char **argv);
int client_cmd_cp(int argc, char **argv);
int client_cmd_port(int argc, char **argv);
int client_cmd_diff(int argc, char **argv);
/* core/client/extras.c: commit, export, system df, docker's update. */
int client_cmd_commit(int argc, char **argv);
int client_cmd_export(int argc, char **argv);
/* The daemon's df; -1 (nothing printed) when no daemon answers. */
int client_cmd_system_df(int argc, char **argv);
/* tug update CONTAINER with limit or restart options (docker update), not an image. */
bool client_update_is_limits(int argc, char **argv);
int client_cmd_update(int argc, char **argv);

/* Exit codes, as Docker uses them. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
	EXIT_DAEMON = 125,
	EXIT_CANNOT_INVOKE = 126,
	EXIT_NOT_FOUND = 127,
};

#endif
