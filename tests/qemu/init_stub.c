/*
 * A stand-alone PID 1 from init/init.c alone, for proving the QEMU boot path
 * on every board before (or without) a full tug build.
 */
#include "init/init.h"

int main(int argc, char **argv)
{
	return init_main(argc, argv);
}
