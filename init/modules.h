/* Kernel modules for PID 1: finit_module with dependencies from modules.dep. */
#ifndef TUG_INIT_MODULES_H
#define TUG_INIT_MODULES_H

#include <stddef.h>

#include "platform/err.h"

/*
 * Load each named module (names as the kernel spells them, '-' or '_') and
 * its dependencies from <dir>/modules.dep, deps first. A module already
 * loaded or built in counts as loaded. Returns how many could not be loaded;
 * each failure is reported on the console.
 */
int modules_load(const char *dir, const char *const *names, size_t n);
/* The usual place: /lib/modules/<uname -r>. */
void modules_dir(char *out, size_t size);
/* The kernel's request_module() helper: `modprobe [-q] [--] NAME...` (argv[0] "modprobe"). */
int modprobe_main(int argc, char **argv);
/* An alias the kernel asks for ("fs-overlay") to a module name ("overlay"). */
void module_alias_resolve(const char *dir, const char *alias, char *out, size_t size);

/* Pure helpers (unit-tested). */
/* Module name of a modules.dep path: "kernel/fs/x-y.ko.xz" -> "x_y". */
void module_name_of(const char *path, size_t len, char *out, size_t size);
/* Find name's line in a modules.dep text; returns its start or NULL. */
const char *modules_dep_find(const char *dep, size_t len, const char *name);

#endif
