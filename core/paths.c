#include <stdlib.h>

#include "core/paths.h"

const char *tug_state_dir(void)
{
	const char *s = getenv("TUG_STATE_DIR");

	return s && *s ? s : CONFIG_STATE_DIR;
}

const char *tug_run_dir(void)
{
	const char *s = getenv("TUG_RUN_DIR");

	return s && *s ? s : CONFIG_RUN_DIR;
}
