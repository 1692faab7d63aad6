/* Placeholder until the PID 1 stub lands. */
#include <stdio.h>

#include "init/init.h"

int init_main(int argc, char **argv)
{
	fprintf(stderr, "tug-init: not implemented yet\n");
	return 1;
}
