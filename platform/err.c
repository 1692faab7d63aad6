#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "platform/err.h"

static void err_vset(struct tug_err *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int tug_err_set(struct tug_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int tug_err_sys(struct tug_err *err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	errno = code;
	return -1;
}

int tug_err_wrap(struct tug_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation keeps the outer context, which says the most. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
	return -1;
}

const char *tug_err_str(const struct tug_err *err, char *buf, unsigned long size)
{
	if (err->code && err->code != ENOTSUP)
		snprintf(buf, size, "%s: %s", err->msg, strerror(err->code));
	else
		snprintf(buf, size, "%s", err->msg);
	return buf;
}

void tug_err_print(const struct tug_err *err)
{
	char buf[sizeof(err->msg) + 128];

	fprintf(stderr, "tug: %s\n", tug_err_str(err, buf, sizeof(buf)));
}

void tug_err_clear(struct tug_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
