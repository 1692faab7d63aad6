/* PID 1: the board init. */
#ifndef TUG_INIT_H
#define TUG_INIT_H

/*
 * Run as PID 1 (see init/init.c and docs/init.md). Never returns as PID 1;
 * refuses (returns 1) otherwise.
 */
int init_main(int argc, char **argv);
/* `initctl ps | inspect NAME | zombies`: console helper (init/initctl.c). */
int initctl_main(int argc, char **argv);

#endif
