/* `docker-init`: the container PID 1 of `docker run --init` (init/docker_init.c). */
#ifndef TUG_DOCKER_INIT_H
#define TUG_DOCKER_INIT_H

/* argv: docker-init [--] PROGRAM [ARG...]; returns PROGRAM's status (128+N: signal N). */
int docker_init_main(int argc, char **argv);

#endif
