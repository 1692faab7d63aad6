#include <string.h>

#include "core/names.h"

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

bool name_ok(const char *name, size_t max)
{
	size_t len = name ? strlen(name) : 0;

	if (!len || len > max || !strchr(ALNUM, *name))
		return false;
	return strspn(name, ALNUM "_.-") == len;
}
