/*
 * PID 1's first steps, before anything may allocate: the early mounts, the
 * console, the kernel command line, the hostname, lo, and the cgroup v2
 * controllers handed to children. Every function here formats on the stack.
 */
#ifndef TUG_INIT_EARLY_H
#define TUG_INIT_EARLY_H

#include <stddef.h>

#include "platform/err.h"

/* "tug-init: ..." on the console (stdout), no stdio buffer, no malloc. */
void init_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void init_report(const struct tug_err *err);

/* proc, sys, devtmpfs (+ the console), devpts, /dev/shm, /run, /tmp, cgroup2. */
void early_mounts(void);
/* Read a small text file into buf, without its trailing newlines and spaces. */
int read_small_file(const char *path, char *buf, size_t size, struct tug_err *err);
/* `key=value` from /proc/cmdline: 1 found, 0 absent, -1 error. */
int cmdline_get(const char *key, char *value, size_t size, struct tug_err *err);
/* Enable these controllers (e.g. "cpu memory pids io") for the root's children. */
int cgroup_enable_controllers(const char *want, struct tug_err *err);
int set_hostname(const char *name, struct tug_err *err);
int loopback_up(struct tug_err *err);
/* Milliseconds on CLOCK_MONOTONIC, which starts with the kernel's clock. */
long long init_now_ms(void);
long long init_now_us(void);

#endif
