/*
 * OCI hooks: each runs with the container state on stdin and must exit 0
 * within its timeout (killed otherwise). prestart, createRuntime, poststart
 * and poststop run in the runtime's namespaces; createContainer and
 * startContainer are run by the container init, in the container's.
 */
#ifndef TUG_OCI_HOOKS_H
#define TUG_OCI_HOOKS_H

#include <cjson/cJSON.h>

#include "platform/err.h"

/* Run every hook of kind ("prestart", ...) in hooks; state is the JSON text. */
int oci_hooks_run(const cJSON *hooks, const char *kind, const char *state, struct tug_err *err);
/* True when hooks has at least one hook of kind. */
int oci_hooks_has(const cJSON *hooks, const char *kind);

#endif
