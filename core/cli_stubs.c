/*
 * Bring-up only: weak stand-ins for commands whose area has not landed yet.
 * The real definition (strong) replaces each one at link time. Removed once
 * every area is in.
 */
#include <stdio.h>

#include "core/commands.h"

#define STUB(fn)                                                              \
	__attribute__((weak)) int fn(int argc, char **argv)                   \
	{                                                                     \
		fprintf(stderr, "tug: %s: not implemented yet\n", argv[0]);   \
		return EXIT_RUNTIME;                                          \
	}

STUB(oci_main)
STUB(daemon_main)
STUB(image_cmd_load)
STUB(image_cmd_save)
STUB(image_cmd_images)
STUB(image_cmd_tag)
STUB(image_cmd_rmi)
STUB(image_cmd_image)
STUB(image_cmd_system)
