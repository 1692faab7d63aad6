/* PID 1: the board init. */
#ifndef TUG_INIT_H
#define TUG_INIT_H

int init_main(int argc, char **argv);

#endif
