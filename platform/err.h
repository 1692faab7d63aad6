/*
 * Errors carry context. A function that can fail returns -1 and fills a
 * struct tug_err; each caller that adds meaning wraps it with what it was
 * doing, so the user reads "start web: mount overlay: No space left on
 * device" rather than a bare number.
 */
#ifndef TUG_ERR_H
#define TUG_ERR_H

#include <errno.h>

struct tug_err {
	int code;	/* errno value, 0 when the error is not a system one */
	char msg[1024];	/* "context: context: detail" without strerror */
};

/* Set a new error; returns -1 so callers can `return tug_err_set(...)`. */
int tug_err_set(struct tug_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with code taken from errno. */
int tug_err_sys(struct tug_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the message with what the caller was doing. */
int tug_err_wrap(struct tug_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Full text "msg: strerror(code)" into buf. */
const char *tug_err_str(const struct tug_err *err, char *buf, unsigned long size);
/* Print "tug: <text>" on stderr. */
void tug_err_print(const struct tug_err *err);
void tug_err_clear(struct tug_err *err);

/* A feature compiled out but asked for at run time. */
#define tug_err_unsupported(err, symbol) \
	tug_err_set(err, ENOTSUP, "not supported by this build (" #symbol ")")

#endif
