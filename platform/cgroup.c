/*
 * cgroup v2 backends. "v2" works on the unified hierarchy found in
 * /proc/self/mountinfo; "none" is used when there is none (or it is
 * read-only to us) and nothing was asked that needs it. The resource
 * mapping (cgroup_resources.c) and the device program (cgroup_devices.c)
 * are pure and tested apart; this file does the file system work.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "platform/cgroup.h"
#include "platform/cgroup_devices.h"
#include "platform/cgroup_resources.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

struct cgroup_ops {
	const char *name;
	int (*create)(const char *dir, const struct cgroup_writes *w, const struct bpf_insn *prog,
		      size_t nprog, char *out, size_t outsz, struct tug_err *err);
	int (*freeze)(const char *path, bool frozen, struct tug_err *err);
};

static void cleanup_writesp(struct cgroup_writes *w)
{
	cgroup_writes_free(w);
}
#define _cleanup_writes_ __attribute__((cleanup(cleanup_writesp)))

/* ---- small file helpers ------------------------------------------------ */

static int cg_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* One write(): the kernel parses each write as one value. */
	n = write(fd, value, len);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_kernel_file(AT_FDCWD, path, buf, size) < 0 ? -1 : 0;
}

/* "key value" line of a flat-keyed file (memory.events, cpu.stat). */
static uint64_t keyed_value(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoull(p + klen + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return true;
		p += len;
	}
	return false;
}

/* ---- where the v2 tree is ---------------------------------------------- */

/* The cgroup2 mount point, "" when there is none. /sys/fs/cgroup wins over
 * other mounts (a hybrid host's /sys/fs/cgroup/unified). */
static const char *cgroup2_mount(void)
{
	static char found[PATH_MAX];
	static bool done;
	_cleanup_fclose_ FILE *f = NULL;
	char line[4096];

	if (done)
		return found;
	done = true;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return found;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (!found[0] || !strcmp(mnt, "/sys/fs/cgroup"))
			snprintf(found, sizeof(found), "%s", mnt);
	}
	return found;
}

static int resolve_dir(const char *mount, const char *cgroups_path, const char *id, char *out,
		       size_t outsz, struct tug_err *err)
{
	const char *p = cgroups_path && *cgroups_path ? cgroups_path : NULL;
	int n;

	if (p && strchr(p, ':'))
		return tug_err_set(err, ENOTSUP,
				   "linux.cgroupsPath: systemd-style \"%s\" (slice:prefix:name) is "
				   "not supported; give a path",
				   p);
	if (p && (!strcmp(p, "..") || !strncmp(p, "../", 3) || strstr(p, "/../") ||
		  (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/.."))))
		return tug_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\" must not contain ..", p);
	if (!p)
		n = snprintf(out, outsz, "%s/tug/%s", mount, id);
	else if (p[0] == '/')
		n = snprintf(out, outsz, "%s%s", mount, p);
	else
		n = snprintf(out, outsz, "%s/tug/%s", mount, p);
	if (n < 0 || (size_t)n >= outsz)
		return tug_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

/* ---- the "none" backend ------------------------------------------------ */

static int none_create(const char *dir, const struct cgroup_writes *w, const struct bpf_insn *prog,
		       size_t nprog, char *out, size_t outsz, struct tug_err *err)
{
	if (w->n)
		return tug_err_set(err, ENOTSUP, "%s: cgroup v2 controller '%s' not available",
				   w->v[0].field, w->v[0].controller);
	if (nprog)
		return tug_err_set(
		    err, ENOTSUP,
		    "linux.resources.devices: needs a cgroup v2 tree, none is usable");
	if (outsz)
		out[0] = '\0';
	return 0;
}

static int none_freeze(const char *path, bool frozen, struct tug_err *err)
{
	return tug_err_set(err, ENOTSUP, "no cgroup v2: cannot pause");
}

static const struct cgroup_ops none_ops = {
    .name = "none",
    .create = none_create,
    .freeze = none_freeze,
};

/* ---- the v2 backend ---------------------------------------------------- */

/* Make every level from the mount down to dir, enabling in each parent the
 * controllers it has (one at a time: one refusal must not stop the rest). */
static void enable_controllers(const char *parent)
{
	char ctls[1024], *tok, *save = NULL;

	if (cg_read(parent, "cgroup.controllers", ctls, sizeof(ctls)) < 0)
		return;
	for (tok = strtok_r(ctls, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		char plus[40];

		snprintf(plus, sizeof(plus), "+%s", tok);
		cg_write(parent, "cgroup.subtree_control", plus);
	}
}

static int make_tree(const char *mount, const char *dir, struct tug_err *err)
{
	const char *p = dir + strlen(mount), *next;
	char parent[PATH_MAX], cur[PATH_MAX];

	if (*p != '/')
		return tug_err_set(err, EINVAL, "cgroup %s is not below %s", dir, mount);
	for (;; p = next) {
		next = strchr(p + 1, '/');
		snprintf(parent, sizeof(parent), "%.*s", (int)(p - dir), dir);
		enable_controllers(parent);
		snprintf(cur, sizeof(cur), "%.*s", next ? (int)(next - dir) : (int)strlen(dir),
			 dir);
		if (mkdir(cur, 0755) < 0 && errno != EEXIST)
			return tug_err_sys(err, "create cgroup %s", cur);
		if (!next)
			return 0;
	}
}

static int check_controllers(const char *dir, const struct cgroup_writes *w, struct tug_err *err)
{
	char ctls[1024];
	size_t i;

	if (cg_read(dir, "cgroup.controllers", ctls, sizeof(ctls)) < 0)
		return tug_err_sys(err, "read %s/cgroup.controllers", dir);
	for (i = 0; i < w->n; i++)
		if (strcmp(w->v[i].controller, "cgroup") && !word_in(ctls, w->v[i].controller))
			return tug_err_set(err, ENOTSUP,
					   "%s: cgroup v2 controller '%s' not available",
					   w->v[i].field, w->v[i].controller);
	return 0;
}

static int apply_writes(const char *dir, const struct cgroup_writes *w, const struct bpf_insn *prog,
			size_t nprog, struct tug_err *err)
{
	size_t i;

	if (check_controllers(dir, w, err) < 0)
		return -1;
	for (i = 0; i < w->n; i++) {
		const struct cgroup_write *e = &w->v[i];

		if (cg_write(dir, e->file, e->value) == 0)
			continue;
		/* No swap accounting: "no swap limit" is already true. */
		if (errno == ENOENT && !strcmp(e->file, "memory.swap.max") &&
		    (!strcmp(e->value, "max") || !strcmp(e->value, "0")))
			continue;
		return tug_err_sys(err, "%s: write %s = %s", e->field, e->file, e->value);
	}
	if (nprog) {
		_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return tug_err_sys(err, "open %s", dir);
		if (cgroup_devices_attach(fd, prog, nprog, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_create(const char *dir, const struct cgroup_writes *w, const struct bpf_insn *prog,
		     size_t nprog, char *out, size_t outsz, struct tug_err *err)
{
	bool asked = w->n || nprog;

	if (make_tree(cgroup2_mount(), dir, err) < 0) {
		/* A read-only or foreign tree is as good as none when no
		 * limit was asked: the container runs, uncounted. */
		if (!asked && (err->code == EROFS || err->code == EACCES || err->code == EPERM)) {
			tug_err_clear(err);
			return none_create(dir, w, prog, nprog, out, outsz, err);
		}
		return -1;
	}
	if (apply_writes(dir, w, prog, nprog, err) < 0) {
		rmdir(dir);
		return -1;
	}
	if ((size_t)snprintf(out, outsz, "%s", dir) >= outsz) {
		rmdir(dir);
		return tug_err_set(err, ENAMETOOLONG, "cgroup path %s", dir);
	}
	return 0;
}

static int v2_freeze(const char *path, bool frozen, struct tug_err *err)
{
	char events[512], want[16];
	int i;

	if (cg_write(path, "cgroup.freeze", frozen ? "1" : "0") < 0)
		return tug_err_sys(err, "%s %s/cgroup.freeze (kernel 5.2+)",
				   frozen ? "freeze" : "thaw", path);
	snprintf(want, sizeof(want), "%d", frozen ? 1 : 0);
	/* Freezing is asynchronous: a process in a syscall stops when it
	 * returns to user space. cgroup.events says when all have. */
	for (i = 0; i < 500; i++) {
		if (cg_read(path, "cgroup.events", events, sizeof(events)) < 0)
			return tug_err_sys(err, "read %s/cgroup.events", path);
		if (keyed_value(events, "frozen") == (uint64_t)(frozen ? 1 : 0))
			return 0;
		poll(NULL, 0, 10);
	}
	return tug_err_set(err, ETIMEDOUT, "%s %s: not done after 5 s", frozen ? "freeze" : "thaw",
			   path);
}

static const struct cgroup_ops v2_ops = {
    .name = "v2",
    .create = v2_create,
    .freeze = v2_freeze,
};

/* Chosen once, at first use. */
static const struct cgroup_ops *cgroup_backend(void)
{
	static const struct cgroup_ops *ops;

	if (!ops)
		ops = cgroup2_mount()[0] ? &v2_ops : &none_ops;
	return ops;
}

/* ---- the interface ----------------------------------------------------- */

bool cgroup_controller_usable(const char *controller)
{
	char ctls[1024];

	if (cgroup_backend() != &v2_ops || cg_read(cgroup2_mount(), "cgroup.controllers", ctls,
						   sizeof(ctls)) < 0)
		return false;
	return word_in(ctls, controller);
}

int cgroup_validate_oci(const cJSON *resources, struct tug_err *err)
{
	_cleanup_writes_ struct cgroup_writes w = {0};
	_cleanup_free_ struct bpf_insn *prog = NULL;
	size_t nprog;

	if (cgroup_resources_map(resources, &w, err) < 0)
		return -1;
	return cgroup_devices_program(cJSON_GetObjectItemCaseSensitive(resources, "devices"), &prog,
				      &nprog, err);
}

static int map_all(const cJSON *resources, struct cgroup_writes *w, struct bpf_insn **prog,
		   size_t *nprog, struct tug_err *err)
{
	if (cgroup_resources_map(resources, w, err) < 0)
		return -1;
	return cgroup_devices_program(
	    resources ? cJSON_GetObjectItemCaseSensitive(resources, "devices") : NULL, prog, nprog,
	    err);
}

int cgroup_create_oci(const char *cgroups_path, const char *id, const cJSON *resources, char *out,
		      size_t outsz, struct tug_err *err)
{
	_cleanup_writes_ struct cgroup_writes w = {0};
	_cleanup_free_ struct bpf_insn *prog = NULL;
	const struct cgroup_ops *ops = cgroup_backend();
	char dir[PATH_MAX] = "";
	size_t nprog = 0;

	if (outsz)
		out[0] = '\0';
	if (map_all(resources, &w, &prog, &nprog, err) < 0)
		return -1;
	if (ops == &v2_ops &&
	    resolve_dir(cgroup2_mount(), cgroups_path, id, dir, sizeof(dir), err) < 0)
		return -1;
	if (ops->create(dir, &w, prog, nprog, out, outsz, err) < 0)
		return tug_err_wrap(err, "cgroup for %s", id);
	return 0;
}

int cgroup_enter(const char *path, pid_t pid, struct tug_err *err)
{
	char buf[24];

	if (!path || !*path)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cg_write(path, "cgroup.procs", buf) < 0)
		return tug_err_sys(err, "move pid %d into %s", (int)pid, path);
	return 0;
}

int cgroup_update_oci(const char *path, const cJSON *resources, struct tug_err *err)
{
	_cleanup_writes_ struct cgroup_writes w = {0};
	_cleanup_free_ struct bpf_insn *prog = NULL;
	size_t nprog = 0;

	if (map_all(resources, &w, &prog, &nprog, err) < 0)
		return -1;
	if (!path || !*path)
		return none_create("", &w, prog, nprog, NULL, 0, err);
	return apply_writes(path, &w, prog, nprog, err);
}

int cgroup_freeze(const char *path, bool frozen, struct tug_err *err)
{
	return (path && *path ? &v2_ops : &none_ops)->freeze(path, frozen, err);
}

static int read_pids(const char *path, pid_t **pids, size_t *n, struct tug_err *err)
{
	char file[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ pid_t *v = NULL;
	size_t cap = 0, len = 0;
	long pid;

	*pids = NULL;
	*n = 0;
	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	f = fopen(file, "re");
	if (!f)
		return tug_err_sys(err, "open %s", file);
	while (fscanf(f, "%ld", &pid) == 1) {
		if (len == cap) {
			pid_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				return tug_err_set(err, ENOMEM, "read %s", file);
			v = nv;
		}
		v[len++] = (pid_t)pid;
	}
	*pids = take_ptr(v);
	*n = len;
	return 0;
}

int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct tug_err *err)
{
	*pids = NULL;
	*n = 0;
	if (!path || !*path)
		return 0;
	return read_pids(path, pids, n, err);
}

int cgroup_kill_all(const char *path, int sig, struct tug_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n, i;

	if (!path || !*path)
		return 0;
	/* cgroup.kill (5.14+) also gets processes forking as we read. */
	if (sig == SIGKILL && cg_write(path, "cgroup.kill", "1") == 0)
		return 0;
	if (read_pids(path, &pids, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return tug_err_sys(err, "kill %d", (int)pids[i]);
	return 0;
}

/* Children first: a cgroup with sub-cgroups cannot be removed. */
static int remove_children(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_children(sub);
		rmdir(sub);
	}
	closedir(d);
	return 0;
}

int cgroup_destroy(const char *path, struct tug_err *err)
{
	int i;

	if (!path || !*path)
		return 0;
	for (i = 0; i < 200; i++) {
		remove_children(path);
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return tug_err_sys(err, "remove cgroup %s", path);
		/* Still populated: stragglers get SIGKILL, then a moment. */
		if (i == 0 && cgroup_kill_all(path, SIGKILL, err) < 0)
			return -1;
		poll(NULL, 0, 10);
	}
	return tug_err_set(err, EBUSY, "remove cgroup %s: processes remain after 2 s", path);
}

static uint64_t read_u64(const char *dir, const char *file)
{
	char buf[64];

	if (cg_read(dir, file, buf, sizeof(buf)) < 0)
		return 0;
	if (!strncmp(buf, "max", 3))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

int cgroup_stats(const char *path, struct cgroup_stats *st, struct tug_err *err)
{
	char buf[2048];

	memset(st, 0, sizeof(*st));
	if (!path || !*path)
		return 0;
	if (access(path, F_OK) < 0)
		return tug_err_sys(err, "cgroup %s", path);
	st->mem_current = read_u64(path, "memory.current");
	st->mem_max = read_u64(path, "memory.max");
	st->mem_peak = read_u64(path, "memory.peak");
	st->pids_current = read_u64(path, "pids.current");
	if (cg_read(path, "cpu.stat", buf, sizeof(buf)) == 0)
		st->cpu_usage_usec = keyed_value(buf, "usage_usec");
	if (cg_read(path, "memory.events", buf, sizeof(buf)) == 0)
		st->oom_killed = keyed_value(buf, "oom_kill") > 0;
	return 0;
}
