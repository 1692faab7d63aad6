/*
 * A container's privileges from its Docker HostConfig, with dockerd's
 * meaning: CapAdd / CapDrop (names with or without CAP_, "ALL"),
 * Privileged (every capability, every host device, /sys writable, no
 * masked or read-only /proc paths, no seccomp), SecurityOpt
 * ("no-new-privileges[:true|false]", "seccomp=unconfined",
 * "seccomp=<profile JSON>" as the docker CLI sends a profile file's text,
 * "apparmor=..." and "label=..." accepted and ignored: tug loads no LSM
 * profile). noNewPrivileges is off unless asked, as with dockerd.
 */
#ifndef TUG_DAEMON_SECURITY_H
#define TUG_DAEMON_SECURITY_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

/* Create time: an unknown capability or security option is refused (400). */
int security_validate(const cJSON *hc, struct tug_err *err);

/* process.capabilities and noNewPrivileges of a container's process or of
 * an exec (privileged: the exec's own Privileged flag). */
int security_process(const cJSON *hc, bool privileged, cJSON *proc, struct tug_err *err);

/* The rest of the spec: a privileged container's devices, paths and /sys;
 * a seccomp profile. */
int security_spec(const cJSON *hc, cJSON *spec, struct tug_err *err);

#endif
