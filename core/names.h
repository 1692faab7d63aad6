/* Docker's rule for container, network and volume names. */
#ifndef TUG_NAMES_H
#define TUG_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* [a-zA-Z0-9][a-zA-Z0-9_.-]* of 1..max characters (so no '/', no ".."). */
bool name_ok(const char *name, size_t max);

/* Longest container name tugd takes (struct container keeps it with a leading '/'). */
#define CONTAINER_NAME_MAX 120

#endif
