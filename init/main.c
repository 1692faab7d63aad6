/*
 * One binary, several faces, picked on argv[0] and PID: `tugd` is the engine,
 * `init` or PID 1 is the board init, `docker-init` an --init container's
 * PID 1, anything else is the CLI.
 */
#include <string.h>
#include <unistd.h>

#include "core/commands.h"
#include "init/docker_init.h"
#include "init/init.h"
#include "init/modules.h"

int main(int argc, char **argv)
{
	const char *name = argv[0] ? strrchr(argv[0], '/') : NULL;

	name = name ? name + 1 : (argv[0] ? argv[0] : "tug");
	/* Before the PID 1 test: in an --init container it is PID 1 too. */
	if (IS_ENABLED(CONFIG_DAEMON) && !strcmp(name, "docker-init"))
		return docker_init_main(argc, argv);
	/* The kernel may hand PID 1 stray boot arguments; a real command wins. */
	if (IS_ENABLED(CONFIG_INIT) &&
	    (!strcmp(name, "init") || (getpid() == 1 && !tug_command_find(argv[1]))))
		return init_main(argc, argv);
	if (IS_ENABLED(CONFIG_INIT) && !strcmp(name, "initctl"))
		return initctl_main(argc, argv);
	if (IS_ENABLED(CONFIG_INIT) && !strcmp(name, "modprobe"))
		return modprobe_main(argc, argv);
	if (!strcmp(name, "tugd")) {
		char *dargv[argc + 2];

		dargv[0] = "tug";
		dargv[1] = "daemon";
		memcpy(dargv + 2, argv + 1, sizeof(char *) * (size_t)argc);
		return cli_main(argc + 1, dargv);
	}
	return cli_main(argc, argv);
}
