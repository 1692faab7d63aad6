/* Placeholder: the "none" backend only; v2 comes next commit. */
#include "platform/cgroup.h"

#include <string.h>

int cgroup_validate_oci(const cJSON *r, struct tug_err *err) { return 0; }
int cgroup_create_oci(const char *cp, const char *id, const cJSON *r, char *out, size_t outsz,
		      struct tug_err *err)
{
	if (outsz)
		out[0] = '\0';
	return 0;
}
int cgroup_enter(const char *path, pid_t pid, struct tug_err *err) { return 0; }
int cgroup_update_oci(const char *path, const cJSON *r, struct tug_err *err) { return 0; }
int cgroup_freeze(const char *path, bool frozen, struct tug_err *err)
{
	return tug_err_set(err, ENOTSUP, "no cgroup v2: cannot pause");
}
int cgroup_kill_all(const char *path, int sig, struct tug_err *err) { return 0; }
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct tug_err *err)
{
	*pids = NULL;
	*n = 0;
	return 0;
}
int cgroup_destroy(const char *path, struct tug_err *err) { return 0; }
int cgroup_stats(const char *path, struct cgroup_stats *st, struct tug_err *err)
{
	memset(st, 0, sizeof(*st));
	return 0;
}
