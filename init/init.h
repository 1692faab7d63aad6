/* PID 1: the board init. */
#ifndef TUG_INIT_H
#define TUG_INIT_H

/*
 * Run as PID 1: early mounts (proc, sysfs, devtmpfs, cgroup2), the console,
 * the `tug.test=<path>` program from the kernel command line if any, then a
 * clean power off. Never returns as PID 1; refuses (returns 1) otherwise.
 */
int init_main(int argc, char **argv);

#endif
