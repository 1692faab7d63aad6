/*
 * Boot trace: timestamps of the boot path across PID 1 and the processes it
 * forks without exec (keeper, tugd, runner, the container's init up to its
 * exec). PID 1 maps one shared page before its first fork when the kernel
 * command line has `tug.trace`; each mark is a clock read and a store, no
 * system call and no output, so it hardly moves what it measures. PID 1
 * prints the marks once the boot manifest is done (docs/init.md).
 */
#ifndef TUG_PLATFORM_BOOTTRACE_H
#define TUG_PLATFORM_BOOTTRACE_H

/* PID 1, before its first fork. Returns 0, or -1 (no trace). */
int boot_trace_init(void);
/* Record "what" (a string literal: only its address is kept) at now. */
void boot_trace(const char *what);
/* Write the marks to fd, in time order, as ms after t0_us (CLOCK_MONOTONIC). */
void boot_trace_dump(int fd, long long t0_us);

#endif
