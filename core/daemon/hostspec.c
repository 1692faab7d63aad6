/*
 * HostConfig -> OCI spec for the fields dockerd maps itself (its
 * daemon/oci_linux.go): rlimits, /dev/shm's size, sysctls, devices and
 * their cgroup rules, oom score, supplementary groups, and the pid, ipc
 * and uts namespaces (private, the host's, or another container's).
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/daemon/hostconfig_check.h"
#include "core/daemon/hostspec.h"
#include "core/daemon/netvol.h"
#include "platform/cleanup.h"
#include "platform/json.h"

static const cJSON *hc_get(const struct container *c, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(c->host_config, key);
}

static int set_rlimits(const struct container *c, cJSON *proc, struct tug_err *err)
{
	const cJSON *ul = hc_get(c, "Ulimits"), *it;
	cJSON *arr;
	int i = 0;

	if (!cJSON_IsArray(ul) || !cJSON_GetArraySize(ul))
		return 0;
	cJSON_DeleteItemFromObject(proc, "rlimits");
	arr = cJSON_AddArrayToObject(proc, "rlimits");
	cJSON_ArrayForEach(it, ul)
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "Name"));
		const cJSON *soft = cJSON_GetObjectItem(it, "Soft");
		const cJSON *hard = cJSON_GetObjectItem(it, "Hard");
		char type[32];
		cJSON *r;

		if (hostconfig_check_ulimit(it, i, err) < 0)
			return -1;
		snprintf(type, sizeof(type), "RLIMIT_%s", name);
		for (char *p = type; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "type", type);
		cJSON_AddNumberToObject(r, "hard", hostconfig_ulimit_value(hard));
		cJSON_AddNumberToObject(r, "soft", hostconfig_ulimit_value(soft));
		cJSON_AddItemToArray(arr, r);
		i++;
	}
	return 0;
}

/* A group by number or by name from the rootfs's /etc/group. */
static int resolve_group(const char *rootfs, const char *g, long *gid, struct tug_err *err)
{
	char path[700], line[1024];
	char *end;
	FILE *f;

	*gid = strtol(g, &end, 10);
	if (*g && !*end)
		return 0;
	snprintf(path, sizeof(path), "%s/etc/group", rootfs);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL, *name = strtok_r(line, ":", &save), *gidf;

		strtok_r(NULL, ":", &save);
		gidf = strtok_r(NULL, ":", &save);
		if (name && gidf && !strcmp(name, g)) {
			*gid = atol(gidf);
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return tug_err_set(err, ENOENT,
			   "Unable to find group %s: no matching entries in group file", g);
}

static int set_groups(const struct container *c, cJSON *proc, struct tug_err *err)
{
	const cJSON *ga = hc_get(c, "GroupAdd"), *it;
	cJSON *user = cJSON_GetObjectItem(proc, "user"), *arr;
	char rootfs[700];

	if (!cJSON_IsArray(ga) || !cJSON_GetArraySize(ga) || !user)
		return 0;
	snprintf(rootfs, sizeof(rootfs), "%s/containers/%s/rootfs", g_daemon->cfg.state_dir, c->id);
	cJSON_DeleteItemFromObject(user, "additionalGids");
	arr = cJSON_AddArrayToObject(user, "additionalGids");
	cJSON_ArrayForEach(it, ga)
	{
		long gid;

		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "HostConfig.GroupAdd: expected strings");
		if (resolve_group(rootfs, it->valuestring, &gid, err) < 0)
			return -1;
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)gid));
	}
	return 0;
}

int hostconfig_process(const struct container *c, cJSON *proc, struct tug_err *err)
{
	const cJSON *oom = hc_get(c, "OomScoreAdj");

	if (set_rlimits(c, proc, err) < 0 || set_groups(c, proc, err) < 0)
		return -1;
	if (cJSON_IsNumber(oom)) {
		if (hostconfig_check_oom(oom, err) < 0)
			return -1;
		cJSON_DeleteItemFromObject(proc, "oomScoreAdj");
		cJSON_AddNumberToObject(proc, "oomScoreAdj", oom->valueint);
	}
	return 0;
}

static cJSON *find_mount(cJSON *spec, const char *dst)
{
	cJSON *m;

	cJSON_ArrayForEach(
	    m,
	    cJSON_GetObjectItem(
		spec,
		"mounts")) if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "destination"))
					   ?: "",
				       dst)) return m;
	return NULL;
}

static void set_shm_size(const struct container *c, cJSON *spec)
{
	const cJSON *sz = hc_get(c, "ShmSize");
	cJSON *m = find_mount(spec, "/dev/shm"), *o, *opts;
	char buf[48];
	int i = 0;

	if (!cJSON_IsNumber(sz) || sz->valuedouble <= 0 || !m)
		return;
	opts = cJSON_GetObjectItem(m, "options");
	snprintf(buf, sizeof(buf), "size=%.0f", sz->valuedouble);
	cJSON_ArrayForEach(o, opts)
	{
		if (cJSON_IsString(o) && !strncmp(o->valuestring, "size=", 5)) {
			cJSON_ReplaceItemInArray(opts, i, cJSON_CreateString(buf));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(opts, cJSON_CreateString(buf));
}

static int set_sysctls(const struct container *c, cJSON *linux_, struct tug_err *err)
{
	const cJSON *sc = hc_get(c, "Sysctls"), *it;
	const char *ipc = cJSON_GetStringValue(hc_get(c, "IpcMode"));
	cJSON *out;

	if (!cJSON_IsObject(sc) || !cJSON_GetArraySize(sc))
		return 0;
	cJSON_DeleteItemFromObject(linux_, "sysctl");
	out = cJSON_AddObjectToObject(linux_, "sysctl");
	cJSON_ArrayForEach(it, sc)
	{
		if (hostconfig_check_sysctl(it, !strcmp(ctr_net_mode(c), "host"),
					    ipc && !strcmp(ipc, "host"), err) < 0)
			return -1;
		cJSON_AddStringToObject(out, it->string, it->valuestring);
	}
	return 0;
}

/* ---- devices ---- */

static cJSON *dev_rules(cJSON *linux_)
{
	cJSON *res = cJSON_GetObjectItem(linux_, "resources"), *d;

	if (!res)
		res = cJSON_AddObjectToObject(linux_, "resources");
	d = cJSON_GetObjectItem(res, "devices");
	return d ? d : cJSON_AddArrayToObject(res, "devices");
}

static void add_rule(cJSON *rules, char type, long major, long minor, const char *access)
{
	cJSON *r = cJSON_CreateObject();
	char t[2] = {type, 0};

	cJSON_AddBoolToObject(r, "allow", true);
	cJSON_AddStringToObject(r, "type", t);
	if (major >= 0)
		cJSON_AddNumberToObject(r, "major", major);
	if (minor >= 0)
		cJSON_AddNumberToObject(r, "minor", minor);
	cJSON_AddStringToObject(r, "access", access);
	cJSON_AddItemToArray(rules, r);
}

static void add_device(cJSON *linux_, const char *path, const struct stat *st, const char *perms)
{
	cJSON *devs = cJSON_GetObjectItem(linux_, "devices"), *d = cJSON_CreateObject();
	char type = S_ISBLK(st->st_mode) ? 'b' : 'c';
	char t[2] = {type, 0};

	if (!devs)
		devs = cJSON_AddArrayToObject(linux_, "devices");
	cJSON_AddStringToObject(d, "path", path);
	cJSON_AddStringToObject(d, "type", t);
	cJSON_AddNumberToObject(d, "major", major(st->st_rdev));
	cJSON_AddNumberToObject(d, "minor", minor(st->st_rdev));
	cJSON_AddNumberToObject(d, "fileMode", st->st_mode & 0777);
	cJSON_AddNumberToObject(d, "uid", 0);
	cJSON_AddNumberToObject(d, "gid", 0);
	cJSON_AddItemToArray(devs, d);
	add_rule(dev_rules(linux_), type, (long)major(st->st_rdev), (long)minor(st->st_rdev),
		 perms);
}

/* nftw has no user pointer: one directory walk at a time (tugd is one thread). */
static struct {
	cJSON *linux_;
	const char *host, *ctr, *perms;
} walk;

static int walk_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	char dst[PATH_MAX];

	(void)ftw;
	if (flag != FTW_F || !(S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)))
		return 0;
	snprintf(dst, sizeof(dst), "%s%s", walk.ctr, p + strlen(walk.host));
	add_device(walk.linux_, dst, st, walk.perms);
	return 0;
}

static int set_devices(const struct container *c, cJSON *linux_, struct tug_err *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, hc_get(c, "Devices"))
	{
		const char *host = cJSON_GetStringValue(cJSON_GetObjectItem(it, "PathOnHost"));
		const char *ctr = cJSON_GetStringValue(cJSON_GetObjectItem(it, "PathInContainer"));
		const char *perms =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "CgroupPermissions"));
		struct stat st;

		if (!host || !*host)
			return tug_err_set(err, EINVAL,
					   "HostConfig.Devices: PathOnHost is required");
		if (!ctr || !*ctr)
			ctr = host;
		if (!perms || !*perms)
			perms = "rwm";
		if (!hostconfig_access_ok(perms))
			return tug_err_set(err, EINVAL, "invalid device mode: %s", perms);
		if (stat(host, &st) < 0)
			return tug_err_set(
			    err, errno,
			    "error gathering device information while adding custom device \"%s\": "
			    "%s",
			    host, errno == ENOENT ? "no such file or directory" : strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			walk = (typeof(walk)){linux_, host, ctr, perms};
			nftw(host, walk_one, 16, FTW_PHYS);
			continue;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return tug_err_set(err, EINVAL,
					   "error gathering device information while adding custom "
					   "device \"%s\": not a device node",
					   host);
		add_device(linux_, ctr, &st, perms);
	}
	return 0;
}

static int set_cgroup_rules(const struct container *c, cJSON *linux_, struct tug_err *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, hc_get(c, "DeviceCgroupRules"))
	{
		char type, acc[8];
		long ma, mi;

		if (hostconfig_parse_cgroup_rule(it, &type, &ma, &mi, acc, err) < 0)
			return -1;
		add_rule(dev_rules(linux_), type, ma, mi, acc);
	}
	return 0;
}

/* ---- namespaces ---- */

static cJSON *ns_entry(cJSON *linux_, const char *type, int *idx)
{
	cJSON *n;

	*idx = 0;
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(linux_, "namespaces"))
	{
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(n, "type")) ?: "", type))
			return n;
		(*idx)++;
	}
	return NULL;
}

/*
 * The host's /dev/shm for IpcMode host, as dockerd binds it. IpcMode
 * container:X joins X's ipc namespace only: X's /dev/shm is a mount of its
 * own mount namespace, which cannot be bound from here (dockerd keeps a
 * host-side shm mount per container; tug does not).
 */
static void share_shm(cJSON *spec, const char *src)
{
	cJSON *mounts = cJSON_GetObjectItem(spec, "mounts"), *m;
	int i = 0;

	cJSON_ArrayForEach(m, mounts)
	{
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "destination")) ?: "",
			    "/dev/shm")) {
			cJSON_ReplaceItemInArray(mounts, i, bundle_bind_entry(src, "/dev/shm", false));
			return;
		}
		i++;
	}
}

static int set_ns_mode(const struct container *c, cJSON *spec, const char *field, const char *type,
		       const char *what, struct tug_err *err)
{
	const char *mode = cJSON_GetStringValue(hc_get(c, field));
	cJSON *linux_ = cJSON_GetObjectItem(spec, "linux"), *n;
	char path[64];
	int idx;

	if (hostconfig_check_ns_mode(mode, field, type, err) < 0)
		return -1;
	if (!mode || !*mode || !strcmp(mode, "private") || !strcmp(mode, "shareable"))
		return 0;
	n = ns_entry(linux_, type, &idx);
	if (!strcmp(mode, "host")) {
		if (n)
			cJSON_DeleteItemFromArray(cJSON_GetObjectItem(linux_, "namespaces"), idx);
		if (!strcmp(type, "uts"))
			cJSON_DeleteItemFromObject(spec, "hostname");
		if (!strcmp(type, "ipc"))
			share_shm(spec, "/dev/shm");
		return 0;
	}
	if (hostconfig_check_ns_mode(mode, field, type, err) < 0)
		return -1;
	{
		struct container *o = ctr_find(g_daemon, mode + 10);

		if (!o)
			return tug_err_set(err, ENOENT, "No such container: %s", mode + 10);
		if (!ctr_is_running(o) || o->pid <= 0)
			return tug_err_set(err, EINVAL,
					   "cannot join %s of a non running container: %s", what,
					   mode + 10);
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)o->pid, type);
		if (n) {
			cJSON_DeleteItemFromObject(n, "path");
			cJSON_AddStringToObject(n, "path", path);
		}
	}
	return 0;
}

int hostconfig_spec(const struct container *c, cJSON *spec, struct tug_err *err)
{
	cJSON *proc = cJSON_GetObjectItem(spec, "process");
	cJSON *linux_ = cJSON_GetObjectItem(spec, "linux");

	if (hostconfig_process(c, proc, err) < 0)
		return -1;
	set_shm_size(c, spec);
	if (set_sysctls(c, linux_, err) < 0 || set_devices(c, linux_, err) < 0 ||
	    set_cgroup_rules(c, linux_, err) < 0)
		return -1;
	if (set_ns_mode(c, spec, "PidMode", "pid", "PID", err) < 0 ||
	    set_ns_mode(c, spec, "IpcMode", "ipc", "IPC", err) < 0 ||
	    set_ns_mode(c, spec, "UTSMode", "uts", "UTS", err) < 0)
		return -1;
	return 0;
}
