#include <stdlib.h>
#include <string.h>

#include "core/daemon/restart.h"

int restart_policy_parse(const char *name, int max_retries, struct restart_policy *p,
			 struct tug_err *err)
{
	const char *colon = name ? strchr(name, ':') : NULL;
	size_t n = colon ? (size_t)(colon - name) : (name ? strlen(name) : 0);

	p->max_retries = 0;
	if (!n || (n == 2 && !strncmp(name, "no", 2))) {
		p->kind = RP_NO;
	} else if (n == 6 && !strncmp(name, "always", n)) {
		p->kind = RP_ALWAYS;
	} else if (n == 14 && !strncmp(name, "unless-stopped", n)) {
		p->kind = RP_UNLESS_STOPPED;
	} else if (n == 10 && !strncmp(name, "on-failure", n)) {
		p->kind = RP_ON_FAILURE;
		p->max_retries = max_retries;
	} else {
		return tug_err_set(err, EINVAL, "invalid restart policy '%s'", name);
	}
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);

		if (p->kind != RP_ON_FAILURE || *end || end == colon + 1 || v < 0)
			return tug_err_set(err, EINVAL,
					   "invalid restart policy '%s': only on-failure takes a count",
					   name);
		p->max_retries = (int)v;
	}
	if (max_retries && p->kind != RP_ON_FAILURE)
		return tug_err_set(err, EINVAL,
				   "maximum retry count cannot be used with restart policy '%s'",
				   name);
	return 0;
}

const char *restart_policy_name(const struct restart_policy *p)
{
	static const char *const names[] = { "no", "always", "unless-stopped", "on-failure" };

	return names[p->kind];
}

bool restart_wanted(const struct restart_policy *p, int exit_code, int restart_count,
		    bool stopped_by_user)
{
	if (stopped_by_user)
		return false;
	switch (p->kind) {
	case RP_ALWAYS:
	case RP_UNLESS_STOPPED:
		return true;
	case RP_ON_FAILURE:
		return exit_code != 0 && (!p->max_retries || restart_count < p->max_retries);
	default:
		return false;
	}
}

uint64_t restart_next_delay(uint64_t prev_delay_ms, uint64_t ran_ms)
{
	uint64_t d;

	if (ran_ms >= RESTART_RESET_AFTER_MS || !prev_delay_ms)
		return RESTART_DELAY_MIN_MS;
	d = prev_delay_ms * 2;
	return d > RESTART_DELAY_MAX_MS ? RESTART_DELAY_MAX_MS : d;
}
